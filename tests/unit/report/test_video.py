"""The annotated video: plays in browsers (H.264 yuv420p), keeps the source's frames and rate,
and shows the cue banner exactly where a fault happened."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from fakes import RATE, SIZE, Written

from hingecoach.report.annotators import SEVERITY_RGB


def _decode(path: Path) -> tuple[Fraction, str, str, list[np.ndarray]]:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(s)]
        return Fraction(s.average_rate), s.codec_context.name, s.codec_context.pix_fmt, frames


def test_video_keeps_frame_count_and_exact_rate(written: Written) -> None:
    """Same number of frames and the same rational frame rate as the source; H.264 in yuv420p."""
    src_rate, _, _, src = _decode(written.video)
    rate, codec, pix_fmt, out = _decode(written.paths["video"])
    assert len(out) == len(src) == written.result.track.n_frames
    assert rate == src_rate == RATE
    assert (codec, pix_fmt) == ("h264", "yuv420p")
    assert out[0].shape[:2] == (SIZE[1], SIZE[0])


def test_banner_only_during_the_fault(written: Written) -> None:
    """The bottom strip takes the fault's severity colour inside its frames, not in a clean rep."""
    _, _, _, frames = _decode(written.paths["video"])
    fault = written.result.analysis.reps[1].faults[0]
    clean_bottom = written.result.analysis.reps[0].bottom_frame
    colour = np.array(SEVERITY_RGB[fault.severity], float)

    def strip_distance(i: int) -> float:
        strip = frames[i][-8:, :, :].reshape(-1, 3).astype(float)
        return float(np.median(np.linalg.norm(strip - colour, axis=1)))

    assert strip_distance(fault.frames[0] + 2) < 60.0
    assert strip_distance(clean_bottom) > 120.0


def test_overlays_are_drawn(written: Written) -> None:
    """The annotated frame differs from the source where the overlays are (counter, range bar)."""
    _, _, _, src = _decode(written.video)
    _, _, _, out = _decode(written.paths["video"])
    i = written.result.analysis.reps[0].bottom_frame
    diff = np.abs(out[i].astype(int) - src[i].astype(int)).sum(axis=2)
    h, w = diff.shape
    assert diff[: h // 6, : w // 3].mean() > 20, "the rep counter panel is missing"
    assert diff[h // 4: 2 * h // 3, -w // 8:].mean() > 20, "the range bar is missing"
