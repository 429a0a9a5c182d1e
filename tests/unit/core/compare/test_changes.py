"""Metric and fault changes: medians per set, B − A, what is within the noise, faults gone and new."""

from __future__ import annotations

import pytest

from hingecoach.core.compare.changes import METRICS, fault_changes, faulted_reps, format_value, metric_changes


def rep(faults: list[str] = (), **metrics: float | None) -> dict:  # type: ignore[assignment]
    return {"metrics": metrics, "faults": [{"id": f, "severity": "form", "cue": f"Fix {f}."} for f in faults]}


def test_medians_and_differences() -> None:
    a = [rep(hip_flexion_peak_deg=60.0, knee_flexion_bottom_deg=30.0), rep(hip_flexion_peak_deg=62.0,
                                                                         knee_flexion_bottom_deg=28.0)]
    b = [rep(hip_flexion_peak_deg=85.0, knee_flexion_bottom_deg=20.0)] * 3
    by = {c.key: c for c in metric_changes(a, b)}
    assert [c.key for c in metric_changes(a, b)] == [m.key for m in METRICS]
    hip, knee = by["hip_flexion_peak_deg"], by["knee_flexion_bottom_deg"]
    assert (hip.a, hip.b, hip.difference, hip.verdict) == (61.0, 85.0, 24.0, "better")
    assert (knee.a, knee.b, knee.difference, knee.verdict) == (29.0, 20.0, -9.0, "better")
    assert by["down_s"].a is None and by["down_s"].verdict is None


def test_within_the_noise_is_the_same() -> None:
    by = {c.key: c for c in metric_changes([rep(hip_flexion_peak_deg=80.0, trunk_inclination_bottom_deg=60.0)],
                                           [rep(hip_flexion_peak_deg=83.0, trunk_inclination_bottom_deg=70.0)])}
    assert by["hip_flexion_peak_deg"].verdict == "same"
    assert by["trunk_inclination_bottom_deg"].verdict == "changed"   # neither better nor worse


def test_worse_is_worse() -> None:
    by = {c.key: c for c in metric_changes([rep(knee_travel_leg=0.01, wrist_leg_distance_leg=0.10)],
                                           [rep(knee_travel_leg=0.12, wrist_leg_distance_leg=0.30)])}
    assert by["knee_travel_leg"].verdict == "worse"
    assert by["wrist_leg_distance_leg"].verdict == "worse"
    assert by["knee_travel_leg"].as_dict()["difference"] == pytest.approx(0.11)


def test_faulted_reps_and_fault_changes() -> None:
    a = [rep(["knee_dominant"]), rep(["knee_dominant", "bar_drift"]), rep()]
    b = [rep(), rep(["bar_drift"]), rep(["hips_rise_first"]), rep()]
    faulted = faulted_reps(a, b)
    assert (faulted.a, faulted.a_of, faulted.b, faulted.b_of) == (2, 3, 2, 4)
    assert faulted.verdict == "better"       # 2 of 4 against 2 of 3
    status = {f.id: (f.a_reps, f.b_reps, f.status) for f in fault_changes(a, b)}
    assert status == {"knee_dominant": (2, 0, "gone"), "bar_drift": (1, 1, "same"), "hips_rise_first": (0, 1, "new")}
    assert next(f for f in fault_changes(a, b) if f.id == "hips_rise_first").cue == "Fix hips_rise_first."


@pytest.mark.parametrize("value, unit, signed, shown", [
    (41.4, "deg", False, "41°"), (1.2, "s", False, "1.20 s"), (0.083, "leg", False, "8% leg"), (3, "reps", False, "3"),
    (3.0, "deg", True, "+3°"), (-3.0, "deg", True, "-3°"), (-0.2, "deg", True, "0°"), (0.0, "s", True, "0.00 s"),
    (None, "deg", False, "–"), (float("nan"), "deg", False, "–"), (True, "deg", False, "–"),
])
def test_values_read_by_their_unit(value: object, unit: str, signed: bool, shown: str) -> None:
    # The terminal (`hinge compare`) and the page show a metric's value the same way.
    assert format_value(value, unit, signed=signed) == shown
