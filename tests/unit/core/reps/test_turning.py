"""Reps are counted exactly when the lifter turns to or away from the camera part way through a
set (generated keypoints; the rendered version is an open item of issue #17), offline and live."""

from __future__ import annotations

import numpy as np
import pytest

from hingecoach.core.live import LiveSession
from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.track import fakes
from hingecoach.core.track.pose_track import PoseTrack


def turning_track(yaw_from: float, yaw_to: float, n_reps: int = 5, back: bool = False) -> PoseTrack:
    mv = fakes.hinge_movement(n_reps=n_reps)
    body = fakes.Body()
    pts = fakes.body_3d(mv, body)
    t = np.linspace(0.0, 1.0, pts.shape[0])
    path = np.sin(np.pi * t) if back else t          # back: turns and comes back
    yaw = (yaw_from + (yaw_to - yaw_from) * path)[:, None]
    xy = fakes.project(pts, yaw, body)
    base = fakes.fake_hinge_track(mv)
    xy = xy + np.random.default_rng(3).normal(0.0, 1.0, xy.shape)
    return PoseTrack(xy=xy, confidence=base.confidence, fps=base.fps, keypoints=base.keypoints,
                     timestamps_s=base.timestamps_s, image_size=base.image_size)


@pytest.mark.parametrize(("yaw_from", "yaw_to", "back"), [
    (0.0, 90.0, False),    # side on, turns to face the camera
    (90.0, 0.0, False),    # faces the camera, turns side on
    (0.0, 80.0, True),     # turns toward the camera and back
    (0.0, -70.0, False),   # turns away (back toward the camera)
])
def test_reps_are_counted_exactly_while_the_lifter_turns(yaw_from: float, yaw_to: float, back: bool) -> None:
    track = turning_track(yaw_from, yaw_to, back=back)
    analysis, _ = analyze_track(track)
    assert len(analysis.reps) == 5
    live = LiveSession(keypoints=track.keypoints, fps=track.fps)
    counted = 0
    for i in range(track.n_frames):
        counted += sum(e.type == "rep" for e in live.push(float(track.timestamps_s[i]), track.xy[i], track.confidence[i]))
    assert counted == 5
