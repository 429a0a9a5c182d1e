"""Strong and Hevy CSV imports: drills mapped, other exercises kept, bad files refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from hingecoach import store
from hingecoach.core.progression import load_rules
from hingecoach.errors import HingeError

STRONG_HEADER = (
    "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,"
    "Notes,Workout Notes,RPE\n"
)
STRONG = (
    STRONG_HEADER
    + """2024-01-15 08:30:00,Hinge day,45m,Romanian Deadlift (Barbell),1,40,8,0,0,,,7
2024-01-15 08:30:00,Hinge day,45m,Romanian Deadlift (Barbell),2,40,8,0,0,felt good,,8
2024-01-15 08:30:00,Hinge day,45m,Bench Press (Barbell),1,50,5,0,0,,,
2024-01-17 18:00:00,Legs,50m,Stiff Leg Deadlift,W,20,10,0,0,,,
2024-01-17 18:00:00,Legs,50m,Cable Pull Through,1,15,12,0,0,,,
"""
)

HEVY = """"title","start_time","end_time","description","exercise_title","superset_id","exercise_notes","set_index","set_type","weight_kg","reps","distance_km","duration_seconds","rpe"
"Morning","26 Jan 2024, 08:00","26 Jan 2024, 09:00","","Romanian Deadlift (Barbell)",,"",0,"normal",60,8,,,
"Morning","26 Jan 2024, 08:00","26 Jan 2024, 09:00","","Romanian Deadlift (Dumbbell)",,"",1,"warmup",20,10,,,
"Morning","26 Jan 2024, 08:00","26 Jan 2024, 09:00","","Plank",,"",0,"normal",,,,60,
"""  # noqa: E501


def write(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_strong_export_maps_drills_and_keeps_other_exercises(tmp_path: Path) -> None:
    workouts = store.read_workout_csv(write(tmp_path, STRONG), load_rules())
    assert [w.title for w in workouts] == ["Hinge day", "Legs"]
    assert [(s.exercise, s.drill) for s in workouts[0].sets] == [
        ("Romanian Deadlift (Barbell)", "romanian_deadlift"),
        ("Romanian Deadlift (Barbell)", "romanian_deadlift"),
        ("Bench Press (Barbell)", None),
    ]
    assert [s.drill for s in workouts[1].sets] == ["stiff_legged_deadlift", "cable_pull_through"]
    assert workouts[1].sets[0].notes == "warm-up"
    assert workouts[0].sets[1].rpe == 8.0


def test_strong_weights_in_pounds_are_converted(tmp_path: Path) -> None:
    text = STRONG.replace("Weight,", "Weight (lbs),", 1)
    workouts = store.read_workout_csv(write(tmp_path, text), load_rules())
    assert workouts[0].sets[0].load_kg == pytest.approx(18.14, abs=0.01)


def test_hevy_export_maps_the_barbell_rdl_only(tmp_path: Path) -> None:
    workouts = store.read_workout_csv(write(tmp_path, HEVY), load_rules())
    assert len(workouts) == 1
    assert [(s.drill, s.reps, s.load_kg) for s in workouts[0].sets] == [
        ("romanian_deadlift", 8, 60.0),
        (None, 10, 20.0),
        (None, 0, None),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("a,b,c\n1,2,3\n", "not a Strong or Hevy export"),
        ("Date,Workout Name,Exercise Name,Set Order\n", "missing column 'Reps'"),
        (STRONG.replace(",40,8,", ",forty,8,", 1), "line 2: weight is not a number"),
        (STRONG.replace("2024-01-17 18:00:00", "yesterday", 1), "line 5: cannot read the date"),
        (STRONG.replace(",8,0,0,,,7", ",8.5,0,0,,,7", 1), "line 2: reps must be a whole number"),
        (STRONG + "2024-01-18 18:00:00,Legs,50m,Squat,1,15,12,0,0,,,,extra,extra\n", "line 7: more fields"),
        (HEVY.replace("26 Jan 2024, 08:00", "someday"), "line 2: cannot read the date"),
    ],
)
def test_a_malformed_export_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(HingeError, match=message):
        store.read_workout_csv(write(tmp_path, text), load_rules())


def test_importing_twice_adds_nothing_and_never_moves_the_progression(db_url: str, tmp_path: Path) -> None:
    store.add_athlete(db_url, "ana")
    workouts = store.read_workout_csv(write(tmp_path, STRONG), load_rules())
    first = store.import_workouts(db_url, "ana", workouts, "strong")
    again = store.import_workouts(db_url, "ana", workouts, "strong")
    assert (first.workouts_added, first.drill_sets, first.other_sets) == (2, 4, 1)
    assert (again.workouts_added, again.workouts_skipped) == (0, 2)
    name, plan = store.today(db_url, "ana")
    assert plan.drill == "quadruped_sitback" and plan.action == "start"
    rows = store.export_rows(db_url, "ana")
    assert len(rows) == 5 and {r["source"] for r in rows} == {"strong"}


def test_importing_for_an_unknown_athlete_changes_nothing(db_url: str, tmp_path: Path) -> None:
    store.add_athlete(db_url, "ana")
    workouts = store.read_workout_csv(write(tmp_path, STRONG), load_rules())
    with pytest.raises(HingeError, match="no athlete named 'bo'"):
        store.import_workouts(db_url, "bo", workouts, "strong")
    assert store.export_rows(db_url) == []
