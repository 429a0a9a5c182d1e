"""The time warp: piecewise linear through each pair's start, bottom and end; monotone; speed 1
outside; the rep phase; a slower set's reps land on A's."""

from __future__ import annotations

import numpy as np
import pytest

from hingecoach.core.compare.pairing import RepEvents, RepPair
from hingecoach.core.compare.warp import (
    PHASE_GRID,
    build_warp,
    pair_fit,
    phase_of,
    rep_curve,
    sync_events,
    time_at_phase,
)


def test_knots_map_onto_each_other() -> None:
    a = {1: RepEvents(1, 1.0, 2.0, 3.0), 2: RepEvents(2, 4.0, 5.0, 6.0)}
    b = {1: RepEvents(1, 0.5, 2.0, 2.8), 2: RepEvents(2, 4.0, 6.0, 7.0)}
    warp = build_warp([RepPair(1, 1), RepPair(2, 2)], a, b)
    for k in (1, 2):
        for attr in ("start_s", "bottom_s", "end_s"):
            assert warp.to_b(getattr(a[k], attr)) == pytest.approx(getattr(b[k], attr))
            assert warp.to_a(getattr(b[k], attr)) == pytest.approx(getattr(a[k], attr))
    # Halfway down rep 1 of A is halfway down rep 1 of B (B lowers 1.5 times as long).
    assert warp.to_b(1.5) == pytest.approx(1.25)
    # Speed 1 before the first and after the last knot.
    assert warp.to_b(0.0) == pytest.approx(-0.5)
    assert warp.to_b(8.0) == pytest.approx(9.0)
    t = np.linspace(-1, 10, 500)
    assert np.all(np.diff(warp.to_b(t)) > 0)


def test_knots_that_touch_are_merged() -> None:
    a = {1: RepEvents(1, 0.0, 1.0, 2.0), 2: RepEvents(2, 2.0, 3.0, 4.0)}   # rep 2 starts where rep 1 ended
    b = {1: RepEvents(1, 0.0, 1.0, 2.0), 2: RepEvents(2, 2.5, 3.0, 4.0)}
    warp = build_warp([RepPair(1, 1), RepPair(2, 2)], a, b)
    assert np.all(np.diff(warp.a_knots) > 0) and np.all(np.diff(warp.b_knots) > 0)


def test_no_pair_is_the_identity() -> None:
    warp = build_warp([], {}, {})
    assert warp.to_b(3.2) == pytest.approx(3.2)


def test_phase_and_time_are_inverse() -> None:
    ev = RepEvents(1, 1.0, 2.0, 3.6)
    assert phase_of(1.0, ev) == pytest.approx(0.0)
    assert phase_of(2.0, ev) == pytest.approx(1.0)
    assert phase_of(3.6, ev) == pytest.approx(2.0)
    assert np.allclose(phase_of(time_at_phase(PHASE_GRID, ev), ev), PHASE_GRID)


def cosine_rep(start: float, down: float, up: float, depth: float, fps: float = 30.0, hold: float = 0.0):
    """Times and a depth signal: stand 1 s, lower (half cosine), hold, lift, stand 1 s."""
    t = np.arange(0.0, start + down + hold + up + 1.0, 1 / fps)
    d = np.zeros_like(t)
    lo = (t >= start) & (t < start + down)
    d[lo] = depth * (1 - np.cos(np.pi * (t[lo] - start) / down)) / 2
    d[(t >= start + down) & (t < start + down + hold)] = depth
    s_up = start + down + hold
    hi = (t >= s_up) & (t < s_up + up)
    d[hi] = depth * (1 + np.cos(np.pi * (t[hi] - s_up) / up)) / 2
    return t, d


def test_sync_events_cut_reps_alike_whatever_their_depth() -> None:
    t1, d1 = cosine_rep(1.0, 1.0, 0.8, 90.0, hold=0.2)
    t2, d2 = cosine_rep(1.0, 1.0, 0.8, 45.0, hold=0.2)
    raw = RepEvents(1, 0.9, 2.1, 3.2)
    e1, e2 = sync_events(t1, d1, raw), sync_events(t2, d2, raw)
    # Same timing, different depth: the same knots (to a frame's interpolation).
    for attr in ("start_s", "bottom_s", "end_s"):
        assert getattr(e1, attr) == pytest.approx(getattr(e2, attr), abs=0.01)
    assert e1.bottom_s == pytest.approx(2.1, abs=0.02)          # the middle of the hold
    # 10 % of the range: a fifth of the way into the lowering, and out of the lifting.
    assert e1.start_s == pytest.approx(1.205, abs=0.01) and e1.end_s == pytest.approx(2.836, abs=0.01)


def test_sync_events_leave_a_flat_rep_as_it_is() -> None:
    t = np.arange(0, 3, 1 / 30)
    raw = RepEvents(1, 0.5, 1.5, 2.5)
    assert sync_events(t, np.zeros_like(t), raw) == raw


def test_a_slower_rep_lines_up_after_the_warp() -> None:
    ta, da = cosine_rep(1.0, 1.0, 0.8, 90.0)
    tb, db = cosine_rep(1.5, 1.6, 1.2, 90.0)   # B: 60 % slower, and later
    ea = sync_events(ta, da, RepEvents(1, 1.0, 2.0, 2.8))
    eb = sync_events(tb, db, RepEvents(1, 1.5, 3.1, 4.3))
    warp = build_warp([RepPair(1, 1)], {1: ea}, {1: eb})
    fit = pair_fit(ta, da, tb, db, ea, warp, 30.0)
    assert fit.depth_rms_deg is not None and fit.depth_rms_deg < 1.5
    assert fit.shape_rms_pct is not None and fit.shape_rms_pct < 2.0
    assert fit.residual_lag_s is not None and abs(fit.residual_lag_s) <= 0.02
    # On the common phase base the two curves coincide.
    assert np.nanmax(np.abs(rep_curve(ta, da, ea) - rep_curve(tb, db, eb))) < 3.0


def test_a_set_against_itself_fits_perfectly() -> None:
    t, d = cosine_rep(1.0, 1.0, 0.8, 80.0)
    ev = sync_events(t, d, RepEvents(1, 1.0, 2.0, 2.8))
    warp = build_warp([RepPair(1, 1)], {1: ev}, {1: ev})
    fit = pair_fit(t, d, t, d, ev, warp, 30.0)
    assert (fit.depth_rms_deg, fit.shape_rms_pct, fit.residual_lag_s) == (0.0, 0.0, 0.0)


def test_no_signal_no_fit() -> None:
    t = np.arange(0, 3, 1 / 30)
    ev = RepEvents(1, 0.5, 1.5, 2.5)
    warp = build_warp([RepPair(1, 1)], {1: ev}, {1: ev})
    fit = pair_fit(t, np.full_like(t, np.nan), t, np.full_like(t, np.nan), ev, warp, 30.0)
    assert (fit.depth_rms_deg, fit.shape_rms_pct, fit.residual_lag_s) == (None, None, None)
