"""``hinge analyze --reference``: a set read against the lifter's neutral set, from a keypoint
file or from its analysis.json; one-line errors for what cannot serve as one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement

HINGE = [sys.executable, "-m", "hingecoach"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HINGE, *args], capture_output=True, text=True, timeout=300)


def _set(path: Path, seed: int, **knobs: float) -> Path:
    movement = hinge_movement(n_reps=4, knee_deg=20.0, depth_deg=80.0, **knobs)
    return fake_hinge_track(movement, noise_px=1.5, seed=seed).save(path)


def _rep_faults(doc: dict) -> list[list[str]]:
    return [[f["id"] for f in r["faults"]] for r in doc["reps"]]


def test_a_subtle_squat_is_found_against_the_neutral_set_from_a_file_or_its_analysis(tmp_path):
    neutral = _set(tmp_path / "neutral.npz", seed=3)
    squat = _set(tmp_path / "squat.npz", seed=11, knee_extra_deg=25.0)
    plain = run("analyze", str(squat), "--drill", "romanian_deadlift", "--json")
    assert plain.returncode == 0, plain.stderr
    assert not any("knee_dominant" in f for f in _rep_faults(json.loads(plain.stdout)))
    against = run("analyze", str(squat), "--reference", str(neutral), "--drill", "romanian_deadlift", "--json")
    assert against.returncode == 0, against.stderr
    doc = json.loads(against.stdout)
    assert all("knee_dominant" in f for f in _rep_faults(doc))
    assert doc["provenance"]["reference"]["path"] == str(neutral)
    assert doc["provenance"]["reference"]["measures"]["knee_dominant"]["reps"] == 4
    # the neutral set's analysis.json (an --out folder) serves as well, without its pose again
    out = tmp_path / "neutral-out"
    wrote = run("analyze", str(neutral), "--drill", "romanian_deadlift", "--out", str(out), "--no-video",
                "--no-plots", "--no-html")
    assert wrote.returncode == 0, wrote.stderr
    again = run("analyze", str(squat), "--reference", str(out), "--json")
    assert again.returncode == 0, again.stderr
    doc2 = json.loads(again.stdout)
    assert doc2["drill"]["id"] == "romanian_deadlift"         # the neutral set's drill
    assert _rep_faults(doc2) == _rep_faults(doc)
    # the terminal and the report say what the set was read against
    told = run("analyze", str(squat), "--reference", str(out), "--out", str(tmp_path / "squat-out"), "--no-video",
               "--no-plots")
    assert told.returncode == 0, told.stderr
    assert "Read against the neutral set" in " ".join(told.stdout.split())
    page = (tmp_path / "squat-out" / "report.html").read_text()
    assert 'id="reference-summary"' in page and "(4 reps)" in page


def test_what_cannot_be_a_neutral_set_is_one_line_and_exit_2(tmp_path):
    squat = _set(tmp_path / "squat.npz", seed=11, knee_extra_deg=25.0)
    missing = run("analyze", str(squat), "--reference", str(tmp_path / "nope.npz"))
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"schema_version": "1", "reps": []}))
    no_reps = run("analyze", str(squat), "--reference", str(empty))
    for proc in (missing, no_reps):
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr


def test_the_athletes_logged_neutral_set_is_what_later_sets_of_the_drill_are_read_against(tmp_path):
    db = f"sqlite:///{tmp_path / 'log.db'}"
    neutral = _set(tmp_path / "neutral.npz", seed=3)
    squat = _set(tmp_path / "squat.npz", seed=11, knee_extra_deg=25.0)
    assert run("athlete", "add", "ana", "--db", db).returncode == 0
    before = run("analyze", str(squat), "--drill", "romanian_deadlift", "--log", "ana", "--db", db, "--json")
    assert before.returncode == 0, before.stderr
    assert "reference" not in json.loads(before.stdout)["provenance"]     # no neutral set logged yet
    marked = run("analyze", str(neutral), "--drill", "romanian_deadlift", "--log", "ana", "--neutral", "--db", db)
    assert marked.returncode == 0, marked.stderr
    after = run("analyze", str(squat), "--drill", "romanian_deadlift", "--log", "ana", "--db", db, "--json")
    assert after.returncode == 0, after.stderr
    doc = json.loads(after.stdout)
    assert "logged_set" in doc["provenance"]["reference"]
    assert all("knee_dominant" in f for f in _rep_faults(doc))
    told = run("analyze", str(squat), "--drill", "romanian_deadlift", "--log", "ana", "--db", db)
    assert "Read against the neutral set logged" in " ".join(told.stdout.split())


def test_neutral_needs_the_log_and_goes_without_reference(tmp_path):
    neutral = _set(tmp_path / "neutral.npz", seed=3)
    alone = run("analyze", str(neutral), "--neutral")
    both = run("analyze", str(neutral), "--neutral", "--log", "ana", "--reference", str(neutral),
               "--db", f"sqlite:///{tmp_path / 'log.db'}")
    for proc, said in ((alone, "add --log NAME"), (both, "do not go together")):
        assert proc.returncode == 2 and said in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
