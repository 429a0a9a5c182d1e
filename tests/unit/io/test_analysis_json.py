"""analysis.json in and out (hingecoach.io.analysis_json): strict JSON on the way out (a
non-finite number is null, never NaN or Infinity), one-line errors naming the file and the field
on the way in, for the training log's reader and the report's alike."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from hingecoach.core.numeric import strict_json
from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.results import Analysis, Finding, RepResult
from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement
from hingecoach.errors import HingeError
from hingecoach.io.analysis_json import (
    analysis_document,
    analysis_json,
    check_document,
    read_analysis_file,
    read_report_document,
    write_analysis,
)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"non-strict JSON constant {name}")


def strict_loads(text: str) -> Any:
    """``json.loads`` that fails on NaN, Infinity and -Infinity."""
    return json.loads(text, parse_constant=_refuse_constant)


def _nonfinite_analysis() -> Analysis:
    """An analysis with NaN and ±inf wherever a number goes: metrics, times, fps, faults,
    recommendation, provenance (as NumPy scalars too)."""
    rep = RepResult(index=1, start_s=math.nan, bottom_s=math.inf, end_s=-math.inf, start_frame=0, bottom_frame=5,
                    end_frame=9, metrics={"hip_flexion_peak_deg": math.nan, "down_s": math.inf,
                                          "up_s": np.float64("nan"), "knee_travel_leg": 0.1},
                    faults=[Finding(id="knee_rebend", value=math.inf, threshold=math.nan, unit="deg", frames=(2, 4),
                                    confidence=np.float32("nan"), cue="Knees still.")])
    return Analysis(source={"path": "x.npz", "kind": "keypoints", "analysed_scale": math.nan}, fps=math.nan,
                    frames=10, view={"label": "side", "confidence": math.inf}, facing="right", reps=[rep],
                    recommendation={"primary_cue": "Knees still.", "range": {"limit_deg": math.nan,
                                                                            "achieved_deg": np.float64("inf")}},
                    provenance={"timings": np.array([1.0, math.nan])},
                    experimental=[{"rep": 1, "id": "rounded_back", "value": math.nan}])


def test_written_analysis_is_strict_json(tmp_path: Path) -> None:
    """NaN/inf in metrics, timestamps, faults and the rest: analysis.json, analysis_json()
    (what `hinge analyze --json` prints) and strict_json() are all strict JSON, non-finite as null."""
    analysis = _nonfinite_analysis()
    path = write_analysis(analysis, tmp_path / "analysis.json")
    for text in (path.read_text(encoding="utf-8"), analysis_json(analysis), strict_json(analysis.to_dict())):
        assert "NaN" not in text and "Infinity" not in text
        doc = strict_loads(text)
        rep = doc["reps"][0]
        assert rep["start_s"] is None and rep["bottom_s"] is None and rep["end_s"] is None
        assert rep["metrics"] == {"hip_flexion_peak_deg": None, "down_s": None, "up_s": None, "knee_travel_leg": 0.1}
        assert rep["faults"][0]["value"] is None and rep["faults"][0]["confidence"] is None
        assert doc["fps"] is None and doc["duration_s"] is None
        assert doc["recommendation"]["range"] == {"limit_deg": None, "achieved_deg": None}
        assert doc["provenance"]["timings"] == [1.0, None]
    assert analysis_document(analysis) == strict_loads(analysis_json(analysis))
    assert not list(tmp_path.glob("*.tmp")), "the temporary file is renamed into place"


def test_hinge_analyze_json_prints_strict_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`hinge analyze --json` prints null where the analysis holds NaN or inf."""
    import hingecoach.pipeline as pipeline
    from hingecoach.cli import app

    track = fake_hinge_track(hinge_movement(n_reps=2))
    real, tf = analyze_track(track)
    real.reps[0].start_s = math.nan
    real.reps[0].metrics["hip_flexion_peak_deg"] = math.inf
    monkeypatch.setattr(pipeline, "analyze_path",
                        lambda *a, **k: pipeline.Result(analysis=real, features=tf, track=track, timings_s={}))
    res = CliRunner().invoke(app, ["analyze", str(tmp_path / "set.npz"), "--json"])
    assert res.exit_code == 0, res.output
    doc = strict_loads(res.stdout)
    assert doc["reps"][0]["start_s"] is None and doc["reps"][0]["metrics"]["hip_flexion_peak_deg"] is None


def test_a_written_analysis_reads_back(tmp_path: Path) -> None:
    """What write_analysis writes, both readers read (the report's unchanged but for nulls)."""
    track = fake_hinge_track(hinge_movement(n_reps=3))
    analysis, _ = analyze_track(track)
    path = write_analysis(analysis, tmp_path / "analysis.json")
    doc = read_report_document(path)
    assert doc == check_document(analysis_document(analysis))
    assert [r["index"] for r in doc["reps"]] == [1, 2, 3] and doc["frames"] == track.n_frames
    assert len(read_analysis_file(path).reps) == 3


def test_nan_written_by_older_versions_reads_as_null(tmp_path: Path) -> None:
    """``NaN``/``Infinity`` literals (an old `hinge analyze --json > file`) read as missing values."""
    track = fake_hinge_track(hinge_movement(n_reps=2))
    analysis, _ = analyze_track(track)
    doc = analysis_document(analysis)
    doc["reps"][0]["metrics"]["down_s"] = math.nan
    doc["reps"][1]["start_s"] = math.inf
    path = tmp_path / "analysis.json"
    path.write_text(json.dumps(doc))  # allow_nan: NaN and Infinity in the text
    assert "NaN" in path.read_text()
    read = read_report_document(path)
    assert read["reps"][0]["metrics"]["down_s"] is None and read["reps"][1]["start_s"] is None
    assert read_analysis_file(path).reps[0].metrics["down_s"] is None


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000,
                                  '{"schema_version": "1.0", "reps": ' + "[" * 50_000 + "]" * 50_000 + "}"])
def test_deep_nesting_is_one_line_for_both_readers(tmp_path: Path, text: str) -> None:
    path = tmp_path / "analysis.json"
    path.write_text(text)
    for read in (read_report_document, read_analysis_file):
        with pytest.raises(HingeError, match="nested too deeply") as info:
            read(path)
        assert str(path) in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(("value", "message"), [
    ("10" * 300, "out of range"),       # a 600-digit integer: float() would overflow
    ("1e400", "finite number"),         # parses as inf
    ('"85"', "must be a number"),
])
def test_training_log_reader_refuses_huge_and_wrong_numbers(tmp_path: Path, value: str, message: str) -> None:
    path = tmp_path / "analysis.json"
    path.write_text('{"schema_version": "1.0", "reps": [{"clean": true, "metrics": '
                    '{"hip_flexion_peak_deg": ' + value + "}}]}")
    with pytest.raises(HingeError, match=message) as info:
        read_analysis_file(path)
    assert "reps[0].metrics.hip_flexion_peak_deg" in str(info.value) and str(path) in str(info.value)


def test_unreadable_files_are_one_line(tmp_path: Path) -> None:
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    cases = {tmp_path / "absent.json": "cannot read", binary: "not a text file"}
    for path, message in cases.items():
        for read in (read_report_document, read_analysis_file):
            with pytest.raises(HingeError, match=message) as info:
                read(path)
            assert "\n" not in str(info.value)
