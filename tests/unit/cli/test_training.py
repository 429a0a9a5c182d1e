"""The training-log commands through typer: output shapes, --json, files, and one-line errors
with exit code 2 that leave the database unchanged. (SQLite; the PostgreSQL flow is in
tests/store/test_store_flow_cli.py.)"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import cli_runs
import pytest
import typer
from sqlalchemy import create_engine, text

from hingecoach import store
from hingecoach.cli.training import register

app = typer.Typer()


@app.callback()
def _root() -> None:
    """hinge (test app: only the training-log commands)."""


register(app)

ANALYSIS = {
    "schema_version": "1.0",
    "source": {"path": "clip.mp4", "kind": "video", "sha256": "00" * 32},
    "drill": {"id": None, "confidence": 0.2, "source": "none"},
    "reps": [
        {"index": i, "metrics": {"hip_flexion_peak_deg": 118.0}, "faults": [], "clean": True}
        for i in range(1, 9)
    ],
    "recommendation": None,
}
STRONG = (
    "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE\n"  # noqa: E501
    "2024-01-15 08:30:00,Hinge,45m,Romanian Deadlift (Barbell),1,40,8,0,0,,,7\n"
    "2024-01-15 08:30:00,Hinge,45m,Leg Press,1,100,10,0,0,,,\n"
)


# db: a fresh log with the athlete ana (conftest.py); ok and fails run a command on it (tests/cli_runs.py).
ok, fails = partial(cli_runs.ok, app), partial(cli_runs.fails, app)


def sessions(db: str) -> int:
    return len(store.history(db, "ana")[1])


def test_athlete_add_and_list(db: str) -> None:
    ok(db, "athlete", "add", "bo")
    assert [a["name"] for a in json.loads(ok(db, "athlete", "list", "--json"))] == ["ana", "bo"]
    assert "bo" in ok(db, "athlete", "list")


def test_today_shows_drill_sets_reps_range_cues_and_why(db: str) -> None:
    out = ok(db, "today")  # the only athlete is the default
    assert "Quadruped sitback" in out and "3 × 10" in out and "range: full range" in out
    assert "•" in out and "why: Because" in out


def test_log_by_hand_prints_the_decision(db: str) -> None:
    out = ok(db, "log", "ana", "--reps", "10", "--clean", "6", "--fault", "rounded_back:safety", "--rpe", "7")
    assert "6/10 clean (60%)" in out and "Because rounded_back (safety) appeared" in out
    data = json.loads(ok(db, "log", "ana", "--reps", "10", "--clean", "10", "--json"))
    assert data["decision"]["action"] == "reintroduce" and data["plan"]["range_limit_deg"] is None


def test_log_from_an_analysis_needs_a_drill_when_it_has_none(db: str, tmp_path: Path) -> None:
    path = tmp_path / "analysis.json"
    path.write_text(json.dumps(ANALYSIS))
    assert "does not say which drill" in fails(db, "log", "ana", "--from", str(path))
    out = ok(db, "log", "ana", "--from", str(path), "--drill", "quadruped_sitback")
    assert "8/8 clean" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON (line 1"),
        ('{"schema_version": "1.0", "reps": [{"clean": "yes"}]}', r"reps[0].clean must be true or false"),
        ('{"schema_version": "7.0", "reps": []}', "schema_version '7.0' is not supported"),
        (None, "cannot read"),
    ],
)
def test_a_malformed_analysis_file_is_one_line_and_changes_nothing(
    db: str, tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "analysis.json"
    if content is not None:
        path.write_text(content)
    assert message in fails(db, "log", "ana", "--from", str(path), "--drill", "quadruped_sitback")
    assert sessions(db) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["log", "zoe", "--reps", "5", "--clean", "5"], "no athlete named 'zoe'"),
        (["log", "ana", "--reps", "5"], "--clean N"),
        (["log", "ana", "--reps", "5", "--clean", "6"], "more than the 5 reps"),
        (["log", "ana", "--reps", "5", "--clean", "5", "--drill", "deadlift"], "unknown drill 'deadlift'"),
        (["log", "ana", "--reps", "5", "--clean", "5", "--confidence", "11"], "confidence is rated 1 to 10"),
        (["log", "ana", "--reps", "5", "--clean", "5", "--fault", "x:fatal"], "SEVERITY one of"),
        (["log", "ana", "--reps", "5", "--clean", "5", "--date", "last tuesday"], "cannot read the date"),
        (["today", "zoe"], "no athlete named 'zoe'"),
        (["history", "zoe"], "no athlete named 'zoe'"),
        (["athlete", "add", "ana"], "already an athlete named 'ana'"),
        (["export", "ana"], "choose one format"),
        (["export", "ana", "--csv", "--out", "/no/such/folder/x.csv"], "cannot write /no/such/folder/x.csv"),
        (["history", "ana", "--chart", "/no/such/folder/x.png"], "cannot write the chart to /no/such/folder/x.png"),
        (["import", "ana", "/no/such/file.csv"], "cannot read /no/such/file.csv"),
        (["athlete", "add", " "], "the athlete needs a name"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_changes_nothing(db: str, args: list[str], message: str) -> None:
    assert message in fails(db, *args)
    assert sessions(db) == 0


def test_a_database_from_a_newer_version_is_refused(db: str) -> None:
    store.dispose_engines()
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    engine.dispose()
    assert "newer hingecoach" in fails(db, "today", "ana")
    assert "newer hingecoach" in fails(db, "log", "ana", "--reps", "5", "--clean", "5")


def test_history_table_json_and_chart(db: str, tmp_path: Path) -> None:
    ok(db, "log", "ana", "--reps", "10", "--clean", "9", "--confidence", "8")
    ok(db, "log", "ana", "--exercise", "Plank", "--reps", "1")
    chart = tmp_path / "history.png"
    out = ok(db, "history", "ana", "--chart", str(chart))
    assert "Quadruped" in out and "Plank" in out and "1: Because" in out
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(ok(db, "history", "ana", "--json", "--limit", "1"))
    assert [s["sets"][0]["exercise"] for s in data["sessions"]] == ["Plank"]
    assert data["sessions"][0]["decision"]["action"] == "unchanged"


def test_export_csv_and_json(db: str, tmp_path: Path) -> None:
    ok(db, "log", "ana", "--sets", "2", "--reps", "10", "--clean", "15")
    csv_text = ok(db, "export", "ana", "--csv")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("athlete,session_id,performed_at") and len(lines) == 3
    assert ",10,10,100.0," in lines[1] and ",10,5,50.0," in lines[2]
    out = tmp_path / "log.json"
    ok(db, "export", "--json", "--all", "--out", str(out))
    data = json.loads(out.read_text())
    assert data[0]["athlete"] == "ana" and data[0]["plan"]["drill"] == "quadruped_sitback"


def test_import_strong_then_malformed_csv_changes_nothing(db: str, tmp_path: Path) -> None:
    path = tmp_path / "strong.csv"
    path.write_text(STRONG)
    out = ok(db, "import", "ana", str(path))
    assert "imported 1 workouts for ana (1 drill sets, 1 sets of other exercises)" in out
    bad = tmp_path / "bad.csv"
    bad.write_text(STRONG + "2024-01-16 08:30:00,Hinge,45m,Leg Press,1,heavy,10,0,0,,,\n")
    assert "line 4: weight is not a number" in fails(db, "import", "ana", str(bad))
    assert "no athlete named 'zoe'" in fails(db, "import", "zoe", str(path))
    assert sessions(db) == 1
    data = json.loads(ok(db, "import", "ana", str(path), "--json"))
    assert data["workouts_skipped"] == 1


def test_every_command_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "training-log.md").read_text()
    for command in (
        "hinge athlete add",
        "hinge athlete list",
        "hinge today",
        "hinge log",
        "hinge history",
        "hinge export",
        "hinge import",
        "--from",
        "--chart",
        "--db",
        "HINGE_DB",
        "--json",
    ):
        assert command in doc, command
