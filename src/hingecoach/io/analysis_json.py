"""``analysis.json`` (schema 1.x, docs/analysis-schema.md): the one module that reads and writes it.

Pipeline position: analysis engine (:class:`~hingecoach.core.results.Analysis`, ``to_dict``)
→ **this module** → ``analysis.json`` / ``hinge analyze --json``; and ``analysis.json`` → **this
module** → the training log (:func:`parse_analysis`, :func:`read_analysis_file`) or the report
(:func:`read_report_document`, :func:`check_document`).

Writing is strict JSON (:func:`~hingecoach.core.numeric.strict_json`): a non-finite number (NaN, ±inf) is written as ``null``,
as the schema says of a metric that could not be measured; ``NaN`` or ``Infinity`` never reach a
file or the terminal.

Reading: the training log's reader is tolerant where the format allows (``drill.id`` null, no
faults, no recommendation) and strict where a value would be misread (a rep without ``clean``, a
fault without a known severity). The report's reader checks every field the report reads (types,
frame indices inside the analysed frames, numbers finite and in range) and hands back a
normalised copy, so drawing never meets a surprise. Either way every problem is a one-line
:class:`~hingecoach.errors.HingeError` that names the file and the bad field.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from hingecoach.core.numeric import json_safe, strict_json
from hingecoach.core.results import Analysis
from hingecoach.errors import HingeError

SUPPORTED_MAJOR = "1"
SEVERITIES = ("safety", "form", "minor")
#: An ``analysis.json`` larger than this is refused before it is read (a 5,000-rep set is ~7 MB).
MAX_FILE_BYTES = 512 * 1024 * 1024
#: Numbers the report reads must lie within ± this (degrees, seconds, fractions: a larger one is
#: a corrupt file, and would only break the plots).
MAX_ABS_NUMBER = 1e9
#: At most this many frames (about 38 days at 30 fps) in an analysis.
MAX_FRAMES = 100_000_000


# --- writing ---------------------------------------------------------------------------------



def analysis_document(analysis: Analysis) -> dict[str, Any]:
    """The ``analysis.json`` document of an analysis, exactly as it is written (non-finite
    numbers already null)."""
    doc: dict[str, Any] = json_safe(analysis.to_dict())
    return doc


def analysis_json(analysis: Analysis | Mapping[str, Any]) -> str:
    """``analysis.json`` as text (what ``hinge analyze --json`` prints)."""
    return strict_json(analysis.to_dict() if isinstance(analysis, Analysis) else analysis)


def write_analysis(analysis: Analysis | Mapping[str, Any], path: str | Path) -> Path:
    """Write ``analysis.json`` atomically (a partial file never replaces a good one)."""
    path = Path(path)
    text = analysis_json(analysis)
    tmp = path.with_suffix(path.suffix + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise HingeError(f"cannot write {path}: {e.strerror or e}") from None
    return path


# --- reading: shared ---------------------------------------------------------------------------

def _show(value: Any, limit: int = 40) -> str:
    """A value for an error message: short, on one line."""
    text = "null" if value is None else repr(value)
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= limit else text[: limit - 3] + "..."


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,60}\Z")


def _field(parent: str, key: str) -> str:
    """``parent.key`` (or ``parent["odd key"]`` for a key that is not a plain name)."""
    if _NAME.match(key):
        return f"{parent}.{key}" if parent else key
    quoted = json.dumps(key)  # escapes newlines: the message stays on one line
    if len(quoted) > 40:
        quoted = quoted[:36] + '..."'
    return f"{parent}[{quoted}]"


def _read_json(path: str | Path) -> tuple[Path, Any]:
    """A JSON file decoded; any reason it cannot be is a one-line HingeError naming it.

    ``NaN`` and ``Infinity`` (written by older versions of ``hinge analyze --json``) read as null.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise HingeError(f"{p}: {size / 1e6:.0f} MB is too large to be an analysis.json")
        text = p.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise HingeError(f"cannot read {p}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise HingeError(f"{p} is not a text file") from None
    except ValueError as e:  # an embedded NUL in the path
        raise HingeError(f"cannot read {p}: {e}") from None
    try:
        return p, json.loads(text, parse_constant=lambda _: None)
    except json.JSONDecodeError as e:
        raise HingeError(f"{p} is not valid JSON (line {e.lineno}: {e.msg})") from None
    except RecursionError:
        raise HingeError(f"{p} is not an analysis.json (its JSON is nested too deeply)") from None


def _check_version(doc: Any) -> str:
    if not isinstance(doc, dict):
        raise HingeError("analysis: the document must be a JSON object")
    version = doc.get("schema_version")
    if not isinstance(version, str) or version.split(".")[0] != SUPPORTED_MAJOR:
        raise HingeError(
            f"analysis: schema_version {_show(version)} is not supported "
            f"(this hingecoach reads {SUPPORTED_MAJOR}.x)"
        )
    return version


# --- reading for the training log ------------------------------------------------------------

@dataclass(frozen=True)
class ParsedFault:
    """One fault of one rep, as measured."""

    id: str
    severity: str
    value: float | None
    threshold: float | None
    unit: str | None
    confidence: float | None
    cue: str | None


@dataclass(frozen=True)
class ParsedRep:
    """One rep: timing, metrics, faults and whether it was clean."""

    index: int
    start_s: float | None
    bottom_s: float | None
    end_s: float | None
    hip_flexion_peak_deg: float | None
    clean: bool
    metrics: dict[str, Any]
    faults: tuple[ParsedFault, ...]


@dataclass(frozen=True)
class ParsedAnalysis:
    """The parts of an analysis the training log uses, plus the whole document."""

    schema_version: str
    drill: str | None
    source_path: str | None
    source_sha256: str | None
    view_label: str | None
    primary_cue: str | None
    reps: tuple[ParsedRep, ...]
    document: dict[str, Any]

    @property
    def clean_reps(self) -> int:
        """How many reps were clean."""
        return sum(rep.clean for rep in self.reps)


def _num(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise HingeError(f"analysis: {where} must be a number, not {_show(value)}")
    if isinstance(value, int) and abs(value) > MAX_ABS_NUMBER:
        raise HingeError(f"analysis: {where} is out of range ({_show(value)})")
    if not math.isfinite(value):
        raise HingeError(f"analysis: {where} must be a finite number, not {_show(value)}")
    return float(value)


def _str(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise HingeError(f"analysis: {where} must be text, not {_show(value)}")
    return value


def _obj(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise HingeError(f"analysis: {where} must be an object")
    return value


def parse_analysis(doc: Any) -> ParsedAnalysis:
    """Validate an analysis document (already decoded from JSON) and pick out its parts."""
    version = _check_version(doc)
    drill = _obj(doc.get("drill"), "drill")
    source = _obj(doc.get("source"), "source")
    view = _obj(doc.get("view"), "view")
    recommendation = _obj(doc.get("recommendation"), "recommendation")
    raw_reps = doc.get("reps")
    if not isinstance(raw_reps, list):
        raise HingeError("analysis: 'reps' must be a list")
    reps: list[ParsedRep] = []
    for i, raw in enumerate(raw_reps):
        where = f"reps[{i}]"
        if not isinstance(raw, dict):
            raise HingeError(f"analysis: {where} must be an object")
        if not isinstance(raw.get("clean"), bool):
            raise HingeError(f"analysis: {where}.clean must be true or false")
        metrics = _obj(raw.get("metrics"), f"{where}.metrics")
        raw_faults = raw.get("faults") or []
        if not isinstance(raw_faults, list):
            raise HingeError(f"analysis: {where}.faults must be a list")
        faults: list[ParsedFault] = []
        for j, f in enumerate(raw_faults):
            fw = f"{where}.faults[{j}]"
            if not isinstance(f, dict) or not isinstance(f.get("id"), str) or not f["id"]:
                raise HingeError(f"analysis: {fw} needs an 'id'")
            if f.get("severity") not in SEVERITIES:
                raise HingeError(f"analysis: {fw}.severity must be one of {', '.join(SEVERITIES)}")
            faults.append(
                ParsedFault(
                    id=f["id"],
                    severity=f["severity"],
                    value=_num(f.get("value"), f"{fw}.value"),
                    threshold=_num(f.get("threshold"), f"{fw}.threshold"),
                    unit=_str(f.get("unit"), f"{fw}.unit"),
                    confidence=_num(f.get("confidence"), f"{fw}.confidence"),
                    cue=_str(f.get("cue"), f"{fw}.cue"),
                )
            )
        index = raw.get("index", i + 1)
        if isinstance(index, bool) or not isinstance(index, int) or abs(index) > MAX_ABS_NUMBER:
            raise HingeError(f"analysis: {where}.index must be a whole number")
        reps.append(
            ParsedRep(
                index=index,
                start_s=_num(raw.get("start_s"), f"{where}.start_s"),
                bottom_s=_num(raw.get("bottom_s"), f"{where}.bottom_s"),
                end_s=_num(raw.get("end_s"), f"{where}.end_s"),
                hip_flexion_peak_deg=_num(
                    metrics.get("hip_flexion_peak_deg"), f"{where}.metrics.hip_flexion_peak_deg"
                ),
                clean=raw["clean"],
                metrics=metrics,
                faults=tuple(faults),
            )
        )
    return ParsedAnalysis(
        schema_version=version,
        drill=_str(drill.get("id"), "drill.id"),
        source_path=_str(source.get("path"), "source.path"),
        source_sha256=_str(source.get("sha256"), "source.sha256"),
        view_label=_str(view.get("label"), "view.label"),
        primary_cue=_str(recommendation.get("primary_cue"), "recommendation.primary_cue"),
        reps=tuple(reps),
        document=doc,
    )


def read_analysis_file(path: str | Path) -> ParsedAnalysis:
    """Read and parse an ``analysis.json`` file; a missing or malformed file is a HingeError."""
    p, doc = _read_json(path)
    try:
        return parse_analysis(doc)
    except HingeError as e:
        raise HingeError(f"{p}: {e}") from None


# --- reading for the report ------------------------------------------------------------------

_MISSING = object()


class _Bad(HingeError):
    """A field that does not hold what the report reads (the message names it)."""


def _bad(where: str, what: str) -> NoReturn:
    raise _Bad(f"{where} {what}")


def _get(obj: dict[str, Any], key: str) -> Any:
    return obj.get(key, _MISSING)


def _number(value: Any, where: str, *, required: bool = False, positive: bool = False) -> float | None:
    if value is _MISSING or value is None:
        if required:
            _bad(where, "is missing" if value is _MISSING else "must be a number, not null")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        _bad(where, f"must be a number, not {_show(value)}")
    if isinstance(value, int) and abs(value) > MAX_ABS_NUMBER:
        _bad(where, f"is out of range ({_show(value)})")
    if not math.isfinite(value) or abs(value) > MAX_ABS_NUMBER:
        _bad(where, f"is out of range ({_show(value)})")
    if positive and value <= 0:
        _bad(where, f"must be above 0, not {_show(value)}")
    return float(value)


def _whole(value: Any, where: str, lo: int, hi: int) -> int:
    """A required whole number in [lo, hi] (a float with no fraction is accepted)."""
    if value is _MISSING:
        _bad(where, "is missing")
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        _bad(where, f"must be a whole number, not {_show(value)}")
    if not lo <= value <= hi:
        _bad(where, f"must be between {lo} and {hi}, not {_show(value)}")
    return value


def _text(value: Any, where: str, *, required: bool = False) -> str | None:
    if value is _MISSING or value is None:
        if required:
            _bad(where, "is missing" if value is _MISSING else "must be text, not null")
        return None
    if not isinstance(value, str):
        _bad(where, f"must be text, not {_show(value)}")
    return value


def _object(value: Any, where: str, *, nullable: bool = True) -> dict[str, Any] | None:
    """An object; missing (and null, when ``nullable``) → None."""
    if value is _MISSING or (value is None and nullable):
        return None
    if not isinstance(value, dict):
        _bad(where, f"must be an object, not {_show(value)}")
    return value


def _array(value: Any, where: str, *, required: bool = False) -> list[Any]:
    """A list; missing → [] unless ``required``; null is never a list."""
    if value is _MISSING:
        if required:
            _bad(where, "is missing")
        return []
    if not isinstance(value, list):
        _bad(where, f"must be a list, not {_show(value)}")
    return value


def _texts(value: Any, where: str, *, nullable: bool = False) -> list[str] | None:
    if value is None and nullable:
        return None
    items = _array(value, where)
    for k, item in enumerate(items):
        _text(item, f"{where}[{k}]", required=True)
    return list(items)


def _section(doc: dict[str, Any], key: str, texts: tuple[str, ...] = (), numbers: tuple[str, ...] = (),
             *, nullable: bool = True) -> dict[str, Any] | None:
    """A top-level object with some text and number fields checked; None when absent/null."""
    obj = _object(_get(doc, key), key, nullable=nullable)
    if obj is None:
        return None
    out = dict(obj)
    for name in texts:
        out[name] = _text(_get(obj, name), _field(key, name))
    for name in numbers:
        out[name] = _number(_get(obj, name), _field(key, name))
    return out


def _fault(raw: Any, where: str, frames: int, bottom: int) -> dict[str, Any]:
    if not isinstance(raw, dict):
        _bad(where, f"must be an object, not {_show(raw)}")
    fid = _text(_get(raw, "id"), f"{where}.id", required=True)
    if not fid:
        _bad(f"{where}.id", "must not be empty")
    severity = _get(raw, "severity")
    if severity not in SEVERITIES:
        _bad(f"{where}.severity", f"must be one of {', '.join(SEVERITIES)}, not {_show(severity)}")
    span = _get(raw, "frames")
    if span is _MISSING or span is None:
        first = last = bottom
    else:
        if not isinstance(span, list) or len(span) != 2:
            _bad(f"{where}.frames", f"must be [first, last], not {_show(span)}")
        first = _whole(span[0], f"{where}.frames[0]", 0, frames - 1)
        last = _whole(span[1], f"{where}.frames[1]", 0, frames - 1)
        if last < first:
            _bad(f"{where}.frames", f"must be [first, last] in order, not {_show(span)}")
    return {**raw, "id": fid, "severity": severity, "frames": [first, last],
            "value": _number(_get(raw, "value"), f"{where}.value"),
            "threshold": _number(_get(raw, "threshold"), f"{where}.threshold"),
            "confidence": _number(_get(raw, "confidence"), f"{where}.confidence"),
            "unit": _text(_get(raw, "unit"), f"{where}.unit"),
            "cue": _text(_get(raw, "cue"), f"{where}.cue"),
            "detail": _text(_get(raw, "detail"), f"{where}.detail")}


def _rep(raw: Any, where: str, frames: int) -> dict[str, Any]:
    if not isinstance(raw, dict):
        _bad(where, f"must be an object, not {_show(raw)}")
    index = _whole(_get(raw, "index"), f"{where}.index", 0, MAX_FRAMES)
    if frames == 0:
        _bad(where, "is a rep in an analysis of 0 frames")
    start = _whole(_get(raw, "start_frame"), f"{where}.start_frame", 0, frames - 1)
    bottom = _whole(_get(raw, "bottom_frame"), f"{where}.bottom_frame", 0, frames - 1)
    end = _whole(_get(raw, "end_frame"), f"{where}.end_frame", 0, frames - 1)
    if not start <= bottom <= end:
        _bad(where, f"frames must be in order: start_frame {start} ≤ bottom_frame {bottom} ≤ end_frame {end}")
    metrics = _object(_get(raw, "metrics"), f"{where}.metrics", nullable=False) or {}
    checked = {str(k): _number(v, _field(f"{where}.metrics", str(k))) for k, v in metrics.items()}
    faults = [_fault(f, f"{where}.faults[{j}]", frames, bottom)
              for j, f in enumerate(_array(_get(raw, "faults"), f"{where}.faults"))]
    clean = _get(raw, "clean")
    if clean is _MISSING:
        clean = not faults
    elif not isinstance(clean, bool):
        _bad(f"{where}.clean", f"must be true or false, not {_show(clean)}")
    return {**raw, "index": index, "start_frame": start, "bottom_frame": bottom, "end_frame": end,
            "start_s": _number(_get(raw, "start_s"), f"{where}.start_s"),
            "bottom_s": _number(_get(raw, "bottom_s"), f"{where}.bottom_s"),
            "end_s": _number(_get(raw, "end_s"), f"{where}.end_s"),
            "metrics": checked, "faults": faults, "clean": clean}


def _recommendation(doc: dict[str, Any]) -> dict[str, Any] | None:
    rec = _section(doc, "recommendation", texts=("primary_cue", "summary", "praise"))
    if rec is None:
        return None
    rec["secondary_cues"] = _texts(rec.get("secondary_cues"), "recommendation.secondary_cues", nullable=True)
    rng = _object(_get(rec, "range"), "recommendation.range")
    if rng is not None:
        rng = dict(rng)
        for name in ("landmark", "action"):
            rng[name] = _text(_get(rng, name), f"recommendation.range.{name}")
        for name in ("limit_deg", "full_range_deg", "achieved_deg"):
            rng[name] = _number(_get(rng, name), f"recommendation.range.{name}")
    rec["range"] = rng
    return rec


def _experimental(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    out = []
    for k, raw in enumerate(_array(_get(doc, key), key)):
        where = f"{key}[{k}]"
        if not isinstance(raw, dict):
            _bad(where, f"must be an object, not {_show(raw)}")
        fid = _text(_get(raw, "id"), f"{where}.id", required=True)
        # The back's sentence quotes the largest rounded reading: a finding has its number.
        value = _number(_get(raw, "value"), f"{where}.value", required=(key == "experimental" and fid == "rounded_back"))
        out.append({**raw, "id": fid, "rep": _whole(_get(raw, "rep"), f"{where}.rep", 0, MAX_FRAMES),
                    "value": value})
    return out


def check_document(doc: Any) -> dict[str, Any]:
    """Check an analysis document (decoded JSON) as the report reads it; a normalised copy.

    Every field the report uses is checked: types, numbers finite and within
    :data:`MAX_ABS_NUMBER`, rep and fault frames inside the analysed frames and in order, rep
    indices unique. Optional parts may be absent (no recommendation, no warnings); a list that
    is present must be a list. Raises HingeError (``analysis: <field> ...``) on the first problem.
    """
    try:
        _check_version(doc)
        frames = _whole(_get(doc, "frames"), "frames", 0, MAX_FRAMES)
        out = dict(doc)
        out["fps"] = _number(_get(doc, "fps"), "fps", positive=True)
        out["duration_s"] = _number(_get(doc, "duration_s"), "duration_s")
        out["facing"] = _text(_get(doc, "facing"), "facing")
        out["source"] = _section(doc, "source", texts=("path", "kind", "sha256")) or {}
        out["view"] = _section(doc, "view", texts=("label",), numbers=("confidence",)) or {}
        out["drill"] = _section(doc, "drill", texts=("id", "name"), numbers=("confidence",)) or {}
        out["provenance"] = _section(doc, "provenance") or {}
        if _object(_get(out["provenance"], "back_reference"), "provenance.back_reference") is None:
            out["provenance"].pop("back_reference", None)
        out["warnings"] = _texts(_get(doc, "warnings"), "warnings")
        out["recommendation"] = _recommendation(doc)
        reps = [_rep(r, f"reps[{i}]", frames) for i, r in enumerate(_array(_get(doc, "reps"), "reps", required=True))]
        seen: dict[int, int] = {}
        for i, rep in enumerate(reps):
            if rep["index"] in seen:
                _bad(f"reps[{i}].index", f"{rep['index']} repeats reps[{seen[rep['index']]}].index")
            seen[rep["index"]] = i
        out["reps"] = reps
        out["experimental"] = _experimental(doc, "experimental")
        out["experimental_notes"] = _experimental(doc, "experimental_notes")
    except _Bad as e:
        raise HingeError(f"analysis: {e}") from None
    return out


def read_report_document(path: str | Path) -> dict[str, Any]:
    """Read an ``analysis.json`` for the report: the document checked and normalised
    (:func:`check_document`); any problem is one line naming the file and the field."""
    p, doc = _read_json(path)
    try:
        return check_document(doc)
    except HingeError as e:
        raise HingeError(f"{p}: {e}") from None
