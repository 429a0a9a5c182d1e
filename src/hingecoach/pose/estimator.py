"""What every pose backend gives: a :class:`PoseEstimator` that turns one RGB frame at a time
into a :class:`FramePose` (the offline path and a live camera loop drive it the same way)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


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
