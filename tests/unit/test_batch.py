"""hingecoach.batch without pose estimation: reading a folder or a manifest, and planning (what
is done, what failed before, what cannot be read)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from hingecoach.batch import FAILED_MARKER, MARKER, finish_clip, plan_batch, read_sources
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


def test_the_plan_skips_what_is_done_for_this_hash_and_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hingecoach.pipeline as pipeline

    hashed: list[str] = []
    real = pipeline.file_sha256
    monkeypatch.setattr(pipeline, "file_sha256", lambda p: hashed.append(Path(p).name) or real(p))
    clips = tmp_path / "clips"
    clips.mkdir()
    (clips / "a.mp4").write_bytes(b"one")
    (clips / "b.mp4").write_bytes(b"two")
    (clips / "notes.txt").write_text("not a video")
    (tmp_path / "m.csv").write_text("path\nclips/a.mp4\nclips/missing.mp4\nclips/a.mp4\n")
    out = tmp_path / "out"
    plan = plan_batch(clips, out, athlete="ana")
    assert [c.path.name for c in plan.todo] == ["a.mp4", "b.mp4"] and plan.todo[0].athlete == "ana"
    assert hashed == [] and plan.todo[0].sha256 is None         # nothing done before: the task hashes
    first = plan.todo[0]
    sha = hashlib.sha256(b"one").hexdigest()
    assert first.out_dir_for(sha) == out / f"a-{sha[:8]}"
    # The task's outcome, as finish_clip writes it: the marker records the file's size and mtime.
    outcome = finish_clip(replace(first, athlete=None), {"doc": {"reps": []}, "sha256": sha, "seconds": 1.0})
    assert outcome.status == "done" and outcome.out_dir == out / f"a-{sha[:8]}", outcome.error
    marker = json.loads((outcome.out_dir / MARKER).read_text())
    assert marker["sha256"] == sha and marker["size"] == 3
    again = plan_batch(clips, out)
    assert [o.path.name for o in again.skipped] == ["a.mp4"] and hashed == []   # known by path, size, mtime
    # Touched (same content): hashed once in the driver, then still done.
    os.utime(clips / "a.mp4", ns=(1, 1))
    assert [o.path.name for o in plan_batch(clips, out).skipped] == ["a.mp4"] and hashed == ["a.mp4"]
    # Changed content: analysed again.
    (clips / "a.mp4").write_bytes(b"ONE")
    plan = plan_batch(clips, out)
    assert [c.path.name for c in plan.todo] == ["a.mp4", "b.mp4"] and plan.todo[0].sha256 is not None
    (clips / "a.mp4").write_bytes(b"one")
    (outcome.out_dir / MARKER).write_text(json.dumps({**marker, "hingecoach": "0.0.0"}))
    assert [c.path.name for c in plan_batch(clips, out).todo] == ["a.mp4", "b.mp4"]   # another version: redo
    plan = plan_batch(tmp_path / "m.csv", out)   # a manifest naming a clip twice: once
    assert [o.path.name for o in plan.failed] == ["missing.mp4"] and "cannot read" in (plan.failed[0].error or "")
    assert [c.path.name for c in plan.todo] == ["a.mp4"]


def test_a_failed_task_is_marked_by_its_digest_and_reported_again(tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    clips.mkdir()
    (clips / "bad.mp4").write_bytes(b"not a video")
    out = tmp_path / "out"
    clip = plan_batch(clips, out).todo[0]
    sha = hashlib.sha256(b"not a video").hexdigest()
    outcome = finish_clip(clip, {"error": "bad.mp4: not a video", "sha256": sha})
    assert outcome.status == "failed" and (out / f"bad-{sha[:8]}" / FAILED_MARKER).is_file()
    plan = plan_batch(clips, out)
    assert not plan.todo and plan.failed[0].before and plan.failed[0].error == "bad.mp4: not a video"
    assert [c.path.name for c in plan_batch(clips, out, retry_failed=True).todo] == ["bad.mp4"]
