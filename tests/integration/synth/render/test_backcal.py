"""The graded spine-flexion calibration set (hingesynth.backcal): each rep's commanded
spine flexion reaches its own level at the bottom and is 0 at every top, and a scenario
without the ``backcal`` key keeps the timeline the bench renders."""

import numpy as np
import pytest
from hingesynth.backcal import LEVELS_DEG, graded_timeline, scenarios, spine_order
from hingesynth.motion import build_timeline


def test_every_clip_runs_all_levels_in_its_own_order():
    plans = scenarios()
    assert len(plans) == 14 and len({s["name"] for s in plans}) == 14
    for s in plans:
        assert sorted(s["backcal"]["spine_flex_deg"]) == list(LEVELS_DEG)
        assert s["backcal"]["spine_flex_deg"] == spine_order(s["seed"])
    assert len({tuple(s["backcal"]["spine_flex_deg"]) for s in plans}) > 1


@pytest.mark.parametrize("index", [0, 3, 8, 12])
def test_each_rep_reaches_its_level(index):
    s = scenarios()[index]
    tl = graded_timeline(s)
    for rep, target in zip(tl.reps, s["backcal"]["spine_flex_deg"], strict=True):
        spine = np.array([tl.commands[i].get("spine_flex_deg", 0.0)
                          for i in range(rep["start_frame"], rep["end_frame"] + 1)])
        assert spine.max() == pytest.approx(target)
        assert tl.commands[rep["bottom_frame"]]["spine_flex_deg"] == pytest.approx(target)
        assert spine[0] < 0.5 and spine[-1] == 0.0   # from standing (the first frame already moves)


def test_without_the_key_the_timeline_is_untouched():
    s = scenarios()[0]
    plain = {k: v for k, v in s.items() if k != "backcal"}
    a, b = graded_timeline(plain), build_timeline(plain)
    assert [c.get("spine_flex_deg") for c in a.commands] == [c.get("spine_flex_deg") for c in b.commands]


def test_the_deep_clips_reach_deadlift_depth_and_the_first_eleven_render_as_before():
    # The deadlift clips were added after the first eleven: their seeds follow, so the earlier
    # clips (and the numbers measured on them) are unchanged.
    plans = scenarios()
    assert [s["seed"] for s in plans] == list(range(900, 914))
    deep = [s for s in plans if s["drill"] == "barbell_deadlift"]
    assert len(deep) == 3 and all(s["camera"]["yaw_deg"] == 0.0 for s in deep)
    tl = build_timeline(deep[0])
    bottom = tl.commands[tl.reps[0]["bottom_frame"]]
    assert bottom["thigh_deg"] + bottom["trunk_deg"] >= 120.0   # hips folded as a pull from the floor
