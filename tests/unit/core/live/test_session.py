"""The live session: a recorded stream replayed gives the offline result; bad frames are refused
one by one; the resampling, out-of-view and summary events."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hingecoach.core.coach.coaching import coach_analysis
from hingecoach.core.live import LiveError, LiveEvent, LiveSession
from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement
from hingecoach.core.track.pose_track import PoseTrack


def replay(track: PoseTrack, session: LiveSession, times: np.ndarray | None = None) -> list[LiveEvent]:
    times = track.timestamps_s if times is None else times
    events: list[LiveEvent] = []
    for i in range(track.n_frames):
        events += session.push(float(times[i]), track.xy[i], track.confidence[i])
    last, _ = session.finish()
    return events + last


def offline(track: PoseTrack, drill: str | None = None):  # noqa: ANN201
    analysis, tf = analyze_track(track)
    coach_analysis(analysis, tf, drill_override=drill)
    return analysis


@pytest.mark.parametrize(("movement", "drill"), [
    (hinge_movement(n_reps=3), None),
    (hinge_movement(n_reps=4, knee_extra_deg=45.0), "romanian_deadlift"),
    (hinge_movement(n_reps=3, drift_m=0.12), "romanian_deadlift"),
    (hinge_movement(n_reps=3, lockout_deg=-15.0), "romanian_deadlift"),
    (hinge_movement(n_reps=3, hips_first=0.8), "romanian_deadlift"),
    (hinge_movement(n_reps=3, knee_extra_deg=40.0, pause_s=0.3), "romanian_deadlift"),
])
def test_a_replayed_stream_gives_the_offline_reps_and_faults(movement, drill) -> None:  # noqa: ANN001
    track = fake_hinge_track(movement, noise_px=1.0)
    expected = offline(track, drill)
    session = LiveSession(keypoints=track.keypoints, drill=drill, fps=track.fps, image_size=track.image_size)
    events = replay(track, session)
    reps = [e for e in events if e.type == "rep"]
    assert [e.data["count"] for e in reps] == list(range(1, len(expected.reps) + 1))
    # Each rep's fault events name the faults the offline analysis gives that rep, primary first.
    for rep in expected.reps:
        said = [e.data for e in events if e.type == "fault" and e.data["rep"] == rep.index]
        assert {d["fault"] for d in said} == {f.id for f in rep.faults}
        assert sum(d["primary"] for d in said) == (1 if rep.faults else 0)
        assert all(d["cue"] for d in said)
    summary = events[-1]
    assert summary.type == "summary" and summary.data["reps"] == len(expected.reps)
    assert summary.data["drill"] == expected.drill["id"]
    final = session.analyse()
    assert [r.metrics == e.metrics for r, e in zip(final.reps, expected.reps, strict=True)] == [True] * len(expected.reps)


def test_the_faulted_streams_do_have_faults() -> None:
    # The parametrised cases above would pass vacuously if no fault were found: check one is.
    track = fake_hinge_track(hinge_movement(n_reps=4, knee_extra_deg=45.0), noise_px=1.0)
    events = replay(track, LiveSession(keypoints=track.keypoints, drill="romanian_deadlift", fps=track.fps))
    assert any(e.type == "fault" and e.data["fault"] == "knee_dominant" for e in events)


def test_an_irregular_stream_is_resampled_onto_the_steady_clock() -> None:
    track = fake_hinge_track(hinge_movement(n_reps=3), noise_px=0.5)
    rng = np.random.default_rng(1)
    keep = np.sort(rng.choice(track.n_frames, size=int(track.n_frames * 0.6), replace=False))
    keep[0] = 0
    jitter = track.timestamps_s[keep] + rng.uniform(-0.004, 0.004, size=len(keep))
    jitter[0] = 0.0
    sub = PoseTrack(xy=track.xy[keep], confidence=track.confidence[keep], fps=track.fps, keypoints=track.keypoints,
                    timestamps_s=np.maximum.accumulate(jitter + np.arange(len(keep)) * 1e-6))
    session = LiveSession(keypoints=track.keypoints, fps=30.0)
    events = replay(sub, session)
    assert events[-1].data["reps"] == 3 and sum(e.type == "rep" for e in events) == 3
    # The steady clock covers the stream at 30 fps.
    assert session.n_frames == pytest.approx(sub.timestamps_s[-1] * 30.0, abs=1.5)


def test_bad_frames_are_refused_and_the_session_goes_on() -> None:
    track = fake_hinge_track(hinge_movement(n_reps=1))
    s = LiveSession(keypoints=track.keypoints, fps=track.fps)
    s.push(0.0, track.xy[0], track.confidence[0])
    with pytest.raises(LiveError, match="not after"):
        s.push(0.0, track.xy[1], track.confidence[1])        # repeated timestamp
    with pytest.raises(LiveError, match="not after"):
        s.push(-1.0, track.xy[1], track.confidence[1])       # out of order
    with pytest.raises(LiveError, match="landmarks"):
        s.push(0.1, track.xy[1][:5], track.confidence[1][:5])
    with pytest.raises(LiveError, match="finite"):
        s.push(math.nan, track.xy[1], track.confidence[1])
    with pytest.raises(LiveError, match="numeric"):
        s.push(0.1, "x", track.confidence[1])
    assert s.n_frames == 1
    s.push(1 / track.fps, track.xy[1], track.confidence[1])  # the session goes on
    assert s.n_frames == 2
    s.finish()
    with pytest.raises(LiveError, match="ended"):
        s.push(1.0, track.xy[2], track.confidence[2])
    with pytest.raises(LiveError):
        LiveSession(keypoints=track.keypoints, fps=1000.0)


def test_out_of_view_is_said_once_then_in_view() -> None:
    track = fake_hinge_track(hinge_movement(n_reps=1))
    s = LiveSession(keypoints=track.keypoints, fps=track.fps)
    none = np.zeros(len(track.keypoints))
    events: list[LiveEvent] = []
    for i in range(int(3 * track.fps)):                      # three seconds with no body
        events += s.push(i / track.fps, track.xy[0], none)
    for i in range(int(3 * track.fps), int(4 * track.fps)):  # a second in view
        events += s.push(i / track.fps, track.xy[0], track.confidence[0])
    kinds = [e.type for e in events if e.type in ("not_in_view", "in_view")]
    assert kinds == ["not_in_view", "in_view"]
    msg = next(e for e in events if e.type == "not_in_view").message()
    assert "hips" in msg["message"] and msg["type"] == "not_in_view"


def test_a_long_gap_is_not_bridged() -> None:
    track = fake_hinge_track(hinge_movement(n_reps=1))
    s = LiveSession(keypoints=track.keypoints, fps=10.0)
    s.push(0.0, track.xy[0], track.confidence[0])
    s.push(2.0, track.xy[1], track.confidence[1])
    t = s.track()
    assert t.n_frames == 21 and (t.confidence[1:20] == 0).all() and np.isnan(t.xy[5]).all()


def test_deferred_rating_waits_for_the_caller() -> None:
    track = fake_hinge_track(hinge_movement(n_reps=3, knee_extra_deg=45.0), noise_px=1.0)
    s = LiveSession(keypoints=track.keypoints, drill="romanian_deadlift", fps=track.fps, defer_rating=True)
    events: list[LiveEvent] = []
    pending_seen = False
    for i in range(track.n_frames):
        events += s.push(float(track.timestamps_s[i]), track.xy[i], track.confidence[i])
        pending_seen |= s.has_pending
        if s.has_pending:
            events += s.rate_pending()
    assert pending_seen and not s.has_pending
    assert any(e.type == "fault" for e in events)


def test_an_empty_set_ends_with_an_empty_summary() -> None:
    events, analysis = LiveSession(keypoints=("a", "b")).finish()
    assert analysis is None and events[-1].data["reps"] == 0


def test_world_landmarks_are_kept_on_the_steady_clock() -> None:
    track = fake_hinge_track(hinge_movement(n_reps=1))
    rng = np.random.default_rng(0)
    world = rng.normal(0.0, 0.5, (track.n_frames, len(track.keypoints), 3))
    world[3, 2] = [np.nan, 0.0, 0.0]
    s = LiveSession(keypoints=track.keypoints, fps=track.fps)
    for i in range(track.n_frames):
        s.push(float(track.timestamps_s[i]), track.xy[i], track.confidence[i], world=None if i == 7 else world[i])
    with pytest.raises(LiveError, match="world"):
        s.push(100.0, track.xy[0], track.confidence[0], world=world[0][:3])
    t = s.track()
    assert t.world is not None and t.world.shape == (track.n_frames, len(track.keypoints), 3)
    np.testing.assert_allclose(t.world[10], world[10])
    assert np.isnan(t.world[3, 2]).all() and np.isnan(t.world[7]).all()
    # Frames before the first with world landmarks get none; a set without any keeps none.
    s2 = LiveSession(keypoints=track.keypoints, fps=track.fps)
    s2.push(0.0, track.xy[0], track.confidence[0])
    assert s2.track().world is None
    s2.push(1 / track.fps, track.xy[1], track.confidence[1], world=world[1])
    w2 = s2.track().world
    assert w2 is not None and np.isnan(w2[0]).all()
    np.testing.assert_allclose(w2[1], world[1])


def test_live_reads_each_rep_against_the_neutral_set_as_offline_does() -> None:
    from hingecoach.core.faults.reference import reference_from_metrics

    def track(seed: int, **knobs: float) -> PoseTrack:
        return fake_hinge_track(hinge_movement(n_reps=4, knee_deg=20.0, depth_deg=80.0, **knobs), noise_px=1.5,
                                seed=seed)

    neutral = offline(track(3), "romanian_deadlift")
    ref = reference_from_metrics([r.metrics for r in neutral.reps], "romanian_deadlift")
    squat = track(11, knee_extra_deg=25.0)
    events = replay(squat, LiveSession(keypoints=squat.keypoints, drill="romanian_deadlift", fps=squat.fps,
                                       reference=ref))
    said = {e.data["rep"] for e in events if e.type == "fault" and e.data["fault"] == "knee_dominant"}
    assert said == {1, 2, 3, 4}
    plain = replay(squat, LiveSession(keypoints=squat.keypoints, drill="romanian_deadlift", fps=squat.fps))
    assert sum(e.type == "fault" and e.data["fault"] == "knee_dominant" for e in plain) <= 1
