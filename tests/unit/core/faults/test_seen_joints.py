"""Knee rules need the knee's chain seen, not guessed: an ankle the pose model barely sees (a
plate on the camera's side hides the shins) gives a knee angle, but no verdict on it."""

from __future__ import annotations

import pytest

from hingecoach.core.coach.coaching import coach_analysis
from hingecoach.core.drills import get_drill
from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement
from hingecoach.core.track.skeletons import JOINTS

SQUATTED = dict(n_reps=3, knee_deg=20.0, depth_deg=80.0, knee_extra_deg=45.0)


def _faults(ankle_visibility: float) -> list[set[str]]:
    track = fake_hinge_track(hinge_movement(**SQUATTED), noise_px=1.0, seed=3)
    conf = track.confidence.copy()
    for side in ("left", "right"):
        conf[:, JOINTS.index(f"{side}_ankle")] = ankle_visibility
    analysis, tf = analyze_track(track.with_step("ankles", confidence=conf))
    coach_analysis(analysis, tf, drill_override="romanian_deadlift")
    return [{f.id for f in r.faults} | {f.id for f in r.watch} for r in analysis.reps]


def test_the_knee_rules_name_the_joints_they_need_seen() -> None:
    rules = {s.id: s for s in get_drill("romanian_deadlift").faults}
    for fid in ("knee_dominant", "knees_forward", "knee_rebend", "knees_locked_start"):
        assert set(rules[fid].params["seen_joints"]) == {"hip", "knee", "ankle"}
        assert rules[fid].params["min_visibility"] == pytest.approx(0.8)


def test_a_squatted_hinge_is_called_with_the_ankles_seen_and_not_judged_with_them_guessed() -> None:
    assert all("knee_dominant" in f for f in _faults(0.95))
    guessed = _faults(0.5)
    assert guessed and not any("knee_dominant" in f for f in guessed)   # not even as "watch"
