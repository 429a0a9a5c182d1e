"""The library behind ``hinge log`` (:func:`hingecoach.store.log_workout`), the clean-rep split,
and accessory sets: every drill the recogniser can return can be logged; the hinge family is
kept in the history and export and never moves the ladder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes import make_analysis

from hingecoach import store
from hingecoach.core.drills import load_drills
from hingecoach.core.progression import load_rules, split_clean_reps
from hingecoach.errors import HingeError

FAMILY = ("kettlebell_deadlift", "kettlebell_swing", "barbell_deadlift", "good_morning")


@pytest.mark.parametrize(
    ("sets", "reps", "clean", "split"),
    [(3, 10, 27, [10, 10, 7]), (1, 5, 5, [5]), (2, 8, 0, [0, 0]), (3, 10, None, [None, None, None]), (2, 0, 0, [0, 0])],
)
def test_clean_reps_fill_the_sets_in_order(sets: int, reps: int, clean: int | None, split: list[int | None]) -> None:
    assert split_clean_reps(sets, reps, clean) == split


@pytest.mark.parametrize(
    ("sets", "reps", "clean", "message"),
    [(2, 5, 11, "--clean 11 is more than the 10 reps logged"), (1, 5, -1, "cannot be negative"), (0, 5, 0, "cannot log 0 sets")],
)
def test_an_impossible_split_is_a_hinge_error(sets: int, reps: int, clean: int, message: str) -> None:
    with pytest.raises(HingeError, match=message):
        split_clean_reps(sets, reps, clean)


def test_every_drill_the_recogniser_knows_is_loggable() -> None:
    rules = load_rules()
    for drill_id, drill in load_drills().items():
        expected = rules.drills[drill_id].name if drill_id in rules.drills else drill.name
        assert rules.loggable(drill_id) == expected
    assert set(rules.accessories) == set(FAMILY)
    assert not any(rules.is_accessory(d) for d in rules.ladder) and not rules.is_accessory(None)
    with pytest.raises(HingeError, match="unknown drill 'rdl'; the drills are: quadruped_sitback"):
        rules.loggable("rdl")


def test_log_workout_by_hand_splits_the_clean_reps_and_puts_faults_on_the_last_set(db_url: str) -> None:
    store.add_athlete(db_url, "ana")
    logged = store.log_workout(
        db_url, None, store.LogRequest(sets=3, reps=10, clean=27, confidence=8, faults=(("rounded_back", "minor"),))
    )
    assert [s.clean_reps for s in logged.sets] == [10, 10, 7]
    assert [s.faults for s in logged.sets] == [[], [], [("rounded_back", "minor")]]
    assert (logged.what, logged.total_reps, logged.clean_reps, logged.next_drill_name) == (
        "Quadruped sitback", 30, 27, "Quadruped sitback"
    )
    assert logged.result.athlete == "ana" and logged.result.decision.explanation.startswith("Because")
    rows = store.export_rows(db_url, "ana")
    assert [r["clean_reps"] for r in rows] == [10, 10, 7] and rows[2]["faults"] == "rounded_back:minor"


def test_log_workout_from_analysis_files(db_url: str, tmp_path: Path) -> None:
    store.add_athlete(db_url, "ana")
    paths = []
    for i, drill in enumerate(("quadruped_sitback", "kettlebell_swing")):
        path = tmp_path / f"a{i}.json"
        path.write_text(json.dumps(make_analysis(drill, [115.0] * 8)))
        paths.append(path)
    logged = store.log_workout(db_url, "ana", store.LogRequest(analysis_files=tuple(paths), load_kg=12.0))
    assert [s.drill for s in logged.sets] == ["quadruped_sitback", "kettlebell_swing"]
    assert logged.what == "Quadruped sitback" and logged.clean_reps == 16
    with pytest.raises(HingeError, match="leave out --reps"):
        store.log_workout(db_url, "ana", store.LogRequest(analysis_files=tuple(paths), reps=5))
    assert len(store.history(db_url, "ana")[1]) == 1


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (store.LogRequest(), "give --reps"),
        (store.LogRequest(reps=5), "--clean N"),
        (store.LogRequest(reps=5, clean=6), "more than the 5 reps"),
        (store.LogRequest(reps=5, clean=5, drill="deadlift"), "unknown drill 'deadlift'"),
        (store.LogRequest(reps=5, clean=5, load_kg=float("inf")), "the load is not a finite number"),
    ],
)
def test_a_bad_request_writes_nothing(db_url: str, request_: store.LogRequest, message: str) -> None:
    store.add_athlete(db_url, "ana")
    with pytest.raises(HingeError, match=message):
        store.log_workout(db_url, "ana", request_)
    assert store.history(db_url, "ana")[1] == []


@pytest.mark.parametrize("drill", FAMILY)
def test_log_analysis_stores_a_hinge_family_set_as_an_accessory(db_url: str, drill: str) -> None:
    """`hinge analyze FILE --log NAME` on a set recognised as a hinge-family drill."""
    store.add_athlete(db_url, "ana")
    result = store.log_analysis(db_url, "ana", make_analysis(drill, [70.0] * 8))
    assert result.decision.action == "unchanged"
    assert "an accessory drill off the ladder" in result.decision.explanation
    assert result.plan.drill == "quadruped_sitback"
    name, sessions = store.history(db_url, "ana")
    st = sessions[0]["sets"][0]
    assert (st["drill"], st["accessory"], st["reps"], st["clean_reps"]) == (drill, True, 8, 8)
    assert store.export_rows(db_url, "ana")[0]["drill"] == drill


def test_accessory_sessions_neither_count_towards_nor_break_the_ladder(db_url: str) -> None:
    store.add_athlete(db_url, "ana")
    for _ in range(2):
        store.log_session(db_url, "ana", [store.NewSet("quadruped_sitback", 10, 10, confidence=8)])
        store.log_analysis(db_url, "ana", make_analysis("kettlebell_swing", [70.0] * 8))
    result = store.log_session(db_url, "ana", [store.NewSet("quadruped_sitback", 10, 10, confidence=8)])
    assert result.decision.action == "advance"  # the 3 sitback sessions, swings in between
    name, sessions = store.history(db_url, "ana")
    assert [s["decision"]["action"] for s in sessions] == ["stay", "unchanged", "stay", "unchanged", "advance"]


def test_a_neutral_back_works_for_an_accessory_drill(db_url: str) -> None:
    store.add_athlete(db_url, "ana")
    doc = make_analysis("kettlebell_deadlift", [70.0] * 4)
    for rep in doc["reps"]:
        rep["metrics"]["back_outline_bend_deg"] = 5.0
    store.log_analysis(db_url, "ana", doc, back_neutral=True)
    assert store.back_reference_drills(db_url, "ana") == {"kettlebell_deadlift"}
    ref = store.back_reference(db_url, "ana", "kettlebell_deadlift")
    assert ref is not None and ref.bends == [5.0] * 4
