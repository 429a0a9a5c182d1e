"""The time warp: set B's clock mapped onto set A's, rep by rep, so the two move together.

Pipeline position: paired reps (:mod:`hingecoach.core.compare.pairing`) → **time warp** → the
side-by-side video (B's frame shown with A's frame at ``to_b(t)``), the rep-normalised curves
and the alignment quality of each pair.

Each pair contributes three knots, its start, bottom and end in A's time and in B's time; the
warp is piecewise linear between the knots, so a B that lowers in 1.5 s where A takes 1.0 s is
played 1.5 times as fast on the way down, and reaches its bottom exactly when A does. Between
pairs (the stand between reps, and any unpaired rep) it is linear from one pair's end to the
next pair's start; before the first and after the last knot it runs at speed 1.

A rep's *phase* is the rep-normalised time base the curves share: 0 at the start, 1 at the
bottom, 2 at the end, linear in time in between.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from hingecoach.core.compare.pairing import RepEvents, RepPair

#: Knots closer than this (seconds) in either set are merged (frames are 1/30 s apart at most).
MIN_KNOT_GAP_S = 1e-3
#: The rep-normalised grid of the curves: 0 start, 1 bottom, 2 end.
PHASE_GRID = np.linspace(0.0, 2.0, 121)
#: Residual lag search: ± this many seconds, in steps of this many.
LAG_SEARCH_S = 0.3
LAG_STEP_S = 0.005


@dataclass(frozen=True)
class TimeWarp:
    """A monotone, piecewise-linear map from A's time to B's (seconds), and back."""

    a_knots: np.ndarray
    b_knots: np.ndarray

    def to_b(self, t_a: np.ndarray | float) -> np.ndarray:
        """B's time at A's time ``t_a`` (slope 1 outside the knots)."""
        return _map(np.asarray(t_a, float), self.a_knots, self.b_knots)

    def to_a(self, t_b: np.ndarray | float) -> np.ndarray:
        """A's time at B's time ``t_b`` (the inverse of :meth:`to_b`)."""
        return _map(np.asarray(t_b, float), self.b_knots, self.a_knots)

    def knots(self) -> list[list[float]]:
        """``[[t_a, t_b], ...]`` for ``comparison.json``."""
        return [[round(float(x), 4), round(float(y), 4)] for x, y in zip(self.a_knots, self.b_knots, strict=True)]


def _map(t: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    if len(xs) == 0:
        return t.copy()
    if len(xs) == 1:
        return t + (ys[0] - xs[0])
    inside = np.interp(t, xs, ys)
    return np.where(t < xs[0], ys[0] + (t - xs[0]), np.where(t > xs[-1], ys[-1] + (t - xs[-1]), inside))


def build_warp(pairs: Sequence[RepPair], a_reps: Mapping[int, RepEvents], b_reps: Mapping[int, RepEvents]) -> TimeWarp:
    """The warp through every pair's start, bottom and end (knots that would not keep both
    clocks strictly increasing, such as a rep ending on the frame the next starts, are merged)."""
    xs: list[float] = []
    ys: list[float] = []
    for p in pairs:
        ea, eb = a_reps[p.a], b_reps[p.b]
        for x, y in ((ea.start_s, eb.start_s), (ea.bottom_s, eb.bottom_s), (ea.end_s, eb.end_s)):
            if xs and (x - xs[-1] < MIN_KNOT_GAP_S or y - ys[-1] < MIN_KNOT_GAP_S):
                continue
            xs.append(float(x))
            ys.append(float(y))
    return TimeWarp(np.array(xs, float), np.array(ys, float))


#: The knots of a rep, when its depth signal is known: it *starts* when it has gone this share
#: of its range below its top, and *ends* when it is back within this share; its *bottom* is the
#: middle of the stretch where it is within :data:`BOTTOM_SHARE` of its deepest. Relative, so
#: a short rep and a deep one, a hold at the bottom or a bounce, are cut alike (the rep
#: counter's own start and end are within 4° of the top, a larger share of a short rep).
EDGE_SHARE = 0.10
BOTTOM_SHARE = 0.05


def _crossing(t: np.ndarray, x: np.ndarray, level: float, rising: bool) -> float | None:
    """The first time ``x`` crosses ``level`` (upward when ``rising``), interpolated."""
    above = x >= level
    idx = np.flatnonzero(above if rising else ~above)
    if idx.size == 0:
        return None
    i = int(idx[0])
    if i == 0:
        return float(t[0])
    x0, x1 = x[i - 1], x[i]
    frac = (level - x0) / (x1 - x0) if x1 != x0 else 0.0
    return float(t[i - 1] + frac * (t[i] - t[i - 1]))


def sync_events(times_s: np.ndarray, depth_deg: np.ndarray, ev: RepEvents) -> RepEvents:
    """The rep's start, bottom and end cut from its depth signal (:data:`EDGE_SHARE`,
    :data:`BOTTOM_SHARE`), the knots the warp goes through; ``ev`` as it is when the signal
    does not allow it (missing frames, no range)."""
    times_s = np.asarray(times_s, float)
    depth = np.asarray(depth_deg, float)
    inside = (times_s >= ev.start_s - 1e-9) & (times_s <= ev.end_s + 1e-9) & np.isfinite(depth)
    t, x = times_s[inside], depth[inside]
    if t.size < 5:
        return ev
    ib = int(np.argmax(x))
    peak = float(x[ib])
    top_down, top_up = float(np.min(x[:ib + 1])), float(np.min(x[ib:]))
    if peak - max(top_down, top_up) <= 1e-6:
        return ev
    start = _crossing(t[:ib + 1], x[:ib + 1], top_down + EDGE_SHARE * (peak - top_down), rising=True)
    end_rev = _crossing(t[ib:][::-1], x[ib:][::-1], top_up + EDGE_SHARE * (peak - top_up), rising=True)
    band = peak - BOTTOM_SHARE * (peak - min(top_down, top_up))
    # The deepest stretch around the peak (contiguous), not a second dip elsewhere.
    lo = hi = ib
    while lo - 1 >= 0 and x[lo - 1] >= band:
        lo -= 1
    while hi + 1 < x.size and x[hi + 1] >= band:
        hi += 1
    first = _crossing(t[max(lo - 1, 0):lo + 1], x[max(lo - 1, 0):lo + 1], band, rising=True)
    last = _crossing(t[hi:hi + 2][::-1], x[hi:hi + 2][::-1], band, rising=True)
    bottom = 0.5 * ((first if first is not None else float(t[lo])) + (last if last is not None else float(t[hi])))
    if start is None or end_rev is None or not start < bottom < end_rev:
        return ev
    return RepEvents(index=ev.index, start_s=start, bottom_s=bottom, end_s=end_rev, depth_deg=ev.depth_deg)


def phase_of(t: np.ndarray | float, ev: RepEvents) -> np.ndarray:
    """The rep phase of times ``t`` (0 start, 1 bottom, 2 end; beyond them at the nearest
    half's rate)."""
    t = np.asarray(t, float)
    down = max(ev.down_s, 1e-6)
    up = max(ev.up_s, 1e-6)
    return np.where(t <= ev.bottom_s, (t - ev.start_s) / down, 1.0 + (t - ev.bottom_s) / up)


def time_at_phase(phase: np.ndarray | float, ev: RepEvents) -> np.ndarray:
    """The times (seconds) at rep phases ``phase`` (the inverse of :func:`phase_of`)."""
    p = np.asarray(phase, float)
    return np.where(p <= 1.0, ev.start_s + p * ev.down_s, ev.bottom_s + (p - 1.0) * ev.up_s)


def sample(times_s: np.ndarray, values: np.ndarray, at_s: np.ndarray) -> np.ndarray:
    """``values`` (one per frame at ``times_s``) linearly interpolated at ``at_s``; NaN where
    there is no finite value on both sides within reach, or outside the frames."""
    times_s = np.asarray(times_s, float)
    values = np.asarray(values, float)
    at_s = np.asarray(at_s, float)
    ok = np.isfinite(values) & np.isfinite(times_s)
    if ok.sum() < 2:
        return np.full(at_s.shape, np.nan)
    out = np.interp(at_s, times_s[ok], values[ok])
    return np.where((at_s < times_s[ok][0]) | (at_s > times_s[ok][-1]), np.nan, out)


def rep_curve(times_s: np.ndarray, values: np.ndarray, ev: RepEvents,
              grid: np.ndarray = PHASE_GRID) -> np.ndarray:
    """A per-frame signal over one rep, on the rep-normalised phase grid."""
    return sample(times_s, values, time_at_phase(grid, ev))


@dataclass(frozen=True)
class PairFit:
    """How well one pair lines up after the warp.

    ``depth_rms_deg``: RMS difference of the rep signal (hip flexion from the side), B after
    the warp against A, over A's rep, in degrees: zero for a set against itself; it includes
    any real change of depth. ``shape_rms_pct``: the same with each rep's signal scaled to its
    own range (0 at the top, 100 at the bottom), in percent of the range: what is left is
    timing, not depth. ``residual_lag_s``: the shift of B (after the warp) that would line the
    two scaled curves up best, within ±0.3 s: 0 when the events aligned them.
    """

    depth_rms_deg: float | None
    shape_rms_pct: float | None
    residual_lag_s: float | None


def _scaled(x: np.ndarray) -> np.ndarray:
    lo, hi = np.nanmin(x), np.nanmax(x)
    return (x - lo) / (hi - lo) if hi - lo > 1e-6 else np.full_like(x, np.nan)


def _rms(x: np.ndarray) -> float | None:
    x = x[np.isfinite(x)]
    return float(np.sqrt(np.mean(x * x))) if x.size >= 3 else None


def pair_fit(a_times: np.ndarray, a_depth: np.ndarray, b_times: np.ndarray, b_depth: np.ndarray,
             ea: RepEvents, warp: TimeWarp, fps: float) -> PairFit:
    """Measure how one pair lines up: A's depth over its rep against B's at the warped times."""
    step = 1.0 / max(fps, 1.0)
    t_a = np.arange(ea.start_s, ea.end_s + 0.5 * step, step)
    if t_a.size < 3:
        return PairFit(None, None, None)
    da = sample(a_times, a_depth, t_a)
    db = sample(b_times, b_depth, warp.to_b(t_a))
    both = np.isfinite(da) & np.isfinite(db)
    if both.sum() < 3:
        return PairFit(None, None, None)
    depth_rms = _rms(db - da)
    sa, sb = _scaled(np.where(both, da, np.nan)), _scaled(np.where(both, db, np.nan))
    shape_rms = _rms(100.0 * (sb - sa))
    lag = None
    if np.isfinite(sa).sum() >= 3:
        best = (math.inf, 0.0)
        for shift in np.arange(-LAG_SEARCH_S, LAG_SEARCH_S + 1e-9, LAG_STEP_S):
            shifted = _scaled(sample(b_times, b_depth, warp.to_b(t_a) + shift))
            r = _rms(shifted - sa)
            if r is not None and (r < best[0] - 1e-9 or (abs(r - best[0]) <= 1e-9 and abs(shift) < abs(best[1]))):
                best = (r, float(shift))
        lag = best[1] if math.isfinite(best[0]) else None
    return PairFit(
        depth_rms_deg=round(depth_rms, 3) if depth_rms is not None else None,
        shape_rms_pct=round(shape_rms, 2) if shape_rms is not None else None,
        residual_lag_s=round(lag, 3) if lag is not None else None,
    )
