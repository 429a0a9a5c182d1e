"""Annotators: draw one measured frame state onto one video frame (drawing only, no measuring).

Pipeline position: report model (:mod:`hingecoach.report.model`) → **annotators** → the
annotated video and keyframes. As in ``supervision``, each annotator is a small object with one
``annotate(frame, state) -> frame`` method; they are composed in a list and applied in order.
Frames are RGB ``uint8`` arrays in the analysed frame size (the track's pixel coordinates).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import cv2
import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from hingecoach.core.track.skeletons import BONES, JOINTS
from hingecoach.report.model import ReportModel

#: Severity colours (RGB): the same in the video, the plots and the page.
SEVERITY_RGB: dict[str, tuple[int, int, int]] = {
    "safety": (214, 48, 49), "form": (230, 126, 34), "minor": (202, 164, 0),
}
LEFT_RGB = (90, 200, 250)
RIGHT_RGB = (255, 196, 90)
CHAIN_RGB = (255, 255, 255)
#: The back's outline from the silhouette (experimental: a colour no fault or side uses).
BACK_RGB = (186, 104, 255)
PANEL_ALPHA = 0.55
_I = {n: i for i, n in enumerate(JOINTS)}


@dataclass(frozen=True)
class FrameState:
    """What is true at one frame: its index and the model every reading comes from."""

    index: int
    model: ReportModel

    @property
    def in_track(self) -> bool:
        """The frame has analysed keypoints (a decoded frame past the track has none)."""
        return 0 <= self.index < self.model.n_frames


class Annotator(Protocol):
    """Draws something onto a frame."""

    def annotate(self, frame: np.ndarray, state: FrameState) -> np.ndarray:
        """Return ``frame`` with the drawing applied (may modify it in place)."""
        ...


@lru_cache(maxsize=32)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    # DejaVu ships inside matplotlib: a font with the degree sign on every machine.
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name
    return ImageFont.truetype(str(path), size)


def _unit(frame: np.ndarray) -> float:
    """Drawing scale: 1.0 for a 480-pixel-high frame."""
    return max(0.5, min(frame.shape[0], frame.shape[1] * 0.75) / 480.0)


def _darken(frame: np.ndarray, x0: int, y0: int, x1: int, y1: int, alpha: float = PANEL_ALPHA) -> None:
    h, w = frame.shape[:2]
    x0, x1 = max(0, x0), min(w, x1)
    y0, y1 = max(0, y0), min(h, y1)
    if x1 > x0 and y1 > y0:
        region = frame[y0:y1, x0:x1]
        region[:] = (region.astype(np.float32) * (1.0 - alpha)).astype(np.uint8)


def _text(frame: np.ndarray, items: list[tuple[tuple[int, int], str, int, tuple[int, int, int], bool]]) -> np.ndarray:
    """Draw ``(xy, text, size_px, rgb, bold)`` items with a real font (cv2's has no degree sign)."""
    if not items:
        return frame
    img = Image.fromarray(frame)
    draw = ImageDraw.Draw(img)
    for (x, y), text, size, rgb, bold in items:
        draw.text((x, y), text, font=_font(size, bold), fill=rgb, stroke_width=max(1, size // 12),
                  stroke_fill=(0, 0, 0))
    frame[:] = np.asarray(img)
    return frame


def _text_width(text: str, size: int, bold: bool = False) -> int:
    return int(math.ceil(_font(size, bold).getlength(text)))


def _deg(v: float) -> str:
    """Whole degrees, never ``-0°``."""
    return f"{int(round(v)) + 0}°"


def _pt(p: np.ndarray) -> tuple[int, int] | None:
    return (int(round(p[0])), int(round(p[1]))) if np.all(np.isfinite(p)) else None


class SkeletonAnnotator:
    """The tracked skeleton: left side blue, right side amber, the hinge chain in white."""

    def annotate(self, frame: np.ndarray, state: FrameState) -> np.ndarray:
        if not state.in_track:
            return frame
        u = _unit(frame)
        xy = state.model.xy[state.index]
        thin = max(1, int(round(2 * u)))
        for a, b in BONES:
            pa, pb = _pt(xy[_I[a]]), _pt(xy[_I[b]])
            if pa and pb:
                rgb = LEFT_RGB if a.startswith("left") and b.startswith("left") else (
                    RIGHT_RGB if a.startswith("right") and b.startswith("right") else (200, 200, 200))
                cv2.line(frame, pa, pb, rgb, thin, cv2.LINE_AA)
        # The hinge chain (mid joints): what the angles are measured on.
        chain = [_pt(state.model.joints[n][state.index]) for n in ("shoulder", "hip", "knee", "ankle")]
        for pa, pb in zip(chain, chain[1:], strict=False):
            if pa and pb:
                cv2.line(frame, pa, pb, CHAIN_RGB, max(2, int(round(3 * u))), cv2.LINE_AA)
        for p in chain:
            if p:
                cv2.circle(frame, p, max(3, int(round(5 * u))), (20, 20, 20), -1, cv2.LINE_AA)
                cv2.circle(frame, p, max(2, int(round(4 * u))), CHAIN_RGB, -1, cv2.LINE_AA)
        return frame


class BackContourAnnotator:
    """The back's outline as the silhouette measured it, on the frames around each rep's bottom
    where the back is read (nothing on other frames, or without silhouette profiles)."""

    def annotate(self, frame: np.ndarray, state: FrameState) -> np.ndarray:
        pts = state.model.dorsal.get(state.index)
        if pts is None or len(pts) < 2:
            return frame
        u = _unit(frame)
        line = np.round(pts).astype(np.int32).reshape(-1, 1, 2)
        thick = max(2, int(round(3 * u)))
        cv2.polylines(frame, [line], False, (20, 20, 20), thick + 2, cv2.LINE_AA)  # a dark edge
        cv2.polylines(frame, [line], False, BACK_RGB, thick, cv2.LINE_AA)
        return frame


class AngleAnnotator:
    """Live hip and knee angles written beside those joints."""

    def annotate(self, frame: np.ndarray, state: FrameState) -> np.ndarray:
        if not state.in_track:
            return frame
        u = _unit(frame)
        size = max(11, int(round(17 * u)))
        facing = 1 if state.model.doc.get("facing") != "left" else -1
        items = []
        for joint, key in (("hip", "hip"), ("knee", "knee")):
            p = _pt(state.model.joints[joint][state.index])
            v = state.model.angles[key][state.index]
            if p and math.isfinite(v):
                text = f"{key} {_deg(v)}"
                # Write on the side the lifter's back faces, away from the arms and the bar.
                dx = -int(18 * u) - _text_width(text, size, True) if facing > 0 else int(18 * u)
                items.append(((p[0] + dx, p[1] - size // 2), text, size, (255, 255, 255), True))
        return _text(frame, items)


class RepCounterAnnotator:
    """Top-left panel: which rep of how many, the phase, and hip / knee / trunk angles."""

    def annotate(self, frame: np.ndarray, state: FrameState) -> np.ndarray:
        m = state.model
        u = _unit(frame)
        big, small = max(14, int(round(26 * u))), max(10, int(round(15 * u)))
        i = min(max(state.index, 0), m.n_frames - 1)
        current = int(m.rep_at[i]) if m.n_frames else 0
        done = int(m.done_at[i]) if m.n_frames else 0
        if current:
            head = f"Rep {current} of {m.n_reps}"
            sub = m.phase(i)
        else:
            head = f"{done} of {m.n_reps} reps done"
            sub = "standing" if done < m.n_reps else "set complete"
        ang = []
        if state.in_track:
            for key in ("hip", "knee", "trunk"):
                v = m.angles[key][state.index]
                ang.append(f"{key} {_deg(v)}" if math.isfinite(v) else f"{key} –")
        line3 = "   ".join(ang)
        pad = int(8 * u)
        width = max(_text_width(head, big, True), _text_width(sub, small), _text_width(line3, small)) + 2 * pad
        height = big + 2 * small + int(3.5 * pad)
        _darken(frame, 0, 0, width, height)
        y = pad // 2
        items = [((pad, y), head, big, (255, 255, 255), True)]
        y += big + pad // 2
        items.append(((pad, y), sub, small, (220, 220, 220), False))
        y += small + pad // 2
        items.append(((pad, y), line3, small, (255, 255, 255), False))
        return _text(frame, items)


class RangeBarAnnotator:
    """Always-on panel at the right edge: how deep this rep has gone against the target."""

    def annotate(self, frame: np.ndarray, state: FrameState) -> np.ndarray:
        m = state.model
        h, w = frame.shape[:2]
        u = _unit(frame)
        small = max(10, int(round(14 * u)))
        pad = int(8 * u)
        i = min(max(state.index, 0), m.n_frames - 1) if m.n_frames else 0
        now = float(m.depth_deg[i]) if state.in_track else math.nan
        peak = float(m.peak_at[i]) if m.n_frames else math.nan
        target = m.target
        known = [v for v in (target.deg if target else math.nan,
                             float(np.nanmax(m.peak_at)) if np.isfinite(m.peak_at).any() else math.nan)
                 if math.isfinite(v)]
        top = max(known, default=90.0) * 1.15
        peak_txt = f"rep {_deg(peak)}" if math.isfinite(peak) else "rep –"
        tgt_txt = f"{'limit' if target.kind == 'limit' else 'goal'} {_deg(target.deg)}" if target else ""
        panel_w = max(_text_width(t, small, True) for t in ("depth", peak_txt, tgt_txt or "x")) + 2 * pad
        px0 = w - panel_w
        py0, py1 = int(0.16 * h), int(0.74 * h)
        bar_w = max(10, int(round(18 * u)))
        x0 = px0 + (panel_w - bar_w) // 2
        x1 = x0 + bar_w
        y0 = py0 + small + 2 * pad
        y1 = py1 - 2 * small - 2 * pad

        def y_of(deg: float) -> int:
            return int(round(y1 - (y1 - y0) * min(max(deg, 0.0), top) / top))

        _darken(frame, px0, py0, w, py1)
        cv2.rectangle(frame, (x0, y0), (x1, y1), (90, 90, 90), -1)
        # Green once a full-range target is reached; a limit (advice for the next set) is only shown.
        reached = target is not None and target.kind != "limit" and math.isfinite(peak) and peak >= 0.9 * target.deg
        fill = (46, 204, 113) if reached else (90, 200, 250)
        if math.isfinite(now):
            cv2.rectangle(frame, (x0, y_of(now)), (x1, y1), fill, -1)
        if math.isfinite(peak):  # this rep's deepest point so far
            cv2.line(frame, (x0 - int(5 * u), y_of(peak)), (x1 + int(5 * u), y_of(peak)), (255, 255, 255),
                     max(1, int(2 * u)), cv2.LINE_AA)
        if target is not None:
            ty = y_of(target.deg)
            cv2.line(frame, (x0 - int(7 * u), ty), (x1 + int(7 * u), ty), (255, 70, 70), max(2, int(3 * u)), cv2.LINE_AA)
        items = [((px0 + pad, py0 + pad // 2), "depth", small, (255, 255, 255), True),
                 ((px0 + pad, y1 + pad), peak_txt, small, (255, 255, 255), True)]
        if tgt_txt:
            items.append(((px0 + pad, y1 + pad + small + pad // 2), tgt_txt, small, (255, 120, 120), True))
        return _text(frame, items)


def _wrap(text: str, size: int, max_px: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and _text_width(lines[-1] + " " + word, size, True) <= max_px:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


class CueBannerAnnotator:
    """A coloured banner with the cue, at the frames where a fault happened (the worst first)."""

    def annotate(self, frame: np.ndarray, state: FrameState) -> np.ndarray:
        active = state.model.faults_at(state.index)
        if not active:
            return frame
        f = active[0]
        h, w = frame.shape[:2]
        u = _unit(frame)
        size, small = max(12, int(round(20 * u))), max(10, int(round(14 * u)))
        pad = int(10 * u)
        head = f"Rep {f.rep_index}: {f.title.lower()}" + (f"  (+{len(active) - 1} more)" if len(active) > 1 else "")
        lines = _wrap(f.cue, size, w - 2 * pad)[:3]
        height = small + len(lines) * (size + pad // 2) + 2 * pad
        y0 = h - height
        region = frame[y0:h]
        colour = np.array(SEVERITY_RGB.get(f.severity, SEVERITY_RGB["form"]), np.float32)
        region[:] = (region.astype(np.float32) * 0.25 + colour * 0.75).astype(np.uint8)
        items = [((pad, y0 + pad // 2), head, small, (255, 255, 255), False)]
        y = y0 + pad // 2 + small + pad // 2
        for line in lines:
            items.append(((pad, y), line, size, (255, 255, 255), True))
            y += size + pad // 2
        return _text(frame, items)


def video_annotators() -> list[Annotator]:
    """The annotators of the annotated video, in drawing order."""
    return [SkeletonAnnotator(), BackContourAnnotator(), AngleAnnotator(), RepCounterAnnotator(),
            RangeBarAnnotator(), CueBannerAnnotator()]


def keyframe_annotators() -> list[Annotator]:
    """The lighter set drawn on the report's keyframes (skeleton, the back's outline, angles)."""
    return [SkeletonAnnotator(), BackContourAnnotator(), AngleAnnotator()]


def annotate(frame: np.ndarray, state: FrameState, annotators: list[Annotator]) -> np.ndarray:
    """Apply ``annotators`` in order."""
    for a in annotators:
        frame = a.annotate(frame, state)
    return frame
