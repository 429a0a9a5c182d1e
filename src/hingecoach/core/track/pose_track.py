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
import math
import struct
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import numpy as np

from hingecoach.core.numeric import json_safe
from hingecoach.core.track.skeletons import JOINTS
from hingecoach.errors import HingeError

FORMAT_NAME = "hingecoach-track"
FORMAT_VERSION = 1

# --- limits of the track files hingecoach reads ----------------------------------------------
# A file is checked against these before anything is allocated for it, so that a damaged or
# hostile file is refused with a one-line message instead of exhausting memory. The project's
# .npz (:meth:`PoseTrack.load`) and every keypoint-file reader
# (:mod:`hingecoach.io.keypoint_files`) use the same limits.

#: Most frames a track read from a file may have: about 1.9 hours at 30 fps.
MAX_FRAMES = 200_000
#: Widest range of frame numbers in a keypoint file (last - first + 1, gaps included): a track
#: is allocated over the whole range, so this bounds its memory as :data:`MAX_FRAMES` does.
MAX_FRAME_SPAN = MAX_FRAMES
#: Frame rates outside this range (frames per second) are refused, stored or given.
MIN_FPS, MAX_FPS = 1.0, 1000.0
#: Largest track or keypoint file read, in bytes (500 MB).
MAX_FILE_BYTES = 500 * 1024 * 1024
#: Most keypoints a track's skeleton may have (the formats read have at most 33).
MAX_KEYPOINTS = 64
#: Most points of a trunk silhouette profile per frame (``profiles``).
MAX_PROFILE_POINTS = 1024
#: Largest image side in pixels a track file may state.
MAX_IMAGE_PX = 100_000
#: Image coordinates farther than this from the origin (pixels) are not positions: the
#: keypoint is read as missing, as a non-finite one is.
MAX_COORDINATE_PX = 1e6
#: The same for 3D positions, in metres.
MAX_WORLD_M = 100.0
#: Largest JSON header of a track file, in bytes.
MAX_HEADER_BYTES = 16 * 1024 * 1024


def clean_points(xy: np.ndarray, confidence: np.ndarray,
                 max_abs: float = MAX_COORDINATE_PX) -> tuple[np.ndarray, np.ndarray, int]:
    """Positions (..., D) and confidences (...) as a track holds them: a point with a
    non-finite coordinate, one beyond ``max_abs``, or a non-finite confidence becomes missing
    (NaN, confidence 0); confidences are clipped to [0, 1]. Returns new arrays and how many
    points were dropped that had a (non-NaN) value."""
    xy = np.array(xy, dtype=np.float64)
    conf = np.array(confidence, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        bad = ~(np.isfinite(xy) & (np.abs(xy) <= max_abs)).all(axis=-1) | ~np.isfinite(conf)
    dropped = int((bad & ~np.isnan(xy).all(axis=-1)).sum())
    xy[bad] = np.nan
    conf[bad] = 0.0
    np.clip(conf, 0.0, 1.0, out=conf)
    return xy, conf, dropped


def dropped_points_warning(dropped: int) -> str:
    """The track warning for points :func:`clean_points` dropped."""
    return (f"{dropped} keypoint position{'s' if dropped != 1 else ''} in the file were not finite "
            f"or out of range and were read as missing")


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
        if not np.isfinite(self.timestamps_s).all():
            raise HingeError("pose track timestamps must be finite numbers of seconds")
        if self.world is not None and self.world.shape != (t, k, 3):
            raise HingeError(f"pose track world positions {self.world.shape} do not match its "
                             f"keypoints {(t, k, 3)}")
        if self.profiles is not None and (self.profiles.ndim != 3 or self.profiles.shape[0] != t
                                          or self.profiles.shape[2] != 2):
            raise HingeError(f"pose track profiles {self.profiles.shape} do not match its frames")
        if not np.isfinite(self.fps) or self.fps <= 0:
            raise HingeError(f"frame rate must be positive, got {self.fps}")
        if self.image_size is not None and (len(self.image_size) != 2 or not all(
                isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                and math.isfinite(v) and v > 0 for v in self.image_size)):
            raise HingeError(f"pose track image size must be two positive numbers of pixels, "
                             f"got {self.image_size}")

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
            "header": np.frombuffer(json.dumps(json_safe(header), default=str, allow_nan=False).encode(), dtype=np.uint8),
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
        """Read a track written by :meth:`save`.

        The file is validated before use (:data:`MAX_FILE_BYTES`, :data:`MAX_FRAMES`,
        :data:`MAX_KEYPOINTS`, :data:`MIN_FPS`-:data:`MAX_FPS`, array shapes, the header's
        fields); whatever does not hold raises :class:`HingeError` naming the file. Non-finite
        or far out-of-range positions are read as missing keypoints (with a warning in
        ``attrs["warnings"]``); timestamps must be finite.
        """
        path = Path(path)
        name = path.name
        arrays = _read_npz_arrays(path)
        if "header" not in arrays:
            raise HingeError(f"{name}: not a hingecoach track file (no header)")
        header = _npz_header(arrays["header"], name)
        for key in ("xy", "confidence", "timestamps_s"):
            if key not in arrays:
                raise HingeError(f"{name}: the track file has no '{key}' array")
        xy, conf, ts = arrays["xy"], arrays["confidence"], arrays["timestamps_s"]
        t, k = xy.shape[:2]
        if xy.shape[2] != 2 or k == 0:
            raise HingeError(f"{name}: 'xy' is {xy.shape}; (frames, keypoints, 2) expected")
        if conf.shape != (t, k):
            raise HingeError(f"{name}: 'confidence' is {conf.shape}; 'xy' {xy.shape} needs {(t, k)}")
        if ts.shape != (t,):
            raise HingeError(f"{name}: 'timestamps_s' is {ts.shape}; 'xy' {xy.shape} needs {(t,)}")
        keypoints = header["keypoints"]
        if len(keypoints) != k:
            raise HingeError(f"{name}: the header names {len(keypoints)} keypoints but 'xy' has {k}")
        ts = ts.astype(np.float64)
        check_timestamps(ts, name, forward=False)   # a damaged video's own times may go back
        xy, conf, dropped = clean_points(xy, conf)
        world = arrays.get("world")
        if world is not None:
            if world.shape != (t, k, 3):
                raise HingeError(f"{name}: 'world' is {world.shape}; 'xy' {xy.shape} needs {(t, k, 3)}")
            world, _, _ = clean_points(world, np.ones(world.shape[:2]), MAX_WORLD_M)
        profiles = arrays.get("profiles")
        if profiles is not None:
            if profiles.shape[0] != t or profiles.shape[2] != 2:
                raise HingeError(f"{name}: 'profiles' is {profiles.shape}; ({t}, points, 2) expected")
            profiles, _, _ = clean_points(profiles, np.ones(profiles.shape[:2]))
        attrs = header["attrs"]
        if dropped:
            attrs["warnings"] = [*attrs.get("warnings", []), dropped_points_warning(dropped)]
        return cls(xy=xy, confidence=conf, fps=header["fps"], keypoints=keypoints, timestamps_s=ts,
                   image_size=header["image_size"], world=world, attrs=attrs, profiles=profiles)


def check_timestamps(ts: np.ndarray, name: str, forward: bool = True) -> None:
    """Refuse frame times (seconds) that are not finite or, with ``forward``, that go back
    (one-line HingeError naming the file and the frame)."""
    bad = np.flatnonzero(~np.isfinite(ts))
    if bad.size:
        raise HingeError(f"{name}: frame {bad[0]}: the timestamp is not a finite number ({ts[bad[0]]})")
    back = np.flatnonzero(ts[1:] < ts[:-1]) if forward else np.zeros(0, dtype=int)
    if back.size:
        raise HingeError(f"{name}: frame {back[0] + 1}: the timestamp goes back in time "
                         f"({ts[back[0]]:g} s, then {ts[back[0] + 1]:g} s)")


#: The arrays of a track file: name -> (dimensions, the limit of each dimension).
_NPZ_ARRAYS: dict[str, tuple[int, tuple[int, ...]]] = {
    "xy": (3, (MAX_FRAMES, MAX_KEYPOINTS, 2)),
    "confidence": (2, (MAX_FRAMES, MAX_KEYPOINTS)),
    "timestamps_s": (1, (MAX_FRAMES,)),
    "header": (1, (MAX_HEADER_BYTES,)),
    "world": (3, (MAX_FRAMES, MAX_KEYPOINTS, 3)),
    "profiles": (3, (MAX_FRAMES, MAX_PROFILE_POINTS, 2)),
}

#: What a damaged .npz can raise while it is unpacked (zip directory, deflate stream, .npy header).
_NPZ_ERRORS = (OSError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError,
               ValueError, TypeError, SyntaxError, RecursionError, struct.error, OverflowError,
               KeyError, IndexError)


def check_file_size(path: Path, limit: int, what: str = "track file", reads: str = "files") -> None:
    """Refuse a file larger than ``limit`` bytes (:data:`MAX_FILE_BYTES` for every track and keypoint
    file), or one whose size cannot be read, before it is opened: a HingeError naming the file
    and ``what`` it is (``reads``: what hingecoach reads, in the message)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise HingeError(f"{path.name}: cannot read the {what} ({exc.__class__.__name__})") from None
    if size > limit:
        raise HingeError(f"{path.name}: the {what} is {size / 1e6:.0f} MB; hingecoach reads {reads} of "
                         f"at most {limit / 1e6:.0f} MB")


def _read_npz_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a track file whose names hingecoach knows, each checked against its limits
    (from its .npy header) before its data is read."""
    name = path.name
    check_file_size(path, MAX_FILE_BYTES)
    arrays: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            members = {info.filename: info for info in zf.infolist()}
            for key, (ndim, limits) in _NPZ_ARRAYS.items():
                info = members.get(f"{key}.npy")
                if info is not None:
                    with zf.open(info) as fh:
                        arrays[key] = _read_npy(fh, key, ndim, limits, name)
    except HingeError:
        raise
    except _NPZ_ERRORS as exc:
        raise HingeError(f"{name}: cannot read the track file: it is damaged, truncated or not a "
                         f"hingecoach .npz ({exc.__class__.__name__})") from None
    return arrays


def _read_npy(fh: IO[bytes], key: str, ndim: int, limits: tuple[int, ...], name: str) -> np.ndarray:
    """One .npy array of numbers, its shape checked against ``limits`` before it is read."""
    fmt = np.lib.format
    version = fmt.read_magic(fh)
    if version == (1, 0):
        shape, fortran, dtype = fmt.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, fortran, dtype = fmt.read_array_header_2_0(fh)
    else:
        raise HingeError(f"{name}: '{key}' is stored in an unknown .npy version {version}")
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None \
            or dtype.kind not in "biuf" or dtype.itemsize > 8:
        raise HingeError(f"{name}: '{key}' must hold numbers, not {dtype}")
    if len(shape) != ndim or any(d < 0 for d in shape):
        raise HingeError(f"{name}: '{key}' has shape {shape}; {ndim} dimensions expected")
    for d, limit, what in zip(shape, limits, ("frames", "points", "coordinates"), strict=False):
        if d > limit:
            raise HingeError(f"{name}: '{key}' has {d} {what if key != 'header' else 'bytes'}; "
                             f"hingecoach reads at most {limit}")
    count = math.prod(shape)
    data = fh.read(count * dtype.itemsize)
    if len(data) != count * dtype.itemsize:
        raise HingeError(f"{name}: '{key}' is truncated ({len(data)} of {count * dtype.itemsize} bytes)")
    arr = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    return arr if key == "header" else arr.astype(np.float64)


def _json_constant(_: str) -> None:
    """NaN and Infinity in a track file's header are read as null (JSON has neither)."""
    return None


def _npz_header(raw: np.ndarray, name: str) -> dict[str, Any]:
    """The validated JSON header of a track file: format, version, fps, keypoints, image_size,
    attrs (a dict whose warnings and steps are lists of text and whose source is a dict)."""
    if raw.dtype != np.uint8:
        raise HingeError(f"{name}: not a hingecoach track file (its header is not bytes)")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"), parse_constant=_json_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise HingeError(f"{name}: the track file's header is not valid JSON ({exc.__class__.__name__})") \
            from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise HingeError(f"{name}: not a hingecoach track file")
    version = header.get("version", 0)
    if isinstance(version, bool) or not isinstance(version, int):
        raise HingeError(f"{name}: header 'version' must be a whole number, got {_show(version)}")
    if version > FORMAT_VERSION:
        raise HingeError(f"{name}: track format version {version} is newer than this hingecoach "
                         f"reads ({FORMAT_VERSION})")
    fps = header.get("fps")
    if isinstance(fps, bool) or not isinstance(fps, (int, float)):
        raise HingeError(f"{name}: header 'fps' must be a number of frames per second, got {_show(fps)}")
    if not MIN_FPS <= fps <= MAX_FPS:
        raise HingeError(f"{name}: header 'fps' {fps:g} is outside the {MIN_FPS:g}-{MAX_FPS:g} fps "
                         f"hingecoach reads")
    keypoints = header.get("keypoints")
    if not isinstance(keypoints, list) or not all(isinstance(n, str) for n in keypoints) \
            or len(set(keypoints)) != len(keypoints):
        raise HingeError(f"{name}: header 'keypoints' must be a list of distinct names")
    size = header.get("image_size")
    if size is not None:
        if not isinstance(size, list) or len(size) != 2 or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer()
                and 1 <= v <= MAX_IMAGE_PX for v in size):
            raise HingeError(f"{name}: header 'image_size' must be [width, height] in whole pixels "
                             f"(1-{MAX_IMAGE_PX}), got {_show(size)}")
        size = (int(size[0]), int(size[1]))
    attrs = header.get("attrs")
    if attrs is None:
        attrs = {}
    if not isinstance(attrs, dict):
        raise HingeError(f"{name}: header 'attrs' must be an object, got {_show(attrs)}")
    for key in ("warnings", "steps"):
        if key in attrs and not (isinstance(attrs[key], list) and all(isinstance(v, str) for v in attrs[key])):
            raise HingeError(f"{name}: header attrs '{key}' must be a list of text, got {_show(attrs[key])}")
    if "source" in attrs and not isinstance(attrs["source"], dict):
        raise HingeError(f"{name}: header attrs 'source' must be an object, got {_show(attrs['source'])}")
    return {"fps": float(fps), "keypoints": tuple(keypoints), "image_size": size, "attrs": dict(attrs)}


def _show(value: Any, limit: int = 40) -> str:
    """A value as a short one-line repr, for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def empty_track(fps: float, keypoints: tuple[str, ...], image_size: tuple[int, int] | None = None,
                attrs: dict[str, Any] | None = None) -> PoseTrack:
    """A track with no frames (used when a source yields nothing)."""
    k = len(keypoints)
    return PoseTrack(xy=np.zeros((0, k, 2)), confidence=np.zeros((0, k)), fps=fps,
                     keypoints=keypoints, timestamps_s=np.zeros(0), image_size=image_size,
                     attrs=dict(attrs or {}))
