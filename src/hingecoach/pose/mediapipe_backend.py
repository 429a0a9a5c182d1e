"""MediaPipe BlazePose (legacy ``solutions.pose``), offline.

``mediapipe==0.10.21`` ships the *full* landmark model in its wheel; the *lite* and *heavy*
models come from the npm package ``@mediapipe/pose`` and are put beside it by ``make models``.
A missing model is reported with that command — never downloaded at run time.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..errors import HingeError
from ..skeletons import BLAZEPOSE33
from . import FramePose

MODELS = {"lite": 0, "full": 1, "heavy": 2}

# Keep mediapipe's C++ log lines off the user's terminal (read when mediapipe loads).
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def model_path(model: str) -> Path:
    """Where mediapipe looks for a landmark model variant."""
    import mediapipe

    root = Path(mediapipe.__file__).parent
    return root / "modules" / "pose_landmark" / f"pose_landmark_{model}.tflite"


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence what TensorFlow Lite and glog write straight to file descriptor 2 while the
    graph starts (their INFO/WARNING lines are not for the lifter)."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


class MediaPipePose:
    """BlazePose in tracking mode: one person, 33 landmarks, image and world coordinates."""

    skeleton = "blazepose33"
    keypoints = BLAZEPOSE33

    def __init__(self, model: str = "full", segmentation: bool = False) -> None:
        if model not in MODELS:
            raise HingeError(f"unknown model {model!r}; choose one of: {', '.join(MODELS)}")
        if not model_path(model).exists():
            raise HingeError(f"the BlazePose {model} model is not installed; run `make models`")
        try:
            from mediapipe.python.solutions import pose as mp_pose
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise HingeError(f"mediapipe is not installed ({exc}); run `make venv`") from None
        self.model = f"blazepose-{model}"
        # The person mask is reduced to a trunk profile per frame and dropped (memory stays flat).
        self.segmentation = segmentation
        self._warmup = 10  # frames with a person still run quietly
        with _quiet_native_stderr():
            self._pose = mp_pose.Pose(static_image_mode=False, model_complexity=MODELS[model],
                                      smooth_landmarks=False, enable_segmentation=segmentation,
                                      min_detection_confidence=0.5, min_tracking_confidence=0.5)

    def process(self, rgb: np.ndarray, t_s: float) -> FramePose:
        """Landmarks of the most prominent person in one RGB frame."""
        h, w = rgb.shape[:2]
        if self._warmup > 0:
            # The first inferences (detector, then landmarks once a person is seen) initialise
            # delegates that log on the native stderr.
            with _quiet_native_stderr():
                res = self._pose.process(rgb)
            if res.pose_landmarks is not None:
                self._warmup -= 1
        else:
            res = self._pose.process(rgb)
        k = len(BLAZEPOSE33)
        if res.pose_landmarks is None:
            return FramePose(xy=np.full((k, 2), np.nan), confidence=np.zeros(k), world=None, people=0)
        lm = res.pose_landmarks.landmark
        xy = np.array([[p.x * w, p.y * h] for p in lm])
        conf = np.array([p.visibility for p in lm])
        world = None
        if res.pose_world_landmarks is not None:
            world = np.array([[p.x, p.y, p.z] for p in res.pose_world_landmarks.landmark])
        profile = None
        if self.segmentation and res.segmentation_mask is not None:
            from ..back import profile_from_landmarks

            profile = profile_from_landmarks(res.segmentation_mask, xy, BLAZEPOSE33)
        return FramePose(xy=xy, confidence=conf, world=world, people=1, profile=profile)

    def close(self) -> None:
        """Release the graph."""
        self._pose.close()
