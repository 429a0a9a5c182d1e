"""A generated calibration set for the fault rules: bodies × cameras × graded faults, in keypoints.

What real gyms vary and a labelled set of two dozen clips cannot: body proportions, camera
distance and angle, keypoint noise, and each fault at graded magnitudes (none, subtle, clear).
Sets are made by the core's generator (:mod:`hingecoach.core.track.fakes`: a hinge movement
posed on a body, projected for a camera at a yaw, with noise), seeded, so the set is the same at
every run; nothing is stored.

It measures the **rules**, not the pose model: the keypoints are exact up to the added noise. The
rendered synthetic athlete (``make synth``) is what measures the pose model on video.

The set is split: bodies and cameras of the **fitting slice** are the ones a threshold may be
chosen on; the **held-out slice** has other bodies and other camera angles, and its figures are
the ones reported against issue #17's goals (clear faults found ≥ 95 %, subtle ≥ 70 %, good reps
with a coached fault ≤ 2 %).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from hingecoach.core.drills import get_drill
from hingecoach.core.faults.reference import NeutralReference, reference_from_metrics
from hingecoach.core.track.fakes import Body, fake_hinge_track, hinge_movement
from hingecoach.errors import HingeError
from hingecoach.evaluation.clips import _analyze
from hingecoach.evaluation.fault_scores import clip_scores
from hingecoach.evaluation.loso import Scored, auc

#: Each fault the generator can make: its movement parameters when subtle, and when clear.
#: Subtle is about the smallest a coach would call from the side at normal speed; clear is
#: unmistakable. knee_extra_deg: extra knee bend at the bottom (a squatted hinge); drift_m: the
#: hands' forward travel at the bottom; lockout_deg < 0: leaning back at the top, > 0: hips still
#: flexed at the top; hips_first: the share of the knees' straightening done before the hips
#: move (with the knees bent 20° more at the bottom than at the top, as a lifter who lets the
#: hips rise first does: there is a knee extension to lead with); shin_extra_deg: the knees
#: driven forward; rebend_deg: knees bending again on the way up.
FAULT_KNOBS: dict[str, tuple[dict[str, float], dict[str, float]]] = {
    "knee_dominant": ({"knee_extra_deg": 25.0}, {"knee_extra_deg": 45.0}),
    "bar_drift": ({"drift_m": 0.10}, {"drift_m": 0.18}),
    "lockout_hyperextension": ({"lockout_deg": -12.0}, {"lockout_deg": -20.0}),
    "incomplete_lockout": ({"lockout_deg": 12.0}, {"lockout_deg": 20.0}),
    "hips_rise_first": ({"knee_extra_deg": 20.0, "hips_first": 0.5}, {"knee_extra_deg": 20.0, "hips_first": 0.9}),
    "knees_forward": ({"shin_extra_deg": 8.0}, {"shin_extra_deg": 15.0}),
    "knee_rebend": ({"rebend_deg": 15.0}, {"rebend_deg": 25.0}),
}
#: Good form: knees held at the drill's bend (in these drills knees that bend on the way down
#: travel forward: a fault), twice per body and camera with other noise.
GOOD_KNOBS: tuple[dict[str, float], ...] = ({}, {})

#: Bodies: (name, segment lengths and camera scale). Average; long legs; long trunk and short
#: legs; a small lifter filmed from far (fewer pixels per metre).
BODIES: dict[str, Body] = {
    "average": Body(),
    "long_legs": Body(shin_m=0.50, thigh_m=0.52, trunk_m=0.52),
    "long_trunk": Body(shin_m=0.40, thigh_m=0.40, trunk_m=0.62, shoulder_width_m=0.42),
    "small_far": Body(shin_m=0.38, thigh_m=0.38, trunk_m=0.48, px_per_m=120.0),
}
#: Drills and the knee bend the lifter holds through the set (degrees).
DRILLS = {"romanian_deadlift": 20.0, "stiff_legged_deadlift": 6.0}
FIT_BODIES = ("average", "long_legs")
FIT_YAWS = (0.0, 20.0)
HELD_BODIES = ("long_trunk", "small_far")
HELD_YAWS = (-20.0, 45.0, -45.0)


@dataclass(frozen=True)
class Case:
    """One generated set."""

    name: str
    drill: str
    body: str
    yaw_deg: float
    fault: str | None      # None: good form
    grade: str             # none, subtle, clear
    seed: int

    @property
    def held_out(self) -> bool:
        return self.body in HELD_BODIES

    @property
    def source(self) -> str:
        return f"{self.body}@{self.yaw_deg:+.0f}"


def cases(seed: int = 17) -> Iterator[Case]:
    """Every case of the set, in a fixed order with fixed seeds."""
    i = 0
    for drill in DRILLS:
        for slice_bodies, slice_yaws in ((FIT_BODIES, FIT_YAWS), (HELD_BODIES, HELD_YAWS)):
            for body in slice_bodies:
                for yaw in slice_yaws:
                    kinds: list[tuple[str | None, str]] = [(None, "none")] * len(GOOD_KNOBS)
                    kinds += [(f, g) for f in FAULT_KNOBS for g in ("subtle", "clear")]
                    for fault, grade in kinds:
                        i += 1
                        yield Case(name=f"{drill}/{body}/{yaw:+.0f}/{fault or 'good'}-{grade}-{i}",
                                   drill=drill, body=body, yaw_deg=yaw, fault=fault, grade=grade, seed=seed + i)


def track_of(case: Case) -> Any:
    """The case's pose track (4 reps; noise 1–3 px, seeded)."""
    if case.fault is None:
        knobs: dict[str, Any] = dict(GOOD_KNOBS[case.seed % len(GOOD_KNOBS)])
    else:
        subtle, clear = FAULT_KNOBS[case.fault]
        knobs = dict(subtle if case.grade == "subtle" else clear)
    movement = hinge_movement(n_reps=4, knee_deg=DRILLS[case.drill], depth_deg=80.0, **knobs)
    noise = 1.0 + 2.0 * ((case.seed * 7919) % 100) / 100.0
    body = BODIES[case.body]
    return fake_hinge_track(movement, yaw_deg=case.yaw_deg, body=replace(body), noise_px=noise, seed=case.seed)


@dataclass
class CaseResult:
    case: Case
    reps: int
    rep_faults: list[set[str]]          # coached faults per rep at the packaged thresholds
    scores: dict[str, float]            # rule key → the set's margin (fault_scores)
    rated: set[str]                     # fault ids the drill rates


def run_case(case: Case, reference: NeutralReference | None = None) -> CaseResult:
    """The case analysed and coached as its drill (against ``reference`` when given: then
    without the threshold sweep's scores)."""
    track = track_of(case)
    try:
        analysis = _analyze(track, case.drill, reference).analysis
    except HingeError:
        return CaseResult(case, 0, [], {}, set())
    if reference is not None:
        return CaseResult(case, len(analysis.reps), [{f.id for f in r.faults} for r in analysis.reps], {},
                          {s.id for s in get_drill(case.drill).faults})
    cs = clip_scores(track, case.drill, share=0.5)
    return CaseResult(case, len(analysis.reps), [{f.id for f in r.faults} for r in analysis.reps],
                      dict(cs.scores), {s.id for s in cs.specs.values()})


def _fault_of(rule_key: str) -> str:
    """The fault id of a rule key (``knee_dominant (knee_hip_ratio)`` → ``knee_dominant``)."""
    return rule_key.split(" (")[0]


def _pct(n: int, d: int) -> float | None:
    return round(100.0 * n / d, 1) if d else None


def summarise(results: list[CaseResult]) -> dict[str, Any]:
    """Per slice: each fault's share of reps found (subtle, clear), good reps with a coached fault,
    reps counted exactly; per rule: AUC on each slice."""
    out: dict[str, Any] = {"cases": len(results), "slices": {}, "auc": {}}
    for slice_name, held in (("fitting", False), ("held_out", True)):
        part = [r for r in results if r.case.held_out == held]
        found: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"subtle": [0, 0], "clear": [0, 0]})
        good_reps = good_flagged = 0
        false_by_fault: dict[str, int] = defaultdict(int)
        exact = 0
        for r in part:
            exact += r.reps == 4
            if r.case.fault is None:
                good_reps += len(r.rep_faults)
                good_flagged += sum(1 for f in r.rep_faults if f)
                for f in r.rep_faults:
                    for fid in f:
                        false_by_fault[fid] += 1
            elif r.case.fault in r.rated:
                cell = found[r.case.fault][r.case.grade]
                cell[0] += sum(1 for f in r.rep_faults if r.case.fault in f)
                cell[1] += len(r.rep_faults)
        by_yaw: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"subtle": [0, 0], "clear": [0, 0], "good": [0, 0]})
        for r in part:
            at_yaw = by_yaw[f"{r.case.yaw_deg:+.0f}"]
            if r.case.fault is None:
                at_yaw["good"][0] += sum(1 for f in r.rep_faults if f)
                at_yaw["good"][1] += len(r.rep_faults)
            elif r.case.fault in r.rated:
                at_yaw[r.case.grade][0] += sum(1 for f in r.rep_faults if r.case.fault in f)
                at_yaw[r.case.grade][1] += len(r.rep_faults)
        out["slices"][slice_name] = {
            "by_yaw": {y: {k: _pct(*v[k]) for k in v} for y, v in sorted(by_yaw.items(), key=lambda kv: float(kv[0]))},
            "sets": len(part), "reps_exact_pct": _pct(exact, len(part)),
            "good_reps": good_reps, "good_reps_coached_pct": _pct(good_flagged, good_reps),
            "good_false_by_fault": dict(sorted(false_by_fault.items())),
            "found_pct": {f: {g: _pct(*v[g]) for g in ("subtle", "clear")} for f, v in sorted(found.items())},
            "clear_found_pct": _pct(sum(v["clear"][0] for v in found.values()), sum(v["clear"][1] for v in found.values())),
            "subtle_found_pct": _pct(sum(v["subtle"][0] for v in found.values()),
                                     sum(v["subtle"][1] for v in found.values())),
        }
        rules: dict[str, list[Scored]] = defaultdict(list)
        for r in part:
            for key, score in r.scores.items():
                fid = _fault_of(key)
                if r.case.fault is None or r.case.fault == fid:
                    rules[key].append(Scored(r.case.name, r.case.source, r.case.fault == fid, score))
        for key, rows in sorted(rules.items()):
            if any(s.truth for s in rows) and any(not s.truth for s in rows):
                a = auc(rows)
                out["auc"].setdefault(key, {})[slice_name] = None if math.isnan(a) else round(a, 3)
    return out


def neutral_set_of(case: Case) -> NeutralReference:
    """A good set's readings as the lifter's neutral set (:mod:`hingecoach.core.faults.reference`)."""
    analysis = _analyze(track_of(case), case.drill).analysis
    return reference_from_metrics([r.metrics for r in analysis.reps], case.drill, {"case": case.name})


def against_neutral_sets(all_cases: list[Case]) -> list[CaseResult]:
    """Every case of a body, camera and drill coached against that group's first good set, as a
    coach who logged one neutral set of the lifter would have it (the neutral set itself left out)."""
    groups: dict[tuple[str, str, float], list[Case]] = defaultdict(list)
    for case in all_cases:
        groups[(case.drill, case.body, case.yaw_deg)].append(case)
    results = []
    for group in groups.values():
        neutral = next(c for c in group if c.fault is None)
        reference = neutral_set_of(neutral)
        results += [run_case(c, reference) for c in group if c is not neutral]
    return results


def evaluate_calibration(log: Callable[[str], None] | None = None, seed: int = 17) -> dict[str, Any]:
    """Generate the set, analyse every case, summarise; then again against each lifter's neutral
    set (``with_neutral_set``)."""
    results = []
    all_cases = list(cases(seed))
    for i, case in enumerate(all_cases):
        results.append(run_case(case))
        if log is not None and (i + 1) % 100 == 0:
            log(f"calibration set: {i + 1}/{len(all_cases)}")
    out = summarise(results)
    if log is not None:
        log("calibration set: against each lifter's neutral set")
    relative = summarise(against_neutral_sets(all_cases))
    out["with_neutral_set"] = {"slices": relative["slices"]}
    return out


def render_calibration(cal: dict[str, Any]) -> list[str]:
    """The markdown section for docs/accuracy.md."""
    lines = ["## Generated calibration set (keypoints)", "",
             f"{cal['cases']} generated sets of 4 reps (`hingecoach.evaluation.calibration_set`): Romanian and "
             "stiff-legged deadlifts; 4 bodies; cameras at ±20° and ±45° from the side; keypoint noise 1–3 px; "
             "each fault subtle and clear, and good form. It measures the rules on exact keypoints, not the "
             "pose model. Thresholds may be chosen on the fitting slice (bodies "
             f"{', '.join(FIT_BODIES)}; yaw {', '.join(f'{y:+.0f}°' for y in FIT_YAWS)}); the held-out slice "
             f"(bodies {', '.join(HELD_BODIES)}; yaw {', '.join(f'{y:+.0f}°' for y in HELD_YAWS)}) is reported "
             "against the goals: clear faults found ≥ 95 %, subtle ≥ 70 %, good reps coached ≤ 2 %.", ""]
    lines += ["| slice | sets | reps exact % | clear found % | subtle found % | good reps coached % |",
              "|---|---|---|---|---|---|"]
    for name, s in cal["slices"].items():
        lines.append(f"| {name} | {s['sets']} | {s['reps_exact_pct']} | {s['clear_found_pct']} | "
                     f"{s['subtle_found_pct']} | {s['good_reps_coached_pct']} ({s['good_reps']} reps) |")
    lines += ["", "By camera yaw (0° side-on; 45° halfway to facing the camera: the joints are stretched back to a "
              "side view, `kinematics.rectify_joints`):", "",
              "| slice | yaw | clear found % | subtle found % | good reps coached % |", "|---|---|---|---|---|"]
    lines += _by_yaw_rows(cal["slices"])
    lines += ["", "Per fault, share of faulted reps found (held-out slice):", "",
              "| fault | subtle % | clear % | AUC fitting | AUC held-out |", "|---|---|---|---|---|"]
    held = cal["slices"]["held_out"]["found_pct"]
    for fault in FAULT_KNOBS:
        aucs = [v for k, v in cal["auc"].items() if _fault_of(k) == fault]
        fit = ", ".join(str(a.get("fitting")) for a in aucs) or "–"
        ho = ", ".join(str(a.get("held_out")) for a in aucs) or "–"
        cell = held.get(fault, {})
        lines.append(f"| {fault} | {cell.get('subtle', '–')} | {cell.get('clear', '–')} | {fit} | {ho} |")
    lines += _false_calls(cal["slices"], "Good reps coached")
    relative = cal.get("with_neutral_set")
    if relative:
        lines += render_neutral_set(relative)
    lines.append("")
    return lines


def _false_calls(slices: dict[str, Any], head: str) -> list[str]:
    false = slices["held_out"]["good_false_by_fault"]
    if not false:
        return []
    return ["", f"{head}, by the fault wrongly called (held-out): " + ", ".join(f"{k} {v}" for k, v in false.items()) + "."]


def _by_yaw_rows(slices: dict[str, Any]) -> list[str]:
    return [f"| {name} | {yaw}° | {v['clear']} | {v['subtle']} | {v['good']} |"
            for name, s in slices.items() for yaw, v in s.get("by_yaw", {}).items()]


def render_neutral_set(relative: dict[str, Any]) -> list[str]:
    """The figures against each lifter's neutral set (:func:`against_neutral_sets`)."""
    lines = ["", "### Against the lifter's neutral set", "",
             "Each body, camera and drill's first good set taken as the lifter's logged neutral set "
             "(`hinge analyze --reference`, `hingecoach.core.faults.reference`), every other set of the group "
             "coached against it: rules with a `relative_threshold` fire past that set's own readings. The "
             "relative thresholds were chosen on the fitting slice (the reason is beside each in the drill data).", "",
             "| slice | sets | clear found % | subtle found % | good reps coached % |", "|---|---|---|---|---|"]
    for name, s in relative["slices"].items():
        lines.append(f"| {name} | {s['sets']} | {s['clear_found_pct']} | {s['subtle_found_pct']} | "
                     f"{s['good_reps_coached_pct']} ({s['good_reps']} reps) |")
    lines += ["", "| slice | yaw | clear found % | subtle found % | good reps coached % |", "|---|---|---|---|---|"]
    lines += _by_yaw_rows(relative["slices"])
    held = relative["slices"]["held_out"]["found_pct"]
    lines += ["", "Per fault, share of faulted reps found against the neutral set (held-out slice):", "",
              "| fault | subtle % | clear % |", "|---|---|---|"]
    for fault in FAULT_KNOBS:
        cell = held.get(fault, {})
        lines.append(f"| {fault} | {cell.get('subtle', '–')} | {cell.get('clear', '–')} |")
    lines += _false_calls(relative["slices"], "Good reps coached against the neutral set")
    return lines
