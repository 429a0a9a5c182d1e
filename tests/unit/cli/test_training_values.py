"""The training-log commands and impossible numbers: an import with one is refused whole (exit 2,
one line naming file, line and column); a hand log with one is refused; the JSON export is strict
JSON even when the database holds a non-finite number; a corrected re-export replaces the old
import. And the hinge-family drills (accessory sets) can be logged from an analysis or by hand."""

from __future__ import annotations

import json
import math
from functools import partial
from pathlib import Path
from typing import Any

import cli_runs
import pytest
from fakes import make_analysis
from sqlalchemy import select
from typer.testing import CliRunner

from hingecoach import store
from hingecoach.cli import app
from hingecoach.store.db import run_in_transaction
from hingecoach.store.models import AnalysisRecord, SetRecord

runner = CliRunner()

STRONG = (
    "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE\n"
    "2024-01-15 08:30:00,Hinge,45m,Romanian Deadlift (Barbell),1,40,8,0,0,,,7\n"
    "2024-01-15 08:30:00,Hinge,45m,Leg Press,1,100,10,0,0,,,\n"
    "2024-01-17 08:30:00,Legs,45m,Leg Press,1,100,10,0,0,,,\n"
)


# db: a fresh log with the athlete ana (conftest.py); ok and fails run a command on it (tests/cli_runs.py).
ok, fails = partial(cli_runs.ok, app), partial(cli_runs.fails, app)


def sessions(db: str) -> list[dict[str, Any]]:
    return store.history(db, "ana")[1]


def strict(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(
    ("weight", "rpe", "reps", "column"),
    [("inf", "7", "8", "weight"), ("nan", "7", "8", "weight"), ("1e309", "7", "8", "weight"),
     ("-40", "7", "8", "weight"), ("40", "99", "8", "RPE"), ("40", "7", "99999", "reps")],
)
def test_an_import_with_an_impossible_value_is_refused_whole(
    db: str, tmp_path: Path, weight: str, rpe: str, reps: str, column: str
) -> None:
    path = tmp_path / "strong.csv"
    path.write_text(STRONG + f"2024-01-19 08:30:00,Hinge,45m,Romanian Deadlift (Barbell),1,{weight},{reps},0,0,,,{rpe}\n")
    line = fails(db, "import", "ana", str(path))
    assert line.startswith(f"error: {path}, line 5: {column} ")
    assert sessions(db) == []  # nothing of the file, not even its good workouts


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--load", "inf"], "the load is not a finite number"),
        (["--load", "nan"], "the load is not a finite number"),
        (["--load", "-5"], "the load cannot be negative"),
        (["--load", "5000"], "the load is implausible"),
        (["--rpe", "nan"], "RPE is 1 to 10"),
        (["--confidence", "inf"], "confidence is rated 1 to 10"),
        (["--range-deg", "nan"], "the range limit is degrees of hip flexion"),
        (["--reps", "100000"], "reps is implausible"),
    ],
)
def test_a_hand_log_with_an_impossible_value_is_refused(db: str, args: list[str], message: str) -> None:
    base = ["log", "ana", "--clean", "5"]
    if "--reps" not in args:
        base += ["--reps", "5"]
    assert message in fails(db, *base, *args)
    assert sessions(db) == []


def test_the_json_export_is_strict_even_over_non_finite_stored_values(db: str, tmp_path: Path) -> None:
    analysis = tmp_path / "analysis.json"
    analysis.write_text(json.dumps(make_analysis("quadruped_sitback", [110.0] * 8)))
    ok(db, "log", "ana", "--from", str(analysis))

    def poison(session: Any) -> None:  # what an older hingecoach, or a hand-edited database, may hold
        record = session.scalars(select(SetRecord)).one()
        record.load_kg = math.inf
        record.rpe = math.nan
        doc = session.scalars(select(AnalysisRecord)).one()
        doc.document = {**doc.document, "extra": [math.nan, -math.inf, 1.5]}

    run_in_transaction(db, poison)
    out = tmp_path / "log.json"
    ok(db, "export", "ana", "--json", "--out", str(out))
    text = out.read_text()
    assert "Infinity" not in text and "NaN" not in text
    data = strict(text)
    first = data[0]["sessions"][0]["sets"][0]
    assert first["load_kg"] is None and first["rpe"] is None
    assert first["analysis"]["extra"] == [None, None, 1.5]
    assert strict(ok(db, "export", "ana", "--json"))[0]["athlete"] == "ana"
    assert strict(ok(db, "history", "ana", "--json"))["sessions"][0]["sets"][0]["load_kg"] is None
    row = ok(db, "export", "ana", "--csv").splitlines()[1]
    assert "inf" not in row and "nan" not in row


def test_a_corrected_export_replaces_the_earlier_import(db: str, tmp_path: Path) -> None:
    path = tmp_path / "strong.csv"
    path.write_text(STRONG)
    assert "imported 2 workouts" in ok(db, "import", "ana", str(path))
    assert "imported 0 workouts" in ok(db, "import", "ana", str(path))  # the same file: skipped
    path.write_text(STRONG.replace(",40,8,", ",45,8,"))
    out = ok(db, "import", "ana", str(path))
    assert "imported 0 workouts" in out and "1 already there; 1 replaced their earlier import" in out
    loads = [st["load_kg"] for s in sessions(db) for st in s["sets"]]
    assert loads == [45.0, 100.0, 100.0]
    data = json.loads(ok(db, "import", "ana", str(path), "--json"))
    assert (data["workouts_skipped"], data["workouts_replaced"]) == (2, 0)


@pytest.mark.parametrize("drill", ["kettlebell_swing", "kettlebell_deadlift", "barbell_deadlift", "good_morning"])
def test_a_hinge_family_set_is_logged_as_an_accessory(db: str, tmp_path: Path, drill: str) -> None:
    analysis = tmp_path / "analysis.json"
    analysis.write_text(json.dumps(make_analysis(drill, [70.0] * 6)))
    out = ok(db, "log", "ana", "--from", str(analysis))
    assert "6/6 clean" in out and "an accessory drill off the ladder, the plan stays: Quadruped sitback" in out
    assert "next: Quadruped sitback" in out
    wide = runner.invoke(app, ["history", "ana", "--db", db], env={"COLUMNS": "200"})
    assert wide.exit_code == 0 and "(accessory)" in wide.stdout, wide.output
    data = strict(ok(db, "export", "ana", "--json"))
    st = data[0]["sessions"][0]["sets"][0]
    assert (st["drill"], st["accessory"], st["reps"]) == (drill, True, 6)
    assert f",{drill}," in ok(db, "export", "ana", "--csv")
    assert json.loads(ok(db, "today", "ana", "--json"))["drill"] == "quadruped_sitback"


def test_an_accessory_by_hand_needs_no_clean_count(db: str) -> None:
    out = ok(db, "log", "ana", "--drill", "kettlebell_swing", "--sets", "3", "--reps", "15", "--load", "16")
    assert "logged session 1 for ana: Kettlebell swing, 3 × 15" in out and "clean" not in out.splitlines()[0]
    assert "unknown drill 'kb_swing'" in fails(db, "log", "ana", "--drill", "kb_swing", "--reps", "5")
    assert "accessory drills (logged, off the ladder): " in fails(db, "log", "ana", "--drill", "kb", "--reps", "5")
