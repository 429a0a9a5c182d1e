"""The two sets of a comparison, from whatever the lifter has: a video, a keypoint file, an
``analysis.json``, a ``--out`` folder, or a set in the training log.

Pipeline position: a command-line argument → **a compared set** (its analysis document, its
track features when the pose track is at hand, the video to draw on) → the comparison. A set
already analysed is never analysed again: an ``analysis.json`` (or its ``--out`` folder) is
read as saved, with the ``track.npz`` beside it; only a video or keypoint file is analysed.

A logged set is named ``athlete@YYYY-MM-DD#N``: the athlete's N-th set of that day (local
date, sets counted in the order logged; ``#N`` may be left out when the day has one analysed
set). The training log keeps a set's analysis document (reps, metrics, faults) but not its
pose track: such a set is compared in numbers and words, not in the video or the curves.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from hingecoach.core.compare import SetSignals
from hingecoach.core.reps.engine import TrackFeatures, track_features
from hingecoach.core.track.pose_track import PoseTrack
from hingecoach.errors import HingeError
from hingecoach.io.analysis_json import check_document
from hingecoach.pipeline import Result, analyze_path, file_sha256

#: ``ana@2026-11-02#2``: athlete, local date, set of the day.
LOGGED_SET = re.compile(r"^(?P<athlete>[^@#]+)@(?P<date>\d{4}-\d{2}-\d{2})(?:#(?P<n>\d+))?$")
NO_TRACK_IN_LOG = ("the training log keeps a set's analysis (reps, metrics, faults) but not its pose track; "
                   "compare its --out folder (analysis.json + track.npz) for the video and the curves")


@dataclass
class ComparedSet:
    """One side of a comparison.

    ``kind``: ``video``, ``keypoints`` (analysed now), ``analysis`` (an ``analysis.json`` or
    ``--out`` folder) or ``log`` (the training log). ``features``: None when the pose track is
    not at hand (``no_track`` says why). ``video``: the analysed video, still where the analysis
    says and unchanged, to draw on; None draws on a plain canvas.
    """

    spec: str
    label: str
    kind: str
    doc: dict[str, Any]
    features: TrackFeatures | None = None
    video: Path | None = None
    result: Result | None = None
    no_track: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def facing(self) -> str:
        """``left`` or ``right`` (the way the lifter faces in the image)."""
        return "left" if self.doc.get("facing") == "left" else "right"

    def signals(self) -> SetSignals | None:
        """The per-frame signals the comparison reads (None without the track)."""
        if self.features is None:
            return None
        f = self.features.features
        return SetSignals(times_s=np.asarray(self.features.track.timestamps_s, float),
                          depth_deg=np.asarray(f.depth_deg, float), fps=float(self.features.track.fps),
                          angles={"hip": np.asarray(f.hip_flexion_deg, float),
                                  "knee": np.asarray(f.knee_flexion_deg, float),
                                  "trunk": np.asarray(f.trunk_inclination_deg, float)})

    def describe(self) -> dict[str, Any]:
        """What ``comparison.json`` says about this set."""
        doc = self.doc
        source = doc.get("source") or {}
        view = doc.get("view") or {}
        drill = doc.get("drill") or {}
        return {"label": self.label, "input": self.spec, "kind": self.kind, "source_path": source.get("path"),
                "fps": doc.get("fps"), "frames": doc.get("frames"), "facing": self.facing,
                "view": view.get("label"), "drill": drill.get("id"), "reps": len(doc.get("reps") or []),
                "track": self.features is not None, "video": str(self.video) if self.video else None,
                "no_track": self.no_track}


def _is_analysis(doc: Any) -> bool:
    return isinstance(doc, dict) and "schema_version" in doc and "reps" in doc


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


def _check_doc(doc: dict[str, Any], where: str) -> dict[str, Any]:
    """The document checked and normalised as the report reads it (one line naming the field)."""
    try:
        return check_document(doc)
    except HingeError as e:
        raise HingeError(f"{where}: {e}") from None


def source_video(doc: dict[str, Any], near: Path | None = None) -> Path | None:
    """The analysed video, when it is still where the analysis says (or beside ``near``) and is
    the same file (its checksum, when the analysis kept one); None otherwise."""
    source = doc.get("source") or {}
    if source.get("kind") != "video" or not source.get("path"):
        return None
    recorded = Path(str(source["path"]))
    candidates = [recorded] + ([near / recorded, near / recorded.name] if near is not None else [])
    for path in candidates:
        if path.is_file():
            expected = source.get("sha256")
            if expected and file_sha256(path) != expected:
                continue
            return path
    return None


def _features_beside(analysis_json: Path, doc: dict[str, Any]) -> tuple[TrackFeatures | None, str | None]:
    track_path = analysis_json.parent / "track.npz"
    if not track_path.is_file():
        return None, f"no track.npz beside {analysis_json.name}: compared in numbers only, not in the video or curves"
    track = PoseTrack.load(track_path)
    if track.n_frames != int(doc.get("frames", track.n_frames)):
        raise HingeError(f"{track_path}: has {track.n_frames} frames but the analysis has {doc.get('frames')}")
    return track_features(track), None


def _from_analysis(spec: str, path: Path) -> ComparedSet:
    if path.is_dir():
        if not (path / "analysis.json").is_file():
            raise HingeError(f"{path}: a folder without analysis.json (give a video, a keypoint file, an analysis.json "
                             "or a folder written by `hinge analyze --out`)")
        path = path / "analysis.json"
    doc = _read_json(path)
    if not _is_analysis(doc):
        raise HingeError(f"{path}: not an analysis.json")
    doc = _check_doc(doc, str(path))
    features, no_track = _features_beside(path, doc)
    label = path.parent.name if path.name == "analysis.json" else path.stem
    return ComparedSet(spec=spec, label=label or path.stem, kind="analysis", doc=doc, features=features,
                       video=source_video(doc, path.parent) if features is not None else None, no_track=no_track)


def _analysed_now(spec: str, path: Path, model: str, drill: str | None) -> ComparedSet:
    result = analyze_path(path, model=model, drill=drill)
    doc = result.analysis.to_dict()
    kind = "video" if (doc.get("source") or {}).get("kind") == "video" else "keypoints"
    return ComparedSet(spec=spec, label=path.name, kind=kind, doc=doc, features=result.features,
                       video=path if kind == "video" else None, result=result)


def logged_sets(db: str | None, athlete: str) -> list[dict[str, Any]]:
    """The athlete's logged sets, oldest first: ``performed_at`` (local), ``day_index`` (1-based
    within its local day), ``drill``, ``set_id`` (session id and position) and ``analysis``
    (the document, or None for a set logged by hand)."""
    from hingecoach.store import export_data

    people = export_data(db, athlete)
    out: list[dict[str, Any]] = []
    per_day: dict[date, int] = {}
    for person in people:
        for session in person["sessions"]:
            when = datetime.fromisoformat(session["performed_at"]).astimezone()
            for s in session["sets"]:
                n = per_day[when.date()] = per_day.get(when.date(), 0) + 1
                out.append({"performed_at": when, "day_index": n, "drill": s.get("drill"),
                            "set_id": f"{session['id']}.{s.get('position')}", "analysis": s.get("analysis"),
                            "athlete": person["athlete"]})
    return out


def _logged_set(spec: str, row: dict[str, Any]) -> ComparedSet:
    label = f"{row['athlete']} {row['performed_at'].date().isoformat()} #{row['day_index']}"
    doc = row.get("analysis")
    if not _is_analysis(doc):
        raise HingeError(f"{label}: that set was logged by hand, without an analysis: there is nothing to compare")
    assert isinstance(doc, dict)
    return ComparedSet(spec=spec, label=label, kind="log", doc=_check_doc(doc, label), no_track=NO_TRACK_IN_LOG)


def _from_log(spec: str, athlete: str, day: str, n: int | None, db: str | None) -> ComparedSet:
    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        raise HingeError(f"{spec}: cannot read the date {day!r} (use athlete@YYYY-MM-DD#N)") from None
    rows = [r for r in logged_sets(db, athlete) if r["performed_at"].date() == wanted]
    if not rows:
        raise HingeError(f"{athlete} has no set logged on {day}")
    if n is None:
        analysed = [r for r in rows if _is_analysis(r.get("analysis"))]
        if len(analysed) != 1:
            raise HingeError(f"{athlete} has {len(rows)} sets on {day}"
                             f" ({len(analysed)} analysed): name one, as {athlete}@{day}#N")
        return _logged_set(spec, analysed[0])
    row = next((r for r in rows if r["day_index"] == n), None)
    if row is None:
        raise HingeError(f"{athlete} has {len(rows)} {'set' if len(rows) == 1 else 'sets'} on {day}, not a set #{n}")
    return _logged_set(spec, row)


def load_set(spec: str, *, db: str | None = None, model: str = "full", drill: str | None = None) -> ComparedSet:
    """A compared set from a command-line argument (see the module's documentation).

    ``model`` and ``drill`` apply to a video or keypoint file analysed now.
    """
    path = Path(spec)
    if path.exists():
        if path.is_dir() or (path.suffix.lower() == ".json" and _is_analysis(_read_json(path))):
            return _from_analysis(spec, path)
        return _analysed_now(spec, path, model, drill)
    match = LOGGED_SET.match(spec)
    if match:
        n = match.group("n")
        return _from_log(spec, match.group("athlete"), match.group("date"), int(n) if n else None, db)
    raise HingeError(f"{spec}: no such file, folder or logged set (a logged set is athlete@YYYY-MM-DD#N)")


def first_and_last(athlete: str, drill: str, db: str | None = None) -> tuple[ComparedSet, ComparedSet]:
    """The athlete's first and latest analysed sets of ``drill`` in the training log."""
    rows = [r for r in logged_sets(db, athlete) if r["drill"] == drill and _is_analysis(r.get("analysis"))]
    if len(rows) < 2:
        have = "no analysed set" if not rows else "only one analysed set"
        raise HingeError(f"{athlete} has {have} of {drill} in the training log; two are needed to compare")
    first, last = rows[0], rows[-1]
    spec = "{a}@{d}#{n}"
    return (_logged_set(spec.format(a=athlete, d=first["performed_at"].date().isoformat(), n=first["day_index"]), first),
            _logged_set(spec.format(a=athlete, d=last["performed_at"].date().isoformat(), n=last["day_index"]), last))
