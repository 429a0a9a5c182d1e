"""The compared sets: read as saved (never analysed again), and clear messages otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hingecoach.comparison.sources import LOGGED_SET, load_set
from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement
from hingecoach.errors import HingeError
from hingecoach.io.analysis_json import write_analysis


@pytest.fixture()
def out_folder(tmp_path: Path) -> Path:
    track = fake_hinge_track(hinge_movement())
    analysis, _ = analyze_track(track)
    folder = tmp_path / "week1"
    folder.mkdir()
    write_analysis(analysis, folder / "analysis.json")
    track.save(folder / "track.npz")
    return folder


def test_an_out_folder_and_its_analysis_json(out_folder: Path) -> None:
    for spec in (out_folder, out_folder / "analysis.json"):
        s = load_set(str(spec))
        assert s.kind == "analysis" and s.label == "week1" and s.features is not None and s.result is None
        assert s.video is None          # a generated track: drawn on a plain canvas
        assert s.signals() is not None and len(s.doc["reps"]) == 3


def test_without_track_npz_the_numbers_only(out_folder: Path) -> None:
    (out_folder / "track.npz").unlink()
    s = load_set(str(out_folder))
    assert s.features is None and s.signals() is None and "no track.npz" in str(s.no_track)


def test_clear_messages(tmp_path: Path, out_folder: Path) -> None:
    with pytest.raises(HingeError, match="no such file, folder or logged set"):
        load_set(str(tmp_path / "nothing.mp4"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(HingeError, match="a folder without analysis.json"):
        load_set(str(tmp_path / "empty"))
    doc = json.loads((out_folder / "analysis.json").read_text())
    doc["schema_version"] = "9.0"
    (out_folder / "analysis.json").write_text(json.dumps(doc))
    with pytest.raises(HingeError, match="schema"):
        load_set(str(out_folder))


def test_logged_set_names() -> None:
    m = LOGGED_SET.match("ana@2026-11-02#2")
    assert m and (m["athlete"], m["date"], m["n"]) == ("ana", "2026-11-02", "2")
    m = LOGGED_SET.match("Ana Lima@2026-11-02")
    assert m and m["athlete"] == "Ana Lima" and m["n"] is None
    assert LOGGED_SET.match("ana@02-11-2026") is None
