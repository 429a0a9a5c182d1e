"""An incomplete lockout is read from the hips and the trunk at the top: hips left short lean
the trunk forward; a hip angle that reads flexed under an upright trunk is the thighs misread."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from hingecoach.core.coach.coaching import coach_analysis
from hingecoach.core.faults.detectors import RepContext
from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.track.fakes import Movement, fake_hinge_track, hinge_movement

RDL = dict(knee_deg=20.0, depth_deg=85.0)


def _coached(movement: Movement):
    analysis, tf = analyze_track(fake_hinge_track(movement))
    coach_analysis(analysis, tf, drill_override="romanian_deadlift")
    return analysis, tf


def _top(analysis, tf) -> dict[str, float]:
    rep = tf.reps[0]
    i = RepContext(rep=rep, tf=tf, metrics=analysis.reps[0].metrics, view_confidence=1.0).lockout_index()
    f = tf.features
    return {"hip": float(f.hip_flexion_deg[i]), "trunk": float(f.trunk_inclination_deg[i])}


def test_hips_left_short_with_the_trunk_forward_are_an_incomplete_lockout():
    analysis, tf = _coached(hinge_movement(n_reps=3, **dict(RDL, lockout_deg=20)))
    top = _top(analysis, tf)
    assert top["hip"] > 12 and top["trunk"] > 0
    assert all("incomplete_lockout" in {f.id for f in r.faults} for r in analysis.reps)


def test_a_flexed_hip_under_an_upright_trunk_is_not_an_incomplete_lockout():
    # The same tops with the thighs read tilted forward (knees 25° more bent at each top, as when
    # a plate hides the legs and the pose model guesses them bent): the hip angle still reads 20°,
    # but the trunk stands behind vertical, so the hips are through: no verdict.
    m = hinge_movement(n_reps=3, **dict(RDL, lockout_deg=20))
    tops = (m.hip_flexion_deg < 25.0) & (np.arange(len(m.hip_flexion_deg)) >= m.reps[0][1])
    misread = replace(m, knee_flexion_deg=m.knee_flexion_deg + np.where(tops, 25.0, 0.0))
    analysis, tf = _coached(misread)
    top = _top(analysis, tf)
    assert top["hip"] > 12 and top["trunk"] < 0
    assert not any("incomplete_lockout" in {f.id for f in r.faults} for r in analysis.reps)


def test_a_full_lockout_is_clean():
    analysis, _ = _coached(hinge_movement(n_reps=3, **RDL))
    assert not any("incomplete_lockout" in {f.id for f in r.faults} for r in analysis.reps)


def test_with_the_knee_unseen_at_the_top_the_trunk_must_carry_a_quarter_of_the_hips():
    # Thighs read tilted at the top (knees 16° more bent): the hips read 20° short, the trunk only
    # 4° forward. With the knees seen that is an incomplete lockout (soft knees and hips back); with
    # the knees guessed (a plate over the thighs: visibility 0.6) the thigh is not to be trusted,
    # and 4° of trunk is under a quarter of 20°: no verdict. 10° of trunk carries it either way.
    from hingecoach.core.track.pose_track import PoseTrack

    m = hinge_movement(n_reps=3, **dict(RDL, lockout_deg=20))
    tops = (m.hip_flexion_deg < 25.0) & (np.arange(len(m.hip_flexion_deg)) >= m.reps[0][1])

    def faults(knee_extra: float, knee_seen: bool) -> list[set[str]]:
        track = fake_hinge_track(replace(m, knee_flexion_deg=m.knee_flexion_deg + np.where(tops, knee_extra, 0.0)))
        if not knee_seen:
            conf = track.confidence.copy()
            for name in ("left_knee", "right_knee"):
                conf[tops[:track.n_frames], track.keypoints.index(name)] = 0.6
            track = PoseTrack(xy=track.xy, confidence=conf, fps=track.fps, keypoints=track.keypoints,
                              timestamps_s=track.timestamps_s, image_size=track.image_size, attrs=track.attrs)
        analysis, tf = analyze_track(track)
        coach_analysis(analysis, tf, drill_override="romanian_deadlift")
        return [{f.id for f in r.faults} for r in analysis.reps]

    assert all("incomplete_lockout" in f for f in faults(16.0, knee_seen=True))
    assert not any("incomplete_lockout" in f for f in faults(16.0, knee_seen=False))
    assert all("incomplete_lockout" in f for f in faults(10.0, knee_seen=False))
