"""H.264 mp4 writing with PyAV's bundled libx264, fixed settings so output is bit-for-bit
reproducible (one encoder thread, bitexact muxing, no timestamps from the clock)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


class VideoWriter:
    def __init__(self, path: Path, width: int, height: int, fps: float, crf: int = 23):
        from fractions import Fraction

        import av

        self.container: Any = av.open(str(path), mode="w", options={"fflags": "+bitexact"})
        self.stream: Any = self.container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        self.stream.width, self.stream.height = width, height
        self.stream.pix_fmt = "yuv420p"
        self.stream.codec_context.thread_count = 1
        self.stream.options = {"crf": str(crf), "preset": "medium", "threads": "1", "x264-params": "threads=1:sliced-threads=0"}
        self._av = av

    def write(self, frame_rgb: np.ndarray) -> None:
        frame = self._av.VideoFrame.from_ndarray(frame_rgb, format="rgb24")
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def close(self) -> None:
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()


def read_frames(path: Path) -> list[np.ndarray]:
    """Decode every frame as RGB (used by the tests)."""
    import av

    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
