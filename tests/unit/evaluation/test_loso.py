"""Threshold sweeps, fitting and leave-one-source-out (hingecoach.evaluation.loso) on small
hand-made score tables whose answers are worked out in the comments."""

from __future__ import annotations

import math

import pytest

from hingecoach.evaluation.loso import (
    Counts,
    Scored,
    auc,
    candidates,
    confusion,
    envelope,
    fires,
    fit_threshold,
    flagged_good,
    leave_one_source_out,
    sweep,
    verdict_interval,
)


def table(pos: list[float], neg: list[float], source: str = "s") -> list[Scored]:
    rows = [Scored(f"{source}+{i}", source, True, s) for i, s in enumerate(pos)]
    return rows + [Scored(f"{source}-{i}", source, False, s) for i, s in enumerate(neg)]


def test_confusion_counts_a_clip_as_firing_above_the_threshold():
    rows = table([0.9, 0.3], [0.5, 0.1, -math.inf])
    assert confusion(rows, 0.4) == Counts(tp=1, fp=1, fn=1, tn=2)
    assert confusion(rows, -100.0) == Counts(tp=2, fp=2, fn=0, tn=1)   # -inf never fires


def test_an_inclusive_rule_fires_on_a_score_equal_to_its_threshold():
    assert fires(0.0, 0.0, inclusive=True) and not fires(0.0, 0.0)
    assert confusion(table([0.0], []), 0.0, inclusive=True).tp == 1


@pytest.mark.parametrize("c, precision, recall, f1", [
    (Counts(tp=1, fp=1, fn=0), 0.5, 1.0, 2 / 3),
    (Counts(tp=0, fp=2, fn=0, tn=3), 0.0, math.nan, 0.0),   # firing on negatives only is wrong, not undefined
    (Counts(tp=0, fp=0, fn=2), math.nan, 0.0, 0.0),
    (Counts(tn=5), math.nan, math.nan, math.nan),            # nothing to get right or wrong
])
def test_precision_recall_f1(c, precision, recall, f1):
    for got, want in ((c.precision, precision), (c.recall, recall), (c.f1, f1)):
        assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want)


def test_candidates_are_midpoints_the_packaged_threshold_and_one_beyond_each_end():
    got = candidates([0.0, 1.0, 1.0, 3.0, -math.inf], packaged=2.5)
    # range 3: 5% beyond each end is 0.15
    assert got == pytest.approx([-0.15, 0.5, 2.0, 2.5, 3.15])
    assert candidates([], packaged=1.0) == [1.0]


def test_the_fit_keeps_the_packaged_threshold_when_it_separates_the_classes():
    rows = table([0.5, 0.6], [0.1, 0.2])
    assert fit_threshold(rows, packaged=0.3) == 0.3


def test_the_fit_moves_to_the_best_candidate_nearest_the_packaged_threshold():
    rows = table([0.5, 0.6], [0.1, 0.2])
    # F1 = 1 for every threshold in [0.2, 0.5): of the candidates only the midpoint 0.35.
    assert fit_threshold(rows, packaged=0.7) == pytest.approx(0.35)
    assert fit_threshold(rows, packaged=-1.0) == pytest.approx(0.35)


def test_equal_objectives_go_to_the_candidate_nearest_the_packaged_threshold():
    # t in [0.5, 1.0): TP1 FP0 FN1 -> F1 2/3; t below 0.2: TP2 FP2 FN0 -> F1 2/3 as well
    # (in between: 0.5 and 0.4).
    rows = table([1.0, 0.2], [0.5, 0.3])
    assert fit_threshold(rows, packaged=1.5) == pytest.approx(0.75)
    assert fit_threshold(rows, packaged=0.9) == 0.9          # itself one of the best
    assert fit_threshold(rows, packaged=0.1) == 0.1


def test_without_a_positive_there_is_nothing_to_fit():
    assert fit_threshold(table([], [0.9, 0.8]), packaged=0.5) == 0.5


def test_youden_weighs_false_positives_against_all_negatives_f1_does_not():
    rows = table([1.0, 0.4], [0.5, 0.45, 0.42] + [0.0] * 7)
    # High (0.75): TP1 FP0 FN1 -> F1 0.667, J 0.5. Low (0.2): TP2 FP3 -> F1 0.571, J 1 - 0.3 = 0.7.
    assert fit_threshold(rows, packaged=0.2, objective="f1") == pytest.approx(0.75)
    assert fit_threshold(rows, packaged=0.75, objective="youden") == pytest.approx(0.2)
    with pytest.raises(ValueError, match="unknown objective"):
        fit_threshold(rows, packaged=0.0, objective="accuracy")


def test_sweep_lists_each_operating_point_once_from_strict_to_loose():
    rows = table([0.9, 0.3], [0.5, 0.1])
    points = sweep(rows, packaged=0.4)
    assert [(p.counts.tp, p.counts.fp) for p in points] == [(0, 0), (1, 0), (1, 1), (2, 1), (2, 2)]
    packaged = [p for p in points if p.packaged]
    assert len(packaged) == 1 and packaged[0].threshold == 0.4 and packaged[0].counts == Counts(1, 1, 1, 1)
    # 0.4 gives the verdicts of every threshold from 0.3 (does not fire) to 0.5 (fires).
    assert (packaged[0].low, packaged[0].high) == (0.3, 0.5)
    assert (points[0].low, points[0].high) == (0.9, math.inf)


def test_verdict_interval_of_an_inclusive_rule_is_open_below():
    assert verdict_interval([0.1, 0.3, 0.5], 0.3, inclusive=True) == (0.1, 0.3)
    assert verdict_interval([0.1, 0.3, 0.5], 0.3) == (0.3, 0.5)


def test_envelope_keeps_the_fewest_false_positives_for_each_number_caught():
    rows = table([0.9, 0.3], [0.5, 0.1])
    kept = envelope(sweep(rows, packaged=0.4))
    assert [(p.counts.tp, p.counts.fp) for p in kept] == [(0, 0), (1, 0), (1, 1), (2, 1)]   # (1, 1) is the packaged


def test_auc_is_the_chance_a_positive_outscores_a_negative():
    assert auc(table([0.9, 0.3], [0.5, 0.1])) == pytest.approx(0.75)
    assert auc(table([-math.inf], [-math.inf])) == 0.5          # never fires on either: a tie
    assert math.isnan(auc(table([0.9], [])))


def test_leave_one_source_out_fits_without_the_held_out_source_and_pools():
    bench = table([1.0], [0.0], source="bench")
    a = table([0.6], [0.3], source="A")
    b = table([0.2], [0.5], source="B")   # a source where the measure points the other way
    result = leave_one_source_out(bench + a + b, packaged=0.4)
    folds = {f.source: f for f in result.folds}
    assert set(folds) == {"A", "B"}                     # the bench is always fitted, never held out
    # Without A: positives {1.0, 0.2}, negatives {0.0, 0.5}; F1 is best (0.8) at 0.1.
    assert folds["A"].threshold == pytest.approx(0.1)
    assert folds["A"].counts == Counts(tp=1, fp=1)
    assert (folds["A"].fit_positives, folds["A"].fit_negatives) == (2, 2)
    # Without B: positives {1.0, 0.6}, negatives {0.0, 0.3}: the packaged 0.4 separates them.
    assert folds["B"].threshold == 0.4
    assert folds["B"].counts == Counts(fp=1, fn=1)
    assert result.pooled == Counts(tp=1, fp=2, fn=1)
    assert result.verdicts == {"A+0": True, "A-0": True, "B+0": False, "B-0": True}


def test_flagged_good_is_a_clip_without_a_labelled_fault_where_a_rule_fired():
    truth = {"good1": set(), "good2": set(), "bad": {"bar_drift"}}
    fired = {"good1": {"knee_dominant"}, "bad": {"bar_drift"}, "good2": set()}
    assert flagged_good(truth, fired) == ["good1"]
