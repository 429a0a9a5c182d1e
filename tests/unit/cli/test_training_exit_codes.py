"""Every training-log command exits non-zero on an error, through the real entry point
(``python -m hingecoach`` → :func:`hingecoach.cli.main`): one line ``error: ...`` on stderr, exit
code 2, nothing stored. (In-process CliRunner tests do not go through ``main()``, which is where
an exit code was once dropped.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hingecoach import store


def hinge(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HINGE_DB", "HINGE_ATHLETE", "HINGE_DEBUG")}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    return subprocess.run(
        [sys.executable, "-m", "hingecoach", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "hinge.db")
    store.add_athlete(path, "ana")
    store.dispose_engines()
    return path


def sessions(db: str) -> int:
    try:
        return len(store.history(db, "ana")[1])
    finally:
        store.dispose_engines()


BAD_CSV = (
    "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE\n"
    "2024-01-15 08:30:00,Hinge,45m,Romanian Deadlift (Barbell),1,40,8,0,0,,,7\n"
    "2024-01-16 08:30:00,Hinge,45m,Romanian Deadlift (Barbell),1,inf,8,0,0,,,7\n"
)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["today", "nobody"], "no athlete named 'nobody'"),
        (["log", "nobody", "--reps", "5", "--clean", "5"], "no athlete named 'nobody'"),
        (["log", "ana", "--reps", "5", "--clean", "5", "--load", "inf"], "the load is not a finite number"),
        (["athlete", "add", "ana"], "already an athlete named 'ana'"),
        (["history", "nobody"], "no athlete named 'nobody'"),
        (["export", "ana"], "choose one format"),
        (["import", "ana", "workouts.csv"], "workouts.csv, line 3: weight is not a finite number ('inf')"),
    ],
    ids=["today", "log-athlete", "log-load", "athlete-add", "history", "export", "import"],
)
def test_a_failing_command_exits_2_with_one_line(tmp_path: Path, db: str, args: list[str], message: str) -> None:
    (tmp_path / "workouts.csv").write_text(BAD_CSV)
    done = hinge(tmp_path, *args, "--db", db)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], done.stderr
    assert "Traceback" not in done.stderr
    assert sessions(db) == 0


def test_athlete_list_on_an_unusable_database_exits_2(tmp_path: Path) -> None:
    done = hinge(tmp_path, "athlete", "list", "--db", str(tmp_path / "no" / "such" / "folder" / "h.db"))
    assert done.returncode == 2 and done.stderr.startswith("error: "), done.stderr
    assert "does not exist" in done.stderr


def test_a_working_command_exits_0(tmp_path: Path, db: str) -> None:
    done = hinge(tmp_path, "today", "ana", "--db", db)
    assert done.returncode == 0, done.stderr
    assert "Quadruped sitback" in done.stdout


def test_hinge_db_from_the_environment_fails_the_same_way(tmp_path: Path, db: str) -> None:
    """`HINGE_DB=... hinge today nobody; echo $?` prints 2."""
    env = {k: v for k, v in os.environ.items() if k not in ("HINGE_ATHLETE", "HINGE_DEBUG")}
    env.update(HINGE_DB=db, XDG_DATA_HOME=str(tmp_path / "xdg"))
    done = subprocess.run(
        [sys.executable, "-m", "hingecoach", "today", "nobody"], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 2 and "no athlete named 'nobody'" in done.stderr
