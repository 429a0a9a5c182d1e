"""hingecoach.batch without pose estimation: reading a folder or a manifest, and planning (what
is done, what failed before, what cannot be read)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hingecoach import __version__
from hingecoach.batch import MARKER, plan_batch, read_sources
from hingecoach.errors import HingeError


def test_a_manifest_reads_paths_from_its_folder_and_an_athlete_column(tmp_path: Path) -> None:
    (tmp_path / "a.mp4").write_bytes(b"x")
    (tmp_path / "clips.csv").write_text("path,athlete\na.mp4,ana\n/abs/b.mov,\n")
    assert read_sources(tmp_path / "clips.csv") == [(tmp_path / "a.mp4", "ana"), (Path("/abs/b.mov"), None)]
    (tmp_path / "bad.csv").write_text("file\na.mp4\n")
    with pytest.raises(HingeError, match="needs a 'path' column"):
        read_sources(tmp_path / "bad.csv")
    with pytest.raises(HingeError, match="no such folder or manifest"):
        read_sources(tmp_path / "nothing")


def test_the_plan_skips_what_is_done_for_this_hash_and_version(tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    clips.mkdir()
    (clips / "a.mp4").write_bytes(b"one")
    (clips / "b.mp4").write_bytes(b"two")
    (clips / "notes.txt").write_text("not a video")
    (tmp_path / "m.csv").write_text("path\nclips/a.mp4\nclips/missing.mp4\n")
    out = tmp_path / "out"
    plan = plan_batch(clips, out, athlete="ana")
    assert [c.path.name for c in plan.todo] == ["a.mp4", "b.mp4"] and plan.todo[0].athlete == "ana"
    first = plan.todo[0]
    assert first.out_dir == out / f"a-{first.sha256[:8]}"
    first.out_dir.mkdir(parents=True)
    (first.out_dir / "analysis.json").write_text("{}")
    (first.out_dir / MARKER).write_text(json.dumps({"sha256": first.sha256, "hingecoach": __version__}))
    assert [o.path.name for o in plan_batch(clips, out).skipped] == ["a.mp4"]
    (first.out_dir / MARKER).write_text(json.dumps({"sha256": first.sha256, "hingecoach": "0.0.0"}))
    assert [c.path.name for c in plan_batch(clips, out).todo] == ["a.mp4", "b.mp4"]   # another version: redo
    plan = plan_batch(tmp_path / "m.csv", out)
    assert [o.path.name for o in plan.failed] == ["missing.mp4"] and "cannot read" in (plan.failed[0].error or "")
