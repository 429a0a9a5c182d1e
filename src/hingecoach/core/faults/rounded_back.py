"""The ``back_flexion`` detector (rounded back) and its other side, the neutral-back note.

Both read the silhouette's flexion estimate (:mod:`hingecoach.core.spine.outline`) at the bottom
of each rep, with a confidence that falls, and says why, when the back is not in profile, is
covered by the arms or the load, or the silhouette is poor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from hingecoach.core.drills import FaultSpec
from hingecoach.core.faults.detectors import NotMeasured, RepContext, register_detector
from hingecoach.core.results import Finding
from hingecoach.core.spine.outline import (
    BOTTOM_HALF_S,
    NEUTRAL_HELD_DEG,
    NOTE_MIN_CONFIDENCE,
    BackProfile,
    BackReading,
    cached_back_profile,
    read_back,
)


def _bottom_reading(ctx: RepContext, spec: FaultSpec, bp: BackProfile) -> tuple[BackReading, float]:
    """The back read around the rep's bottom (±``bottom_half_s``) and how sure it is (the
    reading's own confidence, the view's and the trunk landmarks')."""
    half = float(spec.params.get("bottom_half_s", BOTTOM_HALF_S))
    reading = read_back(bp, ctx.window(ctx.rep.bottom, half), ctx.tf.view)
    w = slice(reading.frames[0], reading.frames[1] + 1)
    conf = reading.confidence * ctx.view_confidence * ctx.joint_confidence(("shoulder", "hip"), w)
    return reading, conf


def _detail(head: str, reading: BackReading) -> str:
    text = f"{head} (lower back {reading.lumbar_deg:.0f}°, upper back {reading.thoracic_deg:.0f}°)"
    return text + ("; less sure: " + ", ".join(reading.reasons) if reading.reasons else "")


@register_detector("back_flexion")
def back_flexion(ctx: RepContext, spec: FaultSpec) -> Finding | None:
    """Rounded back: spinal flexion at the bottom of the rep against the lifter's standing
    profile, from the silhouette (degrees). Not measured without silhouette profiles."""
    bp = cached_back_profile(ctx.tf)
    if bp is None:
        raise NotMeasured(spec.id)
    reading, conf = _bottom_reading(ctx, spec, bp)
    if not math.isfinite(reading.flexion_deg) or spec.threshold is None \
            or reading.flexion_deg <= spec.threshold:
        return None
    return Finding(id=spec.id, value=round(reading.flexion_deg, 2), threshold=spec.threshold,
                   unit=spec.unit, frames=reading.frames, confidence=round(min(1.0, conf), 3), severity=spec.severity,
                   detail=_detail(f"back rounded {reading.flexion_deg:.0f}° more than "
                                  + ("standing" if bp.reference == "standing" else "in the neutral set"), reading))


def coached_against(back_reference: Mapping[str, Any] | None, min_reps: int) -> bool:
    """True when the back is read against a neutral set of at least ``min_reps`` reps (its
    ``provenance.back_reference``): ``rounded_back`` is then coached, not experimental."""
    reps = (back_reference or {}).get("reps")
    return isinstance(reps, int) and not isinstance(reps, bool) and reps >= min_reps


@dataclass(frozen=True)
class Note:
    """Something an experimental measure found *right* on one rep: the value, the bound it
    stayed within, where, how sure. Recorded beside the experimental findings, never coached."""

    id: str
    value: float
    threshold: float
    unit: str
    frames: tuple[int, int]
    confidence: float
    detail: str


def neutral_back(ctx: RepContext, spec: FaultSpec) -> Note | None:
    """The back held neutral at the bottom of the rep: the other side of :func:`back_flexion`.

    The same reading (median over ±``bottom_half_s`` around the bottom) and the same confidence;
    a note when the estimate is at most ``neutral_max_deg`` (:data:`NEUTRAL_HELD_DEG`) and the
    confidence at least ``min_confidence`` (:data:`NOTE_MIN_CONFIDENCE`). None without
    silhouette profiles, without a reading, or when the back was not clearly neutral.
    """
    bp = cached_back_profile(ctx.tf)
    if bp is None:
        return None
    bound = float(spec.params.get("neutral_max_deg", NEUTRAL_HELD_DEG))
    reading, conf = _bottom_reading(ctx, spec, bp)
    if not math.isfinite(reading.flexion_deg) or reading.flexion_deg > bound:
        return None
    if conf < float(spec.params.get("min_confidence", NOTE_MIN_CONFIDENCE)):
        return None
    head = f"back held within {max(reading.flexion_deg, 0.0):.0f}° of standing at the bottom"
    return Note(id="neutral_back", value=round(reading.flexion_deg, 2), threshold=bound, unit=spec.unit,
                frames=reading.frames, confidence=round(min(1.0, conf), 3), detail=_detail(head, reading))


def experimental_notes(ctx: RepContext, specs: Sequence[FaultSpec], view: str) -> list[dict[str, Any]]:
    """The notes of one rep, as ``analysis.json`` records them (``experimental_notes``, without
    the ``rep`` key): a neutral back for every experimental ``back_flexion`` rule that applies in
    this view (docs/analysis-schema.md). Praise follows its fault: while ``rounded_back`` is
    experimental, so is this, and neither is coached."""
    out: list[dict[str, Any]] = []
    for spec in specs:
        if spec.detector != "back_flexion" or view not in spec.views or not spec.params.get("experimental"):
            continue
        note = neutral_back(ctx, spec)
        if note is not None:
            out.append({**asdict(note), "frames": list(note.frames), "fault": spec.id})
    return out
