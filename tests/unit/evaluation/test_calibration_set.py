"""The generated calibration set: fixed, split into fitting and held-out bodies and cameras,
and scored from what the packaged rules say (a clear fault found, a good set left alone)."""

from __future__ import annotations

import numpy as np

from hingecoach.evaluation.calibration_set import (
    FAULT_KNOBS,
    HELD_BODIES,
    CaseResult,
    cases,
    render_calibration,
    run_case,
    summarise,
    track_of,
)


def test_the_set_is_fixed_and_split() -> None:
    a, b = list(cases()), list(cases())
    assert a == b and len(a) == 320
    held = [c for c in a if c.held_out]
    assert {c.body for c in held} == set(HELD_BODIES)
    assert not {(c.body, c.yaw_deg) for c in held} & {(c.body, c.yaw_deg) for c in a if not c.held_out}
    assert {c.fault for c in a} == {None, *FAULT_KNOBS}
    np.testing.assert_array_equal(track_of(a[5]).xy, track_of(a[5]).xy)


def test_a_clear_fault_is_found_and_a_good_set_is_not_coached() -> None:
    chosen = [c for c in cases() if not c.held_out and c.yaw_deg == 0.0 and c.body == "average"
              and c.drill == "romanian_deadlift" and (c.fault is None or (c.fault == "knee_dominant" and c.grade == "clear"))]
    results = [run_case(c) for c in chosen]
    faulted = next(r for r in results if r.case.fault == "knee_dominant")
    assert faulted.reps == 4 and all("knee_dominant" in f for f in faulted.rep_faults)
    good = [r for r in results if r.case.fault is None]
    assert good and all(r.reps == 4 and not any(r.rep_faults) for r in good)


def test_the_summary_counts_what_the_rules_said() -> None:
    good = next(c for c in cases() if c.held_out and c.fault is None)
    bad = next(c for c in cases() if c.held_out and c.fault == "bar_drift" and c.grade == "clear")
    results = [CaseResult(good, 4, [set(), {"hips_rise_first"}, set(), set()], {}, {"bar_drift"}),
               CaseResult(bad, 4, [{"bar_drift"}, {"bar_drift"}, set(), set()], {}, {"bar_drift"})]
    s = summarise(results)["slices"]["held_out"]
    assert s["good_reps_coached_pct"] == 25.0 and s["good_false_by_fault"] == {"hips_rise_first": 1}
    assert s["found_pct"]["bar_drift"]["clear"] == 50.0 and s["reps_exact_pct"] == 100.0
    yaw = f"{good.yaw_deg:+.0f}"
    assert s["by_yaw"][yaw]["good"] == 25.0
    assert s["by_yaw"][f"{bad.yaw_deg:+.0f}"]["clear"] == 50.0
    assert any("held_out" in line for line in render_calibration(summarise(results)))
