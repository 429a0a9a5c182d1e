"""Two fake sets compared end to end (generated lifters of known angles, analysed by the engine):
a set against itself, against a slower one, with other rep counts, none, or facing the other way."""

from __future__ import annotations

import json

import pytest

from hingecoach.core.compare import compare_sets
from hingecoach.errors import HingeError


def test_a_set_against_itself_changes_nothing(fake_set) -> None:
    doc, sig = fake_set()
    c = compare_sets(doc, doc, sig, sig)
    assert [(p.a.index, p.b.index) for p in c.pairs] == [(1, 1), (2, 2), (3, 3)]
    assert all(ch.difference in (0.0, None) for ch in c.changes)
    assert all(p.fit is not None and (p.fit.depth_rms_deg, p.fit.shape_rms_pct, p.fit.residual_lag_s) == (0.0, 0.0, 0.0)
               for p in c.pairs)
    assert c.faulted.verdict == "same" and not c.faults and not c.warnings
    assert c.summary[0].startswith("You reach 85° of hip flexion, as before")
    json.dumps(c.to_dict(), allow_nan=False)


def test_a_slower_set_lines_up_rep_by_rep(fake_set) -> None:
    doc_a, sig_a = fake_set()
    doc_b, sig_b = fake_set(rep_s=4.5, pause_s=1.5)           # the same lifter, 1.5 times slower
    c = compare_sets(doc_a, doc_b, sig_a, sig_b)
    assert len(c.pairs) == 3 and not c.unpaired_a and not c.unpaired_b
    for p in c.pairs:
        assert p.speed[0] == pytest.approx(1.5, abs=0.1) and p.speed[1] == pytest.approx(1.5, abs=0.1)
        assert p.fit is not None and p.fit.depth_rms_deg is not None and p.fit.depth_rms_deg < 2.0
        assert p.fit.residual_lag_s is not None and abs(p.fit.residual_lag_s) <= 0.035
        # B's bottom is where the warp puts A's.
        assert float(c.warp.to_b(p.a.bottom_s)) == pytest.approx(p.b.bottom_s)
    by = {ch.key: ch for ch in c.changes}
    assert by["hip_flexion_peak_deg"].verdict == "same"
    assert by["down_s"].difference == pytest.approx(0.75, abs=0.15)
    assert "You lower in" in c.summary[-1]


def test_a_deeper_set_with_straighter_knees(fake_set) -> None:
    doc_a, sig_a = fake_set(depth_deg=60.0, knee_extra_deg=15.0)
    doc_b, sig_b = fake_set(depth_deg=85.0)
    c = compare_sets(doc_a, doc_b, sig_a, sig_b)
    by = {ch.key: ch for ch in c.changes}
    assert by["hip_flexion_peak_deg"].difference == pytest.approx(25.0, abs=2.0)
    assert by["knee_flexion_bottom_deg"].difference == pytest.approx(-15.0, abs=2.0)
    assert c.summary[0].startswith("You now reach 85° of hip flexion, up from 60°, with your knees 1")


def test_other_rep_counts_pair_the_shorter_set(fake_set) -> None:
    doc_a, sig_a = fake_set()
    doc_b, sig_b = fake_set(n_reps=5)
    c = compare_sets(doc_a, doc_b, sig_a, sig_b, names=("A (week 1)", "B (week 4)"))
    assert [(p.a.index, p.b.index) for p in c.pairs] == [(1, 1), (2, 2), (3, 3)]
    assert c.unpaired_b == [4, 5] and not c.unpaired_a
    assert any("A (week 1) has 3 reps and B (week 4) 5: reps 4, 5 of B (week 4) have no partner" in w for w in c.warnings)
    assert c.faulted.b_of == 5   # the set's values still count every rep


def test_a_set_without_a_rep_is_a_clear_error(fake_set) -> None:
    doc_a, sig_a = fake_set()
    doc_b, sig_b = fake_set(n_reps=0)
    with pytest.raises(HingeError, match="B has no completed rep: there is nothing to compare it by"):
        compare_sets(doc_a, doc_b, sig_a, sig_b)


def test_facing_left_against_facing_right_measures_alike(fake_set) -> None:
    doc_a, sig_a = fake_set()
    doc_b, sig_b = fake_set(yaw_deg=180.0)
    assert (doc_a["facing"], doc_b["facing"]) == ("right", "left")
    c = compare_sets(doc_a, doc_b, sig_a, sig_b)
    assert all(ch.verdict in ("same", None) for ch in c.changes)
    assert all(p.fit is not None and p.fit.depth_rms_deg is not None and p.fit.depth_rms_deg < 1.0 for p in c.pairs)


def test_one_rep_and_its_partner(fake_set) -> None:
    doc_a, sig_a = fake_set()
    doc_b, sig_b = fake_set(n_reps=2, depth_deg=70.0)
    c = compare_sets(doc_a, doc_b, sig_a, sig_b, rep=2)
    assert [(p.a.index, p.b.index) for p in c.selected_pairs] == [(2, 2)]
    assert c.faulted.a_of == 1 and c.faulted.b_of == 1
    assert c.to_dict()["selection"] == {"rep": 2, "pairs": [[2, 2]]}
    with pytest.raises(HingeError, match="A has no rep 7"):
        compare_sets(doc_a, doc_b, sig_a, sig_b, rep=7)
    with pytest.raises(HingeError, match="rep 3 of A has no partner in B"):
        compare_sets(doc_a, doc_b, sig_a, sig_b, rep=3)


def test_without_signals_the_numbers_are_still_compared(fake_set) -> None:
    doc_a, _ = fake_set()
    doc_b, _ = fake_set(depth_deg=60.0)
    c = compare_sets(doc_a, doc_b)
    assert len(c.pairs) == 3 and all(p.fit is None for p in c.pairs)
    assert {ch.key: ch for ch in c.changes}["hip_flexion_peak_deg"].verdict == "worse"
    d = c.to_dict()
    assert d["pairs"][0]["depth_rms_deg"] is None and d["alignment"]["depth_rms_deg_median"] is None
