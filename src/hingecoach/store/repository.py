"""Repository functions: the training log's library API (the CLI and web are thin faces of it).

Pipeline position: CLI / ``hinge analyze --log`` → **repository** → models + progression engine.
Every write runs in one transaction (:func:`hingecoach.store.db.run_in_transaction`): the
session, its sets, reps and faults, and the recomputed progression state are committed together
or not at all. Writers for one athlete are serialised (SQLite ``BEGIN IMMEDIATE``, PostgreSQL
``SELECT ... FOR UPDATE`` on the athlete), so two processes logging at once lose nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from hingecoach.core.numeric import json_safe
from hingecoach.core.progression import (
    Decision,
    FaultSummary,
    Prescription,
    Rules,
    SessionSummary,
    current,
    load_rules,
    prescribe,
    replay_sessions,
)
from hingecoach.errors import HingeError
from hingecoach.io.analysis_json import ParsedAnalysis, parse_analysis
from hingecoach.store.db import read_session, run_in_transaction
from hingecoach.store.imports import ImportedWorkout, workout_sha256
from hingecoach.store.models import (
    AnalysisRecord,
    Athlete,
    FaultRecord,
    ProgressionStateRecord,
    RepRecord,
    SetRecord,
    TrainingSession,
    utcnow,
)
from hingecoach.store.values import load_problem, rating_problem, reps_problem

_T = TypeVar("_T")

PLAN: Literal["plan"] = "plan"


@dataclass(frozen=True)
class AthleteInfo:
    """An athlete as the CLI shows it."""

    id: int
    name: str
    created_at: datetime
    sessions: int = 0


@dataclass
class NewSet:
    """A set to log. ``range_limit_deg="plan"`` (the default) records the plan's current limit
    when the set is of the planned drill; ``None`` means full range. ``faults`` are
    ``(id, severity)`` pairs noted by hand; an ``analysis`` brings its own reps and faults."""

    drill: str | None
    reps: int
    clean_reps: int | None
    exercise: str | None = None
    load_kg: float | None = None
    range_limit_deg: float | None | Literal["plan"] = PLAN
    confidence: float | None = None
    rpe: float | None = None
    notes: str | None = None
    faults: list[tuple[str, str]] = field(default_factory=list)
    analysis: ParsedAnalysis | None = None
    #: The coach calls this set's back neutral (with ``analysis``): the reference for later sets.
    back_neutral: bool = False
    #: The coach calls this set neutral (with ``analysis``): the rules' reference for later sets.
    neutral: bool = False


@dataclass(frozen=True)
class LogResult:
    """What logging a session did: its id, the decision it led to and the plan now.

    ``plan`` differs from ``decision`` only for a back-dated session or an unchanged plan.
    """

    athlete: str
    session_id: int
    decision: Decision
    plan: Decision


@dataclass(frozen=True)
class ImportResult:
    """What an import did: workouts new to the log, identical ones skipped, corrected ones that
    replaced their earlier import, and the sets stored (drill sets and other exercises)."""

    athlete: str
    workouts_added: int
    workouts_skipped: int
    drill_sets: int
    other_sets: int
    workouts_replaced: int = 0


def _as_utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _find_athlete(session: Session, name: str | None, *, lock: bool = False) -> Athlete:
    if name is None:
        athletes = session.scalars(select(Athlete).order_by(Athlete.name)).all()
        if len(athletes) == 1:
            name = athletes[0].name
        elif not athletes:
            raise HingeError("no athletes yet; add one with `hinge athlete add NAME`")
        else:
            raise HingeError(f"name the athlete (one of: {', '.join(a.name for a in athletes)})")
    query = select(Athlete).where(Athlete.name == name)
    if lock:
        query = query.with_for_update()  # PostgreSQL: one writer per athlete; SQLite already holds the lock
    athlete = session.scalars(query).one_or_none()
    if athlete is None:
        raise HingeError(f"no athlete named {name!r}; add one with `hinge athlete add {name}`")
    return athlete


def add_athlete(db: str | None, name: str) -> AthleteInfo:
    """Add an athlete; an empty or taken name is a HingeError."""
    name = name.strip()
    if not name:
        raise HingeError("the athlete needs a name")

    def work(session: Session) -> AthleteInfo:
        if session.scalars(select(Athlete).where(Athlete.name == name)).one_or_none() is not None:
            raise HingeError(f"there is already an athlete named {name!r}")
        athlete = Athlete(name=name, created_at=utcnow())
        session.add(athlete)
        session.flush()
        return AthleteInfo(athlete.id, athlete.name, _as_utc(athlete.created_at))

    return run_in_transaction(db, work)


def list_athletes(db: str | None) -> list[AthleteInfo]:
    """All athletes, by name, with their session counts."""
    with read_session(db) as session:
        rows = session.execute(
            select(TrainingSession.athlete_id, func.count()).group_by(TrainingSession.athlete_id)
        )
        counts = {athlete_id: n for athlete_id, n in rows}
        return [
            AthleteInfo(a.id, a.name, _as_utc(a.created_at), counts.get(a.id, 0))
            for a in session.scalars(select(Athlete).order_by(Athlete.name))
        ]


def _sessions_of(session: Session, athlete: Athlete) -> list[TrainingSession]:
    query = (
        select(TrainingSession)
        .where(TrainingSession.athlete_id == athlete.id)
        .order_by(TrainingSession.performed_at, TrainingSession.id)
        .options(
            selectinload(TrainingSession.sets).selectinload(SetRecord.faults),
            selectinload(TrainingSession.sets)
            .selectinload(SetRecord.analysis)
            .selectinload(AnalysisRecord.reps),
        )
    )
    return list(session.scalars(query))


def summarise(training_session: TrainingSession) -> list[SessionSummary]:
    """The engine's view of a stored session: one summary per ladder drill trained."""
    by_drill: dict[str, list[SetRecord]] = {}
    for s in training_session.sets:
        if s.drill is not None:
            by_drill.setdefault(s.drill, []).append(s)
    summaries: list[SessionSummary] = []
    for drill, sets in by_drill.items():
        known = [s for s in sets if s.clean_reps is not None]
        confidences = [s.confidence for s in sets if s.confidence is not None]
        loads = [s.load_kg for s in sets if s.load_kg is not None]
        depths = tuple(
            r.hip_flexion_peak_deg
            for s in sets
            if s.analysis is not None
            for r in s.analysis.reps
            if r.hip_flexion_peak_deg is not None
        )
        summaries.append(
            SessionSummary(
                drill=drill,
                reps=sum(s.reps for s in known) if known else sum(s.reps for s in sets),
                clean_reps=sum(s.clean_reps or 0 for s in known) if known else None,
                depths_deg=depths,
                faults=tuple(
                    FaultSummary(f.fault_id, f.severity, f.depth_deg) for s in sets for f in s.faults
                ),
                confidence=min(confidences) if confidences else None,  # the least confident set speaks
                load_kg=max(loads) if loads else None,
                session_id=training_session.id,
            )
        )
    return summaries or [SessionSummary(drill=None, reps=0, clean_reps=None, session_id=training_session.id)]


def _replay(session: Session, athlete: Athlete, rules: Rules) -> tuple[list[TrainingSession], list[Decision]]:
    sessions = _sessions_of(session, athlete)
    return sessions, replay_sessions((summarise(s) for s in sessions), rules)


def _recompute(
    session: Session, athlete: Athlete, rules: Rules
) -> tuple[list[TrainingSession], list[Decision], Decision]:
    """Replay the whole history, store each session's decision and the current state.

    The whole history is replayed (not just the newest session) so a back-dated session or a
    changed rules file gives every later session the decision it would have had.
    """
    sessions, decisions = _replay(session, athlete, rules)
    for s, d in zip(sessions, decisions, strict=True):
        if s.decision_action != d.action or s.decision_explanation != d.explanation:
            s.decision_action, s.decision_explanation = d.action, d.explanation
    plan = current(decisions, rules)
    state = session.get(ProgressionStateRecord, athlete.id)
    if state is None:
        state = ProgressionStateRecord(athlete_id=athlete.id)
        session.add(state)
    state.drill, state.range_limit_deg, state.load_kg = plan.drill, plan.range_limit_deg, plan.load_kg
    state.action, state.explanation = plan.action, plan.explanation
    state.session_count, state.updated_at = len(sessions), utcnow()
    return sessions, decisions, plan


def _add_set(
    session: Session, ts: TrainingSession, position: int, new: NewSet, plan: Decision, rules: Rules
) -> None:
    if new.reps < 0 or (new.clean_reps is not None and not 0 <= new.clean_reps <= new.reps):
        raise HingeError(f"clean reps ({new.clean_reps}) must be between 0 and the reps ({new.reps})")
    if new.confidence is not None and rating_problem(new.confidence):
        raise HingeError(f"confidence is rated 1 to 10, not {new.confidence:g}")
    if new.rpe is not None and rating_problem(new.rpe):
        raise HingeError(f"RPE is 1 to 10, not {new.rpe:g}")
    if new.load_kg is not None and new.load_kg < 0:
        raise HingeError("the load cannot be negative")
    problem = load_problem(new.load_kg)
    if problem:
        raise HingeError(f"the load {problem}")
    problem = reps_problem(new.reps)
    if problem:
        raise HingeError(f"reps {problem}")
    limit = new.range_limit_deg
    if isinstance(limit, int | float) and not (math.isfinite(limit) and 0 <= limit <= 180):
        raise HingeError(f"the range limit is degrees of hip flexion, 0 to 180, not {limit:g}")
    name = rules.loggable(new.drill) if new.drill is not None else None  # a ladder or accessory drill
    drill_rule = rules.drills.get(new.drill) if new.drill is not None else None
    on_plan = new.drill is not None and new.drill == plan.drill
    range_limit = (
        (plan.range_limit_deg if on_plan else None) if new.range_limit_deg == PLAN else new.range_limit_deg
    )
    load = new.load_kg
    if load is None and on_plan and drill_rule is not None and drill_rule.barbell:
        load = plan.load_kg
    record = SetRecord(
        position=position,
        drill=new.drill,
        exercise=new.exercise or name or "exercise",
        reps=new.reps,
        clean_reps=new.clean_reps,
        load_kg=load,
        range_limit_deg=range_limit,
        confidence=new.confidence,
        rpe=new.rpe,
        notes=new.notes,
    )
    ts.sets.append(record)
    for fault_id, severity in new.faults:
        record.faults.append(FaultRecord(fault_id=fault_id, severity=severity))
    if new.analysis is not None:
        _add_analysis(session, record, new.analysis, new.back_neutral, new.neutral)


def _add_analysis(session: Session, record: SetRecord, a: ParsedAnalysis, back_neutral: bool,
                  neutral: bool = False) -> None:
    """A set's analysis: the document whole with the fields searched, its reps, and each rep's
    faults among the set's faults."""
    analysis = AnalysisRecord(
        schema_version=a.schema_version, document=a.document,
        source_path=a.source_path, source_sha256=a.source_sha256,
        view_label=a.view_label, primary_cue=a.primary_cue, back_neutral=back_neutral, neutral=neutral,
    )
    record.analysis = analysis
    for rep in a.reps:
        rep_record = RepRecord(
            index=rep.index, start_s=rep.start_s, bottom_s=rep.bottom_s, end_s=rep.end_s,
            hip_flexion_peak_deg=rep.hip_flexion_peak_deg, clean=rep.clean, metrics=rep.metrics,
        )
        analysis.reps.append(rep_record)
        session.flush()  # the rep's id, which its faults refer to
        for f in rep.faults:
            record.faults.append(
                FaultRecord(
                    rep_id=rep_record.id, fault_id=f.id, severity=f.severity, depth_deg=rep.hip_flexion_peak_deg,
                    value=f.value, threshold=f.threshold, unit=f.unit, confidence=f.confidence, cue=f.cue,
                )
            )


def log_session(
    db: str | None,
    athlete: str | None,
    sets: Sequence[NewSet],
    *,
    performed_at: datetime | None = None,
    source: str = "manual",
    notes: str | None = None,
    rules: Rules | None = None,
) -> LogResult:
    """Log one session of one or more sets and return the decision it leads to.

    Nothing is written when any set is invalid (unknown drill, clean reps above reps, ...).
    A set of an accessory drill (the hinge family off the ladder, ``rules.accessories``) is
    stored with its drill id and never moves the plan.
    """
    rules = rules or load_rules()
    if not sets:
        raise HingeError("nothing to log: give the reps, or --from an analysis.json")
    for new in sets:
        if new.drill is not None:
            rules.loggable(new.drill)

    def work(session: Session) -> LogResult:
        person = _find_athlete(session, athlete, lock=True)
        _, decisions = _replay(session, person, rules)
        plan = current(decisions, rules)
        ts = TrainingSession(
            athlete_id=person.id,
            performed_at=_as_utc(performed_at) if performed_at else utcnow(),
            source=source,
            notes=notes,
            created_at=utcnow(),
        )
        session.add(ts)
        for position, new in enumerate(sets, start=1):
            _add_set(session, ts, position, new, plan, rules)
        session.flush()
        sessions, decisions, plan = _recompute(session, person, rules)
        mine = next(d for s, d in zip(sessions, decisions, strict=True) if s.id == ts.id)
        return LogResult(person.name, ts.id, mine, plan)

    return run_in_transaction(db, work)


def log_analysis(
    db_url: str | None,
    athlete: str,
    analysis: dict[str, Any],
    *,
    drill: str | None = None,
    load_kg: float | None = None,
    confidence: float | None = None,
    rpe: float | None = None,
    notes: str | None = None,
    performed_at: datetime | None = None,
    back_neutral: bool = False,
    neutral: bool = False,
) -> LogResult:
    """Store one analysed set (an ``analysis.json`` document) as a session for ``athlete``.

    This is what ``hinge analyze --log ATHLETE`` calls. ``drill`` overrides the analysis's
    ``drill.id`` and is required when that is null. ``back_neutral``: the coach calls this set's
    back neutral, and later sets of the drill are read against it (:func:`back_reference`); it
    needs the back's silhouette in the analysis. ``neutral``: the coach calls the set neutral, and
    the rules read later sets of the drill against its reps' measures (:func:`neutral_set`).
    Returns the session id and the decision.
    """
    parsed = parse_analysis(analysis)
    drill_id = drill or parsed.drill
    if drill_id is None:
        raise HingeError(
            "the analysis does not say which drill this was; name it (e.g. --drill romanian_deadlift)"
        )
    if not parsed.reps:
        raise HingeError("the analysis found no reps; nothing to log")
    if back_neutral and not _bends(parsed.reps):
        raise HingeError("this analysis has no back silhouette to serve as the neutral back; analyse the video"
                         " with --back")
    if neutral:
        _check_neutral_reps([r.metrics for r in parsed.reps], "this analysis")
    new = NewSet(
        drill=drill_id,
        reps=len(parsed.reps),
        clean_reps=parsed.clean_reps,
        load_kg=load_kg,
        confidence=confidence,
        rpe=rpe,
        analysis=parsed,
        back_neutral=back_neutral,
        neutral=neutral,
    )
    return log_session(db_url, athlete, [new], performed_at=performed_at, source="analysis", notes=notes)


def _check_neutral_reps(rep_metrics: Sequence[Any], what: str) -> None:
    """Refuse a set as the neutral set unless at least the settings' ``reference_min_reps`` of its
    reps carry a rule's measure (a ``measure_*`` metric); ``what`` names the set in the message."""
    from hingecoach.core.settings import load_settings

    measured = sum(1 for m in rep_metrics if isinstance(m, dict) and any(str(k).startswith("measure_") for k in m))
    need = load_settings().coaching.reference_min_reps
    if measured < need:
        raise HingeError(f"a neutral set takes {need} reps or more with the rules' measures (reps[].metrics"
                         f" measure_*); {what} has {measured}")


def mark_neutral(db: str | None, set_id: int) -> str:
    """Mark an already-logged analysed set as its athlete's neutral set (the web app's "Use as
    neutral set"; ``log_analysis(..., neutral=True)`` does it as the set is logged): the rules
    read later sets of its drill against its reps' measures (:func:`neutral_set`). Returns the
    drill id. A set that does not exist, has no analysis, or too few reps with the rules'
    measures is a HingeError, and nothing changes."""

    def work(session: Session) -> str:
        record = session.get(SetRecord, set_id)
        if record is None:
            raise HingeError(f"there is no set {set_id} in the training log")
        if record.analysis is None or record.drill is None:
            raise HingeError(f"set {set_id} has no analysis of a drill to read later sets against")
        _check_neutral_reps([r.metrics for r in record.analysis.reps], f"set {set_id}")
        record.analysis.neutral = True
        return record.drill

    return run_in_transaction(db, work)


def _bends(reps: Sequence[Any]) -> list[float]:
    """The reps' bottom outline bends (metric ``back_outline_bend_deg``), numbers only."""
    values = [r.metrics.get("back_outline_bend_deg") if isinstance(r.metrics, dict) else None for r in reps]
    return [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]


@dataclass(frozen=True)
class BackReferenceSet:
    """The set an athlete's back is read against, for one drill."""

    set_id: int
    performed_at: datetime
    source_path: str | None
    bends: list[float]


def _marked_drills(db: str | None, athlete: str, flag: Any) -> set[str]:
    """The drills for which the athlete has a set whose analysis has ``flag`` set."""
    with read_session(db) as session:
        rows = session.scalars(
            select(SetRecord.drill)
            .join(AnalysisRecord, AnalysisRecord.set_id == SetRecord.id)
            .join(TrainingSession, SetRecord.session_id == TrainingSession.id)
            .join(Athlete, TrainingSession.athlete_id == Athlete.id)
            .where(Athlete.name == athlete, flag.is_(True))
        )
        return {d for d in rows if d is not None}


def _latest_marked(db: str | None, athlete: str, drill: str, flag: Any,
                   build: Callable[[AnalysisRecord, int, datetime], _T]) -> _T | None:
    """``build`` (in the session) of the athlete's latest set of ``drill`` whose analysis has
    ``flag`` set: its analysis with the reps, set id, when performed; None when there is none (or
    no such athlete yet)."""
    with read_session(db) as session:
        person = session.scalars(select(Athlete).where(Athlete.name == athlete)).one_or_none()
        if person is None:
            return None
        row = session.execute(
            select(AnalysisRecord, SetRecord.id, TrainingSession.performed_at)
            .join(SetRecord, AnalysisRecord.set_id == SetRecord.id)
            .join(TrainingSession, SetRecord.session_id == TrainingSession.id)
            .where(TrainingSession.athlete_id == person.id, SetRecord.drill == drill, flag.is_(True))
            .order_by(TrainingSession.performed_at.desc(), SetRecord.id.desc())
            .limit(1)
            .options(selectinload(AnalysisRecord.reps))
        ).first()
        if row is None:
            return None
        record, set_id, performed_at = row
        return build(record, set_id, _as_utc(performed_at))


def back_reference_drills(db: str | None, athlete: str) -> set[str]:
    """The drills for which the athlete has a set logged as a neutral back."""
    return _marked_drills(db, athlete, AnalysisRecord.back_neutral)


def back_reference(db: str | None, athlete: str, drill: str) -> BackReferenceSet | None:
    """The athlete's latest set of ``drill`` logged as a neutral back (``--neutral-back``), with
    its reps' bottom outline bends; None when there is none (or no such athlete yet)."""
    return _latest_marked(db, athlete, drill, AnalysisRecord.back_neutral,
                          lambda record, set_id, at: BackReferenceSet(set_id, at, record.source_path, _bends(record.reps)))


@dataclass(frozen=True)
class NeutralSetRecord:
    """The set an athlete's sets of one drill are read against by the rules: its reps' metrics
    (with each rule's ``measure_*``)."""

    set_id: int
    performed_at: datetime
    source_path: str | None
    rep_metrics: list[dict[str, Any]]


def neutral_set_drills(db: str | None, athlete: str) -> set[str]:
    """The drills for which the athlete has a set logged as neutral (``--neutral``)."""
    return _marked_drills(db, athlete, AnalysisRecord.neutral)


def neutral_set(db: str | None, athlete: str, drill: str) -> NeutralSetRecord | None:
    """The athlete's latest set of ``drill`` logged as neutral (``hinge analyze --log NAME
    --neutral``); None when there is none (or no such athlete yet)."""
    return _latest_marked(db, athlete, drill, AnalysisRecord.neutral, lambda record, set_id, at: NeutralSetRecord(
        set_id, at, record.source_path, [dict(r.metrics) if isinstance(r.metrics, dict) else {} for r in record.reps]))


def today(db: str | None, athlete: str | None, rules: Rules | None = None) -> tuple[str, Prescription]:
    """The athlete's name and today's prescription (drill, sets x reps, load, range, cues, why)."""
    rules = rules or load_rules()
    with read_session(db) as session:
        person = _find_athlete(session, athlete)
        sessions, decisions = _replay(session, person, rules)
        plan = current(decisions, rules)
        last_cue: list[str] = []
        for ts in reversed(sessions):
            cues = [
                s.analysis.primary_cue
                for s in ts.sets
                if s.drill == plan.drill and s.analysis and s.analysis.primary_cue
            ]
            if cues:
                last_cue = cues[-1:]
                break
        return person.name, prescribe(plan, rules, last_cue)


def history(
    db: str | None, athlete: str | None, rules: Rules | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The athlete's sessions, oldest first, each with its sets and the decision after it.

    Plain data, finite numbers only (a non-finite value reads as None).
    """
    ladder = (rules or load_rules()).drills
    with read_session(db) as session:
        person = _find_athlete(session, athlete)
        return person.name, [
            _session_dict(ts, with_analysis=False, ladder=ladder) for ts in _sessions_of(session, person)
        ]


def _session_dict(ts: TrainingSession, *, with_analysis: bool, ladder: Collection[str]) -> dict[str, Any]:
    sets = []
    for s in ts.sets:
        item: dict[str, Any] = {
            "position": s.position,
            "drill": s.drill,
            # A drill off the ladder (the hinge family): history only, never moving the plan.
            "accessory": s.drill is not None and s.drill not in ladder,
            "exercise": s.exercise,
            "reps": s.reps,
            "clean_reps": s.clean_reps,
            "clean_pct": round(100.0 * s.clean_reps / s.reps, 1)
            if s.clean_reps is not None and s.reps
            else None,
            "load_kg": s.load_kg,
            "range_limit_deg": s.range_limit_deg,
            "confidence": s.confidence,
            "rpe": s.rpe,
            "notes": s.notes,
            "faults": [
                {"id": f.fault_id, "severity": f.severity, "depth_deg": f.depth_deg} for f in s.faults
            ],
            "depths_deg": [r.hip_flexion_peak_deg for r in s.analysis.reps] if s.analysis else [],
            "back_neutral": bool(s.analysis and s.analysis.back_neutral),
            "neutral": bool(s.analysis and s.analysis.neutral),
        }
        if with_analysis:
            item["analysis"] = s.analysis.document if s.analysis else None
        sets.append(item)
    return json_safe({
        "id": ts.id,
        "performed_at": _as_utc(ts.performed_at).isoformat(),
        "source": ts.source,
        "notes": ts.notes,
        "decision": {"action": ts.decision_action, "explanation": ts.decision_explanation},
        "sets": sets,
    })


def export_data(db: str | None, athlete: str | None = None, rules: Rules | None = None) -> list[dict[str, Any]]:
    """Everything stored for one athlete (or all when None), analyses included, as plain data
    that ``json.dumps(..., allow_nan=False)`` accepts: a non-finite number reads as None."""
    ladder = (rules or load_rules()).drills
    with read_session(db) as session:
        people = (
            [_find_athlete(session, athlete)]
            if athlete is not None
            else list(session.scalars(select(Athlete).order_by(Athlete.name)))
        )
        out = []
        for person in people:
            state = session.get(ProgressionStateRecord, person.id)
            out.append(
                {
                    "athlete": person.name,
                    "created_at": _as_utc(person.created_at).isoformat(),
                    "plan": None
                    if state is None
                    else json_safe({
                        "drill": state.drill,
                        "range_limit_deg": state.range_limit_deg,
                        "load_kg": state.load_kg,
                        "action": state.action,
                        "explanation": state.explanation,
                    }),
                    "sessions": [
                        _session_dict(ts, with_analysis=True, ladder=ladder) for ts in _sessions_of(session, person)
                    ],
                }
            )
        return out


EXPORT_COLUMNS = (
    "athlete", "session_id", "performed_at", "source", "position", "drill", "exercise", "reps",
    "clean_reps", "clean_pct", "load_kg", "range_limit_deg", "confidence", "rpe", "faults", "notes",
    "decision_action", "decision_explanation",
)  # fmt: skip


def export_rows(db: str | None, athlete: str | None = None) -> list[dict[str, Any]]:
    """One flat row per set (the CSV export), columns as in :data:`EXPORT_COLUMNS`."""
    rows = []
    for person in export_data(db, athlete):
        for ts in person["sessions"]:
            for s in ts["sets"]:
                rows.append(
                    {
                        "athlete": person["athlete"],
                        "session_id": ts["id"],
                        "performed_at": ts["performed_at"],
                        "source": ts["source"],
                        **{
                            k: s[k]
                            for k in (
                                "position",
                                "drill",
                                "exercise",
                                "reps",
                                "clean_reps",
                                "clean_pct",
                                "load_kg",
                                "range_limit_deg",
                                "confidence",
                                "rpe",
                                "notes",
                            )
                        },
                        "faults": ";".join(f"{f['id']}:{f['severity']}" for f in s["faults"]),
                        "decision_action": ts["decision"]["action"],
                        "decision_explanation": ts["decision"]["explanation"],
                    }
                )
    return rows


def _stored_sha256(ts: TrainingSession) -> str:
    """The content hash of a stored imported session, as :func:`workout_sha256` computes it."""
    return workout_sha256(ts.notes, ((s.exercise, s.reps, s.load_kg, s.rpe, s.notes) for s in ts.sets))


def _check_imported(w: ImportedWorkout) -> None:
    """Refuse a workout with a value no set can have (the CSV reader already refuses them with
    the file's line; this guards other callers)."""
    for position, s in enumerate(w.sets, start=1):
        for what, problem in (
            ("reps", reps_problem(s.reps)),
            ("load", load_problem(s.load_kg)),
            ("RPE", rating_problem(s.rpe)),
        ):
            if problem:
                raise HingeError(
                    f"workout {w.title!r} of {w.performed_at:%Y-%m-%d %H:%M}, set {position}: {what} {problem}"
                )


def import_workouts(
    db: str | None,
    athlete: str | None,
    workouts: Sequence[ImportedWorkout],
    source: str,
    rules: Rules | None = None,
) -> ImportResult:
    """Store imported workouts for an existing athlete, all or nothing.

    A workout is identified by its ``external_ref`` (app, start time, title) and compared by its
    content (:attr:`ImportedWorkout.content_sha256`): an identical one already stored is skipped;
    a corrected one (same start and title, other sets or notes) replaces the stored one in place
    (same session id, its old sets gone). A workout with an impossible value (negative or
    non-finite load, RPE outside 1-10, absurd reps) refuses the whole import.
    """
    rules = rules or load_rules()
    for w in workouts:
        _check_imported(w)

    def work(session: Session) -> ImportResult:
        person = _find_athlete(session, athlete, lock=True)
        stored = {
            ts.external_ref: ts
            for ts in session.scalars(
                select(TrainingSession)
                .where(TrainingSession.athlete_id == person.id, TrainingSession.external_ref.is_not(None))
                .options(selectinload(TrainingSession.sets))
            )
        }
        added = skipped = replaced = drill_sets = other_sets = 0
        for w in workouts:
            ts = stored.get(w.external_ref)
            if ts is not None and _stored_sha256(ts) == w.content_sha256:
                skipped += 1
                continue
            if ts is not None:  # a corrected export of the same workout: it replaces the earlier import
                ts.sets.clear()
                session.flush()  # the old sets (and their faults) go before the new ones come
                ts.performed_at, ts.source, ts.notes = w.performed_at, source, w.session_notes
                replaced += 1
            else:
                ts = TrainingSession(
                    athlete_id=person.id,
                    performed_at=w.performed_at,
                    source=source,
                    external_ref=w.external_ref,
                    notes=w.session_notes,
                    created_at=utcnow(),
                )
                session.add(ts)
                stored[w.external_ref] = ts
                added += 1
            for position, s in enumerate(w.sets, start=1):
                ts.sets.append(
                    SetRecord(
                        position=position, drill=s.drill, exercise=s.exercise,
                        reps=s.reps, clean_reps=None,  # not known: an imported set is history only
                        load_kg=s.load_kg, rpe=s.rpe, notes=s.notes,
                    )
                )
                drill_sets += s.drill is not None
                other_sets += s.drill is None
        session.flush()
        _recompute(session, person, rules)
        return ImportResult(person.name, added, skipped, drill_sets, other_sets, replaced)

    return run_in_transaction(db, work)


def remove_set(session: Session, set_id: int, athlete_id: int) -> None:
    """Delete one logged set inside the caller's transaction — its session too when that was its
    only set — and replay the athlete's plan without it (the web app deletes a set this way)."""
    record = session.get(SetRecord, set_id)
    if record is None:
        return
    ts = session.get(TrainingSession, record.session_id)
    session.delete(ts if ts is not None and len(ts.sets) <= 1 else record)
    session.flush()
    athlete = session.get(Athlete, athlete_id)
    if athlete is not None:
        session.expire_all()
        _recompute(session, athlete, load_rules())
