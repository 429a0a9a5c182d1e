"""The pose track: the one data type that flows through the pipeline.

A :class:`PoseTrack` holds, for ``T`` frames and ``K`` keypoints, image positions in pixels
(``xy``, shape ``(T, K, 2)``, x right and y down, NaN where a keypoint is missing), a confidence
in [0, 1] (``confidence``, shape ``(T, K)``, 0 where missing), the frame times, the frame rate,
the skeleton's keypoint names, the image size, and optionally 3D world positions in metres
(``world``, ``(T, K, 3)``) when the pose backend has them. ``attrs`` records provenance: which
backend, model and file made the track, and each processing step applied to it.

Pose sources (video backends, keypoint-file readers) produce tracks in their own skeleton; the
analysis calls :meth:`PoseTrack.standardized` once to get the project's joint layout
(:data:`hingecoach.core.track.skeletons.JOINTS`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from hingecoach.core.track.skeletons import JOINTS
from hingecoach.errors import HingeError

FORMAT_NAME = "hingecoach-track"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class PoseTrack:
    """Keypoints over time for one person.

    Attributes
    ----------
    xy : ndarray, shape (T, K, 2)
        Image positions in pixels, x to the right, y down. NaN where the keypoint is missing.
    confidence : ndarray, shape (T, K)
        Detection confidence in [0, 1]; 0 where missing.
    fps : float
        Nominal frame rate (frames per second, > 0).
    keypoints : tuple of str
        The name of each of the K keypoints.
    timestamps_s : ndarray, shape (T,)
        Time of each frame in seconds from the start of the source.
    image_size : (width, height) or None
        Size of the source image in pixels, when known.
    world : ndarray, shape (T, K, 3), or None
        3D positions in metres (backend-specific origin), when the backend has them.
    profiles : ndarray, shape (T, P, 2), or None
        The trunk's silhouette edges per frame in pixels (NaN where not found), when the pose
        backend ran with segmentation; layout in :func:`hingecoach.pose.silhouette.profile_from_mask`.
    attrs : dict
        Provenance: source, backend, model, processing steps.
    """

    xy: np.ndarray
    confidence: np.ndarray
    fps: float
    keypoints: tuple[str, ...]
    timestamps_s: np.ndarray
    image_size: tuple[int, int] | None = None
    world: np.ndarray | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    profiles: np.ndarray | None = None

    def __post_init__(self) -> None:
        t, k = self.confidence.shape if self.confidence.ndim == 2 else (-1, -1)
        if self.xy.ndim != 3 or self.xy.shape[2] != 2 or self.xy.shape[:2] != (t, k):
            raise HingeError(f"pose track arrays disagree: xy {self.xy.shape}, confidence "
                             f"{self.confidence.shape}")
        if k != len(self.keypoints):
            raise HingeError(f"pose track has {k} keypoints but {len(self.keypoints)} names")
        if self.timestamps_s.shape != (t,):
            raise HingeError("pose track timestamps do not match its frames")
        if self.profiles is not None and (self.profiles.ndim != 3 or self.profiles.shape[0] != t
                                          or self.profiles.shape[2] != 2):
            raise HingeError(f"pose track profiles {self.profiles.shape} do not match its frames")
        if not np.isfinite(self.fps) or self.fps <= 0:
            raise HingeError(f"frame rate must be positive, got {self.fps}")

    @property
    def n_frames(self) -> int:
        """Number of frames ``T``."""
        return int(self.xy.shape[0])

    @property
    def duration_s(self) -> float:
        """Duration in seconds (frames / fps)."""
        return self.n_frames / self.fps

    def joint(self, name: str) -> np.ndarray:
        """Positions of one joint, shape (T, 2); all NaN when this skeleton lacks it."""
        if name in self.keypoints:
            return self.xy[:, self.keypoints.index(name)]
        return np.full((self.n_frames, 2), np.nan)

    def with_step(self, step: str, **changes: Any) -> PoseTrack:
        """Return a copy with ``changes`` applied and ``step`` appended to the provenance."""
        attrs = dict(changes.pop("attrs", self.attrs))
        attrs["steps"] = [*attrs.get("steps", []), step]
        return replace(self, attrs=attrs, **changes)

    def standardized(self) -> PoseTrack:
        """Return this track in the project's joint layout (:data:`JOINTS`).

        Joints the source skeleton lacks become NaN with confidence 0. Idempotent.
        """
        if self.keypoints == JOINTS:
            return self
        t = self.n_frames
        xy = np.full((t, len(JOINTS), 2), np.nan)
        conf = np.zeros((t, len(JOINTS)))
        world = None if self.world is None else np.full((t, len(JOINTS), 3), np.nan)
        for j, name in enumerate(JOINTS):
            if name in self.keypoints:
                i = self.keypoints.index(name)
                xy[:, j] = self.xy[:, i]
                conf[:, j] = self.confidence[:, i]
                if world is not None and self.world is not None:
                    world[:, j] = self.world[:, i]
        attrs = dict(self.attrs)
        attrs.setdefault("source_skeleton", attrs.get("skeleton", "unknown"))
        attrs["skeleton"] = "hinge21"
        return PoseTrack(xy=xy, confidence=conf, fps=self.fps, keypoints=JOINTS,
                         timestamps_s=self.timestamps_s, image_size=self.image_size, world=world,
                         attrs=attrs, profiles=self.profiles)

    # --- the project's own file format (.npz): arrays plus a JSON header ---------------------

    def save(self, path: str | Path) -> Path:
        """Write the track in the project's own format (a compressed ``.npz``)."""
        path = Path(path)
        header = {
            "format": FORMAT_NAME, "version": FORMAT_VERSION, "fps": self.fps,
            "keypoints": list(self.keypoints),
            "image_size": list(self.image_size) if self.image_size else None,
            "attrs": self.attrs,
        }
        arrays: dict[str, np.ndarray] = {
            "xy": self.xy.astype(np.float32), "confidence": self.confidence.astype(np.float32),
            "timestamps_s": self.timestamps_s.astype(np.float64),
            "header": np.frombuffer(json.dumps(header, default=str).encode(), dtype=np.uint8),
        }
        if self.world is not None:
            arrays["world"] = self.world.astype(np.float32)
        if self.profiles is not None:
            arrays["profiles"] = self.profiles.astype(np.float32)
        with path.open("wb") as fh:
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]
        return path

    @classmethod
    def load(cls, path: str | Path) -> PoseTrack:
        """Read a track written by :meth:`save`."""
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as data:
                header = json.loads(bytes(data["header"]).decode())
                if header.get("format") != FORMAT_NAME:
                    raise HingeError(f"{path.name}: not a hingecoach track file")
                if int(header.get("version", 0)) > FORMAT_VERSION:
                    raise HingeError(f"{path.name}: track format version {header['version']} is "
                                     f"newer than this hingecoach reads ({FORMAT_VERSION})")
                size = header.get("image_size")
                return cls(
                    xy=data["xy"].astype(np.float64),
                    confidence=data["confidence"].astype(np.float64),
                    fps=float(header["fps"]), keypoints=tuple(header["keypoints"]),
                    timestamps_s=data["timestamps_s"].astype(np.float64),
                    image_size=(int(size[0]), int(size[1])) if size else None,
                    world=data["world"].astype(np.float64) if "world" in data.files else None,
                    attrs=dict(header.get("attrs") or {}),
                    profiles=(data["profiles"].astype(np.float64) if "profiles" in data.files
                              else None),
                )
        except HingeError:
            raise
        except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
            raise HingeError(f"{path.name}: cannot read the track file ({exc.__class__.__name__})")\
                from None


def empty_track(fps: float, keypoints: tuple[str, ...], image_size: tuple[int, int] | None = None,
                attrs: dict[str, Any] | None = None) -> PoseTrack:
    """A track with no frames (used when a source yields nothing)."""
    k = len(keypoints)
    return PoseTrack(xy=np.zeros((0, k, 2)), confidence=np.zeros((0, k)), fps=fps,
                     keypoints=keypoints, timestamps_s=np.zeros(0), image_size=image_size,
                     attrs=dict(attrs or {}))
