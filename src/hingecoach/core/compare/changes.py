"""What changed between two sets, in numbers: per metric the value in A, in B and B − A.

Pipeline position: two analyses (``reps[].metrics``, ``reps[].faults``) and the rep pairing →
**changes** → the sentences (:mod:`hingecoach.core.compare.sentences`), ``comparison.json`` and
the page. A set's value of a metric is the median over its reps (or the one selected rep);
a change smaller than the metric's ``noise`` is within what the measurement can tell apart
and is read as "the same".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hingecoach.core.drills import SEVERITY_ORDER


@dataclass(frozen=True)
class MetricSpec:
    """One compared metric: its key in ``reps[].metrics``, how it reads, and which way is better.

    ``better``: +1 more is better, −1 less is better, 0 neither (it depends on the lifter).
    ``noise``: a difference smaller than this is within measurement error (unit of the metric).
    """

    key: str
    label: str
    unit: str
    better: int
    noise: float
    why: str


#: The compared metrics, in the order they are shown. Noise: the bench's typical per-frame
#: angle error in a side view (docs/accuracy.md: hip 4–5°, knee and trunk 2–3° mean) for
#: angles; two frames at 30 fps for times; half the knees-forward threshold for knee travel.
METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("hip_flexion_peak_deg", "hip flexion reached", "deg", +1, 5.0,
               "the range of the hinge: how far the hips folded"),
    MetricSpec("knee_flexion_start_deg", "knee bend at the start", "deg", 0, 3.0,
               "the soft knee set at the top (about 10-25° in a Romanian deadlift)"),
    MetricSpec("knee_flexion_bottom_deg", "knee bend at the bottom", "deg", -1, 3.0,
               "knees that bend further with depth turn the hinge into a squat"),
    MetricSpec("knee_travel_leg", "knee travel", "leg", -1, 0.03,
               "how far the knees moved forward over the ankles (shins should stay vertical)"),
    MetricSpec("trunk_inclination_bottom_deg", "trunk angle at the bottom", "deg", 0, 3.0,
               "trunk lean from vertical at the bottom"),
    MetricSpec("wrist_leg_distance_leg", "bar distance from the legs", "leg", -1, 0.03,
               "how far the load (the hands) came away from the legs"),
    MetricSpec("down_s", "tempo down", "s", 0, 0.07, "lowering time"),
    MetricSpec("up_s", "tempo up", "s", 0, 0.07, "lifting time"),
)
SPECS: dict[str, MetricSpec] = {m.key: m for m in METRICS}


@dataclass(frozen=True)
class MetricChange:
    """One metric in A and in B, and what the difference means."""

    key: str
    label: str
    unit: str
    a: float | None
    b: float | None

    @property
    def difference(self) -> float | None:
        """B − A, None when either is unknown."""
        return None if self.a is None or self.b is None else self.b - self.a

    @property
    def changed(self) -> bool | None:
        """The difference is beyond the metric's noise (None when unknown)."""
        d = self.difference
        return None if d is None else abs(d) >= SPECS[self.key].noise

    @property
    def verdict(self) -> str | None:
        """``better``, ``worse``, ``same`` or ``changed`` (neither better nor worse); None unknown."""
        d, changed = self.difference, self.changed
        if d is None:
            return None
        if not changed:
            return "same"
        better = SPECS[self.key].better
        if better == 0:
            return "changed"
        return "better" if d * better > 0 else "worse"

    def as_dict(self) -> dict[str, Any]:
        """For ``comparison.json``."""
        d = self.difference
        digits = _digits(self.unit)
        return {"key": self.key, "label": self.label, "unit": self.unit, "a": _round(self.a, digits),
                "b": _round(self.b, digits), "difference": _round(d, digits), "noise": SPECS[self.key].noise,
                "changed": self.changed, "verdict": self.verdict}


@dataclass(frozen=True)
class FaultedReps:
    """How many reps of each set had a (coached) fault."""

    a: int
    a_of: int
    b: int
    b_of: int

    @property
    def a_share(self) -> float:
        """Share of A's reps with a fault (0 without reps)."""
        return self.a / self.a_of if self.a_of else 0.0

    @property
    def b_share(self) -> float:
        """Share of B's reps with a fault (0 without reps)."""
        return self.b / self.b_of if self.b_of else 0.0

    @property
    def verdict(self) -> str:
        """``better`` (a smaller share faulted), ``worse`` or ``same``."""
        if math.isclose(self.a_share, self.b_share):
            return "same"
        return "better" if self.b_share < self.a_share else "worse"

    def as_dict(self) -> dict[str, Any]:
        """For ``comparison.json``."""
        return {"key": "faulted_reps", "label": "faulted reps", "unit": "reps", "a": self.a, "a_of": self.a_of,
                "b": self.b, "b_of": self.b_of, "difference": self.b - self.a, "verdict": self.verdict}


@dataclass(frozen=True)
class FaultChange:
    """One fault: on how many reps of each set, and its cue (B's, else A's)."""

    id: str
    severity: str
    a_reps: int
    b_reps: int
    cue: str | None

    @property
    def status(self) -> str:
        """``gone``, ``new``, ``fewer``, ``more`` or ``same`` (in reps)."""
        if self.a_reps and not self.b_reps:
            return "gone"
        if self.b_reps and not self.a_reps:
            return "new"
        if self.b_reps < self.a_reps:
            return "fewer"
        return "more" if self.b_reps > self.a_reps else "same"

    def as_dict(self) -> dict[str, Any]:
        """For ``comparison.json``."""
        return {"id": self.id, "severity": self.severity, "a_reps": self.a_reps, "b_reps": self.b_reps,
                "status": self.status, "cue": self.cue}


def _round(v: float | None, digits: int) -> float | None:
    return None if v is None else round(v, digits)


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def reps_by_index(doc: Mapping[str, Any]) -> dict[int, Mapping[str, Any]]:
    """The reps of an analysis document by their index."""
    out: dict[int, Mapping[str, Any]] = {}
    for n, rep in enumerate(doc.get("reps") or [], start=1):
        if isinstance(rep, Mapping):
            index = rep.get("index")
            out[int(index) if isinstance(index, int) and not isinstance(index, bool) else n] = rep
    return out


def set_value(reps: Sequence[Mapping[str, Any]], key: str) -> float | None:
    """The median of a metric over reps (None when no rep has it)."""
    values = [v for v in (_num((r.get("metrics") or {}).get(key)) for r in reps) if v is not None]
    return float(np.median(values)) if values else None


def format_value(v: Any, unit: str, signed: bool = False) -> str:
    """A metric's value as the terminal and the page show it, by its unit: ``41°``, ``1.20 s``,
    ``8% leg``; ``signed`` for a difference (``+3°``; never ``-0°``); ``–`` when not a finite number."""
    if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
        return "–"
    if unit == "deg":
        text = f"{v:.0f}°"
    elif unit == "s":
        text = f"{v:.2f} s"
    elif unit == "leg":
        text = f"{100 * v:.0f}% leg"
    else:
        text = f"{v:g}"
    if text.startswith("-") and not any(c in "123456789" for c in text):
        text = text[1:]  # never "-0°"
    return ("+" if signed and not text.startswith("-") and any(c in "123456789" for c in text) else "") + text


def _digits(unit: str) -> int:
    """Decimals kept: tenths of a degree; thousandths of a second or of a leg length."""
    return 1 if unit == "deg" else 3


def metric_changes(a_reps: Sequence[Mapping[str, Any]], b_reps: Sequence[Mapping[str, Any]]) -> list[MetricChange]:
    """Every compared metric (:data:`METRICS`) over two groups of reps, each value rounded as it is
    shown (so the words and the numbers never disagree by a rounding)."""
    return [MetricChange(m.key, m.label, m.unit, _round(set_value(a_reps, m.key), _digits(m.unit)),
                         _round(set_value(b_reps, m.key), _digits(m.unit))) for m in METRICS]


def _faults(rep: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [f for f in rep.get("faults") or [] if isinstance(f, Mapping) and f.get("id")]


def faulted_reps(a_reps: Sequence[Mapping[str, Any]], b_reps: Sequence[Mapping[str, Any]]) -> FaultedReps:
    """Reps with at least one coached fault, in each group."""
    return FaultedReps(a=sum(bool(_faults(r)) for r in a_reps), a_of=len(a_reps),
                       b=sum(bool(_faults(r)) for r in b_reps), b_of=len(b_reps))


#: Severity order: the most serious first.


def fault_changes(a_reps: Sequence[Mapping[str, Any]], b_reps: Sequence[Mapping[str, Any]]) -> list[FaultChange]:
    """Each fault seen in either group: reps with it in A and in B, most serious and most
    changed first."""
    seen: dict[str, dict[str, Any]] = {}
    for side, reps in (("a", a_reps), ("b", b_reps)):
        for rep in reps:
            for fid in {str(f["id"]) for f in _faults(rep)}:
                entry = seen.setdefault(fid, {"a": 0, "b": 0, "severity": "form", "cue": {}})
                entry[side] += 1
                for f in _faults(rep):
                    if str(f["id"]) == fid:
                        entry["severity"] = str(f.get("severity") or entry["severity"])
                        if f.get("cue"):
                            entry["cue"].setdefault(side, str(f["cue"]))
    out = [FaultChange(fid, e["severity"], e["a"], e["b"], e["cue"].get("b") or e["cue"].get("a"))
           for fid, e in seen.items()]
    return sorted(out, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), -abs(f.b_reps - f.a_reps), f.id))
