"""The lifter's own neutral set as the reference for the fault rules.

A rule with ``relative_threshold`` in its drill data can be read against a set of the same lifter,
filmed the same way, that the coach calls neutral, instead of against its packaged threshold. Body
proportions, the camera's angle and the pose model's bias on this body are then on both sides of
the comparison, so the rule can be as strict as the fault's own size.

Three pure steps:

1. :func:`rule_measures`: what each relative rule measures on one rep, recorded in the rep's
   metrics as ``measure_<fault id>`` (every analysed set carries them, so any set can later be
   the reference, from its ``analysis.json`` alone). The rule is run with its threshold disabled
   and with ``relative_params`` (what the reference replaces: the stand before the set, the
   gate on a trunk read behind vertical).
2. :func:`reference_from_metrics`: the neutral set's median and spread of each measure over its
   reps (:class:`NeutralReference`).
3. :func:`relative_specs`: each rule moved to the reference: it fires when the rep's measure is
   past the neutral median, toward the fault, by more than ``relative_threshold`` or, when the
   set varies more, than a new rep like the set's would reach at the settings' false-alarm rate
   (:func:`prediction_step`). A rule the reference has no measure for keeps its packaged threshold.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.stats import t as student_t

from hingecoach.core.drills import FaultSpec
from hingecoach.core.faults.detectors import (
    DETECTORS,
    MIN_CONFIDENCE,
    NotMeasured,
    RepContext,
    fires_below,
    joints_seen,
)

#: The rep metric under which a rule's measure is recorded.
MEASURE_PREFIX = "measure_"


def measure_key(fault_id: str) -> str:
    """The rep metric that records what the rule ``fault_id`` measured (``measure_knee_dominant``)."""
    return MEASURE_PREFIX + fault_id


def is_relative(spec: FaultSpec) -> bool:
    """True for a rule that can be read against a neutral set (``relative_threshold`` in its data)."""
    return "relative_threshold" in spec.params and not spec.params.get("experimental")


def _measuring(spec: FaultSpec) -> FaultSpec:
    """The rule as it measures for a reference: ``relative_params`` applied, no suppression, and
    the threshold disabled (so the detector returns what it measured)."""
    params = {k: v for k, v in spec.params.items() if k != "suppressed_by"}
    params.update(dict(spec.params.get("relative_params", {})))
    return replace(spec, threshold=math.inf if fires_below(spec.detector) else -math.inf, params=params)


def rule_measures(ctx: RepContext, specs: Iterable[FaultSpec], view: str,
                  min_confidence: float = MIN_CONFIDENCE) -> dict[str, float]:
    """What each relative rule that applies in ``view`` measures on this rep: fault id → value.

    A measure is kept only where the rule could give a verdict: its joints seen (``seen_joints``)
    and its confidence at least the rule's ``min_confidence`` (else ``min_confidence``)."""
    out: dict[str, float] = {}
    for spec in specs:
        detector = DETECTORS.get(spec.detector)
        if detector is None or view not in spec.views or not is_relative(spec):
            continue
        measuring = _measuring(spec)
        try:
            finding = detector(ctx, measuring)
        except NotMeasured:
            continue
        if finding is None or finding.value is None or not math.isfinite(finding.value) \
                or not joints_seen(ctx, measuring, finding):
            continue
        if finding.confidence < float(spec.params.get("min_confidence", min_confidence)):
            continue
        out[spec.id] = round(float(finding.value), 4)
    return out


@dataclass(frozen=True)
class Measure:
    """One rule's reading on the neutral set: the median over its reps, their spread (sample
    standard deviation; 0 with one rep) and how many reps."""

    median: float
    spread: float
    reps: int


@dataclass(frozen=True)
class NeutralReference:
    """The lifter's neutral set of one drill: each relative rule's measure, and where it came from."""

    drill: str | None
    measures: dict[str, Measure]
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def reps(self) -> int:
        """The neutral set's reps (the most any of its measures was read on)."""
        return max((m.reps for m in self.measures.values()), default=0)

    def describe(self) -> dict[str, Any]:
        """What ``analysis.json`` records under ``provenance.reference``."""
        return {**self.provenance, "drill": self.drill,
                "measures": {k: {"median": round(m.median, 4), "spread": round(m.spread, 4), "reps": m.reps}
                             for k, m in sorted(self.measures.items())}}


def reference_from_metrics(reps: Sequence[Mapping[str, Any]], drill: str | None,
                           provenance: Mapping[str, Any] | None = None) -> NeutralReference:
    """The neutral reference of a set from its reps' metrics (``measure_<fault id>``)."""
    values: dict[str, list[float]] = {}
    for metrics in reps:
        for key, value in metrics.items():
            if key.startswith(MEASURE_PREFIX) and isinstance(value, int | float) and not isinstance(value, bool) \
                    and math.isfinite(value):
                values.setdefault(key[len(MEASURE_PREFIX):], []).append(float(value))
    measures = {}
    for fid, v in values.items():
        arr = np.asarray(v, dtype=float)
        med = float(np.median(arr))
        spread = float(np.std(arr, ddof=1)) if len(arr) > 1 else 0.0
        measures[fid] = Measure(med, spread, len(arr))
    return NeutralReference(drill=drill, measures=measures, provenance=dict(provenance or {}))


def prediction_step(measure: Measure, false_alarm: float) -> float:
    """How far past the neutral set's median a new rep drawn like the set's reps reaches with
    probability ``false_alarm`` (one-sided prediction interval, Student's t with reps - 1 degrees
    of freedom); 0 for a one-rep set, which says nothing of its spread."""
    if measure.reps < 2 or not measure.spread > 0.0:
        return 0.0
    n = measure.reps
    return float(student_t.ppf(1.0 - false_alarm, n - 1)) * measure.spread * math.sqrt(1.0 + 1.0 / n)


def relative_threshold(spec: FaultSpec, measure: Measure, false_alarm: float) -> float:
    """The threshold a rep's measure is held to, against the neutral set: its median moved toward
    the fault by ``relative_threshold``, or by :func:`prediction_step` when the set varies more."""
    step = max(float(spec.params["relative_threshold"]), prediction_step(measure, false_alarm))
    return measure.median - step if fires_below(spec.detector) else measure.median + step


def relative_specs(specs: Sequence[FaultSpec], reference: NeutralReference,
                   false_alarm: float) -> tuple[FaultSpec, ...]:
    """The drill's rules, those the reference measured read against it (``relative_params``
    applied, the threshold from :func:`relative_threshold`, ``reference`` set in their params so
    a finding can say so); the others as packaged."""
    out = []
    for spec in specs:
        m = reference.measures.get(spec.id)
        if m is None or not is_relative(spec):
            out.append(spec)
            continue
        params = {**spec.params, **dict(spec.params.get("relative_params", {})), "reference_median": m.median}
        out.append(replace(spec, threshold=round(relative_threshold(spec, m, false_alarm), 4), params=params))
    return tuple(out)
