"""The progression engine: a training history in, the plan for next time and its reason out.

Pipeline position: analysis (``analysis.json``) → store (sessions, sets, reps, faults) →
**progression engine** → ``hinge today``. The engine is pure: the same history and rules always
give the same decisions, and it touches no files or database. The history is folded one session
at a time through :func:`step`; each step yields a :class:`Decision` whose ``explanation`` is one
sentence a lifter can read ("Because ..., move to ...").

Range limits are degrees of peak hip flexion (the analysis engine's ``hip_flexion_peak_deg``:
0 = standing tall, positive = hinged); ``None`` means full range.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from hingecoach.core.progression.rules import DrillRule, Rules

Action = Literal["start", "unchanged", "stay", "advance", "step_back", "shorten", "reintroduce", "add_load"]


@dataclass(frozen=True)
class FaultSummary:
    """A fault seen in a session: its id, severity and the rep depth where it appeared."""

    id: str
    severity: str
    depth_deg: float | None = None


@dataclass(frozen=True)
class SessionSummary:
    """What the engine needs to know about one session on one drill.

    ``clean_reps`` is None when it is unknown (an imported workout); such a session leaves the
    plan unchanged. ``depths_deg`` holds each measured rep's peak hip flexion (empty when the set
    was logged by hand: the prescribed range is then taken as done).
    """

    drill: str | None
    reps: int
    clean_reps: int | None
    depths_deg: tuple[float, ...] = ()
    faults: tuple[FaultSummary, ...] = ()
    confidence: float | None = None
    load_kg: float | None = None
    session_id: int | None = None

    @property
    def clean_pct(self) -> float:
        """Share of clean reps, 0-100 (0 when there were no reps or it is unknown)."""
        if not self.reps or self.clean_reps is None:
            return 0.0
        return 100.0 * self.clean_reps / self.reps


@dataclass(frozen=True)
class PlanState:
    """Where the lifter is on the ladder, and the counters the rules need."""

    drill: str
    range_limit_deg: float | None = None
    load_kg: float | None = None
    clean_streak_pcts: tuple[float, ...] = ()  # clean % of the current run of qualifying sessions
    fail_streak: int = 0
    loads_kg: tuple[tuple[str, float], ...] = field(default=())  # last load per barbell drill


@dataclass(frozen=True)
class Decision:
    """The plan after a session (or at the start) and the sentence that explains it."""

    action: Action
    state: PlanState
    explanation: str
    session_id: int | None = None  # the session it follows (None: the plan at the start)

    @property
    def drill(self) -> str:
        """The drill to train next."""
        return self.state.drill

    @property
    def range_limit_deg(self) -> float | None:
        """The range limit for next time (None = full range)."""
        return self.state.range_limit_deg

    @property
    def load_kg(self) -> float | None:
        """The load for next time on barbell drills (None otherwise)."""
        return self.state.load_kg


@dataclass(frozen=True)
class Prescription:
    """What ``hinge today`` shows: drill, sets x reps, load, range and the top cues."""

    drill: str
    name: str
    sets: int
    reps: int
    load_kg: float | None
    range_limit_deg: float | None
    range_text: str
    cues: tuple[str, ...]
    explanation: str
    action: Action


def _fmt_deg(x: float) -> str:
    return f"{x:.0f}°"


def _fmt_kg(x: float) -> str:
    return f"{x:g} kg"


def _load_for(drill: DrillRule, loads: tuple[tuple[str, float], ...]) -> float | None:
    if not drill.barbell:
        return None
    return dict(loads).get(drill.id, drill.start_load_kg)


def _remember_load(state: PlanState) -> tuple[tuple[str, float], ...]:
    if state.load_kg is None:
        return state.loads_kg
    loads = dict(state.loads_kg)
    loads[state.drill] = state.load_kg
    return tuple(sorted(loads.items()))


def _enter(drill: DrillRule, state: PlanState) -> PlanState:
    """A fresh state on ``drill`` at full range, remembering the load left behind."""
    loads = _remember_load(state)
    return PlanState(drill=drill.id, range_limit_deg=None, load_kg=_load_for(drill, loads), loads_kg=loads)


def initial_state(rules: Rules) -> PlanState:
    """The plan of a new athlete: the first drill of the ladder, full range."""
    first = rules.drill(rules.ladder[0])
    return PlanState(drill=first.id, load_kg=_load_for(first, ()))


def start_decision(rules: Rules) -> Decision:
    """The decision for an athlete with no history."""
    first = rules.drill(rules.ladder[0])
    return Decision(
        action="start",
        state=initial_state(rules),
        explanation=(
            f"Because you have no sessions logged yet, start at the first drill of the ladder, "
            f"{first.name}, at full range."
        ),
    )


def reached_full_range(session: SessionSummary, drill: DrillRule, rules: Rules) -> bool:
    """Whether the session's measured reps reached full range (unmeasured: taken as yes)."""
    if not session.depths_deg:
        return True
    return statistics.median(session.depths_deg) >= rules.advance_full_range_fraction * drill.full_range_deg


def _shorten_target(current_deg: float, faults: Sequence[FaultSummary], rules: Rules) -> float:
    depths = [f.depth_deg for f in faults if f.depth_deg is not None]
    if depths:
        # At least half a step below the shallowest rep that broke down, on the step grid.
        target = math.floor((min(depths) - rules.step_deg / 2) / rules.step_deg) * rules.step_deg
    else:
        target = current_deg - rules.step_deg
    return max(rules.min_limit_deg, min(target, current_deg - rules.step_deg))


def step(state: PlanState, session: SessionSummary, rules: Rules) -> Decision:
    """Apply the rules to one session and return the plan for next time.

    The rules are tried in this order and the first that applies wins: step back after repeated
    failure, shorten the range after a fault past a depth, advance after enough clean
    full-range sessions, reintroduce range after a clean limited session, add load on a
    barbell drill after an all-clean session, otherwise stay.
    """
    drill = rules.drill(state.drill)
    sid = session.session_id
    if session.drill != state.drill or session.clean_reps is None or session.reps <= 0:
        if session.drill is not None and rules.is_accessory(session.drill):
            why = f"this session was {rules.accessories[session.drill]}, an accessory drill off the ladder"
        elif session.drill != state.drill:
            trained = rules.drills[session.drill].name if session.drill in rules.drills else "other exercises"
            why = f"this session was {trained}, not your current drill"
        elif session.clean_reps is None:
            why = "this session has no clean-rep count (an imported or unrated set)"
        else:
            why = "this session has no reps"
        return Decision("unchanged", state, f"Because {why}, the plan stays: {drill.name}.", sid)

    pct = session.clean_pct
    safety = [f for f in session.faults if f.severity == "safety"]
    failed = pct < rules.fail_below_clean_pct or bool(safety)
    fail_streak = state.fail_streak + 1 if failed else 0
    if drill.barbell and session.load_kg is not None:
        state = replace(state, load_kg=session.load_kg)  # the plan follows what was lifted
    full_range = state.range_limit_deg is None and reached_full_range(session, drill, rules)
    confident = session.confidence is None or session.confidence >= rules.advance_min_confidence
    qualifies = pct >= rules.advance_min_clean_pct and full_range and not safety and confident
    streak = (*state.clean_streak_pcts, pct) if qualifies else ()
    idx = rules.ladder.index(drill.id)
    counted = replace(state, clean_streak_pcts=streak, fail_streak=fail_streak)

    # 1. Step back one drill after repeated failure.
    if fail_streak >= rules.step_back_failed_sessions and idx > 0:
        prev = rules.drill(rules.ladder[idx - 1])
        return Decision(
            "step_back",
            _enter(prev, state),
            f"Because {fail_streak} sessions in a row on {drill.name} had a safety fault or under "
            f"{rules.fail_below_clean_pct:g}% clean reps, step back to {prev.name} to rebuild the pattern.",
            sid,
        )

    # 2. Shorten the range when a fault appears past a depth.
    past_depth = rules.fault_depth_fraction * drill.full_range_deg
    range_faults = [
        f
        for f in session.faults
        if f.severity in rules.shorten_on_severities and (f.depth_deg is None or f.depth_deg > past_depth)
    ]
    if range_faults:
        current = state.range_limit_deg if state.range_limit_deg is not None else drill.full_range_deg
        target = _shorten_target(current, range_faults, rules)
        worst = min(range_faults, key=lambda f: (f.severity != "safety", f.depth_deg or 0.0, f.id))
        seen = f"{worst.id} ({worst.severity})" + (
            f" appeared at {_fmt_deg(worst.depth_deg)} of hip flexion"
            if worst.depth_deg is not None
            else " appeared"
        )
        if target < current:
            return Decision(
                "shorten",
                replace(counted, range_limit_deg=target, clean_streak_pcts=()),
                f"Because {seen}, shorten the range to {_fmt_deg(target)} of hip flexion and own that first.",
                sid,
            )
        return Decision(
            "stay",
            replace(counted, clean_streak_pcts=()),
            f"Because {seen} and the range is already at its {_fmt_deg(rules.min_limit_deg)} minimum, "
            f"stay on {drill.name} at {_fmt_deg(current)} and slow each rep down.",
            sid,
        )

    # 3. Advance after N consecutive clean, full-range, confident sessions.
    n = rules.advance_sessions
    if len(streak) >= n and idx + 1 < len(rules.ladder):
        nxt = rules.drill(rules.ladder[idx + 1])
        pcts = ", ".join(f"{p:.0f}%" for p in streak[-n:])
        conf = (
            f" and confidence of at least {rules.advance_min_confidence:g}/10"
            if session.confidence is not None
            else ""
        )
        return Decision(
            "advance",
            _enter(nxt, counted),
            f"Because your last {n} sessions of {drill.name} had at least "
            f"{rules.advance_min_clean_pct:g}% clean reps ({pcts}) at full range{conf}, move to {nxt.name}.",
            sid,
        )

    # 4. Reintroduce range one step at a time after a clean session at the limit.
    if (
        state.range_limit_deg is not None
        and pct >= rules.reintroduce_min_clean_pct
        and not any(f.severity in ("safety", "form") for f in session.faults)
    ):
        new_limit: float | None = state.range_limit_deg + rules.step_deg
        assert new_limit is not None
        if new_limit >= drill.full_range_deg:
            new_limit, goal = None, f"go back to full range ({drill.full_range_landmark})"
        else:
            goal = f"go to {_fmt_deg(new_limit)} next time"
        return Decision(
            "reintroduce",
            replace(counted, range_limit_deg=new_limit),
            f"Because {pct:.0f}% of reps were clean with no form or safety fault at the "
            f"{_fmt_deg(state.range_limit_deg)} limit, "
            f"reintroduce {_fmt_deg(rules.step_deg)} of range: {goal}.",
            sid,
        )

    # 5. Add load in small steps on barbell drills when every rep was clean.
    all_clean = session.clean_reps == session.reps and not session.faults
    if (
        drill.barbell
        and full_range
        and not safety
        and (all_clean or not rules.load_require_all_clean)
        and confident
    ):
        base = state.load_kg if state.load_kg is not None else drill.start_load_kg or 0.0
        new_load = base + (drill.load_step_kg or 0.0)
        return Decision(
            "add_load",
            replace(counted, load_kg=new_load),
            f"Because all {session.reps} reps were clean at full range, add "
            f"{_fmt_kg(drill.load_step_kg or 0.0)}: use {_fmt_kg(new_load)} next time.",
            sid,
        )

    # 6. Stay, and say what is missing.
    if safety:
        why = f"a safety fault ({safety[0].id}) showed up"
        todo = "do not move on until the sessions are free of it"
    elif state.range_limit_deg is not None:
        why = f"{pct:.0f}% of reps were clean at the {_fmt_deg(state.range_limit_deg)} limit"
        todo = f"reintroducing range needs {rules.reintroduce_min_clean_pct:g}% with no form fault"
    elif not full_range:
        depth = statistics.median(session.depths_deg)
        why = f"your reps reached {_fmt_deg(depth)} of the {_fmt_deg(drill.full_range_deg)} full range"
        todo = f"work towards {drill.full_range_landmark}"
    elif pct < rules.advance_min_clean_pct:
        why = f"{pct:.0f}% of reps were clean"
        todo = f"moving on needs {rules.advance_min_clean_pct:g}% in {n} sessions in a row"
    elif not confident:
        why = f"you rated your confidence {session.confidence:g}/10"
        todo = f"moving on needs {rules.advance_min_confidence:g} or more"
    elif idx + 1 == len(rules.ladder):
        why = f"{drill.name} is the last drill of the ladder"
        todo = "keep owning it"
    else:
        why = (
            f"this is {len(streak)} of the {n} sessions in a row with "
            f"{rules.advance_min_clean_pct:g}%+ clean reps at full range"
        )
        todo = f"{n - len(streak)} more to move on"
    where = "full range" if state.range_limit_deg is None else _fmt_deg(state.range_limit_deg)
    return Decision("stay", counted, f"Because {why}, stay on {drill.name} at {where}: {todo}.", sid)


def pick(state: PlanState, summaries: Sequence[SessionSummary]) -> SessionSummary:
    """The summary a session is judged on: its sets of the current drill, else its first."""
    for summary in summaries:
        if summary.drill == state.drill:
            return summary
    return summaries[0] if summaries else SessionSummary(drill=None, reps=0, clean_reps=None)


def replay_sessions(history: Iterable[Sequence[SessionSummary]], rules: Rules) -> list[Decision]:
    """Fold a history (oldest first) through :func:`step`: one decision per session.

    Each session is a list of per-drill summaries (a session may train several drills); it is
    judged on the current drill's sets only.
    """
    state = initial_state(rules)
    decisions: list[Decision] = []
    for summaries in history:
        decision = step(state, pick(state, summaries), rules)
        decisions.append(decision)
        state = decision.state
    return decisions


def replay(history: Iterable[SessionSummary], rules: Rules) -> list[Decision]:
    """Fold a history of one-drill sessions (oldest first): one decision per session."""
    return replay_sessions(([s] for s in history), rules)


def current(decisions: Sequence[Decision], rules: Rules) -> Decision:
    """The current plan after ``decisions``: the last state, explained by the last real decision.

    Sessions that leave the plan unchanged (another exercise, an import) do not hide the reason
    for the plan.
    """
    if not decisions:
        return start_decision(rules)
    for decision in reversed(decisions):
        if decision.action != "unchanged":
            return replace(decision, state=decisions[-1].state)
    return replace(start_decision(rules), state=decisions[-1].state)


def decide(history: Iterable[SessionSummary], rules: Rules) -> Decision:
    """The current plan for a history of one-drill sessions (see :func:`current`)."""
    return current(replay(history, rules), rules)


def prescribe(decision: Decision, rules: Rules, extra_cues: Sequence[str] = ()) -> Prescription:
    """Turn a decision into today's session: the drill's prescription plus the top cues.

    ``extra_cues`` (e.g. the last analysis's primary cue) come first; at most three are kept.
    """
    drill = rules.drill(decision.drill)
    if decision.range_limit_deg is None:
        range_text = (
            f"full range: {drill.full_range_landmark} (about {_fmt_deg(drill.full_range_deg)} of hip flexion)"
        )
    else:
        range_text = (
            f"shortened: stop at {_fmt_deg(decision.range_limit_deg)} of hip flexion "
            f"(full range is {_fmt_deg(drill.full_range_deg)})"
        )
    cues: list[str] = []
    for cue in (*extra_cues, *drill.cues):
        if cue and cue not in cues:
            cues.append(cue)
    return Prescription(
        drill=drill.id,
        name=drill.name,
        sets=drill.sets,
        reps=drill.reps,
        load_kg=decision.load_kg if drill.barbell else None,
        range_limit_deg=decision.range_limit_deg,
        range_text=range_text,
        cues=tuple(cues[:3]),
        explanation=decision.explanation,
        action=decision.action,
    )
