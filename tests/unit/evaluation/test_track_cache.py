"""The pose-track cache that the tests and ``hinge eval`` share (``cached_track``): keyed by the
clip's content, backend, model, mediapipe version and the silhouette flag; written atomically;
a damaged entry is computed again. Pose estimation itself is replaced by a stub here."""

from __future__ import annotations

import hashlib
import importlib.metadata
from pathlib import Path

import pytest
from fakes import hinge_clip_track

from hingecoach.evaluation import clips as scoring


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, bool]]:
    """Each pose-estimation run the cache asks for: (file name, model, segmentation)."""
    calls: list[tuple[str, str, bool]] = []

    def load_any(path: Path, model: str = "full", segmentation: bool = False, **_: object):
        calls.append((Path(path).name, model, segmentation))
        return hinge_clip_track(), 0.0

    monkeypatch.setattr(scoring, "load_any", load_any)
    return calls


def test_key_is_content_backend_model_version_and_silhouette(tmp_path: Path, runs: list) -> None:
    clip = tmp_path / "set.mp4"
    clip.write_bytes(b"not really a video")
    cache = tmp_path / "cache"
    scoring.cached_track(clip, cache)
    scoring.cached_track(clip, cache, segmentation=False)
    sha = hashlib.sha1(clip.read_bytes()).hexdigest()[:16]
    mp = importlib.metadata.version("mediapipe")
    assert sorted(p.name for p in cache.iterdir()) == [f"set-{sha}-mediapipe-full-mp{mp}-seg.npz",
                                                       f"set-{sha}-mediapipe-full-mp{mp}.npz"]
    again = scoring.cached_track(clip, cache)
    assert len(runs) == 2 and again.n_frames == hinge_clip_track().n_frames
    clip.write_bytes(b"another video")  # new content, new entry
    scoring.cached_track(clip, cache)
    assert len(runs) == 3 and len(list(cache.iterdir())) == 3


def test_a_damaged_entry_is_computed_again_and_nothing_half_written_stays(tmp_path: Path, runs: list) -> None:
    clip = tmp_path / "set.mp4"
    clip.write_bytes(b"x")
    cache = tmp_path / "cache"
    scoring.cached_track(clip, cache)
    (entry,) = cache.iterdir()
    entry.write_bytes(entry.read_bytes()[:100])  # as a crash half-way through a plain write would leave it
    assert scoring.cached_track(clip, cache).n_frames == hinge_clip_track().n_frames
    assert len(runs) == 2 and [p.name for p in cache.iterdir()] == [entry.name]
