"""The side-by-side video: set A and set B, each annotated as in its report, next to each other
and moving together, rep by rep (H.264, yuv420p, with PyAV).

Pipeline position: the two compared sets + the comparison's time warp → **side-by-side video**
(``side_by_side.mp4``). A's frames set the pace (its frame rate, its frames in order); for each
one, B's frame is the one nearest to the warped time (:meth:`TimeWarp.to_b`), so B is sped up or
slowed down per phase of each rep and reaches the top, the bottom and the top again with A.
When the two lifters face opposite ways, the one facing left is mirrored (frame and keypoints,
before the drawing, so the writing stays readable) and both face right. A set without a video
(a keypoint file, or a video that has moved) is drawn on a plain canvas. Both decoders stream:
two frames in memory, whatever the length.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image, ImageDraw

from hingecoach.comparison.sources import ComparedSet
from hingecoach.core.compare import Comparison
from hingecoach.errors import HingeError
from hingecoach.io.video import iter_frames, probe
from hingecoach.report.annotators import FrameState, annotate, video_annotators
from hingecoach.report.keyframes import blank_frame
from hingecoach.report.model import ReportModel, build_model
from hingecoach.report.video import X264_CRF, X264_PRESET, source_rate

#: The composite is at most this wide and each half at most this high (pixels).
MAX_WIDTH_PX = 1920
MAX_HEIGHT_PX = 720
#: With ``--rep``: this much of A before the rep starts and after it ends (seconds).
REP_MARGIN_S = 0.5
HEADER_RGB = (29, 35, 39)
A_RGB = (90, 170, 250)
B_RGB = (250, 160, 60)


@dataclass(frozen=True)
class SideBySideStats:
    """What the pass wrote: frames, seconds, the composite size, and the poster frame (RGB)."""

    frames: int
    seconds: float
    size: tuple[int, int]
    poster: np.ndarray | None


def mirror_side(a: ComparedSet, b: ComparedSet) -> str | None:
    """``"a"`` or ``"b"``: the set to mirror so both lifters face right; None when they face
    the same way already."""
    if a.facing == b.facing:
        return None
    return "a" if a.facing == "left" else "b"


def mirrored_model(model: ReportModel, width: int) -> ReportModel:
    """The model of a horizontally mirrored video ``width`` pixels wide: keypoints, joints and
    the back's outline flipped (x → width − 1 − x), and the lifter facing the other way."""
    def flip(p: np.ndarray) -> np.ndarray:
        q = np.array(p, dtype=float, copy=True)
        q[..., 0] = (width - 1) - q[..., 0]
        return q

    doc = dict(model.doc)
    doc["facing"] = "right" if doc.get("facing") == "left" else "left"
    return replace(model, doc=doc, xy=flip(model.xy), joints={k: flip(v) for k, v in model.joints.items()},
                   dorsal={i: flip(v) for i, v in model.dorsal.items()})


def _frames(s: ComparedSet, model: ReportModel) -> Iterator[tuple[int, np.ndarray]]:
    """The set's frames in order, as ``(index, rgb)``: decoded, or a plain canvas per track frame."""
    if s.video is not None:
        for frame in iter_frames(probe(s.video)):
            yield frame.index, frame.rgb
        return
    canvas = blank_frame(model)
    for i in range(model.n_frames):
        yield i, canvas.copy()


def _font_path() -> str:
    import matplotlib

    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans-Bold.ttf")


def _header(width: int, height: int, split: int, left: str, right: str) -> np.ndarray:
    from PIL import ImageFont

    img = Image.new("RGB", (width, height), HEADER_RGB)
    draw = ImageDraw.Draw(img)
    size = max(11, int(height * 0.5))
    font = ImageFont.truetype(_font_path(), size)
    pad = max(6, height // 3)
    y = (height - size) // 2 - 1
    for x0, x1, text, rgb in ((0, split, left, A_RGB), (split, width, right, B_RGB)):
        while text and draw.textlength(text, font=font) > x1 - x0 - 2 * pad:
            text = text[:-2] + "…" if len(text) > 2 else ""
        draw.text((x0 + pad, y), text, font=font, fill=rgb)
    out = np.asarray(img).copy()
    out[:, max(0, split - 1):split + 1] = (90, 90, 90)
    return out


def _fit(frame: np.ndarray, height: int) -> np.ndarray:
    """``frame`` scaled to ``height`` pixels high, an even number of pixels wide (yuv420p)."""
    h, w = frame.shape[:2]
    if h == height:
        return frame if w % 2 == 0 else np.pad(frame, ((0, 0), (0, 1), (0, 0)), mode="edge")
    width = max(2, int(round(w * height / h / 2)) * 2)
    return cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA if h > height else cv2.INTER_LINEAR)


def _layout(size_a: tuple[int, int], size_b: tuple[int, int]) -> int:
    """The common height of the two halves (even)."""
    (wa, ha), (wb, hb) = size_a, size_b
    height = min(max(ha, hb), MAX_HEIGHT_PX)
    width = wa * height / ha + wb * height / hb
    if width > MAX_WIDTH_PX:
        height = int(height * MAX_WIDTH_PX / width)
    return max(2, height // 2 * 2)


def _rate(s: ComparedSet) -> Fraction:
    if s.video is not None:
        return source_rate(s.video)
    fps = float(s.features.track.fps) if s.features is not None else float(s.doc.get("fps") or 30.0)
    return Fraction(fps).limit_denominator(1001)


def frame_range(a: ComparedSet, comparison: Comparison, n_frames: int) -> tuple[int, int]:
    """A's frames the video shows: all of them, or (with a selected rep) the rep and a margin."""
    if comparison.selected_rep is None:
        return 0, n_frames - 1
    rep = next(r for r in a.doc["reps"] if int(r["index"]) == comparison.selected_rep)
    fps = float(a.doc.get("fps") or 30.0)
    margin = int(round(REP_MARGIN_S * fps))
    return max(0, int(rep["start_frame"]) - margin), min(n_frames - 1, int(rep["end_frame"]) + margin)


def b_frame_indices(a_times: np.ndarray, b_times: np.ndarray, comparison: Comparison) -> np.ndarray:
    """For each of A's frame times, the index of B's frame nearest to the warped time (never
    going back: the warp is monotone, the rounding is kept so)."""
    t_b = comparison.warp.to_b(a_times)
    j = np.clip(np.searchsorted(b_times, t_b), 1, max(1, len(b_times) - 1))
    nearer_left = np.abs(t_b - b_times[j - 1]) <= np.abs(b_times[np.minimum(j, len(b_times) - 1)] - t_b)
    j = np.where(nearer_left, j - 1, j)
    j = np.clip(j, 0, len(b_times) - 1)
    return np.maximum.accumulate(j)


def render_side_by_side(a: ComparedSet, b: ComparedSet, comparison: Comparison, out_path: Path) -> SideBySideStats:
    """Write the side-by-side video of A and B to ``out_path`` (both need their tracks)."""
    if a.features is None or b.features is None:
        missing = a if a.features is None else b
        raise HingeError(f"{missing.label}: no pose track, so no side-by-side video ({missing.no_track})")
    started = time.perf_counter()
    ma, mb = build_model(a.doc, a.features), build_model(b.doc, b.features)
    mirror = mirror_side(a, b)
    size_a = ma.image_size or (640, 480)
    size_b = mb.image_size or (640, 480)
    if mirror == "a":
        ma = mirrored_model(ma, int(size_a[0]))
    elif mirror == "b":
        mb = mirrored_model(mb, int(size_b[0]))
    height = _layout(size_a, size_b)
    header_h = max(24, int(round(height * 0.07)) // 2 * 2)
    a_times = np.asarray(a.features.track.timestamps_s, float)
    b_times = np.asarray(b.features.track.timestamps_s, float)
    first, last = frame_range(a, comparison, ma.n_frames)
    wanted_b = b_frame_indices(a_times[first:last + 1], b_times, comparison)
    pairs = comparison.selected_pairs
    poster_at = int(np.searchsorted(a_times, pairs[0].a.bottom_s)) if pairs else first
    poster_at = min(max(poster_at, first), last)
    annotators = video_annotators()
    right = f"B · {b.label} · in step with A" + (" · mirrored" if mirror == "b" else "")
    left = f"A · {a.label}" + (" · mirrored" if mirror == "a" else "")
    header: np.ndarray | None = None
    poster: np.ndarray | None = None
    tmp = out_path.with_name(out_path.stem + ".part" + out_path.suffix)
    n = 0
    b_iter = _frames(b, mb)
    b_index, b_rgb = -1, None
    try:
        container = av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"})
    except av.error.FFmpegError as exc:
        raise HingeError(f"could not write the side-by-side video ({exc.__class__.__name__})") from None
    try:
        rate = _rate(a)
        stream = container.add_stream("libx264", rate=rate)
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": X264_CRF, "preset": X264_PRESET}
        for i, rgb_a in _frames(a, ma):
            if i < first:
                continue
            if i > last:
                break
            j = int(wanted_b[i - first])
            while b_index < j:
                try:
                    b_index, b_rgb = next(b_iter)
                except StopIteration:
                    break
            if b_rgb is None:
                raise HingeError(f"{b.label}: no frame could be decoded")
            fa = np.ascontiguousarray(rgb_a[:, ::-1] if mirror == "a" else rgb_a)
            fb = np.ascontiguousarray(b_rgb[:, ::-1] if mirror == "b" else b_rgb)
            fa = _fit(annotate(fa, FrameState(i, ma), annotators), height)
            fb = _fit(annotate(fb, FrameState(min(b_index, mb.n_frames - 1), mb), annotators), height)
            if header is None:
                header = _header(fa.shape[1] + fb.shape[1], header_h, fa.shape[1], left, right)
                stream.width, stream.height = header.shape[1], header_h + height
            body = np.hstack([fa, fb])
            if body.shape[1] != header.shape[1]:  # a frame of another size mid-stream: keep the layout
                body = cv2.resize(body, (header.shape[1], height))
            composite = np.vstack([header, body])
            if i == poster_at:
                poster = composite.copy()
            vf = av.VideoFrame.from_ndarray(composite, format="rgb24")
            vf.pts = n
            vf.time_base = 1 / rate
            container.mux(stream.encode(vf))
            n += 1
        container.mux(stream.encode(None))
    except av.error.FFmpegError as exc:
        raise HingeError(f"could not write the side-by-side video ({exc.__class__.__name__})") from None
    finally:
        container.close()
    if n == 0:
        tmp.unlink(missing_ok=True)
        raise HingeError(f"{a.label}: no frame could be decoded")
    tmp.replace(out_path)
    assert header is not None
    return SideBySideStats(frames=n, seconds=time.perf_counter() - started,
                           size=(header.shape[1], header_h + height), poster=poster)

