"""BlazePose (mediapipe full, model_complexity=1) finds the rendered athlete in >= 99% of
the frames of every side-view bench clip: the bench is usable by the real pose backend.

Runs in the main .venv (mediapipe 0.10.21 needs numpy < 2), through hingecoach's own pose backend.
"""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BENCH = ROOT / "bench"
MIN_DETECTION_RATE = 0.99

CACHE = ROOT / ".cache" / "tracks"


def _side_clips():
    path = BENCH / "manifest.json"
    if not path.exists():
        return []
    return [c for c in json.loads(path.read_text())["clips"] if c["view"] == "side"]


SIDE = _side_clips()


def detection_rate(video: Path) -> tuple[int, int]:
    """Frames where hingecoach's BlazePose backend found the athlete (the pose track is cached,
    so the bench rep-count tests reuse this one pass of pose estimation)."""
    from hingecoach.evaluation.clips import cached_track

    track = cached_track(video, CACHE, segmentation=False)
    found = int((track.confidence.max(axis=1) > 0).sum())
    return found, track.n_frames


def test_there_are_side_view_clips():
    assert len(SIDE) >= 5


@pytest.mark.parametrize("clip", SIDE, ids=[c["name"] for c in SIDE])
def test_blazepose_detects_athlete(clip):
    found, total = detection_rate(BENCH / clip["video"])
    assert total == clip["frames"]
    assert found / total >= MIN_DETECTION_RATE, f"{clip['name']}: {found}/{total}"
