"""Two sets compared: reps paired, B's time warped onto A's, what changed in numbers and words.

Pipeline position: two analyses (``analysis.json`` documents) and, when their pose tracks are
at hand, their per-frame signals → **comparison** → ``comparison.json``, the side-by-side video,
the curves and the page (:mod:`hingecoach.comparison`). Pure: documents and arrays in, a
:class:`Comparison` out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hingecoach.core.compare.changes import (
    FaultChange,
    FaultedReps,
    MetricChange,
    fault_changes,
    faulted_reps,
    metric_changes,
    reps_by_index,
)
from hingecoach.core.compare.pairing import RepEvents, RepPair, pair_reps, rep_events
from hingecoach.core.compare.sentences import describe_changes
from hingecoach.core.compare.warp import PairFit, TimeWarp, build_warp, pair_fit, sync_events
from hingecoach.errors import HingeError

SCHEMA_VERSION = "1.0"
#: A pair whose scaled depth curves still differ by more than this (percent of the range, RMS)
#: after the warp moves differently, beyond timing: it is said in the warnings.
SHAPE_WARN_PCT = 20.0


@dataclass(frozen=True)
class SetSignals:
    """A set's per-frame signals: frame times, the rep signal (depth, degrees) and the angles
    the curves show (``hip``, ``knee``, ``trunk``, degrees)."""

    times_s: np.ndarray
    depth_deg: np.ndarray
    fps: float
    angles: Mapping[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class PairResult:
    """One pair of reps: their events, how well they line up, and their metrics side by side."""

    a: RepEvents
    b: RepEvents
    fit: PairFit | None
    changes: list[MetricChange]

    @property
    def pair(self) -> RepPair:
        """The rep indices."""
        return RepPair(self.a.index, self.b.index)

    @property
    def speed(self) -> tuple[float, float]:
        """How many times faster B is played to keep with A: lowering and lifting."""
        return (_ratio(self.b.down_s, self.a.down_s), _ratio(self.b.up_s, self.a.up_s))

    def as_dict(self) -> dict[str, Any]:
        """For ``comparison.json``."""
        fit = self.fit or PairFit(None, None, None)
        down, up = self.speed
        return {"a_rep": self.a.index, "b_rep": self.b.index, "a": self.a.as_dict(), "b": self.b.as_dict(),
                "b_speed_down": _finite(down, 3), "b_speed_up": _finite(up, 3),
                "depth_rms_deg": fit.depth_rms_deg, "shape_rms_pct": fit.shape_rms_pct,
                "residual_lag_s": fit.residual_lag_s,
                "metrics": {c.key: {"a": c.as_dict()["a"], "b": c.as_dict()["b"], "difference": c.as_dict()["difference"]}
                            for c in self.changes}}


def _ratio(num: float, den: float) -> float:
    return num / den if den > 1e-9 else math.nan


def _finite(v: float, digits: int) -> float | None:
    return round(v, digits) if math.isfinite(v) else None


@dataclass
class Comparison:
    """Everything compared; :meth:`to_dict` is the body of ``comparison.json``."""

    pairs: list[PairResult]
    unpaired_a: list[int]
    unpaired_b: list[int]
    warp: TimeWarp
    changes: list[MetricChange]
    faulted: FaultedReps
    faults: list[FaultChange]
    summary: list[str]
    warnings: list[str]
    selected_rep: int | None = None

    @property
    def selected_pairs(self) -> list[PairResult]:
        """The pairs shown: the selected rep's pair, or all of them."""
        if self.selected_rep is None:
            return self.pairs
        return [p for p in self.pairs if p.a.index == self.selected_rep]

    def alignment(self) -> dict[str, Any]:
        """Summary of how well the pairs line up (medians over the pairs with a measure)."""
        def med(key: str) -> float | None:
            values = [getattr(p.fit, key) for p in self.pairs if p.fit is not None and getattr(p.fit, key) is not None]
            return round(float(np.median(values)), 3) if values else None

        return {"method": "piecewise-linear time warp through each pair's start, bottom and end",
                "knots_s": self.warp.knots(), "depth_rms_deg_median": med("depth_rms_deg"),
                "shape_rms_pct_median": med("shape_rms_pct"), "residual_lag_s_median": med("residual_lag_s")}

    def to_dict(self) -> dict[str, Any]:
        """The comparison as plain, finite data (no NaN): ``comparison.json`` without the
        descriptions of A and B and the outputs, which the caller adds."""
        return {
            "schema_version": SCHEMA_VERSION,
            "selection": {"rep": self.selected_rep,
                          "pairs": [[p.a.index, p.b.index] for p in self.selected_pairs]},
            "summary": list(self.summary),
            "metrics": [c.as_dict() for c in self.changes] + [self.faulted.as_dict()],
            "faults": [f.as_dict() for f in self.faults],
            "pairs": [p.as_dict() for p in self.pairs],
            "unpaired": {"a": list(self.unpaired_a), "b": list(self.unpaired_b)},
            "alignment": self.alignment(),
            "warnings": list(self.warnings),
        }


def _label(doc: Mapping[str, Any], key: str) -> str | None:
    value = doc.get(key)
    if isinstance(value, Mapping):
        value = value.get("id") if key == "drill" else value.get("label")
    return str(value) if value else None


def _warnings(doc_a: Mapping[str, Any], doc_b: Mapping[str, Any], names: tuple[str, str],
              a_reps: Sequence[RepEvents], b_reps: Sequence[RepEvents], unpaired_a: list[int],
              unpaired_b: list[int]) -> list[str]:
    out: list[str] = []
    if unpaired_a or unpaired_b:
        left = [(names[0], unpaired_a), (names[1], unpaired_b)]
        said = "; ".join(f"{'rep' if len(ix) == 1 else 'reps'} {', '.join(map(str, ix))} of {n}" for n, ix in left if ix)
        out.append(f"{names[0]} has {len(a_reps)} reps and {names[1]} {len(b_reps)}: {said} "
                   f"{'has' if sum(map(len, (unpaired_a, unpaired_b))) == 1 else 'have'} no partner "
                   "(not in the video or the curves; still in the set's values)")
    drill_a, drill_b = _label(doc_a, "drill"), _label(doc_b, "drill")
    if drill_a and drill_b and drill_a != drill_b:
        out.append(f"{names[0]} is {drill_a.replace('_', ' ')} and {names[1]} {drill_b.replace('_', ' ')}: "
                   "the numbers compare two different drills")
    for name, doc in zip(names, (doc_a, doc_b), strict=True):
        view = _label(doc, "view")
        if view in ("front", "oblique"):
            out.append(f"{name} was filmed {'from the front' if view == 'front' else 'at an angle'}: its joint "
                       "angles are approximate, and so are the differences")
    return out


def compare_sets(doc_a: Mapping[str, Any], doc_b: Mapping[str, Any], signals_a: SetSignals | None = None,
                 signals_b: SetSignals | None = None, *, rep: int | None = None,
                 full_range_deg: float | None = None, names: tuple[str, str] = ("A", "B")) -> Comparison:
    """Compare set B against set A (A the earlier, B the later).

    ``signals_*``: the sets' per-frame signals when their pose tracks are known (the alignment
    of each pair is then measured); ``rep``: compare only rep ``rep`` of A and its partner (the
    pairing and the warp still use every rep); ``full_range_deg``: the drill's full range, said
    when B falls short of it; ``names`` name the sets in messages.
    A set without a completed rep, or a ``rep`` that A lacks or that has no partner, is a
    :class:`HingeError`.
    """
    a_events, b_events = rep_events(doc_a), rep_events(doc_b)
    for name, events in zip(names, (a_events, b_events), strict=True):
        if not events:
            raise HingeError(f"{name} has no completed rep: there is nothing to compare it by")
    pairs = pair_reps(a_events, b_events)
    if signals_a is not None and signals_b is not None:  # both cut alike, or neither
        a_events = [sync_events(signals_a.times_s, signals_a.depth_deg, e) for e in a_events]
        b_events = [sync_events(signals_b.times_s, signals_b.depth_deg, e) for e in b_events]
    a_by, b_by = {e.index: e for e in a_events}, {e.index: e for e in b_events}
    warp = build_warp(pairs, a_by, b_by)
    a_docs, b_docs = reps_by_index(doc_a), reps_by_index(doc_b)
    results: list[PairResult] = []
    for p in pairs:
        fit = None
        if signals_a is not None and signals_b is not None:
            fit = pair_fit(signals_a.times_s, signals_a.depth_deg, signals_b.times_s, signals_b.depth_deg,
                           a_by[p.a], warp, signals_a.fps)
        results.append(PairResult(a_by[p.a], b_by[p.b], fit, metric_changes([a_docs[p.a]], [b_docs[p.b]])))
    paired_a, paired_b = {p.a for p in pairs}, {p.b for p in pairs}
    unpaired_a = [e.index for e in a_events if e.index not in paired_a]
    unpaired_b = [e.index for e in b_events if e.index not in paired_b]
    if rep is not None:
        if rep not in a_by:
            raise HingeError(f"{names[0]} has no rep {rep} (its reps: {', '.join(str(e.index) for e in a_events)})")
        partner = next((p.b for p in pairs if p.a == rep), None)
        if partner is None:
            paired = ", ".join(str(p.a) for p in pairs)
            raise HingeError(f"rep {rep} of {names[0]} has no partner in {names[1]} (paired reps of {names[0]}: {paired})")
        a_sel, b_sel = [a_docs[rep]], [b_docs[partner]]
    else:
        a_sel, b_sel = [a_docs[e.index] for e in a_events], [b_docs[e.index] for e in b_events]
    changes = metric_changes(a_sel, b_sel)
    faulted = faulted_reps(a_sel, b_sel)
    faults = fault_changes(a_sel, b_sel)
    warnings = _warnings(doc_a, doc_b, names, a_events, b_events, unpaired_a, unpaired_b)
    for r in results:
        if r.fit is not None and r.fit.shape_rms_pct is not None and r.fit.shape_rms_pct > SHAPE_WARN_PCT:
            warnings.append(f"rep {r.a.index} of {names[0]} and rep {r.b.index} of {names[1]} move differently beyond "
                            f"their timing (their depth curves differ by {r.fit.shape_rms_pct:.0f}% of the range after "
                            "the warp)")
    return Comparison(pairs=results, unpaired_a=unpaired_a, unpaired_b=unpaired_b, warp=warp, changes=changes,
                      faulted=faulted, faults=faults,
                      summary=describe_changes(changes, faulted, faults, full_range_deg),
                      warnings=warnings, selected_rep=rep)
