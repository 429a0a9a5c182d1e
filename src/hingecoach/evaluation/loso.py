"""Fault thresholds out of sample: threshold sweeps (ROC), fitting and leave-one-source-out.

Pure functions over per-clip scores of one fault rule (:class:`Scored`); ``hinge eval`` builds
the scores (:mod:`hingecoach.evaluation.fault_scores`) and prints the results
(:mod:`hingecoach.evaluation.scoring`).

Conventions:

- A clip's **score** for a rule is oriented so that higher means more faulty, and the rule
  fires on the clip at threshold ``t`` when ``score > t`` (``score >= t`` for an *inclusive*
  rule). ``-inf`` is a clip the rule never fires on, whatever the threshold (not rated in that
  view, nothing measured).
- **Fitting** (:func:`fit_threshold`): among the candidate thresholds (:func:`candidates`: the
  packaged threshold, the midpoints between consecutive distinct scores, and one just beyond
  either end) the one with the best objective on the fitting clips — F1 by default, or Youden's
  J (TPR − FPR) — ties going to the candidate nearest the packaged threshold (at equal distance,
  the higher one, which fires less). A fitting set without a positive clip has nothing to fit:
  the packaged threshold stays.
- **Leave one source out** (:func:`leave_one_source_out`): for each source, the threshold fitted
  on every other source's clips plus the clips of the always-fitted sources (the synthetic
  bench), applied to the held-out source's clips; counts pooled over the held-out sources.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

#: The source name of clips that are always in the fitting set and never held out.
BENCH = "bench"


@dataclass(frozen=True)
class Scored:
    """One clip's score for one fault rule, and whether its label has the fault."""

    clip: str
    source: str
    truth: bool
    score: float


@dataclass(frozen=True)
class Counts:
    """A confusion table over clips."""

    tp: int = 0  # the rule fires, the clip has the fault
    fp: int = 0  # the rule fires, the clip has not
    fn: int = 0  # the rule is silent, the clip has the fault
    tn: int = 0  # the rule is silent, the clip has not

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn)

    @property
    def positives(self) -> int:
        return self.tp + self.fn

    @property
    def negatives(self) -> int:
        return self.fp + self.tn

    @property
    def precision(self) -> float:
        """TP / (TP + FP); NaN when nothing fired."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else math.nan

    @property
    def recall(self) -> float:
        """TP / positives (the TPR); NaN without positives."""
        return self.tp / self.positives if self.positives else math.nan

    @property
    def fpr(self) -> float:
        """FP / negatives; NaN without negatives."""
        return self.fp / self.negatives if self.negatives else math.nan

    @property
    def f1(self) -> float:
        """2TP / (2TP + FP + FN); NaN when there is neither a positive nor a firing (nothing to get
        right or wrong), 0 when there is one but no true positive."""
        den = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / den if den else math.nan


def fires(score: float, threshold: float, inclusive: bool = False) -> bool:
    """Whether a rule fires on a clip with this score at this threshold."""
    return score >= threshold if inclusive else score > threshold


def confusion(rows: Iterable[Scored], threshold: float, inclusive: bool = False) -> Counts:
    """The confusion table of the rule at ``threshold`` over ``rows``."""
    tp = fp = fn = tn = 0
    for r in rows:
        hit = fires(r.score, threshold, inclusive)
        if r.truth:
            tp, fn = tp + hit, fn + (not hit)
        else:
            fp, tn = fp + hit, tn + (not hit)
    return Counts(tp, fp, fn, tn)


def candidates(scores: Iterable[float], packaged: float) -> list[float]:
    """Thresholds that give every distinct verdict on these scores, plus the packaged one,
    ascending: the midpoints between consecutive distinct finite scores and one just beyond
    either end (5% of the score range out, at least 1e-6), so that no candidate sits on a
    clip's score."""
    finite = sorted({s for s in scores if math.isfinite(s)})
    out = {float(packaged)}
    if finite:
        lo, hi = finite[0], finite[-1]
        pad = max(1e-6, 0.05 * (hi - lo), 0.05 * abs(hi) if lo == hi else 0.0)
        out |= {lo - pad, hi + pad}
        out |= {(a + b) / 2.0 for a, b in zip(finite, finite[1:], strict=False)}
    return sorted(out)


def youden(c: Counts) -> float:
    """Youden's J: TPR − FPR (NaN without positives or negatives)."""
    return c.recall - c.fpr


def _f1(c: Counts) -> float:
    return c.f1


OBJECTIVES: dict[str, Callable[[Counts], float]] = {"f1": _f1, "youden": youden}


def fit_threshold(rows: Sequence[Scored], packaged: float, inclusive: bool = False, objective: str = "f1") -> float:
    """The threshold with the best ``objective`` (``"f1"`` or ``"youden"``) on ``rows``; ties
    to the candidate nearest ``packaged`` (at equal distance the higher); ``packaged`` itself
    when ``rows`` hold no positive clip."""
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r} (known: {', '.join(sorted(OBJECTIVES))})")
    if not any(r.truth for r in rows):
        return float(packaged)
    score_of = OBJECTIVES[objective]

    def key(t: float) -> tuple[float, float, float]:
        value = score_of(confusion(rows, t, inclusive))
        return (value if math.isfinite(value) else -math.inf, -abs(t - packaged), t)

    return max(candidates((r.score for r in rows), packaged), key=key)


@dataclass(frozen=True)
class Operating:
    """One point of a threshold sweep: the verdicts at ``threshold`` (a candidate that stands
    for every threshold giving the same verdicts: those from ``low`` to ``high``, see
    :func:`verdict_interval`) and whether the packaged threshold gives them."""

    threshold: float
    counts: Counts
    packaged: bool = False
    low: float = -math.inf
    high: float = math.inf


def verdict_interval(scores: Iterable[float], threshold: float, inclusive: bool = False) -> tuple[float, float]:
    """The thresholds that give the same verdicts as ``threshold`` on these scores: from the
    highest score that does not fire to the lowest that does (``[low, high)``; ``(low, high]``
    for an inclusive rule); ±inf where no score bounds it."""
    finite = [s for s in scores if math.isfinite(s)]
    if inclusive:
        low = max((s for s in finite if s < threshold), default=-math.inf)
        high = min((s for s in finite if s >= threshold), default=math.inf)
    else:
        low = max((s for s in finite if s <= threshold), default=-math.inf)
        high = min((s for s in finite if s > threshold), default=math.inf)
    return low, high


def sweep(rows: Sequence[Scored], packaged: float, inclusive: bool = False) -> list[Operating]:
    """Every distinct operating point of the rule on ``rows``, from the strictest threshold
    (fires on nothing) to the loosest; the point the packaged threshold gives is marked and
    stands at the packaged threshold."""
    scores = [r.score for r in rows]
    points: list[Operating] = []
    for t in sorted(candidates(scores, packaged), reverse=True):
        c = confusion(rows, t, inclusive)
        if points and points[-1].counts == c:
            if t == packaged:
                last = points[-1]
                points[-1] = Operating(t, c, True, last.low, last.high)
            continue
        points.append(Operating(t, c, t == packaged, *verdict_interval(scores, t, inclusive)))
    return points


def envelope(points: Sequence[Operating]) -> list[Operating]:
    """The points worth a row: for each number of positives caught, the one with the fewest
    false positives (the strictest threshold that catches them), plus the packaged point."""
    best: dict[int, Operating] = {}
    for p in points:
        if p.counts.tp not in best or p.counts.fp < best[p.counts.tp].counts.fp:
            best[p.counts.tp] = p
    keep = {id(p) for p in best.values()} | {id(p) for p in points if p.packaged}
    return [p for p in points if id(p) in keep]


def auc(rows: Sequence[Scored]) -> float:
    """The area under the ROC curve: the chance that a positive clip scores above a negative one
    (ties count half; two clips the rule never fires on are a tie). NaN without both classes."""
    pos = [r.score for r in rows if r.truth]
    neg = [r.score for r in rows if not r.truth]
    if not pos or not neg:
        return math.nan
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


@dataclass(frozen=True)
class Fold:
    """One held-out source: the threshold fitted without it and its clips' counts."""

    source: str
    threshold: float
    counts: Counts
    fit_positives: int
    fit_negatives: int


@dataclass(frozen=True)
class Loso:
    """Leave-one-source-out: the folds, the counts pooled over them, each held-out clip's verdict."""

    folds: list[Fold]
    pooled: Counts
    verdicts: dict[str, bool] = field(default_factory=dict)


def leave_one_source_out(rows: Sequence[Scored], packaged: float, inclusive: bool = False,
                         objective: str = "f1", always_fit: Iterable[str] = (BENCH,)) -> Loso:
    """For each source not in ``always_fit``: fit on every other clip (other sources and the
    ``always_fit`` ones), apply to the source's clips. Counts pooled over the held-out sources."""
    fixed = set(always_fit)
    folds: list[Fold] = []
    pooled = Counts()
    verdicts: dict[str, bool] = {}
    for source in sorted({r.source for r in rows} - fixed):
        fit = [r for r in rows if r.source != source]
        test = [r for r in rows if r.source == source]
        t = fit_threshold(fit, packaged, inclusive, objective)
        c = confusion(test, t, inclusive)
        folds.append(Fold(source, t, c, sum(r.truth for r in fit), sum(not r.truth for r in fit)))
        pooled = pooled + c
        verdicts.update({r.clip: fires(r.score, t, inclusive) for r in test})
    return Loso(folds, pooled, verdicts)


def flagged_good(truth: dict[str, set[str]], fired: dict[str, set[str]]) -> list[str]:
    """Clips whose label has no fault at all but where some rule fired, in ``truth``'s order."""
    return [clip for clip, faults in truth.items() if not faults and fired.get(clip)]
