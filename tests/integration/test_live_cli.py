"""``hinge live --video FILE --realtime`` on bench clips gives the offline result: the same reps
and the same coached faults per rep as ``hinge analyze FILE --json`` — in the final analysis and
in the events said during the set.

Both run BlazePose over the clip (in subprocesses, as a user would); the live loop feeds the
decoded frames at the file's own rate through the same estimator, one frame at a time, into a
:class:`~hingecoach.core.live.LiveSession` on the file's frame rate. Clips: a fault on every rep
(knees forward), and a fault on the first two reps only with the third clean (incomplete
lockout), so a per-rep mix-up shows.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from hingecoach import store
from hingecoach.io.video import probe

BENCH = Path(__file__).resolve().parents[2] / "bench" / "clips"
HINGE = [sys.executable, "-m", "hingecoach"]


def _hinge(*args: str, cwd: Path) -> str:
    proc = subprocess.run([*HINGE, *args], capture_output=True, text=True, cwd=cwd, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _faults(doc: dict[str, Any]) -> list[list[str]]:
    return [sorted(f["id"] for f in r["faults"]) for r in doc["reps"]]


@pytest.mark.parametrize("clip", ["rdl_knees_forward_side", "sldl_incomplete_lockout_side"])
def test_live_from_a_video_in_real_time_gives_the_offline_result(clip: str, tmp_path: Path) -> None:
    video = BENCH / f"{clip}.mp4"
    truth = json.loads((BENCH / f"{clip}.gt.json").read_text())
    offline = json.loads(_hinge("analyze", str(video), "--json", cwd=tmp_path))

    db = str(tmp_path / "hinge.db")
    store.add_athlete(db, "ana")
    started = time.perf_counter()
    live = json.loads(_hinge("live", "--video", str(video), "--realtime", "--no-window", "--mute", "--countdown", "0",
                             "--json", "--out", str(tmp_path / "out"), "--log", "ana", "--db", db, cwd=tmp_path))
    wall = time.perf_counter() - started
    assert wall >= 0.95 * probe(video).duration_s          # paced at the file's own rate

    # The final analysis: the offline one, rep for rep.
    assert len(live["reps"]) == len(offline["reps"]) == len(truth["reps"])
    assert _faults(live) == _faults(offline)
    assert any(_faults(offline))                            # the clip has a coached fault
    assert live["drill"]["id"] == offline["drill"]["id"]
    for a, b in zip(live["reps"], offline["reps"], strict=True):
        assert (a["start_frame"], a["bottom_frame"], a["end_frame"]) == (b["start_frame"], b["bottom_frame"], b["end_frame"])
        assert a["metrics"] == b["metrics"]                 # the same landmarks, so the same numbers
    assert live["recommendation"] == offline["recommendation"]

    # What was said during the set: each rep counted as it ended, its faults (primary first).
    events = [json.loads(line) for line in (tmp_path / "out" / "events.jsonl").read_text().splitlines()]
    assert [e["count"] for e in events if e["type"] == "rep"] == list(range(1, len(offline["reps"]) + 1))
    said: dict[int, list[str]] = {}
    for e in events:
        if e["type"] == "fault":
            said.setdefault(e["rep"], []).append(e["fault"])
    assert [sorted(said.get(i + 1, [])) for i in range(len(offline["reps"]))] == _faults(offline)
    assert events[-1]["type"] == "summary" and events[-1]["reps"] == len(offline["reps"])
    assert (tmp_path / "out" / "analysis.json").is_file() and (tmp_path / "out" / "track.npz").is_file()
    # and the report `hinge analyze --out` writes, the annotated video included
    assert {"report.html", "annotated.mp4", "angles.png"} <= {p.name for p in (tmp_path / "out").iterdir()}

    # --log stored the set as `hinge analyze --log` does.
    _, sessions = store.history(db, "ana")
    assert len(sessions) == 1
    store.dispose_engines()


def test_live_reads_the_set_against_a_neutral_set_as_analyze_does(tmp_path: Path) -> None:
    neutral, video = BENCH / "rdl_good_side.mp4", BENCH / "rdl_knees_forward_side.mp4"
    _hinge("analyze", str(neutral), "--drill", "romanian_deadlift", "--out", str(tmp_path / "neutral"), "--no-video",
           "--no-plots", "--no-html", cwd=tmp_path)
    ref = str(tmp_path / "neutral")
    offline = json.loads(_hinge("analyze", str(video), "--reference", ref, "--json", cwd=tmp_path))
    live = json.loads(_hinge("live", "--video", str(video), "--no-window", "--mute", "--countdown", "0", "--json",
                             "--reference", ref, cwd=tmp_path))
    assert live["provenance"]["reference"]["path"].endswith("analysis.json")
    assert live["provenance"]["reference"]["measures"] == offline["provenance"]["reference"]["measures"]
    assert _faults(live) == _faults(offline) and any(_faults(offline))
