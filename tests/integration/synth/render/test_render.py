"""The renderer itself (run under .venv-synth by make test-synth):

- the same scenario and seed give byte-identical mp4 files and identical decoded frames;
- a freshly rendered clip's ground truth is self-consistent: joint-centre angles equal the
  commanded ones (< 0.05 deg) and side-view projected angles agree within 3 deg mean, 8 max;
- every fault id in a scenario shows up in the ground truth with frames inside its rep.
"""

import hashlib
import json

import numpy as np
import pytest
from hingesynth.clip import render_clip
from hingesynth.rig import cache_env
from hingesynth.video import read_frames
from synth_scenarios import scenario

cache_env()

def test_same_seed_same_bytes(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    render_clip(scenario(), a, progress=False)
    render_clip(scenario(), b, progress=False)
    ha = hashlib.sha256((a / "t.mp4").read_bytes()).hexdigest()
    hb = hashlib.sha256((b / "t.mp4").read_bytes()).hexdigest()
    assert ha == hb
    fa = read_frames(a / "t.mp4")
    fb = read_frames(b / "t.mp4")
    assert len(fa) == len(fb) > 0
    assert all(np.array_equal(x, y) for x, y in zip(fa, fb, strict=True))
    assert (a / "t.gt.json").read_bytes() == (b / "t.gt.json").read_bytes()


@pytest.mark.parametrize("drill,fault", [
    ("romanian_deadlift", "knee_dominant"),
    ("quadruped_sitback", "shoulders_lead"),
    ("tall_kneeling_hip_hinge", "lockout_hyperextension"),
    ("cable_pull_through", "hips_rise_first"),
    ("stiff_legged_deadlift", "rounded_back"),
])
def test_ground_truth_self_consistent(tmp_path, drill, fault):
    gt = render_clip(scenario(drill=drill, faults=[fault]), tmp_path, progress=False)
    on_disk = json.loads((tmp_path / "t.gt.json").read_text())
    assert on_disk["frames"] == len(read_frames(tmp_path / "t.mp4")) == gt["frames"]
    for key in gt["angles_sagittal"]:
        sag = np.array(gt["angles_sagittal"][key])
        assert np.max(np.abs(sag - np.array(gt["angles_commanded"][key]))) < 0.05, key
        err = np.abs(np.array(gt["angles_projected"][key]) - sag)
        assert err.mean() <= 3.0 and err.max() <= 8.0, (key, err.mean(), err.max())
    ids = {f["id"] for f in gt["faults"]}
    assert ids == {fault}
    rep = gt["reps"][0]
    for f in gt["faults"]:
        assert rep["start_frame"] <= f["frames"][0] <= f["frames"][1] <= rep["end_frame"]


def test_unknown_fault_is_refused(tmp_path):
    with pytest.raises(ValueError, match="does not apply"):
        render_clip(scenario(drill="quadruped_sitback", faults=["bar_drift"]), tmp_path, progress=False)
