"""The progression engine: examples of each rule, and hypothesis properties over histories."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hingecoach.core.progression import (
    FaultSummary,
    PlanState,
    SessionSummary,
    decide,
    load_rules,
    replay,
    step,
)

RULES = load_rules()
QS, TK, CPT, RDL, SLDL = RULES.ladder


def clean_session(drill: str, reps: int = 10, clean: int = 10, **kw: object) -> SessionSummary:
    return SessionSummary(drill=drill, reps=reps, clean_reps=clean, **kw)  # type: ignore[arg-type]


def test_new_athlete_starts_at_the_first_drill() -> None:
    d = decide([], RULES)
    assert (d.action, d.drill, d.range_limit_deg) == ("start", QS, None)
    assert d.explanation.startswith("Because")


def test_three_clean_confident_sessions_advance_one_drill_with_the_numbers_in_the_reason() -> None:
    history = [clean_session(QS, clean=9, confidence=8)] * 3
    decisions = replay(history, RULES)
    assert [d.action for d in decisions] == ["stay", "stay", "advance"]
    assert decisions[-1].drill == TK
    assert "90%, 90%, 90%" in decisions[-1].explanation and "Tall-kneeling" in decisions[-1].explanation


def test_low_confidence_blocks_the_advance_and_says_so() -> None:
    history = [clean_session(QS, confidence=8)] * 2 + [clean_session(QS, confidence=4)]
    d = decide(history, RULES)
    assert d.drill == QS and "confidence 4/10" in d.explanation


def test_a_safety_fault_in_the_third_session_blocks_the_advance() -> None:
    bad = clean_session(QS, clean=10, faults=(FaultSummary("rounded_back", "safety", 20.0),))
    d = decide([clean_session(QS)] * 2 + [bad], RULES)
    assert d.drill == QS and d.action == "stay" and "safety" in d.explanation


def test_a_fault_past_the_depth_shortens_below_where_it_appeared() -> None:
    s = SessionSummary(
        RDL, 8, 6, depths_deg=(80.0,) * 8, faults=(FaultSummary("knees_forward", "form", 72.0),)
    )
    d = step(PlanState(RDL, load_kg=40.0), s, RULES)
    assert d.action == "shorten" and d.range_limit_deg == 60.0 and d.load_kg == 40.0
    assert "72°" in d.explanation and "60°" in d.explanation


def test_a_clean_session_at_the_limit_reintroduces_one_step_then_full_range() -> None:
    s = SessionSummary(RDL, 8, 8, depths_deg=(60.0,) * 8)
    d = step(PlanState(RDL, range_limit_deg=60.0, load_kg=40.0), s, RULES)
    assert (d.action, d.range_limit_deg) == ("reintroduce", 70.0)
    d = step(d.state, SessionSummary(RDL, 8, 8, depths_deg=(70.0,) * 8), RULES)
    assert (d.action, d.range_limit_deg) == ("reintroduce", 80.0)
    # The Romanian deadlift's full range is 90° (drills data): the next step reaches it.
    d = step(d.state, SessionSummary(RDL, 8, 8, depths_deg=(80.0,) * 8), RULES)
    assert (d.action, d.range_limit_deg) == ("reintroduce", None)
    assert "full range" in d.explanation


def test_three_failed_sessions_step_back_one_drill() -> None:
    state = PlanState(CPT)
    actions = []
    for _ in range(3):
        d = step(state, clean_session(CPT, clean=3), RULES)
        actions.append(d.action)
        state = d.state
    assert actions[-1] == "step_back" and state.drill == TK
    assert "3 sessions in a row" in d.explanation


def test_an_all_clean_barbell_session_adds_one_load_step() -> None:
    d = step(PlanState(RDL, load_kg=40.0), clean_session(RDL, 8, 8, load_kg=40.0), RULES)
    assert (d.action, d.load_kg) == ("add_load", 42.5)
    assert "42.5 kg" in d.explanation


def test_a_session_of_another_drill_leaves_the_plan_unchanged() -> None:
    d = step(PlanState(QS), clean_session(RDL), RULES)
    assert d.action == "unchanged" and d.state == PlanState(QS)


def test_shallow_reps_do_not_count_as_full_range() -> None:
    d = step(PlanState(RDL, load_kg=20.0), SessionSummary(RDL, 8, 8, depths_deg=(50.0,) * 8), RULES)
    assert d.action == "stay" and "50°" in d.explanation


# ---- properties ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """A session shape, applied to whatever drill is current (or another drill)."""

    reps: int
    clean_fraction: float
    depth_fraction: float | None
    faults: tuple[tuple[str, float | None], ...]  # (severity, depth fraction)
    confidence: int | None
    other_drill: int | None


outcomes = st.builds(
    Outcome,
    reps=st.integers(1, 12),
    clean_fraction=st.sampled_from([0.0, 0.3, 0.5, 0.8, 0.9, 1.0]),
    depth_fraction=st.one_of(st.none(), st.sampled_from([0.3, 0.6, 0.9, 1.0, 1.1])),
    faults=st.lists(
        st.tuples(st.sampled_from(["safety", "form", "minor"]), st.one_of(st.none(), st.floats(0.2, 1.1))),
        max_size=2,
    ).map(tuple),
    confidence=st.one_of(st.none(), st.integers(1, 10)),
    other_drill=st.one_of(st.none(), st.none(), st.integers(0, 4)),
)


def realise(state: PlanState, o: Outcome) -> SessionSummary:
    drill_id = RULES.ladder[o.other_drill] if o.other_drill is not None else state.drill
    full = RULES.drills[drill_id].full_range_deg
    limit = state.range_limit_deg if drill_id == state.drill and state.range_limit_deg else full
    depth = None if o.depth_fraction is None else min(limit, o.depth_fraction * full)
    return SessionSummary(
        drill=drill_id,
        reps=o.reps,
        clean_reps=round(o.reps * o.clean_fraction),
        depths_deg=() if depth is None else (depth,) * o.reps,
        faults=tuple(
            FaultSummary(f"f{i}", sev, None if fr is None else fr * full)
            for i, (sev, fr) in enumerate(o.faults)
        ),
        confidence=o.confidence,
    )


def run(history: list[Outcome]) -> list[tuple[PlanState, SessionSummary, PlanState, str]]:
    state = PlanState(RULES.ladder[0])
    steps = []
    for o in history:
        s = realise(state, o)
        d = step(state, s, RULES)
        steps.append((state, s, d.state, d.explanation))
        state = d.state
    return steps


@settings(max_examples=300, deadline=None)
@given(st.lists(outcomes, max_size=40))
def test_never_skips_a_drill(history: list[Outcome]) -> None:
    for before, _, after, _ in run(history):
        assert abs(RULES.ladder.index(after.drill) - RULES.ladder.index(before.drill)) <= 1


@settings(max_examples=300, deadline=None)
@given(st.lists(outcomes, max_size=40))
def test_never_advances_after_a_session_with_a_safety_fault(history: list[Outcome]) -> None:
    for before, session, after, _ in run(history):
        if any(f.severity == "safety" for f in session.faults):
            assert RULES.ladder.index(after.drill) <= RULES.ladder.index(before.drill)


@settings(max_examples=300, deadline=None)
@given(st.lists(outcomes, max_size=40))
def test_a_scaled_range_grows_at_most_one_step_at_a_time(history: list[Outcome]) -> None:
    for before, _, after, _ in run(history):
        if after.drill != before.drill:
            continue
        full = RULES.drills[before.drill].full_range_deg
        old = before.range_limit_deg if before.range_limit_deg is not None else full
        new = after.range_limit_deg if after.range_limit_deg is not None else full
        assert new - old <= RULES.step_deg + 1e-9
        if after.range_limit_deg is not None:
            assert RULES.min_limit_deg <= after.range_limit_deg < full


@settings(max_examples=200, deadline=None)
@given(st.lists(outcomes, max_size=30))
def test_decisions_are_deterministic_and_always_explained(history: list[Outcome]) -> None:
    sessions = [s for _, s, _, _ in run(history)]
    first, second = replay(sessions, RULES), replay(list(sessions), RULES)
    assert first == second
    assert decide(sessions, RULES) == decide(sessions, RULES)
    for d in first:
        assert d.explanation.startswith("Because") and d.explanation.endswith(".")


@pytest.mark.parametrize("drill", RULES.ladder)
def test_every_drill_can_be_left_by_clean_sessions_except_the_last(drill: str) -> None:
    d = decide([], RULES)
    state = PlanState(drill, load_kg=RULES.drills[drill].start_load_kg)
    for _ in range(RULES.advance_sessions):
        d = step(state, clean_session(drill, confidence=9), RULES)
        state = d.state
    if drill == RULES.ladder[-1]:
        assert state.drill == drill
    else:
        assert state.drill == RULES.ladder[RULES.ladder.index(drill) + 1] and d.action == "advance"
