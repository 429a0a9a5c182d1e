"""One clip over several workers (hingecoach.pose.chunks): the plan covers the clip once, a
ranged decode gives exactly its frames, and the chunks join into the single pass's frames.

The workers' pose model is replaced by a fake that reads each frame's pixels (in this process,
no spawn), so the join is checked frame by frame for exactness; BlazePose over real chunks in
worker processes is tests/integration/test_parallel_pose.py."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from fakes import cut_in_half, faststart_copy

from hingecoach import pose
from hingecoach.io.video import iter_frames, probe
from hingecoach.pose import FramePose
from hingecoach.pose.chunks import MIN_PARALLEL_S, join_chunks, plan_chunks, pose_chunk, should_split

DEMO = Path(__file__).resolve().parents[3] / "bench" / "clips" / "demo_rdl.mp4"


def test_the_plan_covers_the_clip_once_with_a_warm_up_before_each_edge() -> None:
    chunks = plan_chunks(13.5, jobs=2, chunk_s=4.0, overlap_s=1.5)
    assert len(chunks) == 4
    assert chunks[0].keep_from_s == -math.inf and chunks[-1].keep_to_s == math.inf
    assert chunks[0].start_s is None and chunks[-1].end_s is None
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a.keep_to_s == b.keep_from_s          # no gap, no double
        assert b.start_s == pytest.approx(b.keep_from_s - 1.5)
        assert a.end_s == a.keep_to_s                # a worker stops at its range's end
    assert [c.keep_from_s for c in plan_chunks(60.0, jobs=3, overlap_s=0.0, head_start_s=0.0)[1:]] == [20.0, 40.0]
    # Equal work: the first chunk (this process, no warm-up, no start-up) is longer by both.
    edges = [c.keep_from_s for c in plan_chunks(60.0, jobs=3, overlap_s=1.5, head_start_s=1.0)[1:]] + [60.0]
    assert edges[0] == pytest.approx(edges[1] - edges[0] + 2.5) and edges[2] - edges[1] == pytest.approx(edges[1] - edges[0])
    assert len(plan_chunks(60.0, jobs=1)) == 1


def test_only_long_clips_are_split_unless_forced() -> None:
    info = probe(DEMO)
    assert info.duration_s < MIN_PARALLEL_S
    assert not should_split(info, jobs=4)
    assert should_split(info, jobs=2, chunk_s=3.0)
    assert not should_split(info, jobs=1, chunk_s=3.0)


def test_a_ranged_decode_gives_exactly_the_frames_of_its_range() -> None:
    info = probe(DEMO)
    whole = [(f.index, f.t_s, float(f.rgb.mean())) for f in iter_frames(info)]
    part = [(f.index, f.t_s, float(f.rgb.mean())) for f in iter_frames(info, start_s=9.0, end_s=11.0)]
    expected = [w for w in whole if 9.0 <= w[1] < 11.0]
    assert part == expected                   # seeking (key frame at 8.33 s) loses and changes nothing
    assert list(iter_frames(info, start_s=99.0)) == []


class _PixelPose:
    """A fake backend whose 'keypoints' are the frame's mean colour: a frame's pose depends on
    that frame alone, so a correct join is bit-identical to the single pass."""

    skeleton = "blazepose33"
    model = "pixels"

    def __init__(self, model: str, segmentation: bool = False) -> None:
        from hingecoach.core.track.skeletons import JOINTS

        self.keypoints = tuple(JOINTS)

    def process(self, rgb: np.ndarray, t_s: float) -> FramePose:
        k = len(self.keypoints)
        m = rgb.reshape(-1, 3).mean(axis=0)
        return FramePose(xy=np.tile(m[:2], (k, 1)), confidence=np.full(k, 0.9), world=None, people=1)

    def close(self) -> None:
        pass


def test_the_chunks_join_into_the_single_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(pose._BACKENDS, "mediapipe", _PixelPose)
    info = probe(DEMO)
    single = pose_chunk(info, plan_chunks(info.duration_s, 1)[0])
    parts = [pose_chunk(info, c) for c in plan_chunks(info.duration_s, 2, chunk_s=4.0)]
    assert [len(p.timestamps_s) for p in parts] == [120, 120, 120, 45]
    joined = join_chunks(parts)
    assert np.array_equal(joined["timestamps_s"], single.timestamps_s)
    assert np.array_equal(joined["xy"], single.xy)
    assert [c["from_s"] for c in joined["chunks"]] == [0.0, 4.0, 8.0, 12.0]


def _cut(src: Path, dst: Path) -> Path:
    """The clip remuxed with its index first (so a cut copy still opens), then cut in half."""
    return cut_in_half(faststart_copy(src, dst.with_suffix(".whole.mp4")), dst)


def test_a_range_that_reaches_a_break_says_where_the_video_broke_counting_from_its_start(tmp_path: Path) -> None:
    info = probe(_cut(DEMO, tmp_path / "demo_cut.mp4"))
    whole: list[str] = []
    frames = list(iter_frames(info, warnings=whole))
    part: list[str] = []
    tail = list(iter_frames(info, warnings=part, start_s=3.0))
    assert whole and part == whole                  # the same frame count and time as the single pass
    assert [f.t_s for f in tail] == [f.t_s for f in frames if f.t_s >= 3.0]
