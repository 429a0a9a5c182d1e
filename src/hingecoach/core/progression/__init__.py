"""Progression: rules over a training history (data in ``rules.toml``) and the pure engine.

Pipeline position: store → **progression** → ``hinge today``. Load the rules with
:func:`load_rules`, fold a history with :func:`replay` / :func:`decide`, and turn the current
decision into today's session with :func:`prescribe`; :func:`split_clean_reps` spreads a hand-logged
session's clean reps over its sets.
"""

from hingecoach.core.progression.planner import (
    Decision,
    FaultSummary,
    PlanState,
    Prescription,
    SessionSummary,
    current,
    decide,
    initial_state,
    pick,
    prescribe,
    replay,
    replay_sessions,
    start_decision,
    step,
)
from hingecoach.core.progression.rules import DrillRule, Rules, load_rules, normalise_exercise_name
from hingecoach.core.progression.sets import split_clean_reps

__all__ = [
    "Decision",
    "DrillRule",
    "FaultSummary",
    "PlanState",
    "Prescription",
    "Rules",
    "SessionSummary",
    "current",
    "decide",
    "initial_state",
    "load_rules",
    "normalise_exercise_name",
    "prescribe",
    "pick",
    "replay",
    "replay_sessions",
    "split_clean_reps",
    "start_decision",
    "step",
]
