"""Reading an ``analysis.json`` (schema 1.x) into what the store keeps and the engine needs.

Pipeline position: analysis engine writes ``analysis.json`` → **this reader** → store
(:func:`hingecoach.store.log_analysis`, ``hinge log --from``). Tolerant where the format allows
(``drill.id`` null, no faults, no recommendation); strict where a value would be misread (a rep
without ``clean``, a fault without a known severity). Every problem is a one-line HingeError that
names the bad field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hingecoach.errors import HingeError

SUPPORTED_MAJOR = "1"
SEVERITIES = ("safety", "form", "minor")


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
        raise HingeError(f"analysis: {where} must be a number, not {value!r}")
    return float(value)


def _str(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise HingeError(f"analysis: {where} must be text, not {value!r}")
    return value


def _obj(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise HingeError(f"analysis: {where} must be an object")
    return value


def parse_analysis(doc: Any) -> ParsedAnalysis:
    """Validate an analysis document (already decoded from JSON) and pick out its parts."""
    if not isinstance(doc, dict):
        raise HingeError("analysis: the document must be a JSON object")
    version = doc.get("schema_version")
    if not isinstance(version, str) or version.split(".")[0] != SUPPORTED_MAJOR:
        raise HingeError(
            f"analysis: schema_version {version!r} is not supported "
            f"(this hingecoach reads {SUPPORTED_MAJOR}.x)"
        )
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
        if isinstance(index, bool) or not isinstance(index, int):
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
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise HingeError(f"cannot read {p}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise HingeError(f"{p} is not a text file") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise HingeError(f"{p} is not valid JSON (line {e.lineno}: {e.msg})") from None
    try:
        return parse_analysis(doc)
    except HingeError as e:
        raise HingeError(f"{p}: {e}") from None
