"""Coaching: which drill this is, the faults of each rep with the article's cues, and what to
do next (the hinge ladder's scaling: shorten the range where position was lost, reintroduce it
when reps are clean).

Pure functions over the analysis and its features; the drill knowledge comes from
:mod:`hingecoach.core.drills`; the measurements from :mod:`hingecoach.core.faults.detectors`.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from hingecoach.core.drills import SEVERITY_ORDER, Drill, FaultSpec, get_drill, load_drills
from hingecoach.core.faults.detectors import RepContext, detect_faults
from hingecoach.core.faults.reference import NeutralReference, measure_key, relative_specs, rule_measures
from hingecoach.core.faults.rounded_back import coached_against, experimental_notes
from hingecoach.core.kinematics.angles import despike, mid_joints, robust_max, segment_length
from hingecoach.core.numeric import finite_median, nanmax, nanmin
from hingecoach.core.reps.counter import Rep
from hingecoach.core.reps.engine import TrackFeatures
from hingecoach.core.reps.metrics import set_knee_deg
from hingecoach.core.results import Analysis, Finding
from hingecoach.core.settings import RecognitionSettings, Settings, load_settings
from hingecoach.core.spine.outline import bottom_bends
from hingecoach.errors import HingeError


@dataclass(frozen=True)
class SetFeatures:
    """What recognition reads: medians over the reps of the set.

    ``angles`` says where the joint angles came from: ``"image"`` (2D sagittal angles, a side
    or oblique view), ``"world"`` (3D angles from the pose model's world landmarks, when the view
    hides the sagittal plane) or ``"none"`` (hidden, and no world landmarks: angle features NaN).
    """

    posture: str
    values: dict[str, float]
    flags: dict[str, bool]
    angles: str = "image"








def _inner_angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The angle at ``b`` between ``b→a`` and ``b→c`` (degrees), for points of any dimension."""
    u, v = a - b, c - b
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = (u * v).sum(-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))  # type: ignore[no-any-return]


def sagittal_hidden(tf: TrackFeatures) -> bool:
    """True when the view hides the sagittal angles: filmed from the front, or the engine counted
    reps on the view-free trunk tilt because the 2D hip angle barely moved (see
    :func:`hingecoach.core.reps.engine.track_features`)."""
    f = tf.features
    return tf.view == "front" or bool(np.array_equal(f.depth_deg, f.trunk_tilt_deg, equal_nan=True))


def recognition_angles(tf: TrackFeatures, settings: Settings) -> tuple[np.ndarray, np.ndarray, str]:
    """Knee and hip flexion per frame (degrees) for recognition, and where they came from.

    The 2D sagittal angles when the view shows them; otherwise the unsigned 3D angles between the
    segments of the pose model's world landmarks (metres, view-independent, unsmoothed: a median
    filter removes glitches), or NaN when the track has no world landmarks. Unsigned: a straight
    joint reads 0, a lean back at the top reads as a small flexion.
    """
    f = tf.features
    if not sagittal_hidden(tf):
        return f.knee_flexion_deg, f.hip_flexion_deg, "image"
    world = tf.track.world
    if world is None or not np.isfinite(world).any():
        nan = np.full(tf.track.n_frames, math.nan)
        return nan, nan, "none"
    j = mid_joints(world, tf.track.confidence, float(settings.pose.min_confidence))
    window = max(3, int(round(float(settings.recognition.world_despike_s) * tf.track.fps)) | 1)
    knee = despike(180.0 - _inner_angle_deg(j["hip"], j["knee"], j["ankle"]), window)
    hip = despike(180.0 - _inner_angle_deg(j["shoulder"], j["hip"], j["knee"]), window)
    return knee, hip, "world"


def _rep_readings(rep: Rep, depth: np.ndarray, knee: np.ndarray, hip: np.ndarray, fps: float,
                  rec: RecognitionSettings) -> dict[str, float]:
    """One rep's recognition readings; the set-up knee (what tells an RDL from an SLDL) is
    :func:`hingecoach.core.reps.metrics.set_knee_deg`, read where the drill's own faults do not spoil it."""
    whole = np.arange(rep.start, rep.end + 1)
    knee_set = set_knee_deg(rep, depth, knee, hip, fps, rec)
    return {
        "knee_flexion_start_deg": float(knee[rep.start]) if rep.started_in_clip else math.nan,
        "knee_flexion_set_deg": knee_set,
        "knee_flexion_range_deg": nanmax(knee[whole]) - nanmin(knee[whole]),
        "hip_flexion_peak_deg": nanmax(hip[whole]),
        "knee_flexion_bottom_deg": float(knee[rep.bottom]),
        "knee_flexion_median_deg": finite_median(knee[whole]),
        "down_s": (rep.bottom - rep.start) / fps,
        "up_s": (rep.end - rep.bottom) / fps,
    }


def set_features(analysis: Analysis, tf: TrackFeatures, settings: Settings | None = None) -> SetFeatures:
    """Posture and the recognition features of the set (thresholds: ``[recognition]`` in
    the analysis settings).

    Values are medians over the reps: knee and hip angles (degrees; see
    :func:`recognition_angles` for the view they are read in), rep times (s), and the hand depth
    at the bottom, ``hand_depth_shank``: how far the wrists are below the knees, in shank lengths
    (+ below; vertical positions read the same from any view). It tells where the load travels:
    to the floor (deadlifts), along the shins (RDL, SLDL), or above the knees (swing).
    """
    settings = settings or load_settings()
    rec = settings.recognition
    f, j, leg = tf.features, tf.joints, tf.refs.leg_px
    knee, hip, source = recognition_angles(tf, settings)
    reps = tf.reps[:len(analysis.reps)]
    tops, bottoms = [], []
    for r in reps:
        d = f.depth_deg[r.bottom:r.end + 1]
        tops.append(r.bottom + int(np.nanargmin(d)) if np.isfinite(d).any() else r.end)
        bottoms.append(r.bottom)
    top_idx, bot_idx = np.array(tops, int), np.array(bottoms, int)
    half = max(1, int(0.2 * tf.track.fps))
    near_tops = np.unique(np.clip((top_idx[:, None] + np.arange(-half, half + 1)).ravel(), 0, tf.track.n_frames - 1))
    knee_top = finite_median(knee[near_tops])
    trunk_top = finite_median(f.trunk_inclination_deg[near_tops])
    # Posture at the top of the reps: on hands and knees the trunk is near level and the knees
    # bent; kneeling tall the knees are bent under an upright trunk; else standing.
    if trunk_top >= rec.posture_level_trunk_deg and knee_top >= rec.posture_bent_knee_deg:
        posture = "quadruped"
    elif knee_top >= rec.posture_bent_knee_deg:
        posture = "kneeling"
    else:
        posture = "standing"
    readings = [_rep_readings(r, f.depth_deg, knee, hip, tf.track.fps, rec) for r in reps]
    values = {key: finite_median([rd[key] for rd in readings]) for key in readings[0]} if readings else {}
    shank = robust_max(segment_length(j["knee"], j["ankle"]), float(settings.scale.reference_percentile))
    values["hand_depth_shank"] = finite_median((j["wrist"][bot_idx, 1] - j["knee"][bot_idx, 1]) / shank)
    # Between the legs: behind the knees while still above them (a bar at the shins is below
    # the knees and, with the knees over it, also behind them).
    behind = tf.facing_at(bot_idx) * (j["wrist"][bot_idx, 0] - j["knee"][bot_idx, 0]) / leg
    above_knee = j["wrist"][bot_idx, 1] < j["knee"][bot_idx, 1] - rec.hands_between_legs_above_shank * shank
    wrist_behind = finite_median(np.where(above_knee, behind, np.nan))
    wrist_behind = wrist_behind if math.isfinite(wrist_behind) else 1.0
    # The load on the back (or the hands behind the head) keeps the hands by the shoulders at the
    # top and at the bottom; hands hanging with a bar or bell, or swinging one, are an arm away.
    shoulder_gap = segment_length(j["wrist"], j["shoulder"]) / leg
    gaps = [g for g in (finite_median(shoulder_gap[top_idx]), finite_median(shoulder_gap[bot_idx])) if math.isfinite(g)]
    hands_by_shoulders = max(gaps) if gaps else math.inf
    wrist_above_hip_top = finite_median((j["hip"][top_idx, 1] - j["wrist"][top_idx, 1]) / leg)
    flags = {
        "hands_between_legs": bool(wrist_behind < rec.hands_behind_legs_leg),
        "hands_at_shoulders": bool(hands_by_shoulders < rec.hands_at_shoulders_leg),
        "hands_above_hips_at_top": bool(wrist_above_hip_top > rec.hands_above_hips_leg),
    }
    return SetFeatures(posture=posture, values=values, flags=flags, angles=source)


def _range_score(value: float, low: float, high: float, scale: float = 10.0) -> float:
    """1 inside [low, high], falling as exp(-distance/scale) outside; 0.5 (no evidence) for NaN."""
    if not math.isfinite(value):
        return 0.5
    if low <= value <= high:
        return 1.0
    dist = low - value if value < low else value - high
    return float(math.exp(-dist / scale))


def feature_scale(key: str, scales: dict[str, float]) -> float:
    """The soft-range scale of a feature: its own entry in ``scales``, else its unit's (the last
    part of the name: ``deg``, ``s``, ``shank``)."""
    unit = key.rsplit("_", 1)[-1]
    if key in scales:
        return float(scales[key])
    if unit in scales:
        return float(scales[unit])
    raise HingeError(f"recognition feature {key!r}: no scale for its unit {unit!r} in [recognition.scale]"
                     f" (known: {', '.join(sorted(scales))})")


def score_drill(drill: Drill, sf: SetFeatures, settings: Settings | None = None) -> float:
    """How well a set matches a drill's recognition hints, in [0, 1]."""
    rec = drill.recognition
    if rec.get("posture", drill.posture) != sf.posture:
        return 0.0
    scales = (settings or load_settings()).recognition.scale
    scores = [1.0]
    prior = float(rec.get("prior", 1.0))
    for key, value in sf.values.items():
        if key in rec:
            low, high = rec[key]
            scores.append(_range_score(value, float(low), float(high), feature_scale(key, scales)))
    for flag, seen in sf.flags.items():
        wanted = bool(rec.get(flag, False))
        scores.append(1.0 if wanted == seen else 0.0)
    return prior * float(np.mean(scores))


def recognise_drill(analysis: Analysis, tf: TrackFeatures, drills: dict[str, Drill] | None = None,
                    settings: Settings | None = None) -> tuple[str | None, float, dict[str, float]]:
    """The most likely drill, a confidence in [0, 1], and every drill's score."""
    if not analysis.reps:
        return None, 0.0, {}
    settings = settings or load_settings()
    drills = drills or load_drills()
    sf = set_features(analysis, tf, settings)
    scores = {d.id: round(score_drill(d, sf, settings), 3) for d in drills.values()}
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    best_id, best = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    if best <= 0.0:
        return None, 0.0, scores
    confidence = best * min(1.0, 0.5 + 2.0 * (best - second))
    return best_id, round(confidence, 3), scores


def _depth_at(tf: TrackFeatures, frame: int) -> float:
    hip = tf.features.hip_flexion_deg
    return float(hip[frame]) if 0 <= frame < len(hip) and math.isfinite(hip[frame]) else math.nan


def recommend(analysis: Analysis, tf: TrackFeatures, drill: Drill, settings: Settings | None = None) -> dict[str, Any]:
    """Primary cue (safety first), secondary cues, praise, and the range to own next
    (numbers: ``[coaching]`` in the analysis settings)."""
    coaching = (settings or load_settings()).coaching
    reps = analysis.reps
    counts: Counter[str] = Counter()
    first: dict[str, Finding] = {}
    for r in reps:
        for f in r.faults:
            counts[f.id] += 1
            first.setdefault(f.id, f)
    ordered = sorted(counts, key=lambda fid: (SEVERITY_ORDER.get(first[fid].severity, 9), -counts[fid]))
    cues = [first[fid].cue for fid in ordered if first[fid].cue]
    clean = sum(1 for r in reps if r.clean)
    specs = {s.id: s for s in drill.faults}
    # Where position was lost: the hip angle at the onset of each depth-related fault.
    lost = [
        _depth_at(tf, f.frames[0])
        for r in reps for f in r.faults
        if specs.get(f.id) is not None and specs[f.id].params.get("scales_range", True)
    ]
    lost = [x for x in lost if math.isfinite(x)]
    deepest = max((r.metrics.get("hip_flexion_peak_deg") or 0.0) for r in reps) if reps else 0.0
    range_: dict[str, Any] = {"limit_deg": None, "landmark": None, "action": "stay",
                              "full_range_deg": drill.full_range_deg, "achieved_deg": round(deepest, 1)}
    if lost:
        limit = max(coaching.min_range_deg, min(lost) - coaching.range_margin_deg)
        range_.update(limit_deg=round(limit, 1), landmark=drill.landmark_for(limit), action="shorten")
        summary = (f"{clean} of {len(reps)} reps clean. Position was lost at about {min(lost):.0f}° of hip "
                   f"flexion: shorten the range — {drill.landmark_for(limit)} — and own it before going deeper.")
    elif reps and clean == len(reps) and deepest < drill.full_range_deg - coaching.reintroduce_step_deg:
        nxt = min(drill.full_range_deg, deepest + coaching.reintroduce_step_deg)
        range_.update(limit_deg=round(nxt, 1), landmark=drill.landmark_for(nxt), action="reintroduce")
        summary = (f"All {len(reps)} reps clean at about {deepest:.0f}°: reintroduce range — "
                   f"{drill.landmark_for(nxt)}.")
    elif reps and clean == len(reps):
        summary = f"All {len(reps)} reps clean. {drill.praise}"
    else:
        summary = f"{clean} of {len(reps)} reps clean."
    return {
        "primary_cue": cues[0] if cues else None,
        "secondary_cues": cues[1:],
        "praise": drill.praise if reps and clean == len(reps) else None,
        "faults": {fid: counts[fid] for fid in ordered},
        "range": range_,
        "summary": summary,
    }


def drill_rivals(drill_id: str, scores: dict[str, float], drills: dict[str, Drill],
                 settings: Settings | None = None) -> list[Drill]:
    """The drills recognition cannot tell from ``drill_id``: scores within ``tie_margin``
    (``[recognition]`` settings) of the best one."""
    margin = (settings or load_settings()).recognition.tie_margin
    best = scores[drill_id]
    return [drills[d] for d, sc in sorted(scores.items(), key=lambda kv: -kv[1])
            if d != drill_id and d in drills and sc >= best - margin]


def cleanest_drill(candidates: list[Drill], analysis: Analysis, tf: TrackFeatures) -> tuple[Drill, list[Drill]]:
    """Among drills recognition rates as likely (``candidates``, best score first), the one the
    set performs with the fewest faulted reps, and the others as its rivals. A kettlebell deadlift
    with the knees bending 80° matches the hints of a stiff-legged deadlift as well, but only as a
    badly squatted one: a coach calls it the drill it is done well as. Only the coached faults
    every candidate rates count (each with its own threshold), so a drill does not win by rating
    fewer faults. Equal counts keep the recognition order."""
    view = str(analysis.view.get("rules_view", analysis.view.get("label", "unknown")))
    view_conf = float(analysis.view.get("sagittal_confidence", 0.0))
    contexts = [RepContext(rep=rep, tf=tf, metrics=res.metrics, view_confidence=view_conf)
                for res, rep in zip(analysis.reps, tf.reps, strict=True)]
    shared = set.intersection(*({s.id for s in d.faults if not s.params.get("experimental")} for d in candidates))

    def faulted_reps(drill: Drill) -> int:
        rated = tuple(s for s in drill.faults if s.id in shared)
        return sum(1 for ctx in contexts if detect_faults(ctx, rated, view)[0])

    best = min(candidates, key=faulted_reps)  # min keeps the first of equals
    return best, [d for d in candidates if d is not best]


def agreed_findings(findings: list[Finding], ctx: RepContext, rivals: list[Drill], view: str,
                    disputed: list[Finding] | None = None) -> list[Finding]:
    """The findings every rival drill agrees with: a rival must rate the same fault and find it
    with its own threshold. When the drill is a guess, which faults are judged must not hinge on
    the guess: a fault that only the stricter drill's threshold calls, or that only one of the
    drills rates at all (a stiff-legged deadlift's straight-knee start, on a deadlift from the
    floor that reads as one), is not reported (it goes to ``disputed`` when a list is given)."""
    kept = list(findings)
    for rival in rivals:
        if not kept:
            break
        found = {f.id for f in detect_faults(ctx, rival.faults, view)[0]}
        if disputed is not None:
            disputed += [f for f in kept if f.id not in found]
        kept = [f for f in kept if f.id in found]
    return kept


def _say_reference(findings: list[Finding], specs: tuple[FaultSpec, ...]) -> None:
    """A finding read against the neutral set says so, with that set's reading."""
    by_id = {s.id: s for s in specs}
    for f in findings:
        spec = by_id.get(f.id)
        if spec is None or "reference_median" not in spec.params:
            continue
        note = f"against the neutral set's {float(spec.params['reference_median']):.3g} {spec.unit}".rstrip()
        f.detail = f"{f.detail}; {note}" if f.detail else note


def coach_analysis(analysis: Analysis, tf: TrackFeatures, drill_override: str | None = None,
                   reference: NeutralReference | None = None) -> None:
    """Fill ``drill``, per-rep ``faults`` and ``recommendation`` of ``analysis`` in place (and,
    with the silhouette, each rep's ``back_outline_bend_deg``).

    Each rep's metrics also get what every rule that can be read against a neutral set measured
    (``measure_<fault id>``, :mod:`hingecoach.core.faults.reference`). With ``reference`` (the
    lifter's neutral set of a drill), a set of that drill is coached against it: its rules with a
    ``relative_threshold`` fire past the neutral set's own readings, not at their packaged
    thresholds; ``provenance.reference`` records it. The set is then read as the neutral set's
    drill unless ``drill_override`` names another (which gets a warning and the packaged
    thresholds); so is a neutral set of fewer reps than ``reference_min_reps``."""
    settings = load_settings()
    if reference is not None and reference.reps < settings.coaching.reference_min_reps:
        analysis.warnings.append(f"the neutral set has {reference.reps} rep{'s' if reference.reps != 1 else ''}; at least"
                                 f" {settings.coaching.reference_min_reps} are needed to read a set against it: read"
                                 " against the packaged thresholds")
        reference = None
    # The neutral set is of the drill being trained: the set is read as that drill unless named.
    drill_override = drill_override or (reference.drill if reference is not None else None)
    bends = bottom_bends(tf)
    if bends is not None:
        for rep_result, bend in zip(analysis.reps, bends, strict=True):
            rep_result.metrics["back_outline_bend_deg"] = round(bend, 2) if math.isfinite(bend) else None
    drills = load_drills()
    rivals: list[Drill] = []
    if drill_override:
        drill = get_drill(drill_override)
        analysis.drill = {"id": drill.id, "confidence": 1.0, "source": "override"}
    else:
        drill_id, confidence, scores = recognise_drill(analysis, tf, drills)
        if drill_id is None:
            analysis.drill = {"id": None, "confidence": 0.0, "source": "none"}
            return
        drill = drills[drill_id]
        top = dict(sorted(scores.items(), key=lambda kv: -kv[1])[:3])
        analysis.drill = {"id": drill.id, "confidence": confidence, "source": "recognised", "scores": top}
        as_likely = drill_rivals(drill.id, scores, drills)
        if as_likely:
            drill, rivals = cleanest_drill([drill, *as_likely], analysis, tf)
            if drill.id != drill_id:
                analysis.drill.update(id=drill.id, picked_from=[drill_id, *[r.id for r in as_likely]])
        if confidence < 0.5:
            analysis.warnings.append(f"not sure this is a {drill.name.lower()} ({confidence:.0%});"
                                     " name the drill with --drill for drill-specific feedback")
        if rivals:
            names = " or ".join(r.name.lower() for r in rivals)
            analysis.drill["rivals"] = [r.id for r in rivals]
            analysis.warnings.append(f"this could as well be a {names}: only faults that hold for each are"
                                     " reported; name the drill with --drill for its own thresholds")
    analysis.drill["name"] = drill.name
    view = str(analysis.view.get("rules_view", analysis.view.get("label", "unknown")))
    view_conf = float(analysis.view.get("sagittal_confidence", 0.0))
    specs = drill.faults
    if reference is not None:
        if reference.drill is not None and reference.drill != drill.id:
            analysis.warnings.append(f"the neutral set is a {get_drill(reference.drill).name.lower()}, this set a"
                                     f" {drill.name.lower()}: read against the packaged thresholds")
        else:
            specs = relative_specs(drill.faults, reference, settings.coaching.reference_false_alarm)
            analysis.provenance["reference"] = reference.describe()
    # The back is coached when read against a neutral set of enough reps (docs/back.md: against
    # standing it called good real lifts rounded; against a lifter's own clean set it did not).
    back_coached = tf.back_neutral is not None and coached_against(analysis.provenance.get("back_reference"),
                                                                   settings.coaching.reference_min_reps)
    unmeasured: set[str] = set()
    for rep_result, rep in zip(analysis.reps, tf.reps, strict=True):
        ctx = RepContext(rep=rep, tf=tf, metrics=rep_result.metrics, view_confidence=view_conf)
        for fid, value in rule_measures(ctx, drill.faults, view).items():
            rep_result.metrics[measure_key(fid)] = value
        watch: list[Finding] = []
        findings, missing = detect_faults(ctx, specs, view, watch=watch,
                                          watch_min_confidence=settings.coaching.watch_min_confidence)
        _say_reference(findings + watch, specs)
        findings = agreed_findings(findings, ctx, rivals, view, disputed=watch)
        trial = {s.id for s in drill.faults if s.params.get("experimental")
                 and not (back_coached and s.params.get("coached_with_neutral_set"))}
        rep_result.faults = [f for f in findings if f.id not in trial]
        rep_result.watch = [f for f in watch if f.id not in trial]
        for f in rep_result.watch:
            f.cue = None  # never spoken or shown as a cue
        analysis.experimental += [{"rep": rep_result.index, **asdict(f), "frames": list(f.frames)}
                                  for f in findings if f.id in trial]
        analysis.experimental_notes += [{"rep": rep_result.index, **n}
                                        for n in experimental_notes(ctx, drill.faults, view)]
        unmeasured.update(missing)
    if unmeasured:
        analysis.provenance["unmeasured_faults"] = sorted(unmeasured)
    analysis.provenance["drill_file"] = drill.source
    analysis.recommendation = recommend(analysis, tf, drill)
