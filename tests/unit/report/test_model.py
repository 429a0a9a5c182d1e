"""The report model: which target the range bar shows, rep counting per frame, banner timing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fakes import fake_result

from hingecoach.report.model import MIN_BANNER_S, build_model, choose_target, verdict


def _doc(rec_limit: float | None, drill: str | None, peaks: list[float]) -> dict[str, Any]:
    return {
        "recommendation": {"range": {"limit_deg": rec_limit, "landmark": "mid-thigh", "action": "shorten"}}
        if rec_limit is not None else None,
        "drill": {"id": drill},
        "reps": [{"index": i + 1, "metrics": {"hip_flexion_peak_deg": p}} for i, p in enumerate(peaks)],
    }


@pytest.mark.parametrize(("limit", "drill", "peaks", "expected"), [
    (60.0, "romanian_deadlift", [85.0], (60.0, "limit")),          # the recommendation's limit wins
    (None, "romanian_deadlift", [85.0], (90.0, "full")),           # else the drill's full range (drills data)
    (None, None, [70.0, 91.0, 88.0], (91.0, "deepest")),           # else the set's deepest rep
    (None, "no_such_drill", [50.0], (50.0, "deepest")),            # an unknown drill falls through
])
def test_target_choice(limit: float | None, drill: str | None, peaks: list[float],
                       expected: tuple[float, str]) -> None:
    target = choose_target(_doc(limit, drill, peaks))
    assert target is not None and (target.deg, target.kind) == expected


def test_no_target_without_reps() -> None:
    assert choose_target(_doc(None, None, [])) is None


def test_rep_counter_and_peak_per_frame() -> None:
    """Frames inside rep n say n; completed reps count up at each rep's end; the peak holds."""
    result = fake_result(None)
    model = build_model(result.analysis.to_dict(), result.features)
    r1, r2 = result.analysis.reps
    assert model.rep_at[r1.start_frame] == 1 and model.rep_at[r2.bottom_frame] == 2
    assert model.rep_at[r1.end_frame + 1] == 0
    assert model.done_at[r1.end_frame - 1] == 0 and model.done_at[r1.end_frame] == 1
    assert model.done_at[-1] == 2
    assert model.phase(r1.start_frame + 1) == "lowering" and model.phase(r1.end_frame - 1) == "lifting"
    between = r1.end_frame + 1
    assert model.peak_at[between] == pytest.approx(np.nanmax(model.depth_deg[r1.start_frame:r1.end_frame + 1]))


def test_banner_lasts_long_enough_to_read() -> None:
    """A fault a few frames long is shown for at least MIN_BANNER_S."""
    result = fake_result(None)
    model = build_model(result.analysis.to_dict(), result.features)
    (span,) = model.faults
    assert (span.shown_until - span.first) >= round(MIN_BANNER_S * model.fps) or span.shown_until == model.n_frames - 1
    assert model.faults_at(span.first) == [span]
    assert model.faults_at(span.first - 1) == []


def test_verdict_names_clean_reps_and_the_fault() -> None:
    result = fake_result(None)
    v = verdict(build_model(result.analysis.to_dict(), result.features))
    assert v.headline == "1 of 2 reps clean" and "squatted hinge" in v.detail and v.tone == "warn"
    clean = fake_result(None, with_faults=False)
    assert verdict(build_model(clean.analysis.to_dict(), clean.features)).headline == "2 reps, all clean"
