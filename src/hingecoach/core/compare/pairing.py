"""Pairing the reps of two sets: which rep of B goes with which rep of A.

Pipeline position: two analyses (their ``reps``) → **pairing** → the time warp
(:mod:`hingecoach.core.compare.warp`) and the per-pair differences. Pure data in, pure data out.

The pairing keeps the order of the reps (rep 2 of A never pairs with a rep of B that comes
before the partner of A's rep 1) and pairs as many reps as the shorter set has. When one set
has more reps, the ones left over are those least like the other set's reps: each rep is
described by how far it strays from its own set's typical rep (depth and duration), so a set
that is deeper or slower throughout still pairs rep by rep, while a shallow warm-up rep or a
final set-down stands out and is left unpaired. Ties go to equal positions (rep 1 with rep 1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: A rep whose depth strays this far (degrees) from its set's median costs 1 to pair with a
#: typical rep: about the spread between a full and a clearly short rep of one set.
DEPTH_SCALE_DEG = 20.0
#: ... and one whose duration is e^0.5 ≈ 1.6 times (or 1/1.6 of) its set's median.
DURATION_SCALE_LOG = 0.5
#: Tie-break toward pairing equal positions (cost per rep of offset, far below any real difference).
OFFSET_COST = 1e-3


@dataclass(frozen=True)
class RepEvents:
    """When one rep left the top, was deepest and was back at the top (seconds from the start
    of its set), and how deep it went (peak hip flexion, or the rep signal's range)."""

    index: int
    start_s: float
    bottom_s: float
    end_s: float
    depth_deg: float | None = None

    @property
    def down_s(self) -> float:
        """Lowering time."""
        return self.bottom_s - self.start_s

    @property
    def up_s(self) -> float:
        """Lifting time."""
        return self.end_s - self.bottom_s

    @property
    def duration_s(self) -> float:
        """Start to end."""
        return self.end_s - self.start_s

    def as_dict(self) -> dict[str, float]:
        """Start, bottom and end, for ``comparison.json``."""
        return {"start_s": round(self.start_s, 4), "bottom_s": round(self.bottom_s, 4), "end_s": round(self.end_s, 4)}


@dataclass(frozen=True)
class RepPair:
    """Rep ``a`` of set A goes with rep ``b`` of set B (1-based rep indices)."""

    a: int
    b: int


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def rep_events(doc: Mapping[str, Any]) -> list[RepEvents]:
    """The reps of an ``analysis.json`` document as :class:`RepEvents`, in order.

    A rep without usable times (a hand-edited document) is left out; its depth is the peak hip
    flexion, else the rep signal's range (``depth_range_deg``).
    """
    out: list[RepEvents] = []
    for n, rep in enumerate(doc.get("reps") or [], start=1):
        if not isinstance(rep, Mapping):
            continue
        times = [_num(rep.get(k)) for k in ("start_s", "bottom_s", "end_s")]
        if any(t is None for t in times):
            continue
        start, bottom, end = (float(t) for t in times if t is not None)
        if not start <= bottom <= end or end <= start:
            continue
        metrics = rep.get("metrics") or {}
        depth = _num(metrics.get("hip_flexion_peak_deg"))
        if depth is None:
            depth = _num(metrics.get("depth_range_deg"))
        index = rep.get("index")
        out.append(RepEvents(index=int(index) if isinstance(index, int) and not isinstance(index, bool) else n,
                             start_s=start, bottom_s=bottom, end_s=end, depth_deg=depth))
    return out


def _strays(reps: Sequence[RepEvents]) -> tuple[np.ndarray, np.ndarray]:
    """Each rep's depth (degrees) and log-duration away from its set's medians (0 when unknown)."""
    depths = np.array([r.depth_deg if r.depth_deg is not None else np.nan for r in reps], float)
    durations = np.log(np.array([max(r.duration_s, 1e-3) for r in reps], float))
    depth_dev = depths - (np.nanmedian(depths) if np.isfinite(depths).any() else 0.0)
    return np.nan_to_num(depth_dev, nan=0.0), durations - np.median(durations)


def pair_cost(a: Sequence[RepEvents], b: Sequence[RepEvents]) -> np.ndarray:
    """(len(a), len(b)) cost of pairing each rep of A with each rep of B (0 = alike)."""
    da, ta = _strays(a)
    db, tb = _strays(b)
    depth = np.abs(da[:, None] - db[None, :]) / DEPTH_SCALE_DEG
    tempo = np.abs(ta[:, None] - tb[None, :]) / DURATION_SCALE_LOG
    offset = OFFSET_COST * np.abs(np.arange(len(a))[:, None] - np.arange(len(b))[None, :])
    return depth + tempo + offset


def pair_reps(a: Sequence[RepEvents], b: Sequence[RepEvents]) -> list[RepPair]:
    """Pair the reps of A and B in order: ``min(len(a), len(b))`` pairs of least total cost.

    Dynamic programming over the two sequences (an alignment where a rep may be skipped); the
    number of pairs comes first, their cost second.
    """
    n, m = len(a), len(b)
    if not n or not m:
        return []
    cost = pair_cost(a, b)
    big = 1e6  # one more pair always beats any cost
    score = np.full((n + 1, m + 1), -np.inf)
    score[0, :] = 0.0
    score[:, 0] = 0.0
    move = np.zeros((n + 1, m + 1), dtype=np.int8)  # 0 pair, 1 skip a rep of A, 2 skip a rep of B
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            options = (score[i - 1, j - 1] + big - cost[i - 1, j - 1], score[i - 1, j], score[i, j - 1])
            k = int(np.argmax(options))
            score[i, j], move[i, j] = options[k], k
    pairs: list[RepPair] = []
    i, j = n, m
    while i > 0 and j > 0:
        k = move[i, j]
        if k == 0:
            pairs.append(RepPair(a[i - 1].index, b[j - 1].index))
            i, j = i - 1, j - 1
        elif k == 1:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]
