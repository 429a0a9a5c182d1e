"""A lean start: `hinge --help` and `hinge analyze FILE --json` import only what they need —
no plotting, report, database or video-writing library (each costs start-up time)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement

HEAVY = ("matplotlib", "sqlalchemy", "alembic", "jinja2", "hingecoach.report", "hingecoach.store", "fastapi")


def _imported(args: list[str], cwd: Path) -> set[str]:
    env = {**os.environ, "HINGE_DEBUG": "1"}  # keeps stderr, where -X importtime writes
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "hingecoach", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {m.group(1).strip() for m in re.finditer(r"^import time:\s+\d+ \|\s+\d+ \|\s+(.+)$", proc.stderr, re.M)}


def test_help_imports_no_heavy_library(tmp_path: Path) -> None:
    loaded = _imported(["--help"], tmp_path)
    assert "hingecoach.cli" in loaded
    assert not {m for m in loaded if m.startswith(HEAVY)}


def test_analyze_json_imports_no_report_database_or_plotting(tmp_path: Path) -> None:
    fake_hinge_track(hinge_movement(n_reps=2)).save(tmp_path / "set.npz")
    loaded = _imported(["analyze", "set.npz", "--json"], tmp_path)
    assert "hingecoach.core.coach.coaching" in loaded
    assert not {m for m in loaded if m.startswith(HEAVY)}
