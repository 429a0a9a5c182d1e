"""The window's drawing and the delayed mirror, without a display (nothing is shown)."""

from __future__ import annotations

import platform

import numpy as np
import pytest

from hingecoach.core.track.skeletons import BLAZEPOSE33
from hingecoach.live.window import PANEL_H, Mirror, OverlayState, draw_overlay, have_display, mirror_panel


def test_overlay_draws_on_a_panel_of_fixed_height() -> None:
    rgb = np.full((240, 320, 3), 40, np.uint8)
    xy = np.full((33, 2), np.nan)
    conf = np.zeros(33)
    k = {n: i for i, n in enumerate(BLAZEPOSE33)}
    for name, p in {"left_hip": (160, 120), "left_knee": (160, 180), "left_ankle": (160, 230)}.items():
        xy[k[name]], conf[k[name]] = p, 0.9
    state = OverlayState(count=2, depth_deg=80.0, cue="Keep your shins vertical — ° and all", banner="starting in 3")
    img = draw_overlay(rgb, xy, conf, BLAZEPOSE33, state)
    assert img.shape == (PANEL_H, 640, 3) and img.dtype == np.uint8
    assert (img != 40).any()                                   # something drawn
    bare = draw_overlay(rgb, None, None, (), OverlayState())
    assert bare.shape == img.shape


def test_mirror_with_a_delay_shows_the_frame_that_long_ago_and_stays_bounded() -> None:
    m = Mirror(delay_s=1.0)
    for i in range(300):                                       # 10 s at 30 fps
        m.add(i / 30, np.full((1, 1), i, np.int32))
    f = m.frame(299 / 30)
    assert f is not None and int(f[0, 0]) in (268, 269)       # 30 frames (1 s) ago
    assert m.buffered <= 46                                    # delay + 0.5 s, not the whole set


def test_mirror_without_delay_replays_the_last_rep_in_a_loop() -> None:
    m = Mirror(delay_s=0.0)
    assert m.frame(0.0) is None
    for i in range(60):
        m.add(i / 30, np.full((2, 2, 3), i, np.uint8))
        if i == 29:
            m.rep_ended(i / 30)
    m.rep_ended(59 / 30)                                       # rep 2: frames 30..59 (after rep 1's end)
    shown = [int(m.frame(2.0)[0, 0, 0]) for _ in range(31)]   # type: ignore[index]
    assert shown[:30] == list(range(30, 60)) and shown[30] == 30


def test_mirror_panel_and_display_check(monkeypatch: pytest.MonkeyPatch) -> None:
    like = np.zeros((PANEL_H, 640, 3), np.uint8)
    assert mirror_panel(None, like, 0.0).shape == like.shape
    assert mirror_panel(np.zeros((100, 100, 3), np.uint8), like, 2.0).shape == like.shape
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    if platform.system() == "Linux":
        assert not have_display()      # hinge live then runs without a window
    monkeypatch.setenv("DISPLAY", ":0")
    assert have_display()
