"""A camera turned from the side: the yaw read from the lifter's width, the joints stretched back to
a side view, and the side-view rules run on it."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from hingecoach.core.coach.coaching import coach_analysis
from hingecoach.core.drills import get_drill
from hingecoach.core.faults.detectors import RepContext, detect_faults
from hingecoach.core.kinematics.angles import mid_joints, rectify_joints, trunk_turn_bound_deg, view_yaw_deg, width_ratio
from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.track.fakes import Body, fake_hinge_track, hinge_movement

RDL = dict(n_reps=3, knee_deg=20.0, depth_deg=80.0)


def _coached(yaw: float, seed: int = 3, noise: float = 2.0, **kw):
    track = fake_hinge_track(hinge_movement(**dict(RDL, **kw)), yaw_deg=yaw, noise_px=noise, seed=seed)
    analysis, tf = analyze_track(track)
    coach_analysis(analysis, tf, drill_override="romanian_deadlift")
    return analysis, tf


def test_yaw_from_the_width_ratio():
    assert view_yaw_deg(0.0, 0.58) == 0.0
    assert view_yaw_deg(0.58, 0.58) == 90.0
    assert view_yaw_deg(0.29, 0.58) == pytest.approx(30.0)
    assert view_yaw_deg(2.0, 0.58) == 90.0          # wider than a body facing the camera: front
    assert math.isnan(view_yaw_deg(math.nan, 0.58))


def test_stretching_scales_the_horizontal_about_the_hips_only():
    joints = {"hip": np.array([[100.0, 50.0], [110.0, 50.0]]), "knee": np.array([[130.0, 90.0], [120.0, 80.0]])}
    out = rectify_joints(joints, 0.5)
    assert np.allclose(out["hip"][:, 1], joints["hip"][:, 1]) and np.allclose(out["knee"][:, 1], joints["knee"][:, 1])
    # Distances along x double about the hips' median x (105).
    assert np.allclose(out["knee"][:, 0] - out["hip"][:, 0], 2.0 * (joints["knee"][:, 0] - joints["hip"][:, 0]))
    assert np.allclose(joints["hip"], [[100.0, 50.0], [110.0, 50.0]])   # the input is not changed


@pytest.mark.parametrize("yaw", [45.0, -45.0, 135.0])
def test_a_set_filmed_at_45_degrees_is_read_as_from_the_side(yaw):
    move = hinge_movement(**RDL)
    analysis, tf = analyze_track(fake_hinge_track(move, yaw_deg=yaw, noise_px=1.0, seed=1))
    assert analysis.view["label"] == "oblique" and analysis.view["rules_view"] == "side"
    assert analysis.view["yaw_deg"] == pytest.approx(45.0, abs=8.0)
    # The hip angle against the movement's own: the unstretched 2D angle is off by up to 10-20°.
    err = np.abs(tf.features.hip_flexion_deg - move.hip_flexion_deg)
    assert np.nanmean(err) < 4.0 and np.nanpercentile(err, 95) < 8.0


def test_a_side_view_is_not_stretched():
    analysis, tf = analyze_track(fake_hinge_track(hinge_movement(**RDL), yaw_deg=5.0, noise_px=1.0))
    assert not tf.rectified and tf.sagittal_scale == 1.0 and "yaw_deg" not in analysis.view
    assert analysis.view["rules_view"] == "side"


def test_a_front_view_is_not_stretched():
    analysis, tf = analyze_track(fake_hinge_track(hinge_movement(**RDL), yaw_deg=90.0, noise_px=1.0))
    assert not tf.rectified and analysis.view["rules_view"] == "front"


@pytest.mark.parametrize("yaw", [45.0, -45.0])
def test_side_rules_find_clear_faults_at_45_degrees(yaw):
    for fault, knobs in {"knee_dominant": {"knee_extra_deg": 45.0},
                         "hips_rise_first": {"knee_extra_deg": 20.0, "hips_first": 0.9},
                         "lockout_hyperextension": {"lockout_deg": -20.0}}.items():
        analysis, _ = _coached(yaw, **knobs)
        assert all(fault in {f.id for f in r.faults} for r in analysis.reps), fault


@pytest.mark.parametrize("seed", range(4))
def test_good_form_at_45_degrees_gets_no_cue(seed):
    # Stretching back amplifies the pose jitter along x by 1/cos(yaw): the rules judge movements
    # held (knees that travel for 0.2 s, knees that straighten from the ascent's start to its end).
    analysis, _ = _coached(45.0 if seed % 2 else -45.0, seed=seed, noise=3.0)
    assert not [f.id for r in analysis.reps for f in r.faults]


def test_bar_drift_on_a_turned_view_needs_both_hands_seen():
    analysis, tf = analyze_track(fake_hinge_track(hinge_movement(**dict(RDL, drift_m=0.3)), yaw_deg=30.0,
                                                  noise_px=1.0))
    assert tf.rectified
    specs = get_drill("romanian_deadlift").faults
    ctx = RepContext(rep=tf.reps[0], tf=tf, metrics=analysis.reps[0].metrics,
                     view_confidence=float(analysis.view["sagittal_confidence"]))
    assert "bar_drift" in {f.id for f in detect_faults(ctx, specs, "side")[0]}
    # The far hand hidden behind the body: its mean with the near one no longer cancels the grip.
    conf = tf.track.confidence.copy()
    conf[:, tf.track.keypoints.index("right_wrist")] = 0.2
    hidden = replace(tf, track=replace(tf.track, confidence=conf))
    ctx = replace(ctx, tf=hidden)
    assert "bar_drift" not in {f.id for f in detect_faults(ctx, specs, "side")[0]}


def test_a_broad_shouldered_lifter_is_not_taken_for_a_wider_turn():
    # Shoulders wide for the trunk inflate the width ratio (it reads 55-60° for a 45° turn); the
    # trunk, which can only look shorter than it is as it tips, caps the turn.
    broad = Body(shin_m=0.38, thigh_m=0.38, trunk_m=0.48, shoulder_width_m=0.40, px_per_m=150.0)
    track = fake_hinge_track(hinge_movement(**RDL), yaw_deg=45.0, body=broad, noise_px=1.0, seed=2)
    analysis, tf = analyze_track(track)
    width_only = view_yaw_deg(width_ratio(tf.track, mid_joints(tf.track.xy, tf.track.confidence, 0.3), 95.0), 0.58)
    assert width_only > 55.0
    assert analysis.view["yaw_deg"] == pytest.approx(45.0, abs=4.0)


def test_the_trunk_bound_needs_a_tipped_trunk():
    move = hinge_movement(**RDL)
    track = fake_hinge_track(move, yaw_deg=30.0).standardized()
    joints = mid_joints(track.xy, track.confidence, 0.3)
    ref = 0.55 * 220.0   # the default body's trunk, in pixels
    assert trunk_turn_bound_deg(joints, ref, 30.0, 15) == pytest.approx(30.0, abs=1.0)
    assert math.isnan(trunk_turn_bound_deg(joints, ref, 89.0, 15))       # never tipped that far
    assert math.isnan(trunk_turn_bound_deg(joints, math.nan, 30.0, 15))


def test_a_lifter_who_turns_between_reps_gets_each_rep_stretched_by_its_own_turn():
    # Two reps side-on, then two with the camera 45° round (the lifter turned between them).
    move = hinge_movement(**dict(RDL, n_reps=2))
    side, turned = fake_hinge_track(move, noise_px=1.0, seed=4), fake_hinge_track(move, yaw_deg=45.0, noise_px=1.0, seed=5)
    n = side.n_frames
    both = side.with_step("joined", xy=np.concatenate([side.xy, turned.xy]),
                          confidence=np.concatenate([side.confidence, turned.confidence]),
                          timestamps_s=np.arange(2 * n) / side.fps, world=None)
    analysis, tf = analyze_track(both)
    assert len(analysis.reps) == 4 and analysis.view["rules_view"] == "side"
    truth = np.concatenate([move.hip_flexion_deg, move.hip_flexion_deg])
    err = np.abs(tf.features.hip_flexion_deg - truth)
    # One stretch for the whole clip (its median turn, ~22°) read them 1.4° and 3.9° off on
    # average, 10.8° at worst.
    assert np.nanmean(err[:n]) < 0.8          # the side-on reps are not stretched
    assert np.nanmean(err[n:]) < 1.5 and np.nanmax(err[n:]) < 5.0   # the turned ones by their own turn
    assert analysis.view["yaw_deg"] == pytest.approx(45.0, abs=4.0)   # the most turned rep's
