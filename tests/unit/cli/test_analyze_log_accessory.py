"""`hinge analyze FILE --log NAME` on a hinge-family set (here forced with --drill, as the
recogniser would return it): logged as an accessory set, exit 0, the ladder unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement


def test_a_kettlebell_swing_set_is_logged_from_analyze(tmp_path: Path) -> None:
    track = fake_hinge_track(hinge_movement(n_reps=3)).save(tmp_path / "set.npz")
    env = {k: v for k, v in os.environ.items() if k not in ("HINGE_ATHLETE", "HINGE_DEBUG")}
    env.update(HINGE_DB=str(tmp_path / "hinge.db"), XDG_DATA_HOME=str(tmp_path / "xdg"))

    def hinge(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "hingecoach", *args], capture_output=True, text=True,
                              env=env, timeout=300)

    assert hinge("athlete", "add", "ana").returncode == 0
    done = hinge("analyze", str(track), "--drill", "kettlebell_swing", "--log", "ana")
    assert done.returncode == 0, done.stderr
    assert "unknown drill" not in done.stderr and "accessory drill" in done.stdout
    history = json.loads(hinge("history", "ana", "--json").stdout)
    (s,) = history["sessions"]
    assert (s["source"], s["sets"][0]["drill"], s["sets"][0]["accessory"]) == ("analysis", "kettlebell_swing", True)
    assert json.loads(hinge("today", "ana", "--json").stdout)["drill"] == "quadruped_sitback"
