"""Keypoint-file readers and track writers (the project's .npz, OpenPose JSON, COCO-17 CSV,
BlazePose-33 JSON, Kinect 3D CSV in; .npz, OpenSim/Sports2D .trc and .mot out).

Readers are registered by name (:data:`READERS`); :func:`read_track` picks one from the file,
or by ``fmt``. Every reader returns a :class:`~hingecoach.core.track.pose_track.PoseTrack` in its own skeleton,
with pixel coordinates; formats that do not store a frame rate take ``fps`` (default 30, with a
warning in the track's attrs).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hingecoach.core.track.pose_track import PoseTrack
from hingecoach.core.track.skeletons import BLAZEPOSE33, COCO17, KINECT16, OPENPOSE18, OPENPOSE25
from hingecoach.errors import HingeError

DEFAULT_FPS = 30.0
Reader = Callable[[Path, float | None], PoseTrack]


def _fps_or_default(fps: float | None, attrs: dict[str, Any], what: str) -> float:
    if fps is not None:
        if not math.isfinite(fps) or fps <= 0:
            raise HingeError(f"frame rate must be positive, got {fps}")
        return float(fps)
    attrs.setdefault("warnings", []).append(
        f"{what} files store no frame rate; assumed {DEFAULT_FPS:g} fps (set --fps)")
    return DEFAULT_FPS


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HingeError(f"{path.name}: not valid JSON ({exc.__class__.__name__})") from None


def read_native(path: Path, fps: float | None = None) -> PoseTrack:
    """The project's own ``.npz`` track."""
    return PoseTrack.load(path)


def read_blazepose_json(path: Path, fps: float | None = None) -> PoseTrack:
    """BlazePose-33 JSON: ``{"metadata": {fps, videoWidth, videoHeight}, "frames": [
    {"keypoints": [{"x", "y", "z", "score", "name"}, ...]}, ...]}`` with pixel x, y."""
    doc = _load_json(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("frames"), list):
        raise HingeError(f"{path.name}: not a BlazePose-33 track (no 'frames' list)")
    meta = doc.get("metadata") or {}
    attrs: dict[str, Any] = {"backend": "file:blazepose33-json", "skeleton": "blazepose33",
                             "model": meta.get("model"), "source": {"path": str(path), "kind": "keypoints"}}
    rate = fps or meta.get("fps")
    rate = _fps_or_default(float(rate) if rate else None, attrs, "this BlazePose JSON")
    frames = doc["frames"]
    k = len(BLAZEPOSE33)
    xy = np.full((len(frames), k, 2), np.nan)
    conf = np.zeros((len(frames), k))
    ts = np.arange(len(frames)) / rate
    index = {n: i for i, n in enumerate(BLAZEPOSE33)}
    for t, fr in enumerate(frames):
        if fr.get("videoTime") is not None:
            ts[t] = float(fr["videoTime"])
        for j, kp in enumerate(fr.get("keypoints") or []):
            i = index.get(kp.get("name"), j if j < k else None)
            if i is None or kp.get("x") is None:
                continue
            xy[t, i] = (float(kp["x"]), float(kp["y"]))
            conf[t, i] = float(kp.get("score", kp.get("visibility", 1.0)))
    w, h = meta.get("videoWidth"), meta.get("videoHeight")
    return PoseTrack(xy=xy, confidence=conf, fps=rate, keypoints=BLAZEPOSE33, timestamps_s=ts,
                     image_size=(int(w), int(h)) if w and h else None, attrs=attrs)


def read_coco_csv(path: Path, fps: float | None = None) -> PoseTrack:
    """COCO-17 CSV: a ``frame_id`` column then ``<joint>_x, <joint>_y`` pixel columns
    (empty cells = missing). No confidence is stored, so present points get 1."""
    try:
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
    except UnicodeDecodeError:
        raise HingeError(f"{path.name}: not a text CSV file") from None
    if not rows or "frame_id" not in rows[0] or "left_hip_x" not in rows[0]:
        raise HingeError(f"{path.name}: not a COCO-17 keypoint CSV (needs frame_id, <joint>_x, <joint>_y)")
    attrs: dict[str, Any] = {"backend": "file:coco17-csv", "skeleton": "coco17",
                             "source": {"path": str(path), "kind": "keypoints"}}
    rate = _fps_or_default(fps, attrs, "COCO-17 CSV")
    try:
        frame_ids = [int(float(r["frame_id"])) for r in rows]
    except (TypeError, ValueError):
        raise HingeError(f"{path.name}: frame_id must be whole numbers") from None
    n = max(frame_ids) + 1
    k = len(COCO17)
    xy = np.full((n, k, 2), np.nan)
    for fid, r in zip(frame_ids, rows, strict=True):
        for j, name in enumerate(COCO17):
            x, y = r.get(f"{name}_x"), r.get(f"{name}_y")
            if x not in (None, "") and y not in (None, ""):
                try:
                    xy[fid, j] = (float(x), float(y))  # type: ignore[arg-type]
                except ValueError:
                    raise HingeError(f"{path.name}: frame {fid}: {name} is not a number") from None
    conf = np.where(np.isnan(xy[..., 0]), 0.0, 1.0)
    return PoseTrack(xy=xy, confidence=conf, fps=rate, keypoints=COCO17,
                     timestamps_s=np.arange(n) / rate, attrs=attrs)


KINECT_COLUMNS = ("action", "subject", "trial", "frame", "skeleton_joint", "x", "y", "z")
#: Pixels per metre of the side view drawn from 3D skeletons.
SIDE_VIEW_PX_PER_M = 400.0


def side_view_of_3d(points: np.ndarray, left: Sequence[int], right: Sequence[int],
                    trunk: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    """Pixel positions (T, K, 2) of 3D joints (T, K, 3; metres, y up) seen from the side: the
    camera looks along the body's left-right axis (the mean of the ``left``→``right`` joint
    pairs, made horizontal), so the lifter faces right (the way the shoulders tip, from the
    ``trunk`` (hip, shoulder) joints, in the most tipped tenth of the frames). Also the image size."""
    pairs = np.stack([points[:, b] - points[:, a] for a, b in zip(left, right, strict=True)]).reshape(-1, 3)
    pairs = pairs[np.isfinite(pairs).all(axis=1)]
    lateral = pairs.mean(axis=0) if len(pairs) else np.full(3, np.nan)
    lateral[1] = 0.0
    if not np.isfinite(lateral).all() or np.linalg.norm(lateral) == 0:
        raise HingeError("the 3D skeleton has no tracked left-right pairs (shoulders, hips) to find its side view")
    lateral /= np.linalg.norm(lateral)
    up = np.array([0.0, 1.0, 0.0])
    forward = np.cross(up, lateral)
    hip, shoulder = trunk
    lean = (points[:, shoulder] - points[:, hip]) @ forward
    tipped = np.abs(lean) >= np.nanpercentile(np.abs(lean), 90) if np.isfinite(lean).any() else lean > 0
    if np.nansum(lean[tipped]) < 0:
        forward = -forward
    u, v = points @ forward, points @ up
    x, y = u - np.nanmin(u), np.nanmax(v) - v
    size = (int(np.nanmax(x) * SIDE_VIEW_PX_PER_M) + 80, int(np.nanmax(y) * SIDE_VIEW_PX_PER_M) + 80)
    return np.stack([x, y], axis=-1) * SIDE_VIEW_PX_PER_M + 40.0, size


def read_kinect_csv(path: Path, fps: float | None = None) -> PoseTrack:
    """Kinect 3D skeleton CSV: ``action, subject, trial, frame, skeleton_joint, x, y, z`` rows
    (metres, y up; joints 1-16 as :data:`~hingecoach.core.track.skeletons.KINECT16`). The track is the
    skeleton seen exactly from its side (:func:`side_view_of_3d`), in pixels. A joint at
    (0, 0, 0) is Kinect's "not tracked"."""
    try:
        data = np.genfromtxt(path, delimiter=",", names=True, dtype=float, encoding="utf-8")
    except (ValueError, UnicodeDecodeError):
        raise HingeError(f"{path.name}: not a Kinect skeleton CSV ({', '.join(KINECT_COLUMNS)})") from None
    if data.dtype.names is None or set(KINECT_COLUMNS) - set(data.dtype.names) or data.size == 0:
        raise HingeError(f"{path.name}: not a Kinect skeleton CSV ({', '.join(KINECT_COLUMNS)})")
    data = np.atleast_1d(data)
    frame = data["frame"]
    joint = data["skeleton_joint"]
    if not (np.isfinite(frame).all() and np.isfinite(joint).all()) or (joint < 1).any() \
            or (joint > len(KINECT16)).any() or (frame < 0).any():
        raise HingeError(f"{path.name}: frame and skeleton_joint must be whole numbers (joints 1-{len(KINECT16)})")
    attrs: dict[str, Any] = {"backend": "file:kinect-csv", "skeleton": "kinect16",
                             "source": {"path": str(path), "kind": "keypoints"},
                             "steps": ["side_view_of_3d"]}
    rate = _fps_or_default(fps, attrs, "Kinect CSV")
    frames = frame.astype(int) - int(frame.min())
    n = int(frames.max()) + 1
    pts = np.full((n, len(KINECT16), 3), np.nan)
    pts[frames, joint.astype(int) - 1] = np.stack([data["x"], data["y"], data["z"]], axis=-1)
    pts[(pts == 0.0).all(axis=-1)] = np.nan
    idx = {name: i for i, name in enumerate(KINECT16)}
    if not np.isfinite(pts).any():
        raise HingeError(f"{path.name}: no tracked joint (every position is missing or 0, 0, 0)")
    pairs = ("shoulder", "hip")
    xy, size = side_view_of_3d(pts, [idx[f"left_{j}"] for j in pairs], [idx[f"right_{j}"] for j in pairs],
                               (idx["hip_center"], idx["shoulder_center"]))
    conf = np.where(np.isnan(xy[..., 0]), 0.0, 1.0)
    return PoseTrack(xy=xy, confidence=conf, fps=rate, keypoints=KINECT16,
                     timestamps_s=np.arange(n) / rate, image_size=size, attrs=attrs)


def _openpose_people(doc: Any, name: str) -> list[np.ndarray]:
    if not isinstance(doc, dict) or "people" not in doc:
        raise HingeError(f"{name}: not an OpenPose keypoint file (no 'people')")
    people = []
    for person in doc["people"]:
        flat = person.get("pose_keypoints_2d") or []
        if len(flat) % 3:
            raise HingeError(f"{name}: pose_keypoints_2d length is not a multiple of 3")
        people.append(np.asarray(flat, dtype=float).reshape(-1, 3))
    return people


def _main_person(people: list[np.ndarray], previous: np.ndarray | None) -> np.ndarray | None:
    """The person a coach would pick: nearest the last choice, else the largest."""
    best, best_score = None, -math.inf
    for p in people:
        ok = p[:, 2] > 0
        if ok.sum() < 4:
            continue
        pts = p[ok, :2]
        size = float(np.ptp(pts[:, 0]) * np.ptp(pts[:, 1]))
        score = size
        if previous is not None:
            both = ok & (previous[:, 2] > 0)
            if both.any():
                score = -float(np.mean(np.hypot(*(p[both, :2] - previous[both, :2]).T)))
        if score > best_score:
            best, best_score = p, score
    return best


def read_openpose(path: Path, fps: float | None = None) -> PoseTrack:
    """OpenPose JSON: a folder of per-frame ``*_keypoints.json`` files (or one such file).
    BODY_25 or COCO-18 by keypoint count; the main person is followed frame to frame."""
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    if not files:
        raise HingeError(f"{path}: no OpenPose .json files in the folder")
    attrs: dict[str, Any] = {"backend": "file:openpose-json", "source": {"path": str(path), "kind": "keypoints"}}
    rate = _fps_or_default(fps, attrs, "OpenPose JSON")
    chosen: list[np.ndarray | None] = []
    others = 0
    previous = None
    k = 0
    for f in files:
        people = _openpose_people(_load_json(f), f.name)
        others = max(others, len(people) - 1)
        p = _main_person(people, previous)
        if p is not None:
            previous = p
            k = k or len(p)
        chosen.append(p)
    names = {25: OPENPOSE25, 18: OPENPOSE18}.get(k)
    if names is None:
        raise HingeError(f"{path.name}: OpenPose files with {k} keypoints are not supported (BODY_25 or COCO-18)")
    xy = np.full((len(files), k, 2), np.nan)
    conf = np.zeros((len(files), k))
    for t, p in enumerate(chosen):
        if p is not None:
            xy[t] = np.where(p[:, 2:3] > 0, p[:, :2], np.nan)
            conf[t] = p[:, 2]
    attrs["skeleton"] = "openpose25" if k == 25 else "openpose18"
    if others:
        attrs.setdefault("warnings", []).append(f"{others + 1} people in frame; analysed the main one")
    return PoseTrack(xy=xy, confidence=conf, fps=rate, keypoints=names,
                     timestamps_s=np.arange(len(files)) / rate, attrs=attrs)


READERS: dict[str, Reader] = {
    "native": read_native,
    "blazepose-json": read_blazepose_json,
    "coco-csv": read_coco_csv,
    "openpose": read_openpose,
    "kinect-csv": read_kinect_csv,
}


def sniff_format(path: Path) -> str:
    """Guess a keypoint file's format from its name and first bytes."""
    if path.is_dir():
        return "openpose"
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return "native"
    if suffix == ".csv":
        head = path.read_bytes()[:256].decode("utf-8", "replace").lstrip().lower()
        return "kinect-csv" if head.startswith("action,") else "coco-csv"
    if suffix == ".json":
        head = path.read_bytes()[:4096].decode("utf-8", "replace")
        if '"people"' in head:
            return "openpose"
        return "blazepose-json"
    raise HingeError(f"{path.name}: unknown keypoint file type; known formats: {', '.join(READERS)}")


def read_track(path: str | Path, fmt: str | None = None, fps: float | None = None) -> PoseTrack:
    """Read a keypoint file (or OpenPose folder) into a track."""
    path = Path(path)
    if not path.exists():
        raise HingeError(f"{path}: no such file")
    if path.is_file() and path.stat().st_size == 0:
        raise HingeError(f"{path.name}: the file is empty")
    fmt = fmt or sniff_format(path)
    if fmt not in READERS:
        raise HingeError(f"unknown keypoint format {fmt!r}; known formats: {', '.join(READERS)}")
    track = READERS[fmt](path, fps)
    if track.n_frames == 0:
        raise HingeError(f"{path.name}: the keypoint file has no frames")
    return track


# --- writers ---------------------------------------------------------------------------------

def _metres_per_px(track: PoseTrack, height_m: float) -> float:
    """Scale from the lifter's standing height in pixels (nose to lowest foot point)."""
    std = track.standardized()
    ys = std.xy[..., 1]
    ys = ys[np.isfinite(ys).any(axis=1)]   # frames where the lifter was seen at all
    span = np.percentile(np.nanmax(ys, axis=1) - np.nanmin(ys, axis=1), 95) if ys.size else np.nan
    return float(height_m / span) if np.isfinite(span) and span > 0 else 1.0


def write_trc(track: PoseTrack, path: str | Path, height_m: float = 1.75) -> Path:
    """OpenSim/Sports2D ``.trc`` markers: metres, Y up, Z = 0 (2D), scaled so the lifter's
    standing height is ``height_m``."""
    path = Path(path)
    scale = _metres_per_px(track, height_m)
    n, k = track.n_frames, len(track.keypoints)
    h = track.image_size[1] if track.image_size else 0.0
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\t{path.name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames",
        f"{track.fps:.2f}\t{track.fps:.2f}\t{n}\t{k}\tm\t{track.fps:.2f}\t1\t{n}",
        "Frame#\tTime\t" + "\t\t\t".join(track.keypoints) + "\t\t",
        "\t\t" + "\t".join(f"X{i + 1}\tY{i + 1}\tZ{i + 1}" for i in range(k)),
        "",
    ]
    for t in range(n):
        vals = []
        for j in range(k):
            x, y = track.xy[t, j]
            if np.isnan(x):
                vals += ["", "", ""]
            else:
                vals += [f"{x * scale:.5f}", f"{(h - y) * scale:.5f}", "0.00000"]
        lines.append(f"{t + 1}\t{track.timestamps_s[t]:.5f}\t" + "\t".join(vals))
    path.write_text("\n".join(lines) + "\n")
    return path


def write_mot(times_s: np.ndarray, columns: dict[str, np.ndarray], path: str | Path) -> Path:
    """OpenSim/Sports2D ``.mot`` motion file of angles (degrees) over time."""
    path = Path(path)
    names = list(columns)
    header = [
        path.stem, "version=1", f"nRows={len(times_s)}", f"nColumns={len(names) + 1}",
        "inDegrees=yes", "", "Units are S.I. units (second, meters, Newtons, ...)",
        "Angles are in degrees.", "", "endheader", "time\t" + "\t".join(names),
    ]
    rows = []
    for i, t in enumerate(times_s):
        vals = [columns[c][i] for c in names]
        rows.append(f"{t:.5f}\t" + "\t".join("nan" if not np.isfinite(v) else f"{v:.4f}" for v in vals))
    path.write_text("\n".join(header + rows) + "\n")
    return path
