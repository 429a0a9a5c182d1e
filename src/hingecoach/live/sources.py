"""Where the live frames come from: a camera (OpenCV) or a video file fed as if it were one.

A source yields ``(t_s, rgb)``: the frame's time in seconds (the camera's: a steady clock from
the first frame; the file's: its container time) and the RGB picture in the size pose estimation
sees offline (long side at most :data:`hingecoach.io.video.MAX_LONG_SIDE_PX`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from hingecoach.errors import HingeError
from hingecoach.io.video import MAX_LONG_SIDE_PX, VideoInfo, iter_frames, probe


class VideoSource:
    """A video file, frame by frame, as ``hinge analyze`` decodes it (:func:`iter_frames`).

    ``realtime``: paced at the file's own rate (each frame waits for its time on the wall
    clock; a frame whose pose came late is not dropped, so every frame is analysed as offline);
    otherwise as fast as pose estimation goes."""

    camera = False

    def __init__(self, path: Path, realtime: bool = False) -> None:
        self.info: VideoInfo = probe(path)
        self.path = Path(path)
        self.realtime = realtime
        self.fps: float | None = self.info.fps
        self.warnings: list[str] = []
        #: --realtime: how far pose estimation fell behind the file's clock at worst (seconds).
        self.max_lag_s = 0.0

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        wall0: float | None = None
        t0 = 0.0
        for frame in iter_frames(self.info, warnings=self.warnings):
            if self.realtime:
                now = time.perf_counter()
                if wall0 is None:
                    wall0, t0 = now, frame.t_s
                wait = (frame.t_s - t0) - (now - wall0)
                if wait > 0:
                    time.sleep(wait)
                self.max_lag_s = max(self.max_lag_s, -wait)
            yield frame.t_s, frame.rgb

    def close(self) -> None:
        return None


class CameraSource:
    """A camera by OpenCV index. A grabber thread keeps only the newest frame, so a pose model
    slower than the camera never falls behind it (the frames it had no time for are skipped;
    the session's steady clock bridges them)."""

    camera = True

    def __init__(self, index: int, open_timeout_s: float = 5.0) -> None:
        import cv2

        if index < 0:
            raise HingeError(f"--camera {index}: a camera index is 0 or more")
        self.index = index
        self.fps: float | None = None   # the session's steady clock ([live] fps)
        self.warnings: list[str] = []
        self.max_lag_s = 0.0
        #: Camera frames the loop had no time for (a newer one was taken instead).
        self.skipped = 0
        self._cap = cv2.VideoCapture(index)
        if not self._cap.isOpened():
            self._cap.release()
            raise HingeError(f"--camera {index}: no camera with that index could be opened")
        ok, first = self._cap.read()
        if not ok or first is None:
            self._cap.release()
            raise HingeError(f"--camera {index}: the camera opened but gave no picture")
        self._cv = threading.Condition()
        self._latest: tuple[float, np.ndarray] | None = (time.monotonic(), first)
        self._seq = 1
        self._stop = False
        self._failed = False
        self._thread = threading.Thread(target=self._grab, name="hinge-camera", daemon=True)
        self._thread.start()

    def _grab(self) -> None:
        while not self._stop:
            ok, bgr = self._cap.read()
            with self._cv:
                if not ok or bgr is None:
                    self._failed = True
                    self._cv.notify_all()
                    return
                self._latest = (time.monotonic(), bgr)
                self._seq += 1
                self._cv.notify_all()

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        import cv2

        seen = 0
        t0: float | None = None

        def news(last: int) -> Callable[[], bool]:
            return lambda: self._seq != last or self._failed or self._stop

        while True:
            with self._cv:
                self._cv.wait_for(news(seen), timeout=2.0)
                if self._stop or (self._failed and self._seq == seen):
                    return
                if self._seq == seen:   # no new frame in 2 s: the camera stalled
                    raise HingeError(f"--camera {self.index}: the camera stopped sending pictures")
                self.skipped += max(0, self._seq - seen - 1)
                seen = self._seq
                assert self._latest is not None
                t_mono, bgr = self._latest
            if t0 is None:
                t0 = t_mono
            h, w = bgr.shape[:2]
            scale = min(1.0, MAX_LONG_SIDE_PX / max(h, w))
            if scale < 1.0:
                bgr = cv2.resize(bgr, (int(round(w * scale / 2) * 2), int(round(h * scale / 2) * 2)),
                                 interpolation=cv2.INTER_AREA)
            yield t_mono - t0, np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))

    def close(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify_all()
        self._thread.join(timeout=2.0)
        self._cap.release()


def open_source(camera: int | None, video: Path | None, realtime: bool) -> VideoSource | CameraSource:
    """The source the options name: exactly one of a camera index and a video file."""
    if (camera is None) == (video is None):
        raise HingeError("say where the frames come from: --camera N (a webcam) or --video FILE")
    if video is not None:
        return VideoSource(video, realtime=realtime)
    if realtime:
        raise HingeError("--realtime paces a --video file; a camera is always real time")
    assert camera is not None
    return CameraSource(camera)

