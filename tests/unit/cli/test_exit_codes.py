"""Every command's exit status on error (the training-log commands: test_training_exit_codes.py):
2 and one line on stderr for bad input or usage, never a traceback, never 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HINGE = [sys.executable, "-m", "hingecoach"]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HINGE, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.mark.parametrize(("args", "message"), [
    (["nosuch"], "No such command"),
    (["analyze", "absent.mp4"], "absent.mp4: no such file"),
    (["analyze", "garbage.json"], "garbage.json"),
    (["analyze", "garbage.json", "--model", "huge"], "garbage.json"),
    (["analyze", "absent.mp4", "--fps", "nope"], "--fps"),
    (["report", "garbage.json"], "garbage.json"),
    (["report", "absent.json"], "absent.json"),
    (["eval", "--labels", "absent.csv", "--bench", "nowhere"], "nothing to evaluate"),
    (["back", "real", "--labels", "absent.csv"], "absent.csv"),
    (["back", "calibrate", "--gt-dir", "nowhere"], "nowhere: no such folder"),
    (["back", "calibrate", "--gt-dir", "."], "no rendered rep with a ground truth"),
    (["back", "cost", "absent.mp4"], "absent.mp4: no such file"),
    (["bench", "--clip", "absent.mp4"], "absent.mp4: no such file"),
    (["bench", "--repeats", "0"], "--repeats"),
])
def test_an_error_exits_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "garbage.json").write_text("{ not json")
    proc = _run(args, tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert lines and lines[-1].startswith("error:") and message in proc.stderr


def test_success_exits_0_and_help_says_what_exit_codes_mean(tmp_path: Path) -> None:
    assert _run(["version"], tmp_path).returncode == 0
    helped = _run(["--help"], tmp_path)
    assert helped.returncode == 0 and "Exit codes" in helped.stdout
