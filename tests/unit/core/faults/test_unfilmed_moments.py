"""Rules that compare with a moment the clip must show: the bottom (bar drift) and the way down
(a knee re-bend). A clip that opens with the lifter already moving does not show it, and the rule
gives no verdict there instead of reading a mid-pull frame as the bottom."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from hingecoach.core.coach.coaching import coach_analysis
from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.track.fakes import Movement, fake_hinge_track, hinge_movement

RDL = dict(knee_deg=20.0, depth_deg=85.0)


def _cut(movement: Movement, frames: int) -> Movement:
    """The movement with its first ``frames`` frames cut off (a clip that opens later)."""
    return replace(
        movement,
        hip_flexion_deg=movement.hip_flexion_deg[frames:], knee_flexion_deg=movement.knee_flexion_deg[frames:],
        shin_angle_deg=movement.shin_angle_deg[frames:], wrist_forward_m=movement.wrist_forward_m[frames:],
        heel_rise_m=None if movement.heel_rise_m is None else movement.heel_rise_m[frames:],
        reps=[(max(0, s - frames), max(0, b - frames), e - frames) for s, b, e in movement.reps if e > frames],
    )


def _faults_per_rep(movement: Movement, drill: str) -> list[set[str]]:
    analysis, tf = analyze_track(fake_hinge_track(movement))
    coach_analysis(analysis, tf, drill_override=drill)
    return [{f.id for f in r.faults} for r in analysis.reps]


def test_bar_drift_is_judged_at_a_bottom_the_lifter_rests_in():
    # The clip opens with the lifter at rest at the bottom: that is the bottom, and the drift shows.
    at_rest = hinge_movement(n_reps=2, start_at_bottom=True, **dict(RDL, drift_m=0.3))
    faults = _faults_per_rep(at_rest, "romanian_deadlift")
    assert all("bar_drift" in f for f in faults)


def test_bar_drift_has_no_verdict_where_the_clip_opens_mid_pull():
    # The same set with its first 0.4 s cut: the clip opens on the way up, the hips moving ~13°
    # in the next 0.15 s. Its first frame is no bottom; the next rep (filmed whole) still is.
    moving = _cut(hinge_movement(n_reps=2, start_at_bottom=True, **dict(RDL, drift_m=0.3)), 12)
    hip = moving.hip_flexion_deg
    assert abs(hip[4] - hip[0]) > 8.0   # the premise: moving more than the rule's still_deg
    faults = _faults_per_rep(moving, "romanian_deadlift")
    assert len(faults) == 2
    assert "bar_drift" not in faults[0]
    assert "bar_drift" in faults[1]


def test_a_rebend_needs_the_way_down_in_the_clip():
    # A re-bend is the knees bending on the way up beyond their bend on the way down: the first rep
    # of a clip that opens at the bottom shows no way down, so no verdict; later reps are judged.
    faults = _faults_per_rep(hinge_movement(n_reps=3, start_at_bottom=True, **dict(RDL, rebend_deg=30)),
                             "romanian_deadlift")
    assert "knee_rebend" not in faults[0]
    assert all("knee_rebend" in f for f in faults[1:])
    whole = _faults_per_rep(hinge_movement(n_reps=3, **dict(RDL, rebend_deg=30)), "romanian_deadlift")
    assert all("knee_rebend" in f for f in whole)


def test_cut_keeps_the_movement_consistent():
    m = hinge_movement(n_reps=2, start_at_bottom=True)
    cut = _cut(m, 8)
    assert len(cut.hip_flexion_deg) == len(m.hip_flexion_deg) - 8
    assert np.array_equal(cut.knee_flexion_deg, m.knee_flexion_deg[8:])
