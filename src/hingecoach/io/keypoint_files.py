"""Keypoint-file readers and track writers (the project's .npz, OpenPose JSON, COCO-17 CSV,
BlazePose-33 JSON, Kinect 3D CSV in; .npz, OpenSim/Sports2D .trc and .mot out).

Readers are registered by name (:data:`READERS`); :func:`read_track` picks one from the file,
or by ``fmt``. Every reader returns a :class:`~hingecoach.core.track.pose_track.PoseTrack` in its own skeleton,
with pixel coordinates; formats that do not store a frame rate take ``fps`` (default 30, with a
warning in the track's attrs).

Every reader validates at the edge: whatever a file holds, it returns a track or raises
:class:`~hingecoach.errors.HingeError` with one line naming the file (and, where it applies, the
frame and the field). Sizes are checked before anything is allocated against the limits
defined with the track format in :mod:`hingecoach.core.track.pose_track` (:data:`MAX_FRAMES`,
:data:`MAX_FRAME_SPAN`, :data:`MIN_FPS`-:data:`MAX_FPS`, :data:`MAX_FILE_BYTES`, ...); a
non-finite or far out-of-range position is read as a missing keypoint (with a warning); frame
times must be finite (a file's own times must also never go back). :func:`read_track` also warns
when the body lies on its side in the image (a rotated video, or swapped x and y columns).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from hingecoach.core.track.pose_track import (  # the limits every reader checks, documented there
    MAX_COORDINATE_PX,
    MAX_FILE_BYTES,
    MAX_FPS,
    MAX_FRAME_SPAN,
    MAX_FRAMES,
    MAX_IMAGE_PX,
    MAX_WORLD_M,
    MIN_FPS,
    PoseTrack,
    check_file_size,
    check_timestamps,
    clean_points,
    dropped_points_warning,
)
from hingecoach.core.track.skeletons import BLAZEPOSE33, COCO17, KINECT16, OPENPOSE18, OPENPOSE25
from hingecoach.errors import HingeError

DEFAULT_FPS = 30.0
Reader = Callable[[Path, float | None], PoseTrack]

#: Largest CSV field (characters); a longer one is not a number or a name.
MAX_CSV_FIELD = 1_000
#: A track whose body runs more than this from vertical (degrees; the median over the clip)
#: lies on its side (:func:`lies_on_its_side`): 45° would be "closer to horizontal", but an
#: all-fours drill (quadruped sitback) comes near 45°, so the line sits between it and a track
#: turned 90° (over 70° on every real file turned).
SIDEWAYS_TILT_DEG = 60.0
#: The warning :func:`read_track` adds to a track whose body lies on its side in the image.
SIDEWAYS_WARNING = ("the body lies on its side in the image (head to feet runs nearly horizontal): the "
                    "video may be rotated, or the file's x and y (Kinect: y and z) swapped; angles and reps "
                    "will be wrong")


# --- checks shared by the readers -------------------------------------------------------------

def _show(value: Any, limit: int = 40) -> str:
    """A value as a short one-line repr, for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _number(value: Any) -> float | None:
    """A JSON/CSV value as a float (NaN and +-inf included; an integer too large for a float
    is +-inf), or None when it is not a number (text that is not one, a list, true/false...)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, float):
        return value
    if isinstance(value, str) and len(value) <= MAX_CSV_FIELD:
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _checked_fps(value: Any, name: str, where: str) -> float:
    """A frame rate within :data:`MIN_FPS`-:data:`MAX_FPS`, else a HingeError naming ``where``
    it came from (a field of the file, or --fps)."""
    rate = _number(value)
    if rate is None or math.isnan(rate):
        raise HingeError(f"{name}: frame rate ({where}) must be a number of frames per second, got {_show(value)}")
    if rate <= 0:
        raise HingeError(f"{name}: frame rate must be positive, got {rate:g} ({where})")
    if not MIN_FPS <= rate <= MAX_FPS:
        raise HingeError(f"{name}: frame rate {rate:g} fps ({where}) is out of range; hingecoach reads "
                         f"{MIN_FPS:g}-{MAX_FPS:g} fps")
    return rate


def _fps_or_default(fps: float | None, attrs: dict[str, Any], what: str, name: str = "keypoint file") -> float:
    if fps is not None:
        return _checked_fps(fps, name, "--fps")
    attrs.setdefault("warnings", []).append(
        f"{what} files store no frame rate; assumed {DEFAULT_FPS:g} fps (set --fps)")
    return DEFAULT_FPS


def _check_file_size(path: Path) -> None:
    """Every keypoint file (and the project's .npz) is refused over :data:`MAX_FILE_BYTES`."""
    check_file_size(path, MAX_FILE_BYTES, what="file", reads="keypoint files")


def _check_frames(n: int, name: str, what: str = "frames") -> None:
    if n > MAX_FRAMES:
        raise HingeError(f"{name}: {n} {what}; hingecoach reads at most {MAX_FRAMES} frames")


def _frame_numbers(values: list[Any], name: str, field: str, lines: Sequence[int]) -> np.ndarray:
    """Whole, non-negative frame numbers spanning at most :data:`MAX_FRAME_SPAN` (checked
    before any track is allocated over them)."""
    out = np.empty(len(values))
    for i, (v, line) in enumerate(zip(values, lines, strict=True)):
        f = _number(v)
        if f is None or not math.isfinite(f) or not f.is_integer() or f < 0:
            raise HingeError(f"{name}: line {line}: {field} must be a whole number, 0 or more, got {_show(v)}")
        out[i] = f
    if out.size and out.max() - out.min() + 1 > MAX_FRAME_SPAN:
        raise HingeError(f"{name}: {field} runs from {out.min():.0f} to {out.max():.0f}; hingecoach reads "
                         f"at most {MAX_FRAME_SPAN} frames")
    return out


def _cleaned(xy: np.ndarray, conf: np.ndarray, attrs: dict[str, Any],
             max_abs: float = MAX_COORDINATE_PX) -> tuple[np.ndarray, np.ndarray]:
    """Non-finite or out-of-range positions become missing keypoints, with a warning."""
    xy, conf, dropped = clean_points(xy, conf, max_abs)
    if dropped:
        attrs.setdefault("warnings", []).append(dropped_points_warning(dropped))
    return xy, conf


def _load_json(path: Path) -> Any:
    _check_file_size(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise HingeError(f"{path.name}: cannot read the file ({exc.__class__.__name__})") from None
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except RecursionError:
        raise HingeError(f"{path.name}: not valid JSON (nested too deeply)") from None
    except (UnicodeDecodeError, ValueError) as exc:   # JSONDecodeError, and numbers of >4300 digits
        raise HingeError(f"{path.name}: not valid JSON ({exc.__class__.__name__})") from None


def _csv_rows(path: Path, max_rows: int) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """A CSV file's header and its (line number, cells) rows, blank rows left out; at most
    ``max_rows`` rows and :data:`MAX_CSV_FIELD` characters a cell."""
    _check_file_size(path)
    name = path.name
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            try:
                for cells in reader:
                    if not any(c.strip() for c in cells):
                        continue
                    if not header:
                        header = [c.strip() for c in cells]
                        continue
                    if max(map(len, cells)) > MAX_CSV_FIELD:
                        raise HingeError(f"{name}: line {reader.line_num}: a cell is longer than "
                                         f"{MAX_CSV_FIELD} characters")
                    rows.append((reader.line_num, cells))
                    if len(rows) > max_rows:
                        raise HingeError(f"{name}: more than {max_rows} rows; hingecoach reads at most "
                                         f"{MAX_FRAMES} frames")
            except csv.Error as exc:
                why = " ".join(str(exc).split())
                raise HingeError(f"{name}: line {reader.line_num}: not a readable CSV row ({why})") from None
    except UnicodeDecodeError:
        raise HingeError(f"{name}: not a text CSV file (UTF-8)") from None
    except OSError as exc:
        raise HingeError(f"{name}: cannot read the file ({exc.__class__.__name__})") from None
    return header, rows


# --- readers ------------------------------------------------------------------------------------

def read_native(path: Path, fps: float | None = None) -> PoseTrack:
    """The project's own ``.npz`` track."""
    return PoseTrack.load(path)


def read_blazepose_json(path: Path, fps: float | None = None) -> PoseTrack:
    """BlazePose-33 JSON: ``{"metadata": {fps, videoWidth, videoHeight}, "frames": [
    {"keypoints": [{"x", "y", "z", "score", "name"}, ...]}, ...]}`` with pixel x, y."""
    name = path.name
    doc = _load_json(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("frames"), list):
        raise HingeError(f"{name}: not a BlazePose-33 track (no 'frames' list)")
    meta = doc.get("metadata")
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise HingeError(f"{name}: 'metadata' must be an object, got {_show(meta)}")
    frames = doc["frames"]
    _check_frames(len(frames), name)
    model = meta.get("model")
    attrs: dict[str, Any] = {"backend": "file:blazepose33-json", "skeleton": "blazepose33",
                             "model": model if isinstance(model, str) else None,
                             "source": {"path": str(path), "kind": "keypoints"}}
    if fps is not None:
        rate = _checked_fps(fps, name, "--fps")
    elif meta.get("fps") not in (None, 0, 0.0, ""):
        rate = _checked_fps(meta["fps"], name, "metadata 'fps'")
    else:
        rate = _fps_or_default(None, attrs, "this BlazePose JSON")
    size = _image_size(meta, name)
    k = len(BLAZEPOSE33)
    xy = np.full((len(frames), k, 2), np.nan)
    conf = np.zeros((len(frames), k))
    ts = np.arange(len(frames)) / rate
    index = {n: i for i, n in enumerate(BLAZEPOSE33)}
    for t, fr in enumerate(frames):
        if not isinstance(fr, dict):
            raise HingeError(f"{name}: frame {t} is not an object ({_show(fr)})")
        if fr.get("videoTime") is not None:
            v = _number(fr["videoTime"])
            if v is None or not math.isfinite(v):
                raise HingeError(f"{name}: frame {t}: 'videoTime' must be a finite number of seconds, "
                                 f"got {_show(fr['videoTime'])}")
            ts[t] = v
        kps = fr.get("keypoints")
        if kps is None:
            continue
        if not isinstance(kps, list):
            raise HingeError(f"{name}: frame {t}: 'keypoints' must be a list, got {_show(kps)}")
        for j, kp in enumerate(kps):
            if not isinstance(kp, dict):
                raise HingeError(f"{name}: frame {t}: keypoint {j} is not an object ({_show(kp)})")
            label = kp.get("name")
            if label is not None and not isinstance(label, str):
                raise HingeError(f"{name}: frame {t}: keypoint {j}: 'name' must be text, got {_show(label)}")
            i = index.get(label, j if j < k else None) if label is not None else (j if j < k else None)
            if i is None or kp.get("x") is None:
                continue
            where = f"{name}: frame {t}: keypoint {j} ({label or BLAZEPOSE33[i]})"
            if kp.get("y") is None:
                raise HingeError(f"{where} has an 'x' but no 'y'")
            x, y = _number(kp["x"]), _number(kp["y"])
            if x is None or y is None:
                field, bad = ("x", kp["x"]) if x is None else ("y", kp["y"])
                raise HingeError(f"{where}: '{field}' must be a number, got {_show(bad)}")
            score_value = kp.get("score")
            if score_value is None:
                score_value = kp.get("visibility")
            score = 1.0 if score_value is None else _number(score_value)
            if score is None:
                raise HingeError(f"{where}: 'score' must be a number, got {_show(score_value)}")
            xy[t, i] = (x, y)
            conf[t, i] = score
    check_timestamps(ts, name)
    xy, conf = _cleaned(xy, conf, attrs)
    return PoseTrack(xy=xy, confidence=conf, fps=rate, keypoints=BLAZEPOSE33, timestamps_s=ts,
                     image_size=size, attrs=attrs)


def _image_size(meta: dict[str, Any], name: str) -> tuple[int, int] | None:
    """``videoWidth`` x ``videoHeight`` of BlazePose metadata (None when not stored)."""
    w, h = meta.get("videoWidth"), meta.get("videoHeight")
    if not w or not h:
        return None
    for field, v in (("videoWidth", w), ("videoHeight", h)):
        f = _number(v)
        if f is None or not math.isfinite(f) or not f.is_integer() or not 1 <= f <= MAX_IMAGE_PX:
            raise HingeError(f"{name}: metadata '{field}' must be a whole number of pixels "
                             f"(1-{MAX_IMAGE_PX}), got {_show(v)}")
    return int(float(w)), int(float(h))


def read_coco_csv(path: Path, fps: float | None = None) -> PoseTrack:
    """COCO-17 CSV: a ``frame_id`` column then ``<joint>_x, <joint>_y`` pixel columns
    (empty cells = missing). No confidence is stored, so present points get 1."""
    name = path.name
    header, rows = _csv_rows(path, MAX_FRAMES)
    if not rows or "frame_id" not in header or "left_hip_x" not in header:
        raise HingeError(f"{name}: not a COCO-17 keypoint CSV (needs frame_id, <joint>_x, <joint>_y)")
    attrs: dict[str, Any] = {"backend": "file:coco17-csv", "skeleton": "coco17",
                             "source": {"path": str(path), "kind": "keypoints"}}
    rate = _fps_or_default(fps, attrs, "COCO-17 CSV", name)
    col = {c: i for i, c in reversed(list(enumerate(header)))}   # the first of a repeated column
    cell = lambda cells, c: cells[col[c]] if c in col and col[c] < len(cells) else ""  # noqa: E731
    frame_ids = _frame_numbers([cell(r, "frame_id") for _, r in rows], name, "frame_id", [n for n, _ in rows])
    n = int(frame_ids.max()) + 1
    if n > MAX_FRAME_SPAN:
        raise HingeError(f"{name}: frame_id goes up to {n - 1}; hingecoach reads at most {MAX_FRAME_SPAN} frames")
    k = len(COCO17)
    xy = np.full((n, k, 2), np.nan)
    for fid, (line, r) in zip(frame_ids.astype(int), rows, strict=True):
        for j, joint in enumerate(COCO17):
            x, y = cell(r, f"{joint}_x"), cell(r, f"{joint}_y")
            if x.strip() and y.strip():
                xv, yv = _number(x), _number(y)
                if xv is None or yv is None:
                    raise HingeError(f"{name}: line {line} (frame {fid}): {joint} is not a number "
                                     f"({_show(x if xv is None else y)})")
                xy[fid, j] = (xv, yv)
    xy, conf = _cleaned(xy, np.where(np.isnan(xy[..., 0]), 0.0, 1.0), attrs)
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
    out = np.stack([points @ forward, points @ up], axis=-1)
    out[..., 0] -= np.nanmin(out[..., 0])
    out[..., 1] = np.nanmax(out[..., 1]) - out[..., 1]
    size = (int(np.nanmax(out[..., 0]) * SIDE_VIEW_PX_PER_M) + 80,
            int(np.nanmax(out[..., 1]) * SIDE_VIEW_PX_PER_M) + 80)
    out *= SIDE_VIEW_PX_PER_M
    out += 40.0
    return out, size


def read_kinect_csv(path: Path, fps: float | None = None) -> PoseTrack:
    """Kinect 3D skeleton CSV: ``action, subject, trial, frame, skeleton_joint, x, y, z`` rows
    (metres, y up; joints 1-16 as :data:`~hingecoach.core.track.skeletons.KINECT16`). The track is the
    skeleton seen exactly from its side (:func:`side_view_of_3d`), in pixels. A joint at
    (0, 0, 0) is Kinect's "not tracked"; a coordinate that is not a number, not finite or
    farther than :data:`MAX_WORLD_M` from the sensor makes the joint missing."""
    name = path.name
    header, rows = _csv_rows(path, MAX_FRAMES * len(KINECT16))
    cols = [c.lower() for c in header]
    if set(KINECT_COLUMNS) - set(cols) or not rows:
        raise HingeError(f"{name}: not a Kinect skeleton CSV ({', '.join(KINECT_COLUMNS)})")
    col = {c: cols.index(c) for c in KINECT_COLUMNS}
    cell = lambda cells, c: cells[col[c]] if col[c] < len(cells) else ""  # noqa: E731
    lines = [n for n, _ in rows]
    frame = _frame_numbers([cell(r, "frame") for _, r in rows], name, "frame", lines)
    joint = np.empty(len(rows), dtype=int)
    for i, (line, r) in enumerate(rows):
        j = _number(cell(r, "skeleton_joint"))
        if j is None or not math.isfinite(j) or not j.is_integer() or not 1 <= j <= len(KINECT16):
            raise HingeError(f"{name}: line {line}: skeleton_joint must be a whole number (joints "
                             f"1-{len(KINECT16)}), got {_show(cell(r, 'skeleton_joint'))}")
        joint[i] = int(j)
    values = np.array([[_number(cell(r, c)) for c in "xyz"] for _, r in rows], dtype=float)  # None -> NaN
    attrs: dict[str, Any] = {"backend": "file:kinect-csv", "skeleton": "kinect16",
                             "source": {"path": str(path), "kind": "keypoints"},
                             "steps": ["side_view_of_3d"]}
    rate = _fps_or_default(fps, attrs, "Kinect CSV", name)
    frames = (frame - frame.min()).astype(int)
    n = int(frames.max()) + 1
    pts = np.full((n, len(KINECT16), 3), np.nan)
    pts[frames, joint - 1] = values
    pts[(pts == 0.0).all(axis=-1)] = np.nan
    pts, _ = _cleaned(pts, np.ones(pts.shape[:2]), attrs, MAX_WORLD_M)
    if not np.isfinite(pts).any():
        raise HingeError(f"{name}: no tracked joint (every position is missing or 0, 0, 0)")
    idx = {joint_name: i for i, joint_name in enumerate(KINECT16)}
    pairs = ("shoulder", "hip")
    try:
        xy, size = side_view_of_3d(pts, [idx[f"left_{j}"] for j in pairs], [idx[f"right_{j}"] for j in pairs],
                                   (idx["hip_center"], idx["shoulder_center"]))
    except HingeError as exc:
        raise HingeError(f"{name}: {exc}") from None
    conf = np.where(np.isnan(xy[..., 0]), 0.0, 1.0)
    return PoseTrack(xy=xy, confidence=conf, fps=rate, keypoints=KINECT16,
                     timestamps_s=np.arange(n) / rate, image_size=size, attrs=attrs)


#: The OpenPose body models read, by keypoint count.
OPENPOSE_MODELS = {25: OPENPOSE25, 18: OPENPOSE18}


def _openpose_people(doc: Any, name: str) -> tuple[list[np.ndarray], list[int]]:
    """Each person's (K, 3) keypoints (x, y, confidence) in one OpenPose frame; people with no
    body keypoints give (0, 3). Non-finite or out-of-range points get confidence 0; also how
    many of each person's points were so dropped."""
    if not isinstance(doc, dict) or "people" not in doc:
        raise HingeError(f"{name}: not an OpenPose keypoint file (no 'people')")
    if not isinstance(doc["people"], list):
        raise HingeError(f"{name}: 'people' must be a list, got {_show(doc['people'])}")
    people, dropped = [], []
    for n, person in enumerate(doc["people"]):
        if not isinstance(person, dict):
            raise HingeError(f"{name}: person {n} is not an object ({_show(person)})")
        flat = person.get("pose_keypoints_2d")
        if flat is None:
            flat = []
        if not isinstance(flat, list):
            raise HingeError(f"{name}: person {n}: pose_keypoints_2d must be a list, got {_show(flat)}")
        if len(flat) % 3:
            raise HingeError(f"{name}: person {n}: pose_keypoints_2d length is not a multiple of 3")
        if flat and len(flat) // 3 not in OPENPOSE_MODELS:
            raise HingeError(f"{name}: person {n} has {len(flat) // 3} keypoints; OpenPose BODY_25 (25) "
                             f"or COCO-18 (18) expected")
        values = [_number(v) for v in flat]
        if None in values:
            raise HingeError(f"{name}: person {n}: pose_keypoints_2d holds a non-number "
                             f"({_show(flat[values.index(None)])})")
        p = np.asarray(values, dtype=float).reshape(-1, 3)
        xy, conf, bad = clean_points(p[:, :2], p[:, 2])
        people.append(np.column_stack([np.nan_to_num(xy), conf]))
        dropped.append(bad)
    return people, dropped


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
        if best is None or score > best_score:
            best, best_score = p, score
    return best


def read_openpose(path: Path, fps: float | None = None) -> PoseTrack:
    """OpenPose JSON: a folder of per-frame ``*_keypoints.json`` files (or one such file).
    BODY_25 or COCO-18 by keypoint count (the same in every frame); the main person is
    followed frame to frame."""
    if path.is_dir():
        try:
            files = sorted(f for f in path.glob("*.json") if f.is_file())
        except OSError as exc:
            raise HingeError(f"{path}: cannot list the folder ({exc.__class__.__name__})") from None
    else:
        files = [path]
    if not files:
        raise HingeError(f"{path}: no OpenPose .json files in the folder")
    _check_frames(len(files), path.name, "OpenPose frame files")
    attrs: dict[str, Any] = {"backend": "file:openpose-json", "source": {"path": str(path), "kind": "keypoints"}}
    rate = _fps_or_default(fps, attrs, "OpenPose JSON", path.name)
    chosen: list[np.ndarray | None] = []
    others = 0
    previous = None
    k, k_file = 0, ""
    dropped = 0
    for f in files:
        people, bad = _openpose_people(_load_json(f), f.name)
        for person in people:
            if len(person) and not k:
                k, k_file = len(person), f.name
            elif len(person) and len(person) != k:
                raise HingeError(f"{f.name}: a person has {len(person)} keypoints but {k_file} has {k} "
                                 f"(BODY_25 and COCO-18 frames mixed)")
        others = max(others, len(people) - 1)
        main = _main_person(people, previous)
        if main is not None:
            previous = main
            dropped += bad[next(i for i, q in enumerate(people) if q is main)]
        chosen.append(main)
    names = OPENPOSE_MODELS.get(k)
    if names is None or all(main is None for main in chosen):
        raise HingeError(f"{path.name}: no person with at least 4 keypoints in any OpenPose frame")
    xy = np.full((len(files), k, 2), np.nan)
    conf = np.zeros((len(files), k))
    for t, main in enumerate(chosen):
        if main is not None:
            xy[t] = np.where(main[:, 2:3] > 0, main[:, :2], np.nan)
            conf[t] = main[:, 2]
    attrs["skeleton"] = "openpose25" if k == 25 else "openpose18"
    if others:
        attrs.setdefault("warnings", []).append(f"{others + 1} people in frame; analysed the main one")
    if dropped:
        attrs.setdefault("warnings", []).append(dropped_points_warning(dropped))
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
    if suffix not in (".csv", ".json"):
        raise HingeError(f"{path.name}: unknown keypoint file type; known formats: {', '.join(READERS)}")
    try:
        with path.open("rb") as fh:
            head = fh.read(4096).decode("utf-8", "replace")
    except OSError as exc:
        raise HingeError(f"{path.name}: cannot read the file ({exc.__class__.__name__})") from None
    if suffix == ".csv":
        return "kinect-csv" if head[:256].lstrip("\ufeff \t\r\n").lower().startswith("action,") else "coco-csv"
    return "openpose" if '"people"' in head else "blazepose-json"


def _segment_axis(track: PoseTrack) -> np.ndarray:
    """Per frame, the sum of the unit vectors that point up the body in an upright lifter
    (ankle → hip, knee → hip, hip → shoulder, wrist → shoulder; left and right averaged), and
    how many of them were seen: (T, 3) as (x, y, count)."""
    def joint(n: str) -> np.ndarray:
        left, right = track.joint(f"left_{n}"), track.joint(f"right_{n}")
        return np.where(np.isnan(left), right, np.where(np.isnan(right), left, (left + right) / 2))

    hip, shoulder = joint("hip"), joint("shoulder")
    total = np.zeros((track.n_frames, 2))
    count = np.zeros(track.n_frames)
    for a, b in ((joint("ankle"), hip), (joint("knee"), hip), (hip, shoulder), (joint("wrist"), shoulder)):
        v = b - a
        length = np.hypot(v[:, 0], v[:, 1])
        ok = np.isfinite(length) & (length > 0)
        total[ok] += v[ok] / length[ok, None]
        count[ok] += 1
    return np.column_stack([total, count])


def lies_on_its_side(track: PoseTrack) -> bool:
    """True when the body runs closer to horizontal than vertical in the image over the clip:
    the median angle from vertical of the up-the-body direction (:func:`_segment_axis`, frames
    where at least three of its four segments are seen) is over :data:`SIDEWAYS_TILT_DEG`.
    Upright hinges stay under 20° (legs and hanging arms keep it up, even at the bottom), an
    all-fours sitback under 45°; a track turned 90° (x and y swapped) is over 70°."""
    axis = _segment_axis(track)
    seen = axis[:, 2] >= 3
    if seen.sum() < 5:
        return False
    tilt = np.degrees(np.arctan2(np.abs(axis[seen, 0]), np.abs(axis[seen, 1])))
    return bool(np.median(tilt) > SIDEWAYS_TILT_DEG)


def _with_orientation_warning(track: PoseTrack) -> PoseTrack:
    warnings = list(track.attrs.get("warnings", []))
    if SIDEWAYS_WARNING in warnings or not lies_on_its_side(track):
        return track
    return replace(track, attrs={**track.attrs, "warnings": [*warnings, SIDEWAYS_WARNING]})


def read_track(path: str | Path, fmt: str | None = None, fps: float | None = None) -> PoseTrack:
    """Read a keypoint file (or OpenPose folder) into a track (validated: see the module's
    documentation); a track whose body lies on its side gets :data:`SIDEWAYS_WARNING`."""
    path = Path(path)
    if not path.exists():
        raise HingeError(f"{path}: no such file")
    if path.is_file():
        _check_file_size(path)
        if path.stat().st_size == 0:
            raise HingeError(f"{path.name}: the file is empty")
    fmt = fmt or sniff_format(path)
    if fmt not in READERS:
        raise HingeError(f"unknown keypoint format {fmt!r}; known formats: {', '.join(READERS)}")
    track = READERS[fmt](path, fps)
    if track.n_frames == 0:
        raise HingeError(f"{path.name}: the keypoint file has no frames")
    return _with_orientation_warning(track)


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
