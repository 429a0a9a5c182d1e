"""Pose backends: turn video frames into a :class:`~hingecoach.core.track.pose_track.PoseTrack`.

Backends are looked up by name (:func:`get_backend`). A backend is a factory for a
:class:`PoseEstimator`, which takes one RGB frame at a time, so the offline path and a live
camera loop drive it the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from hingecoach.errors import HingeError
from hingecoach.pose.estimator import FramePose, PoseEstimator

__all__ = ["FramePose", "PoseEstimator", "get_backend", "register_backend"]


#: factory(model, segmentation=False) → estimator
BackendFactory = Callable[..., PoseEstimator]
_BACKENDS: dict[str, BackendFactory] = {}


def register_backend(name: str, factory: BackendFactory) -> None:
    """Make a backend available by name."""
    _BACKENDS[name] = factory


def get_backend(name: str, model: str, segmentation: bool = False) -> PoseEstimator:
    """Create an estimator by backend name and model variant (``segmentation``: also return
    each frame's trunk silhouette profile, where the backend can)."""
    if name not in _BACKENDS:
        raise HingeError(f"unknown pose backend {name!r}; known backends: {', '.join(sorted(_BACKENDS))}")
    return _BACKENDS[name](model, segmentation=segmentation)


def _mediapipe(model: str, segmentation: bool = False) -> PoseEstimator:
    from hingecoach.pose.mediapipe_backend import MediaPipePose

    return MediaPipePose(model, segmentation=segmentation)


register_backend("mediapipe", _mediapipe)
