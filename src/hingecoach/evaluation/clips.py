"""The evaluation's inputs: labelled clips and the synthetic bench's ground truth, their pose
tracks (cached by content and versions), and the set-level faults of an analysis document.
Shared by :mod:`~hingecoach.evaluation.scoring`, :mod:`~hingecoach.evaluation.thresholds` and
:mod:`~hingecoach.evaluation.back_calibration`."""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from hingecoach.core.faults.reference import NeutralReference
from hingecoach.core.track.pose_track import PoseTrack
from hingecoach.errors import HingeError
from hingecoach.pipeline import Result, load_any


def _digest(path: Path) -> str:
    h = hashlib.sha1()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def cached_track(path: Path, cache: Path | None, model: str = "full",
                 segmentation: bool = True) -> PoseTrack:
    """The pose track of a video, from the cache when there.

    The key is what determines the track: the clip's content (SHA-1), the pose backend, the
    model variant, the backend's version and whether the silhouette profiles were measured —
    ``{stem}-{sha1[:16]}-{backend}-{model}-mp{version}[-seg].npz`` — so a new mediapipe never
    reuses an old one's tracks. A track is written to a temporary file and renamed into place,
    so a reader (another test worker, a concurrent ``hinge eval``) never sees half a file; an
    unreadable entry is computed again.
    """
    if cache is None:
        return load_any(path, model=model, segmentation=segmentation)[0]
    import importlib.metadata
    import os
    import uuid
    import zipfile

    backend = "mediapipe"  # the backend load_any runs on a video
    try:
        version = importlib.metadata.version("mediapipe")
    except importlib.metadata.PackageNotFoundError:
        version = "none"
    cache.mkdir(parents=True, exist_ok=True)
    key = cache / f"{path.stem}-{_digest(path)}-{backend}-{model}-mp{version}{'-seg' if segmentation else ''}.npz"
    if key.exists():
        try:
            return PoseTrack.load(key)
        except (HingeError, OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            pass  # damaged: computed again and replaced below
    track, _ = load_any(path, model=model, segmentation=segmentation)
    tmp = key.with_name(f".{key.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        track.save(tmp)
        os.replace(tmp, key)
    finally:
        tmp.unlink(missing_ok=True)
    return track


def _analyze(track: PoseTrack, drill: str | None, reference: NeutralReference | None = None) -> Result:
    from hingecoach.core.coach.coaching import coach_analysis
    from hingecoach.core.reps.engine import analyze_track

    analysis, tf = analyze_track(track)
    coach_analysis(analysis, tf, drill_override=drill, reference=reference)
    return Result(analysis=analysis, features=tf, track=track, timings_s={})


def read_ground_truth(path: Path) -> dict[str, Any]:
    """A synthetic clip's ground truth (``*.gt.json``); a clear error when it cannot be read."""
    try:
        gt = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HingeError(f"{path}: not a readable ground-truth file ({exc})") from exc
    if not isinstance(gt, dict) or "video" not in gt:
        raise HingeError(f"{path}: not a ground-truth file (no 'video' entry)")
    return gt


def read_labels(path: Path) -> list[dict[str, str]]:
    """Rows of a labels CSV (clip, exercise, view, persons, reps, reps_tol, faults, notes)."""
    try:
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise HingeError(f"{path}: cannot read the labels ({exc.__class__.__name__})") from None
    need = {"clip", "view", "reps"}
    if not rows or not need <= set(rows[0]):
        raise HingeError(f"{path.name}: a labels CSV needs the columns {', '.join(sorted(need))}")
    return rows


def set_faults(doc: dict[str, Any], share: float = 0.5) -> list[str]:
    """The faults of a set: those found on at least ``share`` of its reps (at least one rep).

    A single stray finding on one rep of ten is not what a coach would call the set's fault;
    per-rep findings stay in the analysis for the lifter.
    """
    reps = doc.get("reps") or []
    counts: dict[str, int] = defaultdict(int)
    for r in reps:
        for fid in {f["id"] for f in r.get("faults", [])}:
            counts[fid] += 1
    need = max(1, math.ceil(share * len(reps)))
    return sorted(fid for fid, n in counts.items() if n >= need)


def experimental_reps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The analysis's experimental findings regrouped per rep, shaped like ``reps``."""
    by_rep: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for f in doc.get("experimental") or []:
        by_rep[int(f["rep"])].append(f)
    return [{"faults": by_rep.get(int(r["index"]), [])} for r in doc.get("reps") or []]
