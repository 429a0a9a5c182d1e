"""Video reading: probe a file, then stream its frames (never the whole video in memory).

Decoding uses PyAV (FFmpeg in its wheel); it runs in a background thread that stays a few frames ahead of the consumer, so
decoding overlaps pose inference (both release the GIL in native code).
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from hingecoach.errors import HingeError

#: Frames larger than this (pixels on the long side) are downscaled before pose estimation.
MAX_LONG_SIDE_PX = 1280
#: Anything above this is refused outright (a corrupt header or an absurd file).
REFUSE_LONG_SIDE_PX = 16384
VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg"}


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video."""

    path: Path
    fps: float
    frame_count: int
    width: int
    height: int
    #: Counter-clockwise turn (0, 90, 180, 270) that the container's display matrix asks for
    #: (phones store portrait video as landscape pictures plus this); ``width`` and ``height``
    #: are the picture as displayed, after the turn.
    rotation_ccw_deg: int = 0
    #: ``frame_count`` is the container's own count (an index, as in MP4), not an estimate from
    #: the duration: a decode that ends well before it was cut short.
    count_exact: bool = False

    @property
    def quarter_turns(self) -> int:
        """The display rotation in counter-clockwise quarter turns (``np.rot90``'s ``k``)."""
        return (self.rotation_ccw_deg // 90) % 4

    @property
    def duration_s(self) -> float:
        """Nominal duration from the frame count and rate."""
        return self.frame_count / self.fps if self.fps else 0.0


def probe(path: str | Path) -> VideoInfo:
    """Open a video and check that it can be analysed.

    Raises
    ------
    HingeError
        Missing, empty, not a video, no video stream (e.g. audio only), zero frame rate,
        no decodable frame (truncated), or an absurd resolution.
    """
    path = Path(path)
    if not path.exists():
        raise HingeError(f"{path}: no such file")
    if path.is_dir():
        raise HingeError(f"{path}: is a folder, not a video")
    if path.stat().st_size == 0:
        raise HingeError(f"{path.name}: the file is empty")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError):
        raise HingeError(f"{path.name}: not a video hingecoach can read") from None
    with container:
        if not container.streams.video:
            raise HingeError(f"{path.name}: has no video stream (audio only?)")
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        width, height = int(stream.codec_context.width or 0), int(stream.codec_context.height or 0)
        count = int(stream.frames or 0)
        exact = count > 0
        if not count and stream.duration and stream.time_base and fps:
            count = int(round(float(stream.duration * stream.time_base) * fps))
        if width <= 0 or height <= 0:
            raise HingeError(f"{path.name}: the video stream has no picture size")
        if max(width, height) > REFUSE_LONG_SIDE_PX:
            raise HingeError(f"{path.name}: resolution {width}x{height} is too large to analyse")
        try:
            first = next(container.decode(stream))
        except (StopIteration, av.error.FFmpegError):
            raise HingeError(f"{path.name}: no frame could be decoded (truncated or corrupt video)") from None
    if not math.isfinite(fps) or fps <= 0 or fps > 1000:
        raise HingeError(f"{path.name}: the video has no usable frame rate ({fps:g} fps)")
    rotation = display_rotation(first)
    if rotation % 180:
        width, height = height, width
    return VideoInfo(path=path, fps=fps, frame_count=count, width=width, height=height,
                     rotation_ccw_deg=rotation, count_exact=exact)


def display_rotation(frame: av.VideoFrame) -> int:
    """The counter-clockwise display turn of a decoded frame, snapped to a quarter turn (0 when
    the container has no display matrix)."""
    try:
        angle = float(frame.rotation or 0.0)
    except (AttributeError, ValueError, TypeError):
        return 0
    return int(round(angle / 90.0)) % 4 * 90 if math.isfinite(angle) else 0


@dataclass(frozen=True)
class Frame:
    """One decoded frame: RGB pixels and its time."""

    index: int
    t_s: float
    rgb: np.ndarray


def _scale_for(info: VideoInfo) -> float:
    long_side = max(info.width, info.height)
    return min(1.0, MAX_LONG_SIDE_PX / long_side)


#: A decode may end this many frames (or 1 %) short of the container's exact count before the
#: video counts as cut short (edit lists and dropped leading frames cost a frame or two).
SHORT_TOLERANCE_FRAMES = 2


@dataclass(frozen=True)
class _Broken:
    """What went wrong in the decoding thread: ``stopped`` (decoding ended after ``frames`` good
    frames, the last at ``t_s``, before the video did) or ``damaged`` (a corrupt packet at frame
    ``frames``; decoding went on)."""

    kind: str
    frames: int
    t_s: float | None
    error: str


def _at(info: VideoInfo, frames: int, t_s: float | None) -> str:
    return f"{t_s:.2f} s" if t_s is not None and math.isfinite(t_s) else f"{frames / info.fps:.2f} s"


def broken_video_warning(info: VideoInfo, frames: int, t_s: float | None, error: str) -> str:
    """The analysis warning for a video whose decoding stopped after ``frames`` good frames
    (the last at ``t_s``) before the video's end."""
    of = f"{frames} of the {info.frame_count} frames its header announces" if info.frame_count > frames \
        else f"{frames} frames"
    return (f"{info.path.name} is damaged or cut short: decoding stopped after {of}, at "
            f"{_at(info, frames, t_s)} ({error}); only the part before it was analysed")


def _short(info: VideoInfo, frames: int) -> bool:
    """Fewer frames decoded than the container's exact count says it holds (beyond tolerance)."""
    slack = max(SHORT_TOLERANCE_FRAMES, int(0.01 * info.frame_count))
    return info.count_exact and frames + slack < info.frame_count


def iter_frames(info: VideoInfo, prefetch: int = 8, warnings: list[str] | None = None,
                start_s: float | None = None, end_s: float | None = None) -> Iterator[Frame]:
    """Yield the frames of a probed video in order, decoded ahead in a thread.

    Frames whose long side exceeds :data:`MAX_LONG_SIDE_PX` are downscaled and turned upright
    as the container's display matrix asks (a phone's portrait video); timestamps come from the
    container where it gives them (variable frame rate), else index / fps.

    A decoding error part-way (a truncated or damaged file) ends the frames there: the frames
    before it are yielded and a warning saying where the video broke
    (:func:`broken_video_warning`) is appended to ``warnings`` when a list is given. A video
    whose first frame cannot be decoded raises :class:`HingeError`.

    ``start_s`` / ``end_s``: only the frames with ``start_s <= t_s < end_s`` (container time),
    for one worker's part of a clip (:mod:`hingecoach.pose.chunks`). The decoder seeks to the key
    frame at or before ``start_s`` and decodes from there, so a range costs its own length plus at
    most one group of pictures; ``Frame.index`` is then ``round(t_s * fps)``. A range that lies
    past the end yields nothing (no error); a cut-short check is made only for a range that runs
    to the end.
    """
    scale = _scale_for(info)
    ranged = start_s is not None or end_s is not None
    q: queue.Queue[Frame | None | _Broken | BaseException] = queue.Queue(maxsize=prefetch)
    stop = threading.Event()

    def decode() -> None:
        try:
            with av.open(str(info.path)) as container:
                stream = container.streams.video[0]
                stream.thread_type = "AUTO"
                if start_s is not None and start_s > 0 and stream.time_base:
                    # To the key frame at or before start_s; the frames before it are skipped below.
                    container.seek(int(start_s / stream.time_base), stream=stream, backward=True, any_frame=False)
                turns = info.quarter_turns
                coded_w, coded_h = (info.height, info.width) if turns % 2 else (info.width, info.height)
                width = int(round(coded_w * scale / 2) * 2)
                height = int(round(coded_h * scale / 2) * 2)
                i = 0
                base = 0   # a range: the index of its first frame, so that messages count from the video's start
                t_s: float | None = None
                damaged: tuple[int, float | None] | None = None
                stopped = reached_end = False

                try:
                    # Packet by packet (what container.decode does), to see the demuxer's corrupt
                    # flag: with frame threads FFmpeg drops the decoder's own error on a cut file.
                    for packet in container.demux(stream):
                        if getattr(packet, "is_corrupt", False) and damaged is None:
                            damaged = (base + i, t_s)
                        for vf in packet.decode():
                            if stop.is_set():
                                stopped = True
                                break
                            t_s = float(vf.time) if vf.time is not None else i / info.fps
                            if ranged:
                                if end_s is not None and t_s >= end_s:
                                    stopped = reached_end = True
                                    break
                                if start_s is not None and t_s < start_s:
                                    continue
                                if i == 0:
                                    base = int(round(t_s * info.fps))
                            if scale < 1.0:
                                rgb = vf.to_ndarray(format="rgb24", width=width, height=height)
                            else:
                                rgb = vf.to_ndarray(format="rgb24")
                            if turns:
                                rgb = np.ascontiguousarray(np.rot90(rgb, turns), dtype=np.uint8)
                            q.put(Frame(index=int(round(t_s * info.fps)) if ranged else i, t_s=t_s, rgb=rgb))
                            i += 1
                        if stopped:
                            break
                except av.error.FFmpegError as exc:
                    # A truncated or damaged file: the frames so far stand, and the consumer is told.
                    q.put(_Broken("stopped", base + i if i else 0, t_s,
                                  str(getattr(exc, "strerror", None) or exc.__class__.__name__)))
                else:
                    if reached_end or (ranged and i == 0):
                        pass   # a range: its end reached, or it lies past the video's end
                    elif not stopped and _short(info, base + i):
                        q.put(_Broken("stopped", base + i, t_s, "the file ends early" if damaged is None
                                      else "damaged data, then the file ends"))
                    elif not stopped and damaged is not None:
                        q.put(_Broken("damaged", damaged[0], damaged[1], "a damaged packet"))
            q.put(None)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            q.put(exc)

    thread = threading.Thread(target=decode, name="hinge-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is None:
                return
            if isinstance(item, _Broken):
                if item.kind == "stopped" and item.frames == 0:
                    raise HingeError(f"{info.path.name}: no frame could be decoded (truncated or corrupt video:"
                                     f" {item.error})")
                if warnings is not None:
                    warnings.append(broken_video_warning(info, item.frames, item.t_s, item.error)
                                    if item.kind == "stopped" else
                                    f"{info.path.name} has damaged data near frame {item.frames} (at "
                                    f"{_at(info, item.frames, item.t_s)}); the frames around it may be wrong")
                continue
            if isinstance(item, BaseException):
                raise HingeError(f"{info.path.name}: decoding failed ({item})")
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)
