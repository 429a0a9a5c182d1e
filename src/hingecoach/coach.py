"""Coaching: the drill, per-rep faults with cues, and the recommendation (the hinge ladder).

Filled in by the ladder; until a drill is known, the analysis keeps an empty drill and no faults.
"""

from __future__ import annotations

from .analysis import Analysis
from .engine import TrackFeatures


def coach_analysis(analysis: Analysis, tf: TrackFeatures, drill_override: str | None = None) -> None:
    """Fill ``drill``, per-rep ``faults`` and ``recommendation`` of ``analysis`` in place."""
    if drill_override:
        analysis.drill = {"id": drill_override, "confidence": 1.0, "source": "override"}
