"""Kinematics: gap filling, smoothing, facing, view, and signed sagittal angles.

Stage functions are pure: they take a :class:`~hingecoach.core.track.pose_track.PoseTrack` (or arrays from one)
and return new values. Angle functions accept any leading shape, so the offline path calls them
once on the whole track and the live engine calls them on one frame.

Angle conventions (degrees; compatible with Sports2D's joint angles: 0 in the anatomical
standing position, positive in flexion). ``facing`` is +1 when the lifter faces image +x (right)
and -1 when facing left; image y points down.

- ``trunk_inclination_deg``: hip→shoulder from vertical-up; + leaning forward, − leaning back.
- ``thigh_angle_deg``: hip→knee from vertical-down; + knee ahead of the hip.
- ``shin_angle_deg``: ankle→knee from vertical-up; + knee ahead of the ankle.
- ``hip_flexion_deg`` = trunk_inclination + thigh_angle: 0 when trunk and thigh are in line,
  + flexed (folded forward), − extended past straight (leaning back at lockout).
- ``knee_flexion_deg`` = thigh_angle + shin_angle: 0 straight, + bent, − hyperextended.
- ``trunk_tilt_deg``: unsigned trunk inclination from the trunk's vertical extent over its
  standing length, ``arccos(dy / L)``; it needs no side view (the vertical component of the
  trunk does not depend on camera yaw), so the rep engine can use it from the front.

Each joint used in 2D is the confidence-weighted mean of the left and right joints: in a side
view the two project nearly onto each other and the near side dominates; the mean keeps a
far-side joint that the detector guessed from pulling the angle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage, signal

from hingecoach.core.track.pose_track import PoseTrack
from hingecoach.core.track.skeletons import JOINTS
from hingecoach.errors import HingeError

_IDX = {name: i for i, name in enumerate(JOINTS)}
#: Mid-joints built from left/right pairs.
SEGMENT_JOINTS = ("shoulder", "hip", "knee", "ankle", "wrist", "heel", "foot_index", "ear")
_LEFT = np.array([_IDX[f"left_{n}"] for n in SEGMENT_JOINTS])
_RIGHT = np.array([_IDX[f"right_{n}"] for n in SEGMENT_JOINTS])


def _require_standard(track: PoseTrack) -> None:
    if track.keypoints != JOINTS:
        raise HingeError("internal: kinematics needs a standardized track (call .standardized())")


def fill_gaps(track: PoseTrack, max_gap_s: float) -> PoseTrack:
    """Fill missing keypoints in runs no longer than ``max_gap_s`` by linear interpolation.

    NaN runs at the start or end of the track, and runs longer than the limit, stay NaN.
    Filled samples get confidence 0 so later stages can tell measured from filled.
    """
    xy = track.xy.copy()
    max_gap = int(round(max_gap_s * track.fps))
    t = np.arange(track.n_frames)
    for k in range(xy.shape[1]):
        for c in range(2):
            series = xy[:, k, c]
            missing = np.isnan(series)
            if not missing.any() or missing.all():
                continue
            filled = np.interp(t, t[~missing], series[~missing])
            # Only short interior runs are filled.
            edges = np.diff(np.concatenate(([0], missing.astype(np.int8), [0])))
            starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
            for s, e in zip(starts, ends, strict=True):
                if s > 0 and e < len(series) and e - s <= max_gap:
                    series[s:e] = filled[s:e]
    return track.with_step(f"fill_gaps(max_gap_s={max_gap_s})", xy=xy)


def _runs(valid: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate(([0], valid.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def butterworth_sos(fps: float, cutoff_hz: float, order: int) -> np.ndarray:
    """Second-order sections of a low-pass Butterworth; cutoff clipped below Nyquist."""
    nyquist = fps / 2.0
    wn = min(cutoff_hz / nyquist, 0.95)
    return np.asarray(signal.butter(order, wn, btype="low", output="sos"))


def smooth(track: PoseTrack, cutoff_hz: float, order: int = 4) -> PoseTrack:
    """Zero-phase low-pass filter (Butterworth, ``scipy.signal.sosfiltfilt``) for offline use.

    Each keypoint coordinate is filtered over each contiguous run of valid samples; NaNs stay
    NaN. Runs too short for the filter's padding are left as they are.
    """
    sos = butterworth_sos(track.fps, cutoff_hz, order)
    xy = track.xy.copy()
    pad = 3 * (2 * len(sos) + 1)
    for k in range(xy.shape[1]):
        valid = ~np.isnan(xy[:, k, 0])
        for s, e in _runs(valid):
            if e - s > pad:
                xy[s:e, k] = signal.sosfiltfilt(sos, xy[s:e, k], axis=0)
    return track.with_step(f"butterworth_filtfilt(order={order},cutoff_hz={cutoff_hz})", xy=xy)


class CausalSmoother:
    """A forward-only Butterworth for live use: the cascade of ``scipy.signal.sosfilt`` written
    out (transposed direct form II, as scipy computes it) over all keypoint coordinates at once,
    with its state kept between frames.

    Call :meth:`update` once per frame with the (K, 2) keypoints. Each coordinate's filter starts
    in steady state at its first seen value (a keypoint never seen stays NaN and does not hold the
    others back); a missing value (NaN) holds the last output, so the state is never poisoned.
    """

    def __init__(self, fps: float, cutoff_hz: float, order: int = 2) -> None:
        self.sos = butterworth_sos(fps, cutoff_hz, order)
        self._zi_unit = signal.sosfilt_zi(self.sos)           # (sections, 2): steady state for input 1
        self._z: np.ndarray | None = None                     # (sections, 2, coordinates)
        self._ready = np.zeros(0, bool)
        self._last = np.zeros(0)

    def update(self, xy: np.ndarray) -> np.ndarray:
        """Filter one frame of keypoints, shape (K, 2); returns the same shape."""
        flat = xy.reshape(-1).astype(float)
        if self._z is None or self._z.shape[2] != flat.size:
            self._z = np.zeros((len(self.sos), 2, flat.size))
            self._ready = np.zeros(flat.size, bool)
            self._last = np.full(flat.size, np.nan)
        seen = ~np.isnan(flat)
        fresh = seen & ~self._ready
        if fresh.any():
            self._z[:, :, fresh] = self._zi_unit[:, :, None] * flat[fresh]
            self._last[fresh] = flat[fresh]
            self._ready |= fresh
        ready = self._ready
        y = np.where(seen, flat, self._last)
        for k, (b0, b1, b2, _a0, a1, a2) in enumerate(self.sos):
            z0, z1 = self._z[k, 0], self._z[k, 1]
            out = b0 * y + z0
            self._z[k, 0] = np.where(ready, b1 * y - a1 * out + z1, z0)
            self._z[k, 1] = np.where(ready, b2 * y - a2 * out, z1)
            y = out
        y = np.where(ready, y, np.nan)
        self._last = np.where(ready, y, self._last)
        return y.reshape(xy.shape)


def mid_joints(xy: np.ndarray, conf: np.ndarray, min_confidence: float) -> dict[str, np.ndarray]:
    """Confidence-weighted left/right means of the segment joints.

    Parameters
    ----------
    xy : ndarray, shape (..., K, 2) in the standard joint layout
    conf : ndarray, shape (..., K)

    Returns
    -------
    dict of name → ndarray (..., 2); NaN where neither side is usable.
    """
    # All joints at once (one call per frame live, so the per-joint loop's overhead mattered).
    pl, pr = xy[..., _LEFT, :], xy[..., _RIGHT, :]
    cl, cr = conf[..., _LEFT], conf[..., _RIGHT]
    wl = np.where(np.isnan(pl[..., 0]), 0.0, np.maximum(cl, 1e-3))
    wr = np.where(np.isnan(pr[..., 0]), 0.0, np.maximum(cr, 1e-3))
    # A side far below threshold while the other passes is dropped, not averaged in.
    wl = np.where((cl < min_confidence) & (cr >= min_confidence), 0.0, wl)
    wr = np.where((cr < min_confidence) & (cl >= min_confidence), 0.0, wr)
    total = wl + wr
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (np.where(np.isnan(pl), 0.0, pl) * wl[..., None]
                + np.where(np.isnan(pr), 0.0, pr) * wr[..., None]) / total[..., None]
    both = np.where(total[..., None] > 0, mean, np.nan)
    return {name: both[..., j, :] for j, name in enumerate(SEGMENT_JOINTS)}


def _from_vertical(v: np.ndarray, facing: float | np.ndarray, down: bool) -> np.ndarray:
    """Signed angle (deg) of vectors v (..., 2) from vertical-up (or down), + toward facing."""
    dx, dy = v[..., 0], v[..., 1]
    return np.degrees(np.arctan2(facing * dx, dy if down else -dy))


def _wrap(a: np.ndarray) -> np.ndarray:
    return (a + 180.0) % 360.0 - 180.0


@dataclass(frozen=True)
class Angles:
    """Per-frame signed sagittal angles in degrees (conventions in the module docstring)."""

    trunk_inclination_deg: np.ndarray
    thigh_angle_deg: np.ndarray
    shin_angle_deg: np.ndarray
    hip_flexion_deg: np.ndarray
    knee_flexion_deg: np.ndarray


def sagittal_angles(joints: dict[str, np.ndarray], facing: float | np.ndarray) -> Angles:
    """Signed sagittal angles from mid-joints (see :func:`mid_joints`)."""
    trunk = _from_vertical(joints["shoulder"] - joints["hip"], facing, down=False)
    thigh = _from_vertical(joints["knee"] - joints["hip"], facing, down=True)
    shin = _from_vertical(joints["knee"] - joints["ankle"], facing, down=False)
    return Angles(
        trunk_inclination_deg=trunk, thigh_angle_deg=thigh, shin_angle_deg=shin,
        hip_flexion_deg=_wrap(trunk + thigh), knee_flexion_deg=_wrap(thigh + shin),
    )


def segment_length(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean 2D distance between joint arrays (..., 2)."""
    return np.hypot(*(b - a).swapaxes(0, -1))  # type: ignore[no-any-return]


def robust_max(x: np.ndarray, percentile: float) -> float:
    """A high percentile of the finite values (NaN when there are none)."""
    finite = x[np.isfinite(x)]
    return float(np.percentile(finite, percentile)) if finite.size else float("nan")


def trunk_tilt_deg(joints: dict[str, np.ndarray], trunk_ref_px: float | np.ndarray) -> np.ndarray:
    """Unsigned trunk inclination from the trunk's vertical extent (works from any view)."""
    dy = joints["hip"][..., 1] - joints["shoulder"][..., 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.degrees(np.arccos(np.clip(dy / trunk_ref_px, -1.0, 1.0)))  # type: ignore[no-any-return]


def view_yaw_deg(width_ratio: float, front_ratio: float) -> float:
    """The camera's yaw from side-on (degrees, 0-90) read from the width ratio
    (:func:`width_ratio`): shoulders and hips, seen side-on, overlap (0); facing the camera they
    are their full width apart, ``front_ratio`` of the trunk's length for a typical body; between
    the two the width shows ``sin(yaw)`` of it. NaN when the ratio is unknown.

    Not from how far the trunk appears to shorten as it tips: on real side-on clips BlazePose's
    hip-to-shoulder line shortens by 6-30 % at the bottom of a hinge (the back and shoulder
    girdle fold), which would read as 20-45° of yaw.
    """
    if not math.isfinite(width_ratio):
        return math.nan
    return math.degrees(math.asin(min(1.0, max(0.0, width_ratio / front_ratio))))


def trunk_turn_bound_deg(joints: dict[str, np.ndarray], trunk_ref_px: float, min_tilt_deg: float,
                         min_frames: int) -> float:
    """The most the camera can be turned from side-on (degrees), read off the lifter's own trunk
    as it tips forward; NaN with fewer than ``min_frames`` frames tipped ``min_tilt_deg`` or more.

    The trunk's vertical extent ``dy`` reads the same from any yaw, so a trunk of standing length
    ``L`` (``trunk_ref_px``) tipped forward reaches ``sqrt(L² - dy²)`` forward, of which the image
    shows ``cos(yaw)``. A back or shoulder girdle that folds shortens the trunk, so it only shows
    less: the median ratio is at most ``cos(yaw)``, and its arccos an upper bound on the yaw
    (on real side-on clips it reads 20-45°; on a turned camera it caps a width ratio that a
    broad-shouldered lifter inflates).
    """
    d = joints["shoulder"] - joints["hip"]
    dx, dy = np.abs(d[..., 0]), -d[..., 1]
    if not (np.isfinite(trunk_ref_px) and trunk_ref_px > 0):
        return math.nan
    tilt = trunk_tilt_deg(joints, trunk_ref_px)
    with np.errstate(invalid="ignore"):
        reach = np.sqrt(np.clip(trunk_ref_px ** 2 - dy ** 2, 0.0, None))
        use = np.isfinite(dx) & np.isfinite(tilt) & (tilt >= min_tilt_deg) & (reach > 0)
    if use.sum() < max(1, min_frames):
        return math.nan
    ratio = float(np.median(np.clip(dx[use] / reach[use], 0.0, 1.0)))
    return math.degrees(math.acos(ratio))


def rectify_joints(joints: dict[str, np.ndarray], scale: float | np.ndarray) -> dict[str, np.ndarray]:
    """Joints with the image's horizontal stretched by ``1 / scale`` (the cosine of the camera's
    turn; one for the clip, or one per frame of shape (T,))
    about the hips' median position: a turned camera's view brought back to a side view, so the
    sagittal angles and forward distances read as from the side. Vertical positions stay."""
    cx = float(np.nanmedian(joints["hip"][..., 0]))
    out = {}
    for name, p in joints.items():
        q = p.copy()
        q[..., 0] = cx + (p[..., 0] - cx) / scale
        out[name] = q
    return out


def trunk_axis_tilt_deg(hip: np.ndarray, shoulder: np.ndarray) -> np.ndarray:
    """Unsigned angle of the hip→shoulder line from vertical (degrees), per frame, from its
    direction (:func:`trunk_tilt_deg` reads it from the vertical extent instead): 0 upright,
    90 horizontal. Needs no facing, so it holds where the drill's depth is not measured
    (kneeling and quadruped drills)."""
    d = shoulder - hip
    return np.asarray(np.degrees(np.arctan2(np.abs(d[:, 0]), -d[:, 1])))


def facing_direction(joints: dict[str, np.ndarray]) -> np.ndarray:
    """Per-frame facing estimate (+1 right, −1 left, NaN unknown).

    Votes, in order of trust: toes ahead of heels; nose ahead of the ears.
    """
    votes = np.zeros(joints["hip"].shape[:-1])
    weight = np.zeros_like(votes)
    foot = joints["foot_index"][..., 0] - joints["heel"][..., 0]
    ok = np.isfinite(foot)
    votes[ok] += 2.0 * np.sign(foot[ok])
    weight[ok] += 2.0
    return np.where(weight > 0, np.sign(votes), np.nan)  # type: ignore[no-any-return]


def facing_from_nose(nose: np.ndarray, ears: np.ndarray) -> np.ndarray:
    """Facing vote from the nose ahead of the mid-ears (+1 right, −1 left, NaN unknown)."""
    d = nose[..., 0] - ears[..., 0]
    return np.where(np.isfinite(d), np.sign(d), np.nan)  # type: ignore[no-any-return]


#: A trunk counts as tipped (its facing vote is trusted) when the shoulders are more than the
#: trunk's length divided by this (a third) ahead of or behind the hips: standing, kneeling or
#: on all fours. Offline (:func:`overall_facing`) and live (``HingeEngine``) alike.
TIPPED_TRUNK_DIVISOR = 3.0


def overall_facing(track: PoseTrack, joints: dict[str, np.ndarray]) -> tuple[int, float]:
    """The lifter's facing over the clip and the share of frames that agree with it.

    In a hinge the trunk tips forward: frames where the shoulders are well ahead of or behind
    the hips (a third of the trunk length) vote first — that holds standing, kneeling and on all
    fours. Elsewhere the head votes (nose ahead of the ears), then the feet (toes ahead of the
    heels; kneeling or on all fours the toes point back, so they come last).
    """
    lean = joints["shoulder"][:, 0] - joints["hip"][:, 0]
    trunk = segment_length(joints["hip"], joints["shoulder"])
    ref = robust_max(trunk, 95.0)
    tipped = np.abs(lean) > ref / TIPPED_TRUNK_DIVISOR if np.isfinite(ref) else np.zeros(len(lean), bool)
    nose = track.xy[:, _IDX["nose"]]
    votes = np.where(tipped, np.sign(lean), np.nan)
    if not np.isfinite(votes).any():
        votes = facing_from_nose(nose, joints["ear"])
        votes = np.where(np.isnan(votes), facing_direction(joints), votes)
    finite = votes[np.isfinite(votes)]
    if finite.size == 0:
        return 1, 0.0
    if tipped.any():
        # The most tipped quarter of those frames decides: a hinge tips forward much further
        # (60-90°) than a lean back at lockout (10-35°), which may be held longer than the hinge.
        far = np.abs(lean) >= np.nanpercentile(np.abs(lean[tipped]), 75.0)
        mean = float(np.nansum(lean[tipped & far]))
    else:
        mean = float(np.mean(finite))
    facing = 1 if mean >= 0 else -1
    return facing, float(np.mean(finite == facing))


def facing_by_frame(joints: dict[str, np.ndarray], clip_facing: int, fps: float, tip_deg: float,
                    min_run_s: float) -> np.ndarray:
    """Per-frame facing (+1/-1) for a clip where the lifter faces both ways (turned round
    between sets, or an edited demo filmed from several sides).

    Frames with the trunk tipped further than ``tip_deg`` vote with the side the shoulders are
    on. A lean back at lockout tips the other way (up to ~35°, held for seconds), so a run of
    votes counts only when the toes point the same way over it (a run's median toe direction:
    single frames of BlazePose's feet are noisy, a run's are not) and it lasts ``min_run_s``
    (shorter runs are glitches). Every frame takes the vote of the nearest counted frame; with
    none, or all agreeing with ``clip_facing``, it is ``clip_facing`` throughout. Kneeling or on
    all fours the toes point back, so no run counts there and the clip's facing holds."""
    lean = joints["shoulder"][:, 0] - joints["hip"][:, 0]
    n = len(lean)
    out = np.full(n, float(clip_facing))
    ref = robust_max(segment_length(joints["hip"], joints["shoulder"]), 95.0)
    if not np.isfinite(ref) or ref <= 0:
        return out
    with np.errstate(invalid="ignore"):
        idx = np.flatnonzero(np.abs(lean) > ref * math.sin(math.radians(tip_deg)))
    if idx.size == 0:
        return out
    signs = np.sign(lean[idx])
    breaks = np.flatnonzero(np.diff(signs) != 0) + 1
    toes = joints["foot_index"][:, 0] - joints["heel"][:, 0]

    def agrees(run: np.ndarray) -> bool:
        t = toes[idx[run]]
        t = t[np.isfinite(t)]
        return bool(t.size) and float(np.sign(np.median(t))) == float(signs[run[0]])

    kept = [run for run in np.split(np.arange(idx.size), breaks)
            if idx[run[-1]] - idx[run[0]] + 1 >= min_run_s * fps and agrees(run)]
    if not kept:
        return out
    keep = np.concatenate(kept)
    frames, votes = idx[keep], signs[keep]
    if np.all(votes == clip_facing):
        return out
    # The nearest counted frame, before or after.
    i = np.arange(n)
    after = np.minimum(np.searchsorted(frames, i), len(frames) - 1)
    before = np.maximum(after - 1, 0)
    pos = np.where(np.abs(i - frames[before]) <= np.abs(frames[after] - i), before, after)
    return np.asarray(votes[pos], float)


def frame_width_ratio(track: PoseTrack, joints: dict[str, np.ndarray], percentile: float) -> np.ndarray:
    """Per frame, the shoulder and hip width (2D) over the reference trunk length (NaN where
    not seen, or everywhere when the trunk never is): near 0 side-on, ~0.5 facing the camera."""
    ls, rs = track.xy[:, _IDX["left_shoulder"]], track.xy[:, _IDX["right_shoulder"]]
    lh, rh = track.xy[:, _IDX["left_hip"]], track.xy[:, _IDX["right_hip"]]
    trunk_ref = robust_max(segment_length(joints["hip"], joints["shoulder"]), percentile)
    if not np.isfinite(trunk_ref) or trunk_ref <= 0:
        return np.full(track.n_frames, np.nan)
    return (segment_length(ls, rs) + segment_length(lh, rh)) / 2.0 / trunk_ref


def width_ratio(track: PoseTrack, joints: dict[str, np.ndarray], percentile: float) -> float:
    """Median over frames of shoulder and hip width (2D) divided by the reference trunk length."""
    ratio = frame_width_ratio(track, joints, percentile)
    finite = ratio[np.isfinite(ratio)]
    return float(np.median(finite)) if finite.size else float("nan")


def front_frames(track: PoseTrack, joints: dict[str, np.ndarray], percentile: float, front_min: float,
                 min_run_s: float) -> np.ndarray:
    """Frames where the lifter faces the camera for at least ``min_run_s`` within a clip seen
    mostly from another side (an edited demo that cuts to a front view): the width ratio
    (:func:`frame_width_ratio`), median over a second, at least ``front_min``."""
    ratio = np.nan_to_num(frame_width_ratio(track, joints, percentile), nan=0.0)
    ratio = ndimage.median_filter(ratio, size=int(round(track.fps)) | 1, mode="nearest")
    runs, n_runs = ndimage.label(ratio >= front_min)
    out = np.zeros(track.n_frames, bool)
    for k in range(1, n_runs + 1):
        run = runs == k
        if run.sum() >= min_run_s * track.fps:
            out |= run
    return out


def classify_view(ratio: float, side_max: float, front_min: float) -> tuple[str, float]:
    """Side / oblique / front from the width ratio, with a confidence in [0, 1].

    The confidence falls to 0.5 at a class boundary and rises toward 1 away from it.
    """
    if not np.isfinite(ratio):
        return "unknown", 0.0
    if ratio <= side_max:
        return "side", float(min(1.0, 0.5 + (side_max - ratio) / side_max))
    if ratio >= front_min:
        return "front", float(min(1.0, 0.5 + (ratio - front_min) / front_min))
    mid = (side_max + front_min) / 2.0
    half = (front_min - side_max) / 2.0
    return "oblique", float(1.0 - 0.5 * abs(ratio - mid) / half)


def leg_line_x_at(joints: dict[str, np.ndarray], y: np.ndarray) -> np.ndarray:
    """x of the leg (hip→knee→ankle polyline) at image height ``y``; NaN outside the leg."""
    hip, knee, ankle = joints["hip"], joints["knee"], joints["ankle"]
    out = np.full(y.shape, np.nan)
    for a, b in ((hip, knee), (knee, ankle)):
        dy = b[..., 1] - a[..., 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            s = (y - a[..., 1]) / dy
        inside = (s >= 0) & (s <= 1) & np.isnan(out)
        x = a[..., 0] + s * (b[..., 0] - a[..., 0])
        out = np.where(inside, x, out)
    # Below the ankle: the ankle's x; above the hip: the hip's x.
    out = np.where(np.isnan(out) & (y > ankle[..., 1]), ankle[..., 0], out)
    out = np.where(np.isnan(out) & (y < hip[..., 1]), hip[..., 0], out)
    return out


def leg_front_x_at(joints: dict[str, np.ndarray], y: np.ndarray, facing: float | np.ndarray,
                   band_px: np.ndarray | float, samples: int = 9) -> np.ndarray:
    """x of the leg's most forward point (in the facing direction) within ``band_px`` of
    image height ``y``: where a bar at that height meets the legs (the knees when it passes
    them, the shin or thigh elsewhere). NaN where the leg is not seen at any of those heights."""
    offsets = np.linspace(-1.0, 1.0, samples) if np.any(np.asarray(band_px) > 0) else np.zeros(1)
    # All the heights at once, on a leading axis (one call: this runs on every live frame).
    heights = np.asarray(y) + offsets.reshape((-1,) + (1,) * np.ndim(y)) * np.asarray(band_px)
    xs = facing * leg_line_x_at(joints, heights)
    seen = np.isfinite(xs)
    front = np.max(np.where(seen, xs, -np.inf), axis=0)
    return np.where(seen.any(axis=0), facing * front, np.nan)


def despike(x: np.ndarray, window: int) -> np.ndarray:
    """Median-filter a 1-D series over ``window`` frames (``scipy.ndimage.median_filter``),
    removing glitches shorter than half the window; NaNs stay NaN (they are bridged by linear
    interpolation for the filter only)."""
    finite = np.isfinite(x)
    if finite.sum() < 2 or window < 3:
        return x.copy()
    idx = np.arange(len(x))
    filled = np.interp(idx, idx[finite], x[finite])
    out = ndimage.median_filter(filled, size=window, mode="nearest")
    return np.where(finite, out, np.nan)
