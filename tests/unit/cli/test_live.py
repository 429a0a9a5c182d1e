"""``hinge live``: bad input is one line and exit 2 before any camera or model starts; the
command's help loads no video, model or speech library (a lean start)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HINGE = [sys.executable, "-m", "hingecoach"]
CLIP = Path(__file__).resolve().parents[3] / "bench" / "clips" / "rdl_good_side.mp4"


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HINGE, *args], capture_output=True, text=True, cwd=cwd, timeout=120,
                          env={**os.environ, **env})


@pytest.mark.parametrize(("args", "message"), [
    (["live"], "--camera N (a webcam) or --video FILE"),
    (["live", "--camera", "0", "--video", "x.mp4"], "--camera N (a webcam) or --video FILE"),
    (["live", "--video", "absent.mp4"], "absent.mp4: no such file"),
    (["live", "--video", "garbage.json"], "garbage.json: not a video"),
    (["live", "--video", "empty.mp4"], "empty.mp4: the file is empty"),
    (["live", "--camera", "9"], "--camera 9: no camera with that index could be opened"),
    (["live", "--camera", "0", "--realtime"], "--realtime paces a --video file"),
    (["live", "--video", str(CLIP), "--drill", "deadlift"], "unknown drill 'deadlift'"),
    (["live", "--video", str(CLIP), "--delay", "-1"], "--delay"),
    (["live", "--video", str(CLIP), "--model", "huge"], "unknown model 'huge'"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "garbage.json").write_text("{ not json")
    (tmp_path / "empty.mp4").write_bytes(b"")
    proc = _run([*args, "--no-window", "--mute"], tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("error:") and message in proc.stderr, proc.stderr


def test_an_unknown_athlete_is_refused_before_the_set(tmp_path: Path) -> None:
    proc = _run(["live", "--video", str(CLIP), "--no-window", "--mute", "--log", "nobody",
                 "--db", str(tmp_path / "hinge.db")], tmp_path, XDG_DATA_HOME=str(tmp_path))
    assert proc.returncode == 2 and "no athlete named 'nobody'" in proc.stderr
    assert "rep 1" not in proc.stdout   # refused before any frame


def _imported(args: list[str], cwd: Path) -> set[str]:
    env = {**os.environ, "HINGE_DEBUG": "1"}
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "hingecoach", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {m.group(1).strip() for m in re.finditer(r"^import time:\s+\d+ \|\s+\d+ \|\s+(.+)$", proc.stderr, re.M)}


@pytest.mark.parametrize("args", [["--help"], ["live", "--help"]])
def test_help_loads_no_video_model_or_speech_library(tmp_path: Path, args: list[str]) -> None:
    loaded = _imported(args, tmp_path)
    assert "hingecoach.cli.live" in loaded
    heavy = ("cv2", "mediapipe", "pyttsx3", "av", "hingecoach.live")
    assert not {m for m in loaded if m.split(".")[0] in heavy or m.startswith("hingecoach.live")}
