"""Long sets: a set of up to DETAIL_REPS reps is reported rep by rep; a longer one is summarised
(one overlaid plot, a capped number of cards, faulty reps first) and still works at 500 reps.
Speed is measured in hingecoach.benchmark.report_seconds, never here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.results import Finding
from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement
from hingecoach.pipeline import Result, write_outputs
from hingecoach.report import HTML_NAME, PLOT_NAMES, rebuild_report
from hingecoach.report.model import DETAIL_REPS, ReportModel, build_model

CUE = "Push your hips back; keep the knees where they are."


def long_set(n_reps: int, fault_every: int = 3, safety_rep: int = 4) -> Result:
    """``n_reps`` one-second reps; a form fault on every ``fault_every``-th rep (the 2nd, 5th, ...)
    and a safety fault on rep ``safety_rep``."""
    track = fake_hinge_track(hinge_movement(n_reps=n_reps, rep_s=1.0, pause_s=0.2, lead_s=0.5, tail_s=0.5),
                             noise_px=1.0)
    analysis, tf = analyze_track(track)
    assert len(analysis.reps) == n_reps
    for k, rep in enumerate(analysis.reps):
        if k % fault_every == 1 % fault_every or rep.index == safety_rep:
            severity = "safety" if rep.index == safety_rep else "form"
            rep.faults = [Finding(id="squatted_hinge", value=45.0, threshold=35.0, unit="deg", severity=severity,
                                  frames=(rep.bottom_frame - 3, rep.bottom_frame + 3), confidence=0.9, cue=CUE)]
    analysis.drill = {"id": "romanian_deadlift", "confidence": 0.9, "source": "recognised"}
    return Result(analysis=analysis, features=tf, track=track, timings_s={})


def _model(result: Result) -> ReportModel:
    return build_model(result.analysis.to_dict(), result.features)


def test_a_500_rep_report_works(tmp_path: Path) -> None:
    """`hinge report` on 500 reps: every rep in the table, DETAIL_REPS cards, the summary plot."""
    write_outputs(long_set(500), tmp_path)
    paths = rebuild_report(tmp_path / "analysis.json", video=False)
    assert {p.name for p in paths.values()} == {HTML_NAME, *PLOT_NAMES.values()}
    page = (tmp_path / HTML_NAME).read_text(encoding="utf-8")
    assert re.search(r'id="rep-count">500<', page)
    assert page.count("<tr>") == 500 + 1   # a row per rep, and the header
    assert page.count('class="card"') == DETAIL_REPS and page.count('alt="Rep ') == DETAIL_REPS
    assert 'id="cards-note"' in page and "of 500 reps shown here" in page
    assert '<details id="rep-table">' in page
    for name in PLOT_NAMES.values():
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")


def test_up_to_detail_reps_every_rep_has_its_card() -> None:
    model = _model(long_set(DETAIL_REPS))
    assert not model.summarised
    assert model.featured_reps() == model.reps
    assert len(model.keyframe_indices()) == DETAIL_REPS


def test_a_long_set_shows_faulty_reps_first_then_clean_ones_spread_out() -> None:
    model = _model(long_set(DETAIL_REPS + 40, fault_every=7))   # 10 faulty reps (2, 9, 16, ...) plus rep 4
    assert model.summarised
    featured = [int(r["index"]) for r in model.featured_reps()]
    faulty = sorted(model.faults_by_rep)
    assert len(featured) == DETAIL_REPS and featured == sorted(featured)
    assert set(faulty) <= set(featured)
    clean = [i for i in featured if i not in faulty]
    assert clean[0] == 1 and clean[-1] == model.n_reps   # spread from the first rep to the last
    assert set(model.keyframe_indices()) == set(featured)


def test_when_faulty_reps_overflow_the_most_serious_come_first() -> None:
    model = _model(long_set(DETAIL_REPS * 3, fault_every=1, safety_rep=80))   # every rep faulty
    featured = [int(r["index"]) for r in model.featured_reps()]
    assert featured == [*range(1, DETAIL_REPS), 80]   # the safety fault, then form faults in order


@pytest.mark.parametrize("n_reps", [3, 60])
def test_banner_lookup_matches_a_scan_of_every_fault(n_reps: int) -> None:
    """faults_at (indexed by frame buckets) gives what a scan of every fault gives, on every frame."""
    model = _model(long_set(n_reps, fault_every=1))
    for i in range(-2, model.n_frames + 2):
        scan = sorted((f for f in model.faults if f.first <= i <= f.shown_until),
                      key=lambda f: ({"safety": 0, "form": 1, "minor": 2}[f.severity], f.first))
        assert model.faults_at(i) == scan
