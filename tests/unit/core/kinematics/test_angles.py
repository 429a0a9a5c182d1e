"""Signed sagittal angles, facing, view and filters on generated tracks with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from hingecoach.core.kinematics.angles import (
    CausalSmoother,
    facing_by_frame,
    fill_gaps,
    front_frames,
    leg_front_x_at,
    leg_line_x_at,
    sagittal_angles,
    smooth,
)
from hingecoach.core.reps.engine import analyze_track, track_features
from hingecoach.core.settings import load_settings
from hingecoach.core.track.fakes import Body, fake_hinge_track, hinge_movement


def _joints(shoulder, hip, knee, ankle):
    return {"shoulder": np.array(shoulder, float), "hip": np.array(hip, float),
            "knee": np.array(knee, float), "ankle": np.array(ankle, float)}


@pytest.mark.parametrize(
    "pose, facing, expected",
    [
        # standing straight: all zero
        ((( 0, -100), (0, 0), (0, 100), (0, 200)), 1, dict(trunk=0, hip=0, knee=0, shin=0)),
        # trunk horizontal forward (facing right), legs straight: hip flexion 90
        (((100, 0), (0, 0), (0, 100), (0, 200)), 1, dict(trunk=90, hip=90, knee=0, shin=0)),
        # same pose facing left is mirrored: same signed angles
        (((-100, 0), (0, 0), (0, 100), (0, 200)), -1, dict(trunk=90, hip=90, knee=0, shin=0)),
        # leaning back 10° at lockout: negative inclination and hip extension
        (((-17.63, -100), (0, 0), (0, 100), (0, 200)), 1, dict(trunk=-10, hip=-10, knee=0, shin=0)),
        # thigh horizontal, shin vertical (a squat): knee flexion 90, hip 90 with upright trunk
        (((0, -100), (0, 0), (100, 0), (100, 100)), 1, dict(trunk=0, hip=90, knee=90, shin=0)),
        # knee ahead of the ankle by 45°
        (((0, -100), (0, 0), (0, 100), (-100, 200)), 1, dict(trunk=0, hip=0, knee=45, shin=45)),
    ],
)
def test_sagittal_angles_conventions(pose, facing, expected):
    a = sagittal_angles(_joints(*pose), facing)
    assert float(a.trunk_inclination_deg) == pytest.approx(expected["trunk"], abs=0.05)
    assert float(a.hip_flexion_deg) == pytest.approx(expected["hip"], abs=0.05)
    assert float(a.knee_flexion_deg) == pytest.approx(expected["knee"], abs=0.05)
    assert float(a.shin_angle_deg) == pytest.approx(expected["shin"], abs=0.05)


@pytest.mark.parametrize("yaw, facing", [(0.0, "right"), (180.0, "left")])
def test_side_view_angles_match_the_commanded_pose(yaw, facing):
    mv = hinge_movement(n_reps=2, depth_deg=80, knee_deg=20)
    analysis, tf = analyze_track(fake_hinge_track(mv, yaw_deg=yaw))
    assert analysis.view["label"] == "side"
    assert analysis.facing == facing
    hip = tf.features.hip_flexion_deg
    knee = tf.features.knee_flexion_deg
    # Smoothing rounds the turns a little; away from them the angles are exact.
    assert np.nanmax(np.abs(hip - mv.hip_flexion_deg)) < 2.0
    assert np.nanmax(np.abs(knee - mv.knee_flexion_deg)) < 1.0


@pytest.mark.parametrize("yaw, view", [(0.0, "side"), (20.0, "side"), (40.0, "oblique"), (90.0, "front")])
def test_view_classification(yaw, view):
    tf = track_features(fake_hinge_track(yaw_deg=yaw))
    assert tf.view == view


def test_fill_gaps_fills_short_runs_only():
    tr = fake_hinge_track(gap_frames=5)
    filled = fill_gaps(tr, max_gap_s=0.5)
    assert not np.isnan(filled.xy).any()
    long_gap = fake_hinge_track(gap_frames=60)
    assert np.isnan(fill_gaps(long_gap, max_gap_s=0.5).xy).any()
    assert "fill_gaps(max_gap_s=0.5)" in filled.attrs["steps"]


def test_zero_phase_smoothing_reduces_noise_without_lag():
    clean = fake_hinge_track()
    noisy = fake_hinge_track(noise_px=3.0, seed=1)
    smoothed = smooth(noisy, cutoff_hz=6.0)
    err_before = np.nanmean(np.abs(noisy.xy - clean.xy))
    err_after = np.nanmean(np.abs(smoothed.xy - clean.xy))
    assert err_after < 0.7 * err_before
    # Zero phase: the shoulders' lowest point (the bottom of the first rep) keeps its frame.
    sh = clean.keypoints.index("left_shoulder")
    first = slice(0, 120)
    assert abs(int(np.argmax(smoothed.xy[first, sh, 1])) - int(np.argmax(clean.xy[first, sh, 1]))) <= 2


def test_causal_smoother_follows_a_step_and_keeps_state():
    s = CausalSmoother(fps=30.0, cutoff_hz=4.0)
    first = s.update(np.zeros((2, 2)))
    assert np.allclose(first, 0.0)
    out = [s.update(np.ones((2, 2)))[0, 0] for _ in range(60)]
    assert out[0] < 0.5 and out[-1] == pytest.approx(1.0, abs=0.01)
    # A missing frame holds the last output.
    held = s.update(np.full((2, 2), np.nan))
    assert np.isfinite(held).all()


def test_body_scale_does_not_change_normalised_metrics():
    mv = hinge_movement(n_reps=1, shin_extra_deg=15)
    small, _ = analyze_track(fake_hinge_track(mv, body=Body(px_per_m=150)))
    large, _ = analyze_track(fake_hinge_track(mv, body=Body(px_per_m=300), image_size=(1280, 960)))
    a, b = small.reps[0].metrics, large.reps[0].metrics
    assert a["knee_travel_leg"] == pytest.approx(b["knee_travel_leg"], abs=0.01)
    assert a["hip_flexion_peak_deg"] == pytest.approx(b["hip_flexion_peak_deg"], abs=0.5)


@pytest.mark.parametrize("yaw", [0.0, 180.0])
def test_lean_back_at_lockout_does_not_flip_the_facing(yaw):
    # Long holds leaning back at the top outnumber the hinged frames; the hinge still decides.
    track = fake_hinge_track(hinge_movement(n_reps=3, knee_deg=18, depth_deg=85, lockout_deg=-25), yaw_deg=yaw)
    _, tf = analyze_track(track)
    assert tf.facing == (1 if yaw == 0.0 else -1)
    view = load_settings().view
    assert (facing_by_frame(tf.joints, tf.facing, tf.track.fps, view.turn_tip_deg, view.turn_min_s)
            == tf.facing).all()


def _one_after_the_other(a, b):
    """Track ``b`` played after track ``a`` (same frame rate), as in an edited clip."""
    return a.with_step("joined", xy=np.concatenate([a.xy, b.xy]),
                       confidence=np.concatenate([a.confidence, b.confidence]),
                       timestamps_s=np.arange(a.n_frames + b.n_frames) / a.fps, world=None)


def test_a_lifter_who_turns_round_keeps_the_signs_of_the_angles():
    # Two reps facing right, then two facing left (turned round, or a demo edited from the other
    # side): each half gets its own facing, so the hinge reads as a hinge in both.
    move = hinge_movement(n_reps=2, knee_deg=18, depth_deg=85)
    right = fake_hinge_track(move)
    n = right.n_frames
    both = _one_after_the_other(right, fake_hinge_track(move, yaw_deg=180.0))
    analysis, tf = analyze_track(both)
    view = load_settings().view
    facing = facing_by_frame(tf.joints, tf.facing, tf.track.fps, view.turn_tip_deg, view.turn_min_s)
    assert (facing[: n - 30] == 1).all() and (facing[n + 30:] == -1).all()
    assert len(analysis.reps) == 4
    assert all(80.0 < r.metrics["hip_flexion_peak_deg"] < 95.0 for r in analysis.reps)


@pytest.mark.parametrize("facing", [1.0, -1.0])
def test_leg_front_is_where_a_bar_at_that_height_meets_the_legs(facing):
    # Thigh from the hip (0, 0) to a knee pushed 10 px forward at (10, 50), shin back to (0, 100);
    # image y grows downward, "forward" is the facing direction.
    joints = {"hip": np.array([0.0, 0.0]), "knee": np.array([10.0 * facing, 50.0]),
              "ankle": np.array([0.0, 100.0])}
    y = np.array([45.0, 80.0, 120.0])
    line = leg_line_x_at(joints, y)
    assert np.allclose(line, [9.0 * facing, 4.0 * facing, 0.0])
    # Within 10 px of its height a bar just above the knee meets the knee; on the shin, the
    # shin 10 px higher; below the ankle, the ankle.
    assert np.allclose(leg_front_x_at(joints, y, facing, 10.0), [10.0 * facing, 6.0 * facing, 0.0])
    assert np.allclose(leg_front_x_at(joints, y, facing, 0.0), line)
    hidden = dict(joints, knee=np.array([np.nan, np.nan]))
    assert np.isnan(leg_front_x_at(hidden, np.array([80.0]), facing, 10.0)).all()


def test_a_side_clip_that_cuts_to_the_front_counts_the_front_reps_too():
    # Two reps from the side, then two facing the camera (a demo edited from two angles): from
    # the front the hip angle hides the hinge, so those frames count on the trunk's tilt.
    move = hinge_movement(n_reps=2, knee_deg=18, depth_deg=85)
    side, front = fake_hinge_track(move), fake_hinge_track(move, yaw_deg=90.0)
    n = side.n_frames
    both = _one_after_the_other(side, front)
    view = load_settings().view
    _, tf_side = analyze_track(side)
    _, tf_front_only = analyze_track(front)
    analysis, tf = analyze_track(both)
    assert tf.view != "front" and len(tf_side.reps) == 2 and len(tf_front_only.reps) == 2
    assert len(analysis.reps) == 4
    frames = front_frames(tf.track, tf.joints, 95.0, view.front_min_width_ratio, view.front_run_s)
    assert not frames[: n - 30].any() and frames[n + 30: 2 * n - 30].all()
