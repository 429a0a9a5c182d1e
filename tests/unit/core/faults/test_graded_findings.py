"""Graded findings: a finding its rule is not sure enough of is kept as "watch" — recorded and
shown, never cued, never counted against the rep — and noise below the watch floor is dropped."""

from __future__ import annotations

import dataclasses

import pytest

from hingecoach.core.coach import coaching
from hingecoach.core.coach.coaching import coach_analysis
from hingecoach.core.drills import FaultSpec, get_drill
from hingecoach.core.faults.detectors import DETECTORS, RepContext, detect_faults
from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.results import Finding
from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement

SURE = {"low": 0.2, "noise": 0.05, "sure": 0.9}


def _spec(fid: str, **params: object) -> FaultSpec:
    return FaultSpec(id=fid, detector=f"test_{fid}", threshold=1.0, unit="deg", severity="form",
                     cue=f"cue for {fid}", why="test", views=("side",), params=dict(params))


@pytest.fixture(autouse=True)
def _detectors(monkeypatch: pytest.MonkeyPatch) -> None:
    """One stand-in detector per confidence, registered for these tests only."""
    for fid, conf in SURE.items():
        def detector(ctx: RepContext, spec: FaultSpec, conf: float = conf) -> Finding:
            return Finding(id=spec.id, value=2.0, threshold=spec.threshold, unit=spec.unit,
                           frames=(ctx.rep.start, ctx.rep.end), confidence=conf, severity=spec.severity)
        monkeypatch.setitem(DETECTORS, f"test_{fid}", detector)


def _first_rep_context() -> RepContext:
    analysis, tf = analyze_track(fake_hinge_track(hinge_movement(n_reps=2)))
    return RepContext(rep=tf.reps[0], tf=tf, metrics=analysis.reps[0].metrics, view_confidence=1.0)


def test_unsure_findings_are_watched_and_noise_is_dropped() -> None:
    watch: list[Finding] = []
    found, _ = detect_faults(_first_rep_context(), (_spec("low"), _spec("noise"), _spec("sure")), "side",
                             watch=watch, watch_min_confidence=0.1)
    assert [f.id for f in found] == ["sure"] and found[0].cue == "cue for sure"
    assert [f.id for f in watch] == ["low"]


def test_a_rule_asking_for_more_certainty_watches_what_it_does_not_coach() -> None:
    watch: list[Finding] = []
    found, _ = detect_faults(_first_rep_context(), (_spec("sure", min_confidence=0.95),), "side", watch=watch)
    assert found == [] and [f.id for f in watch] == ["sure"]


def test_experimental_rules_are_never_watched() -> None:
    watch: list[Finding] = []
    detect_faults(_first_rep_context(), (_spec("low", experimental=True),), "side", watch=watch)
    assert watch == []


def test_watched_findings_reach_the_analysis_without_a_cue_and_leave_the_rep_clean(
        monkeypatch: pytest.MonkeyPatch) -> None:
    unsure = dataclasses.replace(get_drill("romanian_deadlift"), faults=(_spec("low"),))
    monkeypatch.setattr(coaching, "get_drill", lambda _id: unsure)
    analysis, tf = analyze_track(fake_hinge_track(hinge_movement(n_reps=2)))
    coach_analysis(analysis, tf, drill_override="romanian_deadlift")
    doc = analysis.to_dict()
    assert all(r["clean"] and r["faults"] == [] for r in doc["reps"])
    assert all([w["id"] for w in r["watch"]] == ["low"] and r["watch"][0]["cue"] is None for r in doc["reps"])
    rec = doc["recommendation"] or {}
    assert "cue for low" not in str(rec)
