"""The desktop window (OpenCV highgui): the camera with the skeleton, a depth bar, the rep count
and the last cue; beside it the delayed mirror.

The mirror is what the lifter could not see while lifting: with a delay of S seconds it shows
the camera S seconds ago (a rolling buffer bounded by the delay); with 0 it replays each rep
after it ends, in a loop, until the next one ends. Its frames are kept at panel size, so memory
stays bounded (at most :data:`MAX_BUFFER_S` seconds of small frames).

Drawing only: every number comes from the session's events.
"""

from __future__ import annotations

import math
import os
import platform
from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

from hingecoach.core.track.skeletons import BONES

#: Height of each panel of the window (pixels).
PANEL_H = 480
#: Longest stretch of frames kept for the mirror (a slow rep, or the largest delay).
MAX_BUFFER_S = 12.0
#: Hip flexion shown as a full depth bar (degrees).
FULL_DEPTH_DEG = 120.0
WINDOW_TITLE = "hinge live — q to end the set"
GREEN, AMBER, WHITE, GREY = (90, 200, 90), (60, 180, 255), (255, 255, 255), (150, 150, 150)   # BGR


def have_display() -> bool:
    """Whether a window can be opened: on Linux an X or Wayland display must be set."""
    if platform.system() != "Linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@dataclass
class OverlayState:
    """What the overlay shows, updated from the events."""

    count: int = 0
    depth_deg: float | None = None
    cue: str = ""
    in_view: bool = True
    banner: str = ""   # the countdown, or the out-of-view warning


def _panel(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """The frame as a BGR panel of height :data:`PANEL_H`, and the scale applied."""
    h, w = rgb.shape[:2]
    s = PANEL_H / h
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    if abs(s - 1.0) > 1e-6:
        bgr = cv2.resize(bgr, (max(1, int(round(w * s))), PANEL_H), interpolation=cv2.INTER_AREA)
    return bgr, s


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float, colour: tuple[int, int, int],
          thick: int = 2) -> None:
    # cv2's font has no degree sign or dash: plain ASCII
    text = text.replace("°", " deg").replace("—", "-").replace("’", "'")
    text = text.encode("ascii", "replace").decode("ascii")
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thick + 3, cv2.LINE_AA)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thick, cv2.LINE_AA)


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def skeleton_panel(rgb: np.ndarray, xy: np.ndarray | None, conf: np.ndarray | None, keypoints: tuple[str, ...],
                   min_conf: float = 0.5) -> np.ndarray:
    """The frame as a BGR panel with the tracked skeleton (left side green, right side amber):
    what the mirror keeps."""
    img, s = _panel(rgb)
    if xy is None or conf is None:
        return img
    index = {n: i for i, n in enumerate(keypoints)}
    for a, b in BONES:
        if a in index and b in index:
            i, j = index[a], index[b]
            if conf[i] >= min_conf and conf[j] >= min_conf and np.isfinite(xy[[i, j]]).all():
                colour = AMBER if a.startswith("right") else (GREEN if a.startswith("left") else WHITE)
                cv2.line(img, (int(xy[i, 0] * s), int(xy[i, 1] * s)), (int(xy[j, 0] * s), int(xy[j, 1] * s)),
                         colour, 2, cv2.LINE_AA)
    return img


def draw_hud(img: np.ndarray, state: OverlayState) -> np.ndarray:
    """The live panel's readings onto a panel (in place): depth bar, rep count, last cue, banner."""
    h, w = img.shape[:2]
    x0, x1, y0, y1 = w - 34, w - 14, 20, h - 20
    cv2.rectangle(img, (x0, y0), (x1, y1), GREY, 1)
    if state.depth_deg is not None and math.isfinite(state.depth_deg):
        frac = max(0.0, min(1.0, state.depth_deg / FULL_DEPTH_DEG))
        top = int(y1 - frac * (y1 - y0))
        cv2.rectangle(img, (x0 + 2, top), (x1 - 2, y1 - 2), GREEN, -1)
        label = f"{state.depth_deg:.0f}"
        _text(img, label, (x0 - 8 - 11 * len(label), max(y0 + 14, top + 5)), 0.45, WHITE, 1)
    _text(img, f"reps {state.count}", (12, 40), 1.1, WHITE, 2)
    for k, line in enumerate(_wrap(state.cue, max(20, w // 14))[:3]):
        _text(img, line, (12, h - 20 - 28 * (2 - k)), 0.7, AMBER, 2)
    if state.banner:
        _text(img, state.banner, (12, 90), 1.0 if len(state.banner) < 24 else 0.7, AMBER, 2)
    return img


def draw_overlay(rgb: np.ndarray, xy: np.ndarray | None, conf: np.ndarray | None, keypoints: tuple[str, ...],
                 state: OverlayState, min_conf: float = 0.5) -> np.ndarray:
    """The live panel (BGR): the frame, the skeleton, the depth bar, the count, the last cue."""
    return draw_hud(skeleton_panel(rgb, xy, conf, keypoints, min_conf), state)


class Mirror:
    """The delayed mirror's frames (see the module's docstring). ``add`` a panel-sized frame with
    its time; ``rep_ended`` when a rep is counted; ``frame`` the picture to show now."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = max(0.0, float(delay_s))
        self._buf: deque[tuple[float, np.ndarray]] = deque()
        self._replay: list[np.ndarray] = []
        self._replay_i = 0
        self._last_rep_t: float | None = None

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def add(self, t: float, frame: np.ndarray) -> None:
        self._buf.append((t, frame))
        keep = min(MAX_BUFFER_S, self.delay_s + 0.5) if self.delay_s > 0 else MAX_BUFFER_S
        while self._buf and self._buf[0][0] < t - keep:
            self._buf.popleft()

    def rep_ended(self, t: float) -> None:
        """A rep was counted at ``t``: (delay 0) its frames since the previous rep become the replay."""
        start = self._last_rep_t if self._last_rep_t is not None else -math.inf
        self._last_rep_t = t
        if self.delay_s == 0:
            frames = [f for ft, f in self._buf if start < ft <= t]
            if frames:
                self._replay, self._replay_i = frames, 0

    def frame(self, t: float) -> np.ndarray | None:
        if self.delay_s > 0:
            target = t - self.delay_s
            best = None
            for ft, f in self._buf:
                if ft > target:
                    break
                best = f
            return best
        if not self._replay:
            return None
        f = self._replay[self._replay_i % len(self._replay)]
        self._replay_i += 1
        return f


def mirror_panel(frame: np.ndarray | None, like: np.ndarray, delay_s: float) -> np.ndarray:
    """The mirror's panel beside the live one (black with a note until there is something to show)."""
    if frame is None:
        panel = np.zeros_like(like)
        _text(panel, "replay after each rep" if delay_s == 0 else f"mirror in {delay_s:g} s", (20, 40), 0.8, GREY, 2)
        return panel
    panel = frame.copy()
    if panel.shape != like.shape:
        panel = cv2.resize(panel, (like.shape[1], like.shape[0]))
    _text(panel, "last rep" if delay_s == 0 else f"{delay_s:g} s ago", (12, 40), 0.9, WHITE, 2)
    return panel


class Window:
    """The OpenCV window: ``show`` a picture; it returns False once the lifter asks to end the set
    (q or Esc, or the window closed)."""

    def __init__(self, title: str = WINDOW_TITLE) -> None:
        self.title = title
        cv2.namedWindow(title, cv2.WINDOW_NORMAL)

    def show(self, img: np.ndarray) -> bool:
        cv2.imshow(self.title, img)
        key = cv2.waitKey(1) & 0xFF
        if key in (ord("q"), 27):
            return False
        try:
            return cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) >= 1
        except cv2.error:
            return False

    def close(self) -> None:
        try:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)
        except cv2.error:
            pass
