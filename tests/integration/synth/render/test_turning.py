"""A lifter who turns during the set: ``camera.yaw_deg`` as keyframes ``[[t_s, yaw_deg], ...]``
(run under .venv-synth by make test-synth).

- keyframes interpolate linearly in time and hold before the first and after the last;
- bad keyframes are refused with the reason; a numeric yaw resolves exactly as before;
- a keyframed clip is rendered and projected with each frame's camera: once the turn is over,
  its keypoints equal those of a clip filmed at the final yaw throughout.
"""

import json

import numpy as np
import pytest
from hingesynth.clip import render_clip
from hingesynth.rig import cache_env
from hingesynth.scenario import resolve, yaw_at, yaw_keyframes
from synth_scenarios import scenario

cache_env()

def test_keyframes_interpolate_linearly_and_hold_at_the_ends():
    kf = [[1.0, 0.0], [3.0, 60.0], [4.0, -30]]
    assert yaw_at(kf, 0.0) == 0.0          # held before the first keyframe
    assert yaw_at(kf, 1.0) == 0.0
    assert yaw_at(kf, 2.0) == pytest.approx(30.0)
    assert yaw_at(kf, 2.5) == pytest.approx(45.0)
    assert yaw_at(kf, 3.0) == pytest.approx(60.0)
    assert yaw_at(kf, 3.5) == pytest.approx(15.0)
    assert yaw_at(kf, 9.0) == -30.0        # held after the last
    assert yaw_at([[2.0, 25.0]], 0.0) == yaw_at([[2.0, 25.0]], 5.0) == 25.0
    assert yaw_at(30, 1.0) == 30.0 and isinstance(yaw_at(30, 1.0), float)


@pytest.mark.parametrize("yaw,match", [
    ([], "empty"),
    ("30", "a number or a list"),
    (True, "a number or a list"),
    (float("nan"), "finite"),
    ([[0.0, 10.0], [1.0]], r"keyframe 1: expected \[t_s, yaw_deg\]"),
    ([[0.0, "10"]], "keyframe 0: expected"),
    ([[0.0, 10.0], [0.0, 20.0]], "increase strictly"),
    ([[1.0, 10.0], [0.5, 20.0]], "increase strictly"),
    ([[-0.5, 10.0]], "negative"),
    ([[0.0, 0.0], [1.0, 120.0]], r"outside \[-90, 90\]"),
    ([[0.0, float("inf")]], "finite"),
])
def test_bad_yaw_is_refused_with_the_reason(tmp_path, yaw, match):
    with pytest.raises(ValueError, match=match):
        yaw_keyframes(yaw)
    with pytest.raises(ValueError, match=match):
        render_clip(scenario(camera={"yaw_deg": yaw}), tmp_path, progress=False)
    assert not list(tmp_path.iterdir())  # refused before anything is written


def test_resolve_keeps_numbers_and_normalises_keyframes():
    fixed = resolve(scenario(camera={"yaw_deg": 30}))
    assert fixed["camera"]["yaw_deg"] == 30 and isinstance(fixed["camera"]["yaw_deg"], int)  # as given
    assert fixed["view"] == "oblique"
    turning = resolve(scenario(camera={"yaw_deg": [[0, 0], [2, 60]]}))
    assert turning["camera"]["yaw_deg"] == [[0.0, 0.0], [2.0, 60.0]]
    assert all(isinstance(v, float) for kf in turning["camera"]["yaw_deg"] for v in kf)
    assert turning["view"] == "turning"
    assert resolve(scenario(camera={"yaw_deg": [[0, 90], [1, 90]]}))["view"] == "front"  # no turn


def test_turning_clip_uses_each_frames_camera(tmp_path):
    keyframes = [[0.1, 0.0], [0.6, 60.0]]
    gt = render_clip(scenario(camera={"yaw_deg": keyframes}), tmp_path / "turn", progress=False)
    fixed = render_clip(scenario(camera={"yaw_deg": 60.0}), tmp_path / "fixed", progress=False)
    on_disk = json.loads((tmp_path / "turn" / "t.gt.json").read_text())
    assert on_disk["camera"]["yaw_deg"] == keyframes == on_disk["scenario"]["camera"]["yaw_deg"]
    assert gt["view"] == "turning" and gt["facing"] in ("left", "right") and gt["near_side"] == "left"
    n = gt["frames"]
    assert len(gt["yaw_deg"]) == n and "yaw_deg" not in fixed
    assert gt["yaw_deg"] == [round(yaw_at(keyframes, i / gt["fps"]), 3) for i in range(n)]
    k_turn = np.array(gt["keypoints_2d"]["frames"])
    k_fixed = np.array(fixed["keypoints_2d"]["frames"])
    held = [i for i in range(n) if i / gt["fps"] >= 0.6]
    turning = [i for i in range(n) if 0.1 < i / gt["fps"] < 0.6]
    assert held and turning
    assert np.array_equal(k_turn[held], k_fixed[held])              # same camera once turned
    assert np.abs(k_turn[turning] - k_fixed[turning]).max() > 5.0   # another camera while turning
    assert np.abs(k_turn[0] - k_fixed[0]).max() > 5.0               # side view at the start
    for key in gt["angles_projected"]:
        assert gt["angles_projected"][key][held[0]:] == fixed["angles_projected"][key][held[0]:]
        assert gt["angles_sagittal"][key] == fixed["angles_sagittal"][key]  # the body is the same
