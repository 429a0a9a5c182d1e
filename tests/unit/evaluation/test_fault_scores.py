"""Clip-level fault scores (hingecoach.evaluation.fault_scores): one analysis with the thresholds
disabled gives the verdict of every threshold, on generated tracks with known faults."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

import hingecoach.core.faults  # noqa: F401  (registers every detector)
from hingecoach.core.coach.coaching import coach_analysis
from hingecoach.core.drills import get_drill
from hingecoach.core.faults.detectors import DETECTORS, DIRECTIONS, RepContext, detect_faults, direction
from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement
from hingecoach.errors import HingeError
from hingecoach.evaluation.fault_scores import (
    clip_scores,
    kth_largest,
    margin,
    threshold_at,
)


def test_every_registered_detector_says_which_way_it_fires():
    assert set(DETECTORS) <= set(DIRECTIONS)
    with pytest.raises(HingeError, match="no direction"):
        direction("no_such_detector")


def test_margin_is_positive_toward_the_fault_and_threshold_at_inverts_it():
    spec = next(s for s in get_drill("romanian_deadlift").faults if s.id == "lockout_hyperextension")  # fires below -12
    assert margin(spec, -20.0) == 8.0 and margin(spec, -5.0) == -7.0
    assert threshold_at(spec, 8.0) == -20.0
    above = next(s for s in get_drill("romanian_deadlift").faults if s.id == "bar_drift")  # fires above 0.18
    assert margin(above, 0.3) == pytest.approx(0.12) and threshold_at(above, 0.12) == pytest.approx(0.3)


@pytest.mark.parametrize("values, share, want", [
    ([0.1, 0.5, 0.3, 0.2], 0.0, 0.5),     # any rep: the worst
    ([0.1, 0.5, 0.3, 0.2], 0.5, 0.3),     # half the reps: the second worst
    ([0.1, -math.inf, -math.inf], 0.5, -math.inf),
    ([], 0.5, -math.inf),
])
def test_kth_largest(values, share, want):
    assert kth_largest(values, share) == want


CASES = [
    ("kettlebell_deadlift", dict(knee_deg=15, knee_extra_deg=90)),   # squatted: knee_dominant
    ("romanian_deadlift", dict(knee_deg=20, lockout_deg=-25)),       # leaning back at the top
    ("romanian_deadlift", dict(knee_deg=20)),                         # clean
]


@pytest.mark.parametrize("drill, movement", CASES)
def test_scores_reproduce_the_pipeline_and_every_other_threshold(drill, movement):
    track = fake_hinge_track(hinge_movement(n_reps=3, **movement))
    scores = clip_scores(track, drill, share=0.5)
    assert scores.drill == drill and scores.reps == 3
    # At the packaged thresholds: the pipeline's own verdicts with that drill.
    fired = {s.id for k, s in scores.specs.items()
             if scores.scores[k] > 0 or (scores.scores[k] == 0 and direction(s.detector).startswith("at_or"))}
    assert fired == set(scores.packaged)
    # Any other threshold: a rep's rule fires just short of its margin and not just past it.
    analysis, tf = analyze_track(track)
    coach_analysis(analysis, tf, drill_override=drill)
    view, conf = analysis.view["label"], float(analysis.view["sagittal_confidence"])
    checked = 0
    for i, (res, rep) in enumerate(zip(analysis.reps, tf.reps, strict=True)):
        ctx = RepContext(rep=rep, tf=tf, metrics=res.metrics, view_confidence=conf)
        for key, spec in scores.specs.items():
            m = scores.rep_margins[key][i]
            if not math.isfinite(m) or spec.params.get("suppressed_by"):
                continue
            for offset, want in ((m - 1e-3, True), (m + 1e-3, False)):
                moved = replace(spec, threshold=threshold_at(spec, offset))
                found, _ = detect_faults(ctx, (moved,), view)
                assert bool(found) is want, (key, offset)
            checked += 1
    assert checked >= 3


def test_the_known_fault_scores_above_zero_and_the_clean_set_below():
    bad = clip_scores(fake_hinge_track(hinge_movement(n_reps=3, knee_deg=15, knee_extra_deg=90)),
                      "kettlebell_deadlift", share=0.5)
    good = clip_scores(fake_hinge_track(hinge_movement(n_reps=3, knee_deg=15, knee_extra_deg=20)),
                       "kettlebell_deadlift", share=0.5)
    key = next(k for k, s in bad.specs.items() if s.id == "knee_dominant")
    assert bad.scores[key] > 0 > good.scores[key]
    assert "knee_dominant" in bad.packaged and "knee_dominant" not in good.packaged
