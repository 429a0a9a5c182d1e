"""The lifter's neutral set as the rules' reference: measures recorded on every rep, the reference
read from them, and subtle faults the packaged thresholds pass found against it, on generated
sets (one body, one camera), while a second neutral set stays clean."""

from __future__ import annotations

import math

import pytest

from hingecoach.core.coach.coaching import coach_analysis
from hingecoach.core.drills import get_drill, load_drills
from hingecoach.core.faults.reference import (
    Measure,
    NeutralReference,
    measure_key,
    prediction_step,
    reference_from_metrics,
    relative_specs,
    relative_threshold,
)
from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.track.fakes import Body, fake_hinge_track, hinge_movement

DRILL = "romanian_deadlift"


def _coached(seed: int, reference: NeutralReference | None = None, drill: str | None = DRILL, **knobs: float):
    movement = hinge_movement(n_reps=4, knee_deg=20.0, depth_deg=80.0, **knobs)
    track = fake_hinge_track(movement, yaw_deg=0.0, body=Body(), noise_px=1.5, seed=seed)
    analysis, tf = analyze_track(track)
    coach_analysis(analysis, tf, drill_override=drill, reference=reference)
    return analysis


def _neutral() -> NeutralReference:
    a = _coached(seed=3)
    return reference_from_metrics([r.metrics for r in a.reps], a.drill["id"], {"path": "neutral"})


def _faults(analysis) -> list[set[str]]:
    return [{f.id for f in r.faults} for r in analysis.reps]


def test_every_rep_records_what_the_relative_rules_measured():
    a = _coached(seed=3)
    relative = {s.id for s in get_drill(DRILL).faults if "relative_threshold" in s.params}
    assert {"knee_dominant", "lockout_hyperextension", "incomplete_lockout", "knee_rebend", "knees_forward",
            "bar_drift"} <= relative
    for rep in a.reps:
        recorded = {k for k in rep.metrics if k.startswith("measure_")}
        assert recorded == {measure_key(f) for f in relative}, recorded
        assert all(math.isfinite(rep.metrics[k]) for k in recorded)


def test_subtle_faults_the_packaged_thresholds_pass_are_found_against_the_neutral_set():
    ref = _neutral()
    assert ref.reps == 4 and ref.drill == DRILL
    for fault, knobs in (("knee_dominant", {"knee_extra_deg": 25.0}), ("incomplete_lockout", {"lockout_deg": 12.0}),
                         ("knee_rebend", {"rebend_deg": 15.0})):
        packaged = _coached(seed=11, **knobs)
        relative = _coached(seed=11, reference=ref, **knobs)
        assert sum(fault in f for f in _faults(packaged)) <= 1, (fault, _faults(packaged))
        assert all(fault in f for f in _faults(relative)), (fault, _faults(relative))
        assert relative.provenance["reference"]["drill"] == DRILL
        finding = next(f for f in relative.reps[0].faults if f.id == fault)
        assert "against the neutral set" in (finding.detail or "")


def test_another_neutral_set_of_the_same_lifter_is_not_coached():
    a = _coached(seed=29, reference=_neutral())
    assert _faults(a) == [set()] * 4


def test_the_set_is_read_as_the_neutral_sets_drill_unless_named():
    ref = _neutral()
    a = _coached(seed=29, reference=ref, drill=None)
    assert a.drill["id"] == DRILL and a.drill["source"] == "override"
    other = _coached(seed=29, reference=ref, drill="stiff_legged_deadlift")
    assert "reference" not in other.provenance
    assert any("the neutral set is a romanian deadlift" in w for w in other.warnings)


def test_a_neutral_set_of_too_few_reps_is_not_used():
    ref = reference_from_metrics([{measure_key("knee_dominant"): 0.3}], DRILL)
    a = _coached(seed=29, reference=ref, knee_extra_deg=25.0)
    assert "reference" not in a.provenance
    assert any("the neutral set has 1 rep;" in w for w in a.warnings)


def test_reference_median_spread_and_the_threshold_it_gives():
    ref = reference_from_metrics([{"measure_knee_dominant": v, "other": 1.0, "measure_bar_drift": None}
                                  for v in (0.2, 0.3, 0.25, 0.25)], DRILL)
    m = ref.measures["knee_dominant"]
    assert m.median == pytest.approx(0.25) and m.reps == 4 and m.spread == pytest.approx(0.0408, abs=1e-3)
    assert set(ref.measures) == {"knee_dominant"}
    spec = next(s for s in get_drill(DRILL).faults if s.id == "knee_dominant")
    # 4 reps: Student's t(0.99, 3) = 4.54, × sqrt(1.25): 5.08 spreads = 0.207 > relative_threshold 0.15
    assert prediction_step(m, 0.01) == pytest.approx(5.076 * m.spread, rel=1e-3)
    assert relative_threshold(spec, m, 0.01) == pytest.approx(0.25 + 5.076 * m.spread, rel=1e-3)
    assert relative_threshold(spec, Measure(0.25, 0.0, 1), 0.01) == pytest.approx(0.40)
    lean = next(s for s in get_drill(DRILL).faults if s.id == "lockout_hyperextension")
    assert relative_threshold(lean, Measure(-2.0, 0.0, 5), 0.01) == pytest.approx(-8.0)   # fires below


def test_relative_specs_apply_relative_params_and_leave_other_rules():
    specs = get_drill(DRILL).faults
    ref = NeutralReference(DRILL, {"incomplete_lockout": Measure(-3.0, 0.0, 4)})
    moved = {s.id: s for s in relative_specs(specs, ref, 0.01)}
    assert moved["incomplete_lockout"].threshold == pytest.approx(3.0)
    assert moved["incomplete_lockout"].params["min_trunk_deg"] == -math.inf
    assert moved["incomplete_lockout"].params["standing_s"] == 0.0
    assert moved["knee_dominant"] == next(s for s in specs if s.id == "knee_dominant")


def test_relative_params_are_checked_against_the_known_params(tmp_path):
    (tmp_path / "mine.toml").write_text(
        'id = "mine"\nname = "Mine"\npattern = "hinge"\nposture = "standing"\npurpose = "p"\nsetup = "s"\n'
        'cues = ["c"]\npraise = "p"\n[full_range]\nhip_flexion_deg = 90\n[recognition]\nposture = "standing"\n'
        '[faults.x]\ndetector = "bar_drift"\nthreshold = 0.1\nseverity = "form"\ncue = "c"\n'
        'relative_threshold = 0.05\nrelative_params = { no_such_param = 1 }\n')
    with pytest.raises(Exception, match="no_such_param"):
        load_drills(tmp_path)
