"""Pose backends: turn video frames into a :class:`~hingecoach.core.track.pose_track.PoseTrack`.

Backends are looked up by name (:func:`get_backend`). A backend is a factory for a
:class:`PoseEstimator`, which takes one RGB frame at a time, so the offline path and a live
camera loop drive it the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from hingecoach.errors import HingeError


@dataclass(frozen=True)
class FramePose:
    """One frame's keypoints in the backend's skeleton."""

    xy: np.ndarray            # (K, 2) pixels; NaN when no person
    confidence: np.ndarray    # (K,)
    world: np.ndarray | None  # (K, 3) metres or None
    people: int               # how many people the backend saw (≥ 1 when xy is set)
    #: (P, 2) pixels: the trunk's silhouette edges from the person mask (see
    #: :func:`hingecoach.pose.silhouette.profile_from_mask`); None when segmentation is off.
    profile: np.ndarray | None = None


class PoseEstimator(Protocol):
    """Frame-by-frame pose estimation."""

    skeleton: str
    keypoints: tuple[str, ...]
    model: str

    def process(self, rgb: np.ndarray, t_s: float) -> FramePose:
        """Estimate the pose in one RGB frame (H, W, 3) taken at ``t_s``."""
        ...

    def close(self) -> None:
        """Free the model."""
        ...


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
