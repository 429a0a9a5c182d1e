"""Ground truth of the committed bench is complete and self-consistent.

- angles_sagittal (3D joint centres) equals the commanded angles: the body was posed by them.
- angles_projected (2D keypoints through the camera) agrees with them at the side view
  within the stated tolerance: mean <= 3 deg and max <= 8 deg per angle and clip
  (perspective: a camera 1 m high looks down on floor-level shins when kneeling).
- reps, faults and per-frame arrays are consistent with the frame count.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from hingesynth.clip import KEYPOINT_NAMES, SCHEMA
from hingesynth.motion import FAULT_IDS

ROOT = Path(__file__).resolve().parents[3]
BENCH = ROOT / "bench"
ANGLES = ("hip_flexion_deg", "knee_flexion_deg", "trunk_inclination_deg", "shin_angle_deg")
SIDE_MEAN_TOL_DEG = 3.0
SIDE_MAX_TOL_DEG = 8.0


def _manifest():
    path = BENCH / "manifest.json"
    if not path.exists():
        return []
    return json.loads(path.read_text())["clips"]


CLIPS = _manifest()


def test_bench_has_demo_and_every_drill():
    names = {c["name"] for c in CLIPS}
    assert "demo_rdl" in names
    drills = {c["drill"] for c in CLIPS if c["view"] == "side"}
    assert drills == {"quadruped_sitback", "tall_kneeling_hip_hinge", "cable_pull_through",
                      "romanian_deadlift", "stiff_legged_deadlift"}
    assert {c["view"] for c in CLIPS} >= {"side", "oblique", "front"}
    assert len({c["body"] for c in CLIPS}) >= 3


def test_bench_size_budget():
    total = sum(p.stat().st_size for p in BENCH.rglob("*") if p.is_file())
    assert total <= 40 * 1024 * 1024


@pytest.mark.parametrize("clip", CLIPS, ids=[c["name"] for c in CLIPS])
def test_ground_truth(clip):
    gt = json.loads((BENCH / clip["ground_truth"]).read_text())
    n = gt["frames"]
    assert gt["schema"] == SCHEMA
    assert gt["keypoints_2d"]["names"] == KEYPOINT_NAMES
    assert len(gt["keypoints_2d"]["frames"]) == n
    for group in ("angles_sagittal", "angles_projected", "angles_commanded"):
        for key in ANGLES:
            assert len(gt[group][key]) == n
    assert len(gt["spine_flexion_deg"]) == n
    for rep in gt["reps"]:
        assert 0 <= rep["start_frame"] < rep["bottom_frame"] < rep["end_frame"] < n
    for fault in gt["faults"]:
        assert fault["id"] in FAULT_IDS
        first, last = fault["frames"]
        assert 0 <= first <= last < n
    # Commanded pose -> joint centres: exact up to rounding.
    for key in ANGLES:
        sag = np.array(gt["angles_sagittal"][key])
        cmd = np.array(gt["angles_commanded"][key])
        assert np.max(np.abs(sag - cmd)) < 0.05, key
    if gt["view"] == "side":
        for key in ANGLES:
            err = np.abs(np.array(gt["angles_projected"][key]) - np.array(gt["angles_sagittal"][key]))
            assert err.mean() <= SIDE_MEAN_TOL_DEG and err.max() <= SIDE_MAX_TOL_DEG, (key, err.mean(), err.max())


def test_demo_clip_loses_knee_position_on_last_two_reps():
    gt = json.loads((BENCH / "clips" / "demo_rdl.gt.json").read_text())
    assert len(gt["reps"]) == 5
    rebend = sorted(r for f in gt["faults"] if f["id"] == "knee_rebend" for r in f["reps"])
    assert rebend == [4, 5]
    knee = np.array(gt["angles_sagittal"]["knee_flexion_deg"])
    peak = [knee[r["start_frame"]: r["end_frame"] + 1].max() for r in gt["reps"]]
    assert max(peak[:3]) < 25 and min(peak[3:]) > 40
