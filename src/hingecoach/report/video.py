"""The annotated video: stream the source frames, draw on them, encode H.264 (yuv420p) with PyAV.

Pipeline position: source video + report model → **annotated video** (``annotated.mp4``). One
pass, one frame in memory at a time (decoding stays a few frames ahead in its own thread): the
output has the source's frame count and frame rate (the stream's exact rational rate), in the
analysed frame size, so the track's pixel coordinates land on the lifter. The same pass hands
chosen raw frames to a visitor (the report's keyframes), so the video is decoded once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from hingecoach.errors import HingeError
from hingecoach.io.video import iter_frames, probe
from hingecoach.report.annotators import FrameState, annotate, video_annotators
from hingecoach.report.model import ReportModel

#: x264 quality (lower = better, 23 is its default) and speed preset: small files, fast encode.
X264_CRF = "23"
X264_PRESET = "veryfast"

#: visitor(frame_index, rgb) for frames the caller asked for (the raw, unannotated frame).
FrameVisitor = Callable[[int, np.ndarray], None]


@dataclass(frozen=True)
class RenderStats:
    """What a pass over the video did."""

    frames: int  # decoded (and drawn and encoded, with an output)
    seconds: float  # wall time of the pass

    @property
    def fps(self) -> float:
        """Frames processed per second of wall time."""
        return self.frames / self.seconds if self.seconds > 0 else 0.0


def source_rate(path: Path) -> Fraction:
    """The source video's frame rate as an exact fraction (e.g. 30000/1001)."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    except (av.error.FFmpegError, IndexError):
        raise HingeError(f"{path.name}: not a video hingecoach can read") from None
    if not rate:
        raise HingeError(f"{path.name}: the video has no usable frame rate")
    return Fraction(rate)


def _even(frame: np.ndarray) -> np.ndarray:
    """Pad an odd width or height by one edge pixel (yuv420p needs even sizes)."""
    h, w = frame.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return frame
    return np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")


def render_video(source: Path, model: ReportModel, out_path: Path | None, *,
                 visit: FrameVisitor | None = None, visit_frames: Collection[int] = ()) -> RenderStats:
    """Write the annotated video to ``out_path`` (or only visit frames when it is None).

    ``visit`` is called with the raw frame for each index in ``visit_frames``; without an output
    the pass stops after the last of them.
    """
    info = probe(source)
    wanted = set(visit_frames)
    last_wanted = max(wanted) if wanted else -1
    annotators = video_annotators()
    started = time.perf_counter()
    n = 0
    container = None
    stream = None
    tmp = None
    try:
        if out_path is not None:
            tmp = out_path.with_name(out_path.stem + ".part" + out_path.suffix)
            # faststart: the index goes first, so a browser can play it before it has it all.
            container = av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"})
            stream = container.add_stream("libx264", rate=source_rate(source))
            stream.pix_fmt = "yuv420p"
            stream.options = {"crf": X264_CRF, "preset": X264_PRESET}
        for frame in iter_frames(info):
            i = frame.index
            rgb = frame.rgb
            if visit is not None and i in wanted:
                visit(i, rgb.copy())
            if container is None or stream is None:
                n += 1
                if i >= last_wanted:
                    break
                continue
            if n == 0:
                h, w = _even(rgb).shape[:2]
                stream.width, stream.height = w, h
            drawn = _even(annotate(np.ascontiguousarray(rgb), FrameState(i, model), annotators))
            vf = av.VideoFrame.from_ndarray(drawn, format="rgb24")
            vf.pts = i
            vf.time_base = stream.codec_context.time_base or (1 / Fraction(stream.average_rate or 1))
            container.mux(stream.encode(vf))
            n += 1
        if container is not None and stream is not None:
            container.mux(stream.encode(None))
    except av.error.FFmpegError as exc:
        raise HingeError(f"could not write the annotated video ({exc.__class__.__name__})") from None
    finally:
        if container is not None:
            container.close()
    if tmp is not None and out_path is not None:
        if n == 0:
            tmp.unlink(missing_ok=True)
            raise HingeError(f"{source.name}: no frame could be decoded")
        tmp.replace(out_path)
    return RenderStats(frames=n, seconds=time.perf_counter() - started)
