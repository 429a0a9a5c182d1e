"""Logging a session as a lifter describes it: by hand (sets × reps, clean reps over all the
sets) or from analysis files. One call, for ``hinge log`` and the web app alike.

Pipeline position: ``hinge log`` / a web form → **log_workout** → :func:`~hingecoach.store.log_session`
(one transaction) → the progression decision. The request is checked in full before anything is
written; a bad request is a HingeError and the database is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from hingecoach.core.progression import Rules, load_rules, split_clean_reps
from hingecoach.errors import HingeError
from hingecoach.io.analysis_json import read_analysis_file
from hingecoach.store.repository import PLAN, LogResult, NewSet, log_session, today


@dataclass(frozen=True)
class LogRequest:
    """A session to log.

    By hand: ``reps`` per set, ``sets`` sets, ``clean`` reps over all the sets (split over the
    sets in order: :func:`~hingecoach.core.progression.split_clean_reps`), ``drill`` (default:
    today's drill) or ``exercise`` (another exercise, not a drill). From analyses:
    ``analysis_files`` (one set each; reps, clean reps, depths and faults come from the file;
    ``drill`` overrides the analysis's drill). ``range_limit_deg``: ``"plan"`` (today's range),
    None (full range) or degrees. ``faults`` are ``(id, severity)`` pairs noted by hand; they go
    with the last set (by hand) or with every analysed set.
    """

    drill: str | None = None
    exercise: str | None = None
    sets: int = 1
    reps: int | None = None
    clean: int | None = None
    load_kg: float | None = None
    range_limit_deg: float | None | Literal["plan"] = PLAN
    confidence: float | None = None
    rpe: float | None = None
    faults: tuple[tuple[str, str], ...] = ()
    notes: str | None = None
    performed_at: datetime | None = None
    analysis_files: tuple[Path, ...] = ()


@dataclass(frozen=True)
class LoggedWorkout:
    """What :func:`log_workout` stored and what it led to."""

    result: LogResult
    sets: tuple[NewSet, ...]
    #: What was trained: the (first) drill's name, or the exercise.
    what: str
    #: The name of the drill the plan says to train next.
    next_drill_name: str

    @property
    def total_reps(self) -> int:
        """Reps over all the sets."""
        return sum(s.reps for s in self.sets)

    @property
    def clean_reps(self) -> int | None:
        """Clean reps over all the sets; None when they were not counted."""
        if self.sets[0].clean_reps is None:
            return None
        return sum(s.clean_reps or 0 for s in self.sets)


def _analysis_sets(request: LogRequest, rules: Rules) -> list[NewSet]:
    if request.reps is not None or request.clean is not None or request.exercise is not None:
        raise HingeError("--from takes the reps from the analysis; leave out --reps, --clean and --exercise")
    new_sets = []
    for path in request.analysis_files:
        parsed = read_analysis_file(path)
        drill_id = request.drill or parsed.drill
        if drill_id is None:
            raise HingeError(f"{path}: the analysis does not say which drill this was; add --drill")
        if not parsed.reps:
            raise HingeError(f"{path}: the analysis found no reps; nothing to log")
        new_sets.append(
            NewSet(
                drill=drill_id,
                reps=len(parsed.reps),
                clean_reps=parsed.clean_reps,
                load_kg=request.load_kg,
                range_limit_deg=request.range_limit_deg,
                confidence=request.confidence,
                rpe=request.rpe,
                faults=list(request.faults),
                analysis=parsed,
            )
        )
    return new_sets


def _manual_sets(db: str | None, athlete: str | None, request: LogRequest, rules: Rules) -> list[NewSet]:
    if request.reps is None:
        raise HingeError("give --reps (and --clean), or --from analysis.json")
    drill_id = None if request.exercise else request.drill or today(db, athlete, rules)[1].drill
    if drill_id is not None:
        rules.loggable(drill_id)
        if request.clean is None and not rules.is_accessory(drill_id):
            raise HingeError("say how many reps were clean with --clean N (it drives the progression)")
    clean_per_set = split_clean_reps(request.sets, request.reps, request.clean)
    last = len(clean_per_set) - 1
    return [
        NewSet(
            drill=drill_id,
            exercise=request.exercise,
            reps=request.reps,
            clean_reps=set_clean,
            load_kg=request.load_kg,
            range_limit_deg=request.range_limit_deg,
            confidence=request.confidence,
            rpe=request.rpe,
            faults=list(request.faults) if i == last else [],
        )
        for i, set_clean in enumerate(clean_per_set)
    ]


def log_workout(db: str | None, athlete: str | None, request: LogRequest, rules: Rules | None = None) -> LoggedWorkout:
    """Log one session (by hand, or from ``request.analysis_files``) and return the decision.

    ``athlete`` None means the only athlete. Nothing is written when any part of the request is
    invalid (a HingeError says what).
    """
    rules = rules or load_rules()
    if request.analysis_files:
        new_sets, source = _analysis_sets(request, rules), "analysis"
    else:
        new_sets, source = _manual_sets(db, athlete, request, rules), "manual"
    result = log_session(
        db, athlete, new_sets, performed_at=request.performed_at, source=source, notes=request.notes, rules=rules
    )
    first = new_sets[0]
    what = rules.loggable(first.drill) if first.drill else (request.exercise or "exercise")
    return LoggedWorkout(result, tuple(new_sets), what, rules.drill(result.plan.drill).name)
