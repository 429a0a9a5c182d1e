"""The desktop loop on a camera, without a camera: OpenCV's capture is replaced by one that
sends a generated hinge set at 30 frames a second (each picture carries its frame's number),
and the pose backend by one that returns that frame's landmarks. The loop must count the reps,
say them, and end the set with the offline analysis of what it saw."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest

from hingecoach.core.coach.coaching import coach_analysis
from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement
from hingecoach.errors import HingeError
from hingecoach.live.loop import LiveOptions, run_live
from hingecoach.live.sources import CameraSource, open_source
from hingecoach.live.speaker import Speaker
from hingecoach.pose import FramePose, register_backend

TRACK = fake_hinge_track(hinge_movement(n_reps=2))


class FakeCapture:
    """cv2.VideoCapture look-alike: TRACK's frames in real time, then the camera 'unplugs'."""

    def __init__(self, index: int) -> None:
        self.i = 0
        self.opened = index == 0

    def isOpened(self) -> bool:  # noqa: N802
        return self.opened

    def read(self) -> tuple[bool, Any]:
        if self.i >= len(TRACK.xy):
            return False, None
        time.sleep(1 / 30)
        bgr = np.zeros((48, 64, 3), np.uint8)
        bgr[0, 0, 0], bgr[0, 0, 1] = divmod(self.i, 256)   # BGR: blue = high byte, green = low
        self.i += 1
        return True, bgr

    def release(self) -> None:
        self.opened = False


class TrackPose:
    """A pose 'model' that reads the frame number off the picture and returns TRACK's landmarks."""

    skeleton = "hinge21"
    keypoints = TRACK.keypoints
    model = "fake-track"

    def __init__(self, model: str, segmentation: bool = False) -> None:
        self.frames_seen = 0

    def process(self, rgb: np.ndarray, t_s: float) -> FramePose:
        i = int(rgb[0, 0, 2]) * 256 + int(rgb[0, 0, 1])      # RGB: the blue byte is last
        self.frames_seen += 1
        return FramePose(xy=TRACK.xy[i], confidence=TRACK.confidence[i], world=None, people=1)

    def close(self) -> None:
        return None


class Recorder:
    def __init__(self) -> None:
        self.said: list[str] = []
        self.lock = threading.Lock()

    def say(self, text: str) -> None:
        with self.lock:
            self.said.append(text)

    def runAndWait(self) -> None:  # noqa: N802
        return None


@pytest.fixture
def camera(monkeypatch: pytest.MonkeyPatch) -> None:
    import cv2

    monkeypatch.setattr(cv2, "VideoCapture", FakeCapture)
    register_backend("fake-track", TrackPose)


def test_a_camera_set_is_counted_spoken_and_analysed(camera: None) -> None:
    offline, tf = analyze_track(TRACK)
    coach_analysis(offline, tf)
    engine = Recorder()
    speaker = Speaker(lambda: engine)
    assert speaker.start() is None
    messages: list[dict[str, Any]] = []
    notes: list[str] = []
    run = run_live(open_source(0, None, False), LiveOptions(countdown_s=0.2, backend="fake-track"), speaker,
                   messages.append, notes.append)
    speaker.close(drain_s=2.0)
    assert notes[0].startswith("The set starts in 0.2 s") and "Go!" in notes
    reps = [m for m in messages if m["type"] == "rep"]
    assert [m["count"] for m in reps] == list(range(1, len(offline.reps) + 1)) and len(reps) == 2
    assert messages[-1]["type"] == "summary" and messages[-1]["reps"] == 2
    assert run.analysis is not None and len(run.analysis.reps) == 2
    assert run.result is not None and run.result.track.attrs["source"]["device"] == "camera"
    assert "1" in engine.said and "2" in engine.said and engine.said[-1].startswith("2 reps.")
    assert run.ended_by == "the camera stopped" and run.frames > 200   # the camera 'unplugged' at the end


def test_a_camera_that_does_not_open_is_one_line(camera: None) -> None:
    with pytest.raises(HingeError, match="--camera 3: no camera with that index could be opened"):
        CameraSource(3)
    with pytest.raises(HingeError, match="0 or more"):
        CameraSource(-1)
