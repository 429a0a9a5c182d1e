"""Imports refuse values no set can have (whole file, nothing stored), and a workout is known by
its content: the identical file again is skipped, a corrected export replaces the earlier import."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from hingecoach import store
from hingecoach.core.progression import load_rules
from hingecoach.errors import HingeError
from hingecoach.store.imports import ImportedSet, ImportedWorkout

STRONG_HEADER = (
    "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE\n"
)
STRONG_ROWS = [
    "2024-01-15 08:30:00,Hinge day,45m,Romanian Deadlift (Barbell),1,40,8,0,0,,,7",
    "2024-01-15 08:30:00,Hinge day,45m,Bench Press (Barbell),1,50,5,0,0,,,",
    "2024-01-17 18:00:00,Legs,50m,Cable Pull Through,1,15,12,0,0,,,",
]
HEVY_HEADER = (
    '"title","start_time","end_time","description","exercise_title","superset_id","exercise_notes",'
    '"set_index","set_type","weight_kg","reps","distance_km","duration_seconds","rpe"\n'
)
HEVY_ROW = '"Morning","26 Jan 2024, 08:00","26 Jan 2024, 09:00","","Romanian Deadlift (Barbell)",,"",0,"normal",{w},{r},,,{rpe}'


def strong(tmp_path: Path, *rows: str, name: str = "strong.csv") -> Path:
    path = tmp_path / name
    path.write_text(STRONG_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def strong_row(weight: str = "40", reps: str = "8", rpe: str = "7", date: str = "2024-01-18 08:30:00") -> str:
    return f"{date},Hinge day,45m,Romanian Deadlift (Barbell),1,{weight},{reps},0,0,,,{rpe}"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (strong_row(weight="inf"), "line 5: weight is not a finite number ('inf')"),
        (strong_row(weight="nan"), "line 5: weight is not a finite number ('nan')"),
        (strong_row(weight="NaN"), "line 5: weight is not a finite number ('NaN')"),
        (strong_row(weight="1e309"), "line 5: weight is not a finite number ('1e309')"),
        (strong_row(weight="-Infinity"), "line 5: weight is not a finite number"),
        (strong_row(weight="-20"), "line 5: weight cannot be negative ('-20')"),
        (strong_row(weight="1e6"), "line 5: weight '1e6' is implausible (more than 1000 kg)"),
        (strong_row(rpe="99"), "line 5: RPE must be 1 to 10, not '99'"),
        (strong_row(rpe="0"), "line 5: RPE must be 1 to 10"),
        (strong_row(rpe="inf"), "line 5: RPE is not a finite number"),
        (strong_row(reps="100000"), "line 5: reps '100000' is implausible (at most 1000 in a set)"),
        (strong_row(reps="nan"), "line 5: reps is not a finite number"),
        (strong_row(reps="-3"), "line 5: reps must be a whole number"),
    ],
)
def test_strong_refuses_impossible_values_naming_file_line_and_column(tmp_path: Path, row: str, message: str) -> None:
    path = strong(tmp_path, *STRONG_ROWS, row)
    with pytest.raises(HingeError) as caught:
        store.read_workout_csv(path, load_rules())
    text = str(caught.value)
    assert text.startswith(f"{path}, line 5: ") and message in text and "\n" not in text


def test_strong_in_pounds_is_checked_in_kg(tmp_path: Path) -> None:
    ok = STRONG_HEADER.replace("Weight,", "Weight (lbs),")
    path = tmp_path / "lb.csv"
    path.write_text(ok + strong_row(weight="2000") + "\n")  # 907 kg: heavy, possible
    assert store.read_workout_csv(path, load_rules())[0].sets[0].load_kg == pytest.approx(907.18, abs=0.01)
    path.write_text(ok + strong_row(weight="2300") + "\n")  # 1043 kg
    with pytest.raises(HingeError, match="line 2: weight '2300' is implausible"):
        store.read_workout_csv(path, load_rules())


@pytest.mark.parametrize(
    ("w", "r", "rpe", "message"),
    [
        ("inf", "8", "", "line 2: weight_kg is not a finite number ('inf')"),
        ("1e309", "8", "", "line 2: weight_kg is not a finite number"),
        ("-5", "8", "", "line 2: weight_kg cannot be negative"),
        ("60", "8", "99", "line 2: rpe must be 1 to 10, not '99'"),
        ("60", "5000", "", "line 2: reps '5000' is implausible"),
    ],
)
def test_hevy_refuses_impossible_values(tmp_path: Path, w: str, r: str, rpe: str, message: str) -> None:
    path = tmp_path / "hevy.csv"
    path.write_text(HEVY_HEADER + HEVY_ROW.format(w=w, r=r, rpe=rpe) + "\n")
    with pytest.raises(HingeError, match=message.replace("(", r"\(").replace(")", r"\)")) as caught:
        store.read_workout_csv(path, load_rules())
    assert str(caught.value).startswith(str(path))


def test_plausible_edges_are_kept(tmp_path: Path) -> None:
    path = strong(tmp_path, strong_row(weight="0", reps="1000", rpe="10"), strong_row(weight="1000", rpe="1", reps="0"))
    workouts = store.read_workout_csv(path, load_rules())
    assert [(s.load_kg, s.reps, s.rpe) for s in workouts[0].sets] == [(0.0, 1000, 10.0), (1000.0, 0, 1.0)]


def test_a_bad_row_anywhere_stores_nothing_of_the_file(db_url: str, tmp_path: Path) -> None:
    store.add_athlete(db_url, "ana")
    path = strong(tmp_path, *STRONG_ROWS, strong_row(weight="inf", date="2024-02-01 08:00:00"))
    with pytest.raises(HingeError, match="line 5"):
        store.import_workouts(db_url, "ana", store.read_workout_csv(path, load_rules()), "strong")
    assert store.history(db_url, "ana")[1] == []


def test_the_library_refuses_impossible_workouts_from_other_callers(db_url: str) -> None:
    store.add_athlete(db_url, "ana")
    good = ImportedSet("Row", None, 8, 40.0, None, None)
    for bad, message in (
        (ImportedSet("Row", None, 8, math.inf, None, None), "set 2: load is not a finite number"),
        (ImportedSet("Row", None, 8, -1.0, None, None), "set 2: load cannot be negative"),
        (ImportedSet("Row", None, 8, 40.0, 99.0, None), "set 2: RPE must be 1 to 10"),
        (ImportedSet("Row", None, 10**6, 40.0, None, None), "set 2: reps is implausible"),
    ):
        from datetime import UTC, datetime

        w = ImportedWorkout("strong:x", datetime(2024, 1, 1, tzinfo=UTC), "Pull", None, [good, bad])
        with pytest.raises(HingeError, match=message):
            store.import_workouts(db_url, "ana", [w], "strong")
    assert store.history(db_url, "ana")[1] == []


def test_identical_file_is_skipped_and_a_corrected_export_replaces_the_earlier_import(
    db_url: str, tmp_path: Path
) -> None:
    store.add_athlete(db_url, "ana")
    rules = load_rules()
    first = store.import_workouts(db_url, "ana", store.read_workout_csv(strong(tmp_path, *STRONG_ROWS), rules), "strong")
    assert (first.workouts_added, first.workouts_skipped, first.workouts_replaced) == (2, 0, 0)
    ids_before = [s["id"] for s in store.history(db_url, "ana")[1]]

    again = store.import_workouts(db_url, "ana", store.read_workout_csv(strong(tmp_path, *STRONG_ROWS), rules), "strong")
    assert (again.workouts_added, again.workouts_skipped, again.workouts_replaced) == (0, 2, 0)

    # The lifter fixes a typo in Strong (40 → 42.5 kg) and exports again, with one more set.
    corrected = [STRONG_ROWS[0].replace(",40,8,", ",42.5,8,"), STRONG_ROWS[1],
                 "2024-01-15 08:30:00,Hinge day,45m,Bench Press (Barbell),2,50,5,0,0,,,", STRONG_ROWS[2]]
    fixed = store.import_workouts(
        db_url, "ana", store.read_workout_csv(strong(tmp_path, *corrected, name="fixed.csv"), rules), "strong"
    )
    assert (fixed.workouts_added, fixed.workouts_skipped, fixed.workouts_replaced) == (0, 1, 1)
    assert (fixed.drill_sets, fixed.other_sets) == (1, 2)  # the sets of the replaced workout
    name, sessions = store.history(db_url, "ana")
    assert [s["id"] for s in sessions] == ids_before  # replaced in place: no duplicate session
    hinge_day = sessions[0]
    assert [(st["exercise"], st["load_kg"]) for st in hinge_day["sets"]] == [
        ("Romanian Deadlift (Barbell)", 42.5),
        ("Bench Press (Barbell)", 50.0),
        ("Bench Press (Barbell)", 50.0),
    ]
    assert len(store.export_rows(db_url, "ana")) == 4

    # The corrected file again: nothing changes.
    twice = store.import_workouts(
        db_url, "ana", store.read_workout_csv(strong(tmp_path, *corrected, name="fixed.csv"), rules), "strong"
    )
    assert (twice.workouts_added, twice.workouts_skipped, twice.workouts_replaced) == (0, 2, 0)
    name, plan = store.today(db_url, "ana")
    assert plan.action == "start"  # imports never move the progression


def test_the_content_hash_ignores_the_drill_mapping_but_not_the_notes() -> None:
    from datetime import UTC, datetime

    when = datetime(2024, 1, 1, tzinfo=UTC)
    a = ImportedWorkout("r", when, "T", None, [ImportedSet("RDL", "romanian_deadlift", 8, 40.0, 7.0, None)])
    b = ImportedWorkout("r", when, "T", None, [ImportedSet("RDL", None, 8, 40.0, 7.0, None)])
    c = ImportedWorkout("r", when, "T", "sore back", [ImportedSet("RDL", None, 8, 40.0, 7.0, None)])
    assert a.content_sha256 == b.content_sha256 != c.content_sha256
