"""Damaged and cut-short videos: the frames before the break are analysed and the analysis (and
the terminal) says where the video broke; a video with no decodable frame is a one-line error."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from fakes import cut_in_half, faststart_copy
from typer.testing import CliRunner

from hingecoach import pose
from hingecoach.core.reps.engine import analyze_track
from hingecoach.errors import HingeError
from hingecoach.io.video import iter_frames, probe
from hingecoach.pose import FramePose

DEMO = Path(__file__).resolve().parents[3] / "bench" / "clips" / "demo_rdl.mp4"
BROKE = re.compile(r"demo_cut\.mp4 is damaged or cut short: decoding stopped after (\d+) of the (\d+) frames its "
                   r"header announces, at (\d+\.\d\d) s")


@pytest.fixture(scope="module")
def cut_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """demo_rdl.mp4 (index first) cut in half: it opens, and decoding breaks in the middle."""
    folder = tmp_path_factory.mktemp("cut")
    return cut_in_half(faststart_copy(DEMO, folder / "demo_fast.mp4"), folder / "demo_cut.mp4")


def test_a_cut_video_yields_its_first_part_and_says_where_it_broke(cut_clip: Path) -> None:
    info = probe(cut_clip)
    warnings: list[str] = []
    frames = list(iter_frames(info, warnings=warnings))
    assert 100 < len(frames) < info.frame_count == 405
    assert [f.index for f in frames] == list(range(len(frames)))
    (warning,) = warnings
    found = BROKE.search(warning)
    assert found, warning
    assert int(found[1]) == len(frames) and int(found[2]) == 405
    assert float(found[3]) == pytest.approx(frames[-1].t_s, abs=0.01)


def test_the_whole_video_gives_no_warning() -> None:
    warnings: list[str] = []
    assert sum(1 for _ in iter_frames(probe(DEMO), warnings=warnings)) == 405
    assert warnings == []


def test_a_video_cut_in_half_without_its_index_is_one_line(tmp_path: Path) -> None:
    """demo_rdl.mp4 keeps its index at the end: its first half cannot be decoded at all."""
    with pytest.raises(HingeError, match="demo_rdl.mp4: not a video|no frame could be decoded") as info:
        probe(cut_in_half(DEMO, tmp_path / "demo_rdl.mp4"))
    assert "\n" not in str(info.value)


class _StillPose:
    """A pose backend that sees the same standing lifter in every frame (no model needed)."""

    skeleton = "blazepose33"
    model = "still"

    def __init__(self, model: str, segmentation: bool = False) -> None:
        from hingecoach.core.track.skeletons import JOINTS

        self.keypoints = tuple(JOINTS)
        self._xy = np.column_stack([np.linspace(300, 340, len(JOINTS)), np.linspace(100, 400, len(JOINTS))])

    def process(self, rgb: np.ndarray, t_s: float) -> FramePose:
        k = len(self.keypoints)
        return FramePose(xy=self._xy.copy(), confidence=np.full(k, 0.9), world=None, people=1)

    def close(self) -> None:
        pass


def test_the_break_reaches_the_analysis_and_the_terminal(cut_clip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The warning goes into the track, the analysis' ``warnings`` (analysis.json) and the lines
    `hinge analyze` prints; the analysis covers the decoded frames."""
    from hingecoach import pipeline
    from hingecoach.cli import app

    monkeypatch.setitem(pose._BACKENDS, "mediapipe", _StillPose)
    track = pipeline.track_from_video(probe(cut_clip))
    analysis, _ = analyze_track(track)
    assert analysis.frames == track.n_frames < 405
    assert any(BROKE.search(w) for w in analysis.warnings), analysis.warnings
    res = CliRunner().invoke(app, ["analyze", str(cut_clip)], terminal_width=400)
    assert res.exit_code == 0, res.output
    assert re.search(r"warning: demo_cut\.mp4 is damaged or cut short", res.stdout), res.stdout
