"""Done means: a new athlete goes, on the command line, from `hinge today` through logged
sessions up the whole ladder, every decision explained — on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from fakes import make_analysis
from typer.testing import CliRunner

from hingecoach.cli.training import register

app = typer.Typer()


@app.callback()
def _root() -> None:
    """hinge (test app: only the training-log commands)."""


register(app)
runner = CliRunner()


def hinge(db: str, *args: str) -> str:
    result = runner.invoke(app, [*args, "--db", db])
    assert result.exit_code == 0, f"hinge {' '.join(args)} failed: {result.output}"
    return result.stdout


def today(db: str) -> dict[str, object]:
    return json.loads(hinge(db, "today", "ana", "--json"))


def log_analysis_file(db: str, tmp_path: Path, name: str, *extra: str, **analysis: object) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(make_analysis(**analysis)))  # type: ignore[arg-type]
    out = hinge(db, "log", "ana", "--from", str(path), *extra)
    assert "Because" in out
    return out


def test_a_new_athlete_climbs_the_whole_ladder_with_every_decision_explained(
    db_url: str, tmp_path: Path
) -> None:
    hinge(db_url, "athlete", "add", "ana")
    plan = today(db_url)
    assert (plan["drill"], plan["action"]) == ("quadruped_sitback", "start")
    assert "Because you have no sessions" in str(plan["explanation"])

    # Quadruped sitback, logged by hand: 3 sets x 10, 27 clean, confident.
    for _ in range(3):
        out = hinge(db_url, "log", "ana", "--sets", "3", "--reps", "10", "--clean", "27", "--confidence", "8")
        assert "Because" in out
    assert "move to Tall-kneeling banded hip distraction" in out
    assert today(db_url)["drill"] == "tall_kneeling_hip_hinge"

    # Tall-kneeling hinge, from analyses at full depth.
    for i in range(3):
        out = log_analysis_file(
            db_url, tmp_path, f"tk{i}", drill="tall_kneeling_hip_hinge", depths_deg=[70.0] * 10
        )
    assert today(db_url)["drill"] == "cable_pull_through"

    # Cable pull-through: a form fault at 75 deg shortens the range, clean work brings it back.
    out = log_analysis_file(
        db_url,
        tmp_path,
        "c0",
        drill="cable_pull_through",
        depths_deg=[80.0] * 9 + [75.0],
        faults={9: [("lumbar_flexion", "form")]},
    )
    assert "shorten the range to 70°" in out
    plan = today(db_url)
    assert (plan["drill"], plan["range_limit_deg"]) == ("cable_pull_through", 70.0)
    out = log_analysis_file(db_url, tmp_path, "c1", drill="cable_pull_through", depths_deg=[70.0] * 10)
    assert "reintroduce 10° of range: go to 80° next time" in out
    # The pull-through's full range is 85° (drills data): one more clean step reaches it.
    out = log_analysis_file(db_url, tmp_path, "c1b", drill="cable_pull_through", depths_deg=[80.0] * 10)
    assert "go back to full range" in out
    assert today(db_url)["range_limit_deg"] is None
    for i in range(3):
        log_analysis_file(
            db_url,
            tmp_path,
            f"c{i + 2}",
            "--confidence",
            "9",
            drill="cable_pull_through",
            depths_deg=[85.0] * 10,
        )
    plan = today(db_url)
    assert (plan["drill"], plan["load_kg"]) == ("romanian_deadlift", 20.0)

    # Romanian deadlift: the drill comes from the analysis; load goes up in small steps.
    loads = []
    for i in range(3):
        load = str(today(db_url)["load_kg"])
        loads.append(load)
        log_analysis_file(db_url, tmp_path, f"r{i}", "--load", load, depths_deg=[90.0] * 8)
    assert loads == ["20.0", "22.5", "25.0"]
    plan = today(db_url)
    assert (plan["drill"], plan["action"], plan["load_kg"]) == ("stiff_legged_deadlift", "advance", 20.0)
    assert str(plan["explanation"]).startswith("Because your last 3 sessions of Romanian deadlift")

    text = hinge(db_url, "today", "ana")
    assert "Stiff-legged deadlift" in text and "3 × 8 at 20 kg" in text

    history = json.loads(hinge(db_url, "history", "ana", "--json"))
    decisions = [s["decision"] for s in history["sessions"]]
    assert len(decisions) == 15
    assert all(d["explanation"].startswith("Because") for d in decisions)
    assert [d["action"] for d in decisions].count("advance") == 4
