"""Comparing two sets of the same lifter (week 1 against week 4): the pure part.

Pipeline position: two analyses (and their per-frame signals) → **compare** → ``comparison.json``,
the side-by-side video, the curves and the page (the edge package :mod:`hingecoach.comparison`).

Modules: :mod:`.pairing` (which rep goes with which), :mod:`.warp` (B's clock on A's, rep by rep:
start, bottom and end line up; the rep-normalised time base; how well a pair lines up),
:mod:`.changes` (per metric A, B and B − A; faults), :mod:`.sentences` (what changed, in words),
:mod:`.comparison` (all of it, :func:`compare_sets`). numpy only.
"""

from hingecoach.core.compare.changes import METRICS, FaultChange, FaultedReps, MetricChange, MetricSpec
from hingecoach.core.compare.comparison import Comparison, PairResult, SetSignals, compare_sets
from hingecoach.core.compare.pairing import RepEvents, RepPair, pair_reps, rep_events
from hingecoach.core.compare.sentences import describe_changes
from hingecoach.core.compare.warp import PHASE_GRID, PairFit, TimeWarp, build_warp, phase_of, rep_curve, time_at_phase

__all__ = [
    "METRICS",
    "PHASE_GRID",
    "Comparison",
    "FaultChange",
    "FaultedReps",
    "MetricChange",
    "MetricSpec",
    "PairFit",
    "PairResult",
    "RepEvents",
    "RepPair",
    "SetSignals",
    "TimeWarp",
    "build_warp",
    "compare_sets",
    "describe_changes",
    "pair_reps",
    "phase_of",
    "rep_curve",
    "rep_events",
    "time_at_phase",
]
