"""Keyframes: the bottom of each rep, as small JPEGs with the skeleton drawn, for the page.

Pipeline position: video pass (:func:`hingecoach.report.video.render_video` hands over raw
frames) → **keyframes** → HTML. Each keyframe is cropped to the lifter and compressed as soon
as it arrives, so memory holds a few small JPEGs, never frames. Without a source video (a
keypoint file was analysed) the skeleton is drawn on a plain canvas instead.
"""

from __future__ import annotations

import cv2
import numpy as np

from hingecoach.report.annotators import FrameState, annotate, keyframe_annotators
from hingecoach.report.model import ReportModel

#: Keyframes are scaled down to this height (pixels) at most.
KEYFRAME_MAX_H = 360
JPEG_QUALITY = 82


def blank_frame(model: ReportModel) -> np.ndarray:
    """A plain dark canvas of the analysed frame size (for tracks without a video)."""
    w, h = model.image_size or (640, 480)
    return np.full((int(h), int(w), 3), 48, np.uint8)


def crop_to_lifter(frame: np.ndarray, xy: np.ndarray, margin: float = 0.45) -> np.ndarray:
    """Crop around the finite keypoints ``xy`` (K, 2) with a margin; the whole frame if none.

    The margin leaves room for the angle labels written beside the hip and knee.
    """
    pts = xy[np.all(np.isfinite(xy), axis=1)]
    if len(pts) < 2:
        return frame
    h, w = frame.shape[:2]
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    pad = margin * max(x1 - x0, y1 - y0, 1.0)
    pad_x = 1.8 * pad  # the angle labels stick out sideways
    xa, xb = int(max(0, x0 - pad_x)), int(min(w, x1 + pad_x))
    ya, yb = int(max(0, y0 - pad)), int(min(h, y1 + pad))
    if xb - xa < 16 or yb - ya < 16:
        return frame
    return frame[ya:yb, xa:xb]


def encode_jpeg(rgb: np.ndarray, max_h: int = KEYFRAME_MAX_H) -> bytes:
    """JPEG bytes of an RGB image, scaled to at most ``max_h`` pixels high."""
    h, w = rgb.shape[:2]
    if h > max_h:
        rgb = cv2.resize(rgb, (max(1, round(w * max_h / h)), max_h), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:  # pragma: no cover - OpenCV always encodes a valid uint8 image
        raise RuntimeError("JPEG encoding failed")
    return bytes(buf)


class KeyframeCollector:
    """Receives raw frames during the video pass and keeps what the page needs.

    ``rep_frames`` maps a rep index to its bottom frame (the reps the page shows one by one:
    every rep of a normal set, at most :data:`~hingecoach.report.model.DETAIL_REPS` of a long
    one); ``background_frame`` is the frame the bar path is traced over (kept raw, one frame).
    """

    def __init__(self, model: ReportModel, background_frame: int | None = None) -> None:
        self.model = model
        self.rep_frames = model.keyframe_indices()
        self.background_frame = background_frame
        self.jpegs: dict[int, bytes] = {}
        self.background: np.ndarray | None = None
        #: Frame index → the reps whose keyframe it is.
        self._reps_at: dict[int, list[int]] = {}
        for rep, frame_index in self.rep_frames.items():
            self._reps_at.setdefault(frame_index, []).append(rep)

    @property
    def frames(self) -> set[int]:
        """The frame indices this collector wants."""
        wanted = set(self.rep_frames.values())
        if self.background_frame is not None:
            wanted.add(self.background_frame)
        return wanted

    def visit(self, index: int, rgb: np.ndarray) -> None:
        """Take frame ``index`` (raw RGB) if wanted."""
        if index == self.background_frame:
            self.background = rgb.copy()
        reps = self._reps_at.get(index)
        if reps:
            drawn = annotate(rgb.copy(), FrameState(index, self.model), keyframe_annotators())
            jpeg = encode_jpeg(crop_to_lifter(drawn, self.model.xy[index]))
            for rep in reps:
                self.jpegs[rep] = jpeg

    def fill_missing(self) -> None:
        """Draw keyframes on a blank canvas for frames the video did not provide."""
        for index in sorted(self.frames):
            missing_rep = any(r not in self.jpegs for r in self._reps_at.get(index, ()))
            if missing_rep or (index == self.background_frame and self.background is None):
                self.visit(index, blank_frame(self.model))
