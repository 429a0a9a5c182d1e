"""NaN and inf in a track (joints not found, a broken file) print no NumPy/SciPy RuntimeWarning:
`hinge analyze` and `hinge report` say what they have to say and nothing else on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np

from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement
from hingecoach.core.track.pose_track import PoseTrack


def holey_track() -> PoseTrack:
    """Three reps with holes: frames with no joint, inf and -inf coordinates, NaN confidences,
    the ankles never found."""
    track = fake_hinge_track(hinge_movement(n_reps=3))
    xy, conf = track.xy.copy(), track.confidence.copy()
    index = {n: i for i, n in enumerate(track.keypoints)}
    xy[10:20] = np.nan
    xy[30, 3] = np.inf
    xy[40:45, :, 0] = -np.inf
    xy[200:203, index["left_knee"]] = np.inf
    conf[50:60] = np.nan
    for side in ("left", "right"):
        xy[:, index[f"{side}_ankle"]] = np.nan
    return track.with_step("holes", xy=xy, confidence=conf)


def _hinge(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "always::RuntimeWarning"}  # every warning would print
    return subprocess.run([sys.executable, "-m", "hingecoach", *args], capture_output=True, text=True,
                          timeout=300, env=env)


def test_analyze_and_report_print_no_runtime_warning(tmp_path: Path) -> None:
    path = holey_track().save(tmp_path / "holes.npz")
    out = tmp_path / "out"
    runs = {"analyze --out": _hinge("analyze", str(path), "--out", str(out))}
    runs["report"] = _hinge("report", str(out / "analysis.json"), "--no-video")
    runs["analyze --json"] = _hinge("analyze", str(path), "--json")
    for name, res in runs.items():
        assert res.returncode == 0, (name, res.stderr)
        assert "RuntimeWarning" not in res.stderr and "RuntimeWarning" not in res.stdout, (name, res.stderr)
    assert json.loads(runs["analyze --json"].stdout)["reps"]


def test_report_functions_raise_no_runtime_warning(tmp_path: Path) -> None:
    """In the library as well: the report of a holey track warns about nothing numeric."""
    from hingecoach.core.reps.engine import analyze_track
    from hingecoach.io.keypoint_files import read_track
    from hingecoach.pipeline import Result, write_outputs
    from hingecoach.report import rebuild_report, write_report

    track = read_track(holey_track().save(tmp_path / "holes.npz"))  # as a file is read: inf → missing
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        analysis, tf = analyze_track(track)
        result = Result(analysis=analysis, features=tf, track=track, timings_s={})
        write_outputs(result, tmp_path / "out")
        write_report(result, tmp_path / "out", video=False)
        rebuild_report(tmp_path / "out" / "analysis.json", video=False)
    numeric = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert not numeric, numeric
