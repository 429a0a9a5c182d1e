"""The rep engine on generated tracks: completed lifts only, from any view, live == offline."""

from __future__ import annotations

import numpy as np
import pytest

from hingecoach.core.reps.engine import HingeEngine, analyze_track, run_reps
from hingecoach.core.settings import load_settings
from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement

PARAMS = load_settings().reps


def _count(mv, **kw):
    analysis, _ = analyze_track(fake_hinge_track(mv, **kw))
    return analysis


@pytest.mark.parametrize("n", [1, 3, 10])
def test_counts_each_completed_lift(n):
    mv = hinge_movement(n_reps=n)
    a = _count(mv)
    assert len(a.reps) == n
    for rep, (s, b, e) in zip(a.reps, mv.reps, strict=True):
        # Start/end are where the lifter leaves/reaches the top (within a few degrees).
        assert abs(rep.bottom_frame - b) <= 2
        assert abs(rep.start_frame - s) <= 12
        assert abs(rep.end_frame - e) <= 12


@pytest.mark.parametrize("yaw", [0.0, 30.0, -30.0, 90.0, 180.0])
def test_counts_from_every_view(yaw):
    assert len(_count(hinge_movement(n_reps=4), yaw_deg=yaw, noise_px=1.5).reps) == 4


def test_clip_starting_at_the_bottom_counts_its_first_lift():
    a = _count(hinge_movement(n_reps=3, start_at_bottom=True))
    assert len(a.reps) == 3
    assert a.reps[0].start_frame == 0


def test_final_set_down_is_not_a_rep():
    assert len(_count(hinge_movement(n_reps=3, final_setdown=True)).reps) == 3


def test_lockout_that_never_looks_straight_still_counts():
    # A lifter whose 2D hip angle never goes below ~35°.
    mv = hinge_movement(n_reps=3)
    depth = mv.hip_flexion_deg * 0.6 + 35.0
    assert len(run_reps(depth, 30.0, PARAMS)) == 3


def test_wobble_hold_and_grip_reset_are_not_reps():
    fps = 30.0
    rng = np.random.default_rng(0)
    hold = 5.0 + rng.normal(0, 2.0, int(10 * fps))          # a long hold at lockout
    t = np.arange(int(4 * fps)) / fps
    reset = 80.0 + 10.0 * np.sin(2 * np.pi * 0.5 * t)       # shifting the grip at the bottom
    down = np.linspace(5, 80, 45)
    up = np.linspace(80, 5, 45)
    depth = np.concatenate([hold, down, reset, up, hold])
    assert len(run_reps(depth, fps, PARAMS)) == 1


def test_too_shallow_is_not_a_rep():
    assert _count(hinge_movement(n_reps=3, depth_deg=15.0)).reps == []


def test_live_engine_counts_like_offline():
    mv = hinge_movement(n_reps=3)
    track = fake_hinge_track(mv, noise_px=1.0)
    offline, _ = analyze_track(track)
    engine = HingeEngine(fps=track.fps)
    counted = []
    for i in range(track.n_frames):
        res = engine.push(track.xy[i], track.confidence[i])
        counted += [e.frame for e in res.events if e.kind == "counted"]
    engine.finish()
    assert len(counted) == len(offline.reps) == 3
    # Each lift is counted live before the lifter reaches the top (the lift is 70% done).
    for frame, rep in zip(counted, offline.reps, strict=True):
        assert rep.bottom_frame < frame <= rep.end_frame + 5
    assert set(engine.rep_metrics) == {1, 2, 3}
    assert engine.rep_metrics[1]["hip_flexion_peak_deg"] == pytest.approx(85.0, abs=6.0)


def test_rep_metrics_on_known_movement():
    mv = hinge_movement(n_reps=1, depth_deg=90, knee_deg=20, knee_extra_deg=40, rep_s=4.0)
    a = _count(mv)
    m = a.reps[0].metrics
    assert m["hip_flexion_peak_deg"] == pytest.approx(90.0, abs=1.5)
    assert m["knee_flexion_bottom_deg"] == pytest.approx(60.0, abs=1.5)
    assert m["knee_flexion_range_deg"] == pytest.approx(40.0, abs=2.0)
    assert m["down_s"] == pytest.approx(2.0, abs=0.45)
    assert m["up_s"] == pytest.approx(2.0, abs=0.45)


def test_live_engine_takes_a_backends_skeleton():
    # A camera loop hands over BlazePose-33 frames as the backend makes them.
    from hingecoach.core.track.skeletons import BLAZEPOSE33

    track = fake_hinge_track(hinge_movement(n_reps=2)).standardized()
    xy33 = np.full((track.n_frames, len(BLAZEPOSE33), 2), np.nan)
    conf33 = np.zeros((track.n_frames, len(BLAZEPOSE33)))
    for j, name in enumerate(track.keypoints):
        xy33[:, BLAZEPOSE33.index(name)] = track.xy[:, j]
        conf33[:, BLAZEPOSE33.index(name)] = track.confidence[:, j]
    engine = HingeEngine(fps=track.fps)
    last = None
    for i in range(track.n_frames):
        last = engine.push_pose(xy33[i], conf33[i], BLAZEPOSE33)
    engine.finish()
    assert last is not None and last.rep_count == 2


def test_the_live_engine_without_metrics_counts_the_same_reps():
    # The live session rates reps with the offline rules: its engine keeps only the rep signal.
    track = fake_hinge_track(hinge_movement(n_reps=3), noise_px=1.0)
    full, lean = HingeEngine(fps=track.fps), HingeEngine(fps=track.fps, metrics=False)
    counted = {"full": [], "lean": []}
    for i in range(track.n_frames):
        counted["full"] += [e.frame for e in full.push(track.xy[i], track.confidence[i]).events if e.kind == "counted"]
        res = lean.push(track.xy[i], track.confidence[i])
        counted["lean"] += [e.frame for e in res.events if e.kind == "counted"]
    assert counted["full"] == counted["lean"] and len(counted["lean"]) == 3
    assert set(res.features) == {"hip_flexion_deg", "trunk_tilt_deg", "depth_deg"}
    lean.finish()
    full.finish()
    assert lean.rep_metrics == {} and set(full.rep_metrics) == {1, 2, 3}
