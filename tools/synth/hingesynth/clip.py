"""Render one scenario to ``<name>.mp4`` + ``<name>.gt.json``."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from .angles import ANGLE_KEYS, sagittal_angles_2d, sagittal_angles_3d
from .motion import build_timeline
from .scenario import resolve, view_of, yaw_at, yaw_keyframes

SCHEMA = "hingecoach-synth-gt/1"

COCO17 = [
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
]
FOOT = ["left_heel", "right_heel", "left_foot_index", "right_foot_index"]
KEYPOINT_NAMES = COCO17 + FOOT

# Body joints are rig joint centres (bone heads); the face and foot points have no rig
# joint, so they come from anny's COCO regressor (heel, big toe).
RIG_JOINT = {
    "shoulder": "upperarm01", "elbow": "lowerarm01", "wrist": "wrist",
    "hip": "upperleg01", "knee": "lowerleg01", "ankle": "foot",
}
REGRESSOR = {"left_foot_index": "left_big_toe", "right_foot_index": "right_big_toe"}

KEYPOINT_DEFINITION = (
    "Shoulders, elbows, wrists, hips, knees and ankles are the anny rig's joint centres "
    "(heads of bones upperarm01, lowerarm01, wrist, upperleg01, lowerleg01, foot); nose, eyes, "
    "ears, heels and foot_index (big toe) come from anny's COCO keypoint regressor; all are "
    "projected with the clip's pinhole camera (pixels, y down)."
)


def keypoints_3d(body: Any, pose: Any) -> np.ndarray:
    """(K, 3) body-frame positions in KEYPOINT_NAMES order."""
    out = []
    for name in KEYPOINT_NAMES:
        side, _, joint = name.partition("_")
        if joint in RIG_JOINT:
            out.append(pose.heads[body.index(f"{RIG_JOINT[joint]}.{'L' if side == 'left' else 'R'}")])
        else:
            out.append(pose.coco[body.coco_labels.index(REGRESSOR.get(name, name))])
    return np.array(out)


def render_clip(scenario: dict[str, Any], out_dir: Path, progress: bool = True) -> dict[str, Any]:
    """Render the clip and write its ground truth; returns the ground-truth dict."""
    from .render import Renderer
    from .rig import Body
    from .video import VideoWriter

    s = resolve(scenario)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = s["name"]
    tl = build_timeline(s)
    body = Body(s["phenotype"])
    anchor: dict[str, Any] = {}
    if tl.commands[0]["arms"] == "floor":
        anchor = body.quadruped_anchor(tl.commands[0])
    # A keyframed camera yaw (a lifter turning during the set): one yaw per frame, at t = i / fps;
    # every frame is rendered and projected with its own camera.
    turning = yaw_keyframes(s["camera"]["yaw_deg"]) is not None
    yaws = [yaw_at(s["camera"]["yaw_deg"], i / float(s["fps"])) for i in range(len(tl.commands))]
    renderer = Renderer(body, s, s["width"], s["height"])
    writer = VideoWriter(out_dir / f"{name}.mp4", s["width"], s["height"], s["fps"])
    kps2d, kps3d, bars2d, trunk_cmd, ahead_dx = [], [], [], [], []
    t0 = time.time()
    try:
        for i, cmd in enumerate(tl.commands):
            if turning:
                renderer.set_yaw(yaws[i])
            pose = body.solve(cmd, anchor)
            trunk_cmd.append(cmd.get("trunk_solved_deg", cmd["trunk_deg"]))
            frame = renderer.render(pose, s)
            writer.write(frame)
            k3 = keypoints_3d(body, pose)
            kps3d.append(k3)
            kps2d.append(renderer.project(k3))
            bars2d.append(None if pose.bar is None else renderer.project(pose.bar[None])[0].tolist())
            # Facing in the image: the sign of the projected forward direction at the hips of
            # the first frame, seen by this frame's camera.
            hip3 = 0.5 * (kps3d[0][11] + kps3d[0][12])
            ahead = renderer.project(np.stack([hip3, hip3 + np.array([0.0, 0.0, 0.3])]))
            ahead_dx.append(ahead[1, 0] - ahead[0, 0])
            if progress and (i % 60 == 0):
                print(f"  {name}: frame {i}/{len(tl.commands)} ({time.time() - t0:.0f} s)", flush=True)
    finally:
        writer.close()
        renderer.close()
    elapsed = time.time() - t0
    k2 = np.array(kps2d)
    k3 = np.array(kps3d)
    # facing: at the first frame. The 2D angles' facing sign is read where the camera is most
    # side-on (the first frame for a fixed yaw; keyframed yaws stay within +-90, so it does not
    # change sign during the clip, and at +-90 it is degenerate).
    dx = ahead_dx[0]
    first_view = view_of(yaws[0]) if turning else s["view"]
    facing = "camera" if first_view == "front" else ("right" if dx > 0 else "left")
    f_dx = ahead_dx[int(np.argmin(np.abs(yaws)))]
    f = 1.0 if f_dx > 0 else -1.0
    idx = {n: i for i, n in enumerate(KEYPOINT_NAMES)}

    def side_angles(side: str) -> dict[str, np.ndarray]:
        p = lambda j: k2[:, idx[f"{side}_{j}"]]  # noqa: E731
        return sagittal_angles_2d(p("shoulder"), p("hip"), p("knee"), p("ankle"), f)

    near = "left" if s["camera"]["side"] == "left" else "right"
    by_side = {sd: side_angles(sd) for sd in ("left", "right")}
    mid = lambda j: 0.5 * (k3[:, idx[f"left_{j}"]] + k3[:, idx[f"right_{j}"]])  # noqa: E731
    sag = sagittal_angles_3d(mid("shoulder"), mid("hip"), mid("knee"), mid("ankle"))
    cmd_arr = {c: np.array([cm[c] for cm in tl.commands]) for c in ("thigh_deg", "shin_deg")}
    trunk = np.array(trunk_cmd)
    commanded = {
        "hip_flexion_deg": trunk + cmd_arr["thigh_deg"],
        "knee_flexion_deg": cmd_arr["thigh_deg"] + cmd_arr["shin_deg"],
        "trunk_inclination_deg": trunk,
        "shin_angle_deg": cmd_arr["shin_deg"],
    }
    r2 = lambda a: [round(float(v), 3) for v in a]  # noqa: E731
    gt = {
        "schema": SCHEMA,
        "video": f"{name}.mp4",
        "fps": float(s["fps"]),
        "width": int(s["width"]),
        "height": int(s["height"]),
        "frames": len(tl.commands),
        "drill": s["drill"],
        "view": s["view"],
        "camera": {k: s["camera"][k] for k in ("yaw_deg", "distance_m", "height_m", "side", "yfov_deg")},
        "facing": facing,
        "near_side": near,
        **({"yaw_deg": r2(yaws)} if turning else {}),
        "body": s["body"],
        "seed": int(s["seed"]),
        "scenario": s,
        "keypoint_definition": KEYPOINT_DEFINITION,
        "keypoints_2d": {"names": KEYPOINT_NAMES, "frames": [[[round(float(x), 2), round(float(y), 2)] for x, y in fr] for fr in k2]},
        "angles_definition": (
            "angles_sagittal: mid-left/right joint centres (both sides are commanded alike) projected "
            "orthographically onto the body's sagittal plane; angles_projected: the camera-near side's "
            "keypoints_2d with the 2D formulas (angles_projected_by_side has both); angles_commanded: "
            "the angles the pose was built from."
        ),
        "angles_sagittal": {k: r2(sag[k]) for k in ANGLE_KEYS},
        "angles_projected": {k: r2(by_side[near][k]) for k in ANGLE_KEYS},
        "angles_projected_by_side": {sd: {k: r2(v[k]) for k in ANGLE_KEYS} for sd, v in by_side.items()},
        "angles_commanded": {k: r2(v) for k, v in commanded.items()},
        "spine_flexion_deg": r2([c.get("spine_flex_deg", 0.0) for c in tl.commands]),
        "depth": r2(tl.depth),
        "bar_2d": bars2d,
        "bar_gap_m": r2([c.get("bar_gap_m", 0.0) for c in tl.commands]),
        "reps": tl.reps,
        "faults": tl.faults,
        "render": {"generator": "hingesynth", "seconds": round(elapsed, 1)},
    }
    gt["render"].pop("seconds")  # wall time would break bit-for-bit regeneration
    with open(out_dir / f"{name}.gt.json", "w") as fh:
        json.dump(gt, fh, indent=None, separators=(",", ":"), sort_keys=False)
        fh.write("\n")
    if progress:
        print(f"  {name}: {len(tl.commands)} frames in {elapsed:.1f} s ({elapsed / len(tl.commands):.3f} s/frame)", flush=True)
    return gt
