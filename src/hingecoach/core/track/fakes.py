"""Fake pose tracks of known movements, so core tests need no video.

:func:`fake_hinge_track` builds a lifter from segment lengths and joint angles, frame by frame,
in 3D (forward, up, lateral), and projects it for a camera at any yaw (0° = side view facing
right, 180° = side view facing left, 90° = front view). The angles it was built from are the
ground truth the tests check against.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hingecoach.core.track.pose_track import PoseTrack
from hingecoach.core.track.skeletons import JOINTS

_I = {n: i for i, n in enumerate(JOINTS)}


@dataclass(frozen=True)
class Body:
    """Segment lengths in metres and the pixel scale of the camera."""

    shin_m: float = 0.45
    thigh_m: float = 0.45
    trunk_m: float = 0.55
    upper_arm_m: float = 0.30
    forearm_m: float = 0.28
    head_m: float = 0.22
    hip_width_m: float = 0.30
    shoulder_width_m: float = 0.38
    foot_m: float = 0.22
    px_per_m: float = 220.0


@dataclass(frozen=True)
class Movement:
    """Per-frame joint angles (degrees) of a hinge set; arrays of equal length."""

    hip_flexion_deg: np.ndarray
    knee_flexion_deg: np.ndarray
    shin_angle_deg: np.ndarray
    #: Wrist offset forward of the hanging-arm position, in metres (bar drift).
    wrist_forward_m: np.ndarray
    #: True rep boundaries (start, bottom, end) in frames.
    reps: list[tuple[int, int, int]] = field(default_factory=list)
    #: Heel height above its standing place, in metres (heel lift); None: flat feet.
    heel_rise_m: np.ndarray | None = None


def hinge_movement(n_reps: int = 3, fps: float = 30.0, *, depth_deg: float = 85.0,
                   knee_deg: float = 20.0, knee_extra_deg: float = 0.0, shin_extra_deg: float = 0.0,
                   rep_s: float = 3.0, pause_s: float = 1.0, lead_s: float = 1.0,
                   tail_s: float = 1.0, lockout_deg: float = 0.0, hips_first: float = 0.0,
                   drift_m: float = 0.0, rebend_deg: float = 0.0, heel_lift_m: float = 0.0,
                   start_at_bottom: bool = False,
                   final_setdown: bool = False) -> Movement:
    """A set of hinge reps with a cosine depth profile.

    ``knee_extra_deg`` bends the knees further with depth (a squatted hinge); ``shin_extra_deg``
    drives the knees forward with depth; ``lockout_deg`` < 0 leans back at the top of each rep
    (the stand before the set is straight);
    ``hips_first`` in [0, 1] straightens the knees ahead of the hips on the way up;
    ``drift_m`` moves the hands forward with depth; ``rebend_deg`` bends the knees again halfway
    up (an RDL turned into a deadlift on the way up); ``heel_lift_m`` raises the heels with depth;
    ``start_at_bottom`` starts the clip at the
    bottom of the first rep; ``final_setdown`` ends with a descent and no lift.
    """
    n_rep = int(rep_s * fps)
    segs: list[np.ndarray] = []
    knee_segs: list[np.ndarray] = []
    bend_segs: list[np.ndarray] = []
    reps: list[tuple[int, int, int]] = []
    t0 = 0

    def hold(seconds: float, value: float = 0.0) -> None:
        nonlocal t0
        n = int(seconds * fps)
        segs.append(np.full(n, value))
        knee_segs.append(np.zeros(n))
        bend_segs.append(np.zeros(n))
        t0 += n

    hold(lead_s)
    for r in range(n_reps):
        phase = np.linspace(0.0, 2.0 * np.pi, n_rep, endpoint=False)
        x = (1 - np.cos(phase)) / 2.0  # 0 → 1 → 0
        up = phase > np.pi
        # Hips rising first: on the way up the knees straighten in the first half of the
        # ascent while the hips stay folded (the trunk tips forward), then the hips extend.
        u = np.where(up, 1.0 - x, 0.0)
        knee_share = np.where(up, (1 - hips_first) * x + hips_first * np.clip(1 - 2 * u, 0, 1), x)
        hip_share = np.where(up, (1 - hips_first) * x + hips_first * np.clip(2 * (1 - u), 0, 1), x)
        bend = np.where(up, np.sin(np.clip(phase - np.pi, 0.0, np.pi)), 0.0)
        if r == 0 and start_at_bottom:
            half = n_rep // 2
            segs = [hip_share[half:]]
            knee_segs = [knee_share[half:]]
            bend_segs = [bend[half:]]
            t0 = len(x) - half
            reps.append((0, 0, t0 - 1))
        else:
            segs.append(hip_share)
            knee_segs.append(knee_share)
            bend_segs.append(bend)
            reps.append((t0, t0 + n_rep // 2, t0 + n_rep - 1))
            t0 += n_rep
        hold(pause_s)
    if final_setdown:
        x = (1 - np.cos(np.linspace(0, np.pi, n_rep // 2))) / 2.0
        segs.append(x)
        knee_segs.append(x)
        bend_segs.append(np.zeros(len(x)))
        t0 += len(x)
        hold(tail_s, 1.0)
    else:
        hold(tail_s)
    frac = np.concatenate(segs)
    kfrac = np.concatenate(knee_segs)
    # The lifter stands straight (0 = trunk and thigh in line) before the set; the top of every
    # rep after it sits at lockout_deg (the switch at the first bottom, where it has no weight).
    top = np.where(np.arange(len(frac)) >= reps[0][1], lockout_deg, 0.0) if reps else np.zeros(len(frac))
    hip = frac * depth_deg + (1.0 - frac) * top
    knee = knee_deg + kfrac * knee_extra_deg + np.concatenate(bend_segs) * rebend_deg
    shin = knee * 0.5 + kfrac * shin_extra_deg
    return Movement(hip_flexion_deg=hip, knee_flexion_deg=knee, shin_angle_deg=shin,
                    wrist_forward_m=frac * drift_m, reps=reps, heel_rise_m=frac * heel_lift_m)


def _unit(angle_deg: np.ndarray, fwd_sign: float, up_sign: float) -> np.ndarray:
    """Unit vectors (T, 2) in (forward, up) at ``angle_deg`` from vertical."""
    a = np.radians(angle_deg)
    return np.stack([fwd_sign * np.sin(a), up_sign * np.cos(a)], axis=-1)


def body_3d(m: Movement, body: Body) -> np.ndarray:
    """Joint positions (T, K, 3) in metres: forward, up, lateral (left = +)."""
    t = len(m.hip_flexion_deg)
    shin = m.shin_angle_deg
    thigh = m.knee_flexion_deg - shin
    trunk = m.hip_flexion_deg - thigh
    ankle = np.zeros((t, 2))
    knee = ankle + body.shin_m * _unit(shin, 1.0, 1.0)
    hip = knee + body.thigh_m * _unit(thigh, -1.0, 1.0)
    shoulder = hip + body.trunk_m * _unit(trunk, 1.0, 1.0)
    # The hands hang to the front of the legs (the bar slides along them), plus any drift.
    wrist_y = shoulder[:, 1] - body.upper_arm_m - body.forearm_m
    lo = np.minimum(wrist_y, hip[:, 1])
    s_thigh = np.clip((hip[:, 1] - lo) / np.maximum(hip[:, 1] - knee[:, 1], 1e-6), 0.0, 1.0)
    leg_x = np.where(lo >= knee[:, 1], hip[:, 0] + s_thigh * (knee[:, 0] - hip[:, 0]),
                     knee[:, 0] + np.clip((knee[:, 1] - lo) / np.maximum(knee[:, 1], 1e-6), 0, 1)
                     * (ankle[:, 0] - knee[:, 0]))
    wrist = np.stack([leg_x + 0.06 + m.wrist_forward_m, wrist_y], -1)
    elbow = (shoulder + wrist) / 2.0
    head = shoulder + body.head_m * _unit(trunk + 20.0, 1.0, 1.0)
    ear = head - np.array([0.05, 0.0])
    heel = ankle + np.array([-0.05, -0.06])
    if m.heel_rise_m is not None:
        heel = heel + np.stack([np.zeros(t), m.heel_rise_m], axis=-1)
    toe = ankle + np.array([body.foot_m - 0.05, -0.07])
    out = np.zeros((t, len(JOINTS), 3))
    sagittal = {"shoulder": shoulder, "elbow": elbow, "wrist": wrist, "hip": hip, "knee": knee,
                "ankle": ankle, "heel": heel, "foot_index": toe, "ear": ear, "eye": head}
    for name, p in sagittal.items():
        half = (body.shoulder_width_m if name in ("shoulder", "elbow", "wrist") else
                0.15 if name in ("ear", "eye") else body.hip_width_m) / 2.0
        if name == "eye":
            half = 0.03
        for side, sign in (("left", 1.0), ("right", -1.0)):
            out[:, _I[f"{side}_{name}"], :2] = p
            out[:, _I[f"{side}_{name}"], 2] = sign * half
    out[:, _I["nose"], :2] = head + np.array([0.08, -0.03])
    return out


def project(points: np.ndarray, yaw_deg: float, body: Body,
            image_size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """Orthographic projection for a level camera at ``yaw_deg`` (0 = side, facing right)."""
    a = np.radians(yaw_deg)
    x = points[..., 0] * np.cos(a) + points[..., 2] * np.sin(a)
    y = points[..., 1]
    w, h = image_size
    px = w / 2.0 + body.px_per_m * x
    py = h * 0.9 - body.px_per_m * y
    return np.stack([px, py], axis=-1)


def fake_hinge_track(movement: Movement | None = None, *, fps: float = 30.0, yaw_deg: float = 0.0,
                     body: Body | None = None, noise_px: float = 0.0, gap_frames: int = 0,
                     seed: int = 0, image_size: tuple[int, int] = (640, 480)) -> PoseTrack:
    """A :class:`PoseTrack` of ``movement`` seen from ``yaw_deg``, with optional noise and gaps.

    ``gap_frames`` blanks that many consecutive frames of every keypoint in the middle.
    """
    movement = movement or hinge_movement(fps=fps)
    body = body or Body()
    pts = body_3d(movement, body)
    xy = project(pts, yaw_deg, body, image_size)
    rng = np.random.default_rng(seed)
    if noise_px:
        xy = xy + rng.normal(0.0, noise_px, xy.shape)
    conf = np.full(xy.shape[:2], 0.95)
    if gap_frames:
        mid = xy.shape[0] // 2
        xy[mid:mid + gap_frames] = np.nan
        conf[mid:mid + gap_frames] = 0.0
    t = xy.shape[0]
    return PoseTrack(xy=xy, confidence=conf, fps=fps, keypoints=JOINTS,
                     timestamps_s=np.arange(t) / fps, image_size=image_size,
                     attrs={"backend": "fake", "skeleton": "hinge21",
                            "source": {"path": "fake", "kind": "generated"}})


def quadruped_movement(n_reps: int = 3, fps: float = 30.0, *, shoulders_lead: bool = False,
                       rep_s: float = 3.0, pause_s: float = 1.0, depth_deg: float = 60.0) -> Movement:
    """Quadruped sitbacks: shins on the floor, hips slide back toward the heels.

    The thigh swings back (hip flexion grows from 90°) while the trunk tips a little; with
    ``shoulders_lead`` the trunk moves 0.4 s before the thigh (the shoulders start the motion).
    """
    n_rep, n_pause = int(rep_s * fps), int(pause_s * fps)
    lag = int(0.4 * fps) if shoulders_lead else 0
    total = n_pause + n_reps * (n_rep + n_pause) + lag
    t = np.arange(total)
    thigh = np.zeros(total)
    trunk_drop = np.zeros(total)
    reps = []
    for r in range(n_reps):
        s = n_pause + r * (n_rep + n_pause)
        phase = np.linspace(0.0, 2.0 * np.pi, n_rep, endpoint=False)
        x = (1 - np.cos(phase)) / 2.0
        thigh[s + lag:s + lag + n_rep] = depth_deg * x
        trunk_drop[s:s + n_rep] = 20.0 * x
        reps.append((s, s + lag + n_rep // 2, s + lag + n_rep - 1))
    trunk = 90.0 - trunk_drop
    shin = np.full(total, 90.0)
    knee = thigh + shin
    hip = trunk + thigh
    _ = t
    return Movement(hip_flexion_deg=hip, knee_flexion_deg=knee, shin_angle_deg=shin,
                    wrist_forward_m=np.zeros(total), reps=reps)
