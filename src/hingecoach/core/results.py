"""The analysis result: plain dataclasses, and the document they make (``to_dict``).

The document's JSON form, ``analysis.json`` (docs/analysis-schema.md), is read and written in one
place, :mod:`hingecoach.io.analysis_json`; this module knows no files.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = "1.0"


@dataclass
class Finding:
    """A fault measured on one rep: what was measured, against what, where, how sure."""

    id: str
    value: float | None
    threshold: float | None
    unit: str
    frames: tuple[int, int]
    confidence: float
    severity: str = "form"
    cue: str | None = None
    detail: str | None = None


@dataclass
class RepResult:
    """One rep in the analysis."""

    index: int
    start_s: float
    bottom_s: float
    end_s: float
    start_frame: int
    bottom_frame: int
    end_frame: int
    metrics: dict[str, float | None]
    faults: list[Finding] = field(default_factory=list)
    #: Findings too unsure to coach (below their rule's confidence, or called by only one reading
    #: of an ambiguous drill): shown as "watch", never cued, never counted against the rep.
    watch: list[Finding] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """No fault found on this rep."""
        return not self.faults


@dataclass
class Analysis:
    """Everything hingecoach learned from one set."""

    source: dict[str, Any]
    fps: float
    frames: int
    view: dict[str, Any]
    facing: str
    reps: list[RepResult]
    drill: dict[str, Any] = field(default_factory=lambda: {"id": None, "confidence": 0.0,
                                                            "source": "none"})
    warnings: list[str] = field(default_factory=list)
    recommendation: dict[str, Any] | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    #: Findings of rules marked experimental in the drill data: kept for evaluation and
    #: the curious, never coached (no cue, not in a rep's faults).
    experimental: list[dict[str, Any]] = field(default_factory=list)
    #: Praise from experimental rules (a neutral back held): recorded, never coached.
    experimental_notes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        """Length of the analysed source in seconds."""
        return self.frames / self.fps if self.fps else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The ``analysis.json`` document (plain data; :func:`hingecoach.io.analysis_json.write_analysis`
        writes it, non-finite numbers as null)."""
        reps = []
        for r in self.reps:
            d = asdict(r)
            d["faults"] = [{**asdict(f), "frames": list(f.frames)} for f in r.faults]
            d["watch"] = [{**asdict(f), "frames": list(f.frames), "cue": None} for f in r.watch]
            d["clean"] = r.clean
            reps.append(d)
        return {
            "schema_version": SCHEMA_VERSION,
            "source": self.source,
            "fps": self.fps,
            "frames": self.frames,
            "duration_s": round(self.duration_s, 4),
            "view": self.view,
            "facing": self.facing,
            "drill": self.drill,
            "reps": reps,
            "warnings": self.warnings,
            "recommendation": self.recommendation,
            "provenance": self.provenance,
            "experimental": self.experimental,
            "experimental_notes": self.experimental_notes,
        }
