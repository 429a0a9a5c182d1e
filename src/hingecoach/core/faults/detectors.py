"""Fault detectors: measure one rep against one fault rule and return a finding (or nothing).

Detecting is not phrasing: a detector returns a :class:`~hingecoach.core.results.Finding` with the
measured value, the rule's threshold, the frames where it happened and how sure it is; the cue
text is copied from the drill data afterwards. Detectors are looked up by name
(:func:`register_detector`), so a drill file names the measurement it wants.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import minimum_filter1d

from hingecoach.core.drills import FaultSpec
from hingecoach.core.kinematics.angles import despike
from hingecoach.core.numeric import nanmedian
from hingecoach.core.reps.counter import Rep
from hingecoach.core.reps.engine import TrackFeatures
from hingecoach.core.reps.metrics import set_knee_deg
from hingecoach.core.results import Finding
from hingecoach.core.settings import load_settings
from hingecoach.core.track.skeletons import JOINTS
from hingecoach.errors import HingeError


@dataclass(frozen=True)
class RepContext:
    """Everything a detector may read about one rep."""

    rep: Rep
    tf: TrackFeatures
    metrics: dict[str, float | None]
    view_confidence: float

    @property
    def fps(self) -> float:
        """Frame rate."""
        return self.tf.track.fps

    def window(self, center: int, half_s: float = 0.1) -> slice:
        """Frames within ``half_s`` of ``center``, inside the rep."""
        h = max(1, int(round(half_s * self.fps)))
        return slice(max(self.rep.start, center - h), min(self.rep.end, center + h) + 1)

    def around(self, center: int, half_s: float = 0.1) -> slice:
        """Frames within ``half_s`` of ``center``, anywhere in the clip."""
        h = max(1, int(round(half_s * self.fps)))
        return slice(max(0, center - h), min(self.tf.track.n_frames, center + h + 1))

    def whole(self) -> slice:
        """All frames of the rep."""
        return slice(self.rep.start, self.rep.end + 1)

    def lockout_index(self) -> int:
        """The most upright frame between the bottom and shortly after the end."""
        d = self.tf.features.depth_deg
        stop = min(len(d), self.rep.end + int(0.5 * self.fps) + 1)
        seg = d[self.rep.bottom:stop]
        if not np.isfinite(seg).any():
            return self.rep.end
        return self.rep.bottom + int(np.nanargmin(seg))

    def joint_confidence(self, names: tuple[str, ...], frames: slice, both: bool = False) -> float:
        """Mean over frames of the better side's confidence (``both``: the worse side's),
        averaged over joint names."""
        c = self.tf.track.confidence
        pick = np.minimum if both else np.maximum
        vals = []
        for n in names:
            left, right = JOINTS.index(f"left_{n}"), JOINTS.index(f"right_{n}")
            vals.append(float(np.mean(pick(c[frames, left], c[frames, right]))))
        return float(np.mean(vals)) if vals else 1.0


class NotMeasured(Exception):
    """Raised by a detector whose measurement is not available for this clip (e.g. the
    silhouette was not recorded): the fault is reported as not measured, never as absent."""


Detector = Callable[[RepContext, FaultSpec], Finding | None]
DETECTORS: dict[str, Detector] = {}


def register_detector(name: str) -> Callable[[Detector], Detector]:
    """Decorator: make a detector available to drill files by ``name``."""

    def deco(fn: Detector) -> Detector:
        DETECTORS[name] = fn
        return fn

    return deco


#: How each detector compares its ``Finding.value`` with the threshold (read from the detectors):
#: ``above`` fires when value > threshold, ``at_or_above`` when value >= threshold, ``below``
#: when value < threshold, ``at_or_below`` when value <= threshold.
DIRECTIONS: dict[str, str] = {
    "knee_hip_ratio": "at_or_above",
    "metric_above": "above",
    "hips_rise_first": "at_or_below",
    "lockout_lean_back": "below",
    "lockout_incomplete": "above",
    "knee_rebend": "above",
    "knee_travel": "above",
    "knee_start_below": "below",
    "knee_start_above": "above",
    "wrist_above_knee": "above",
    "bar_drift": "above",
    "heel_lift": "above",
    "shoulders_lead": "above",
    "back_flexion": "above",
}


def direction(detector: str) -> str:
    """The comparison of ``detector`` (:data:`DIRECTIONS`); an error naming the known ones."""
    try:
        return DIRECTIONS[detector]
    except KeyError:
        raise HingeError(f"detector {detector!r} has no direction in hingecoach.core.faults.detectors.DIRECTIONS"
                         f" (known: {', '.join(sorted(DIRECTIONS))})") from None


def fires_below(detector: str) -> bool:
    """True for a detector that fires when its value is below the threshold."""
    return direction(detector) in ("below", "at_or_below")


def inclusive(detector: str) -> bool:
    """True for a detector that fires when its value equals the threshold."""
    return direction(detector) in ("at_or_above", "at_or_below")


def _finding(spec: FaultSpec, ctx: RepContext, value: float, frames: tuple[int, int],
             joints: tuple[str, ...], detail: str | None = None) -> Finding:
    conf = ctx.view_confidence * ctx.joint_confidence(joints, slice(frames[0], frames[1] + 1))
    return Finding(id=spec.id, value=round(float(value), 4), threshold=spec.threshold, unit=spec.unit,
                   frames=(int(frames[0]), int(frames[1])), confidence=round(float(min(1.0, conf)), 3),
                   severity=spec.severity, detail=detail)




def _rise_over_start(ctx: RepContext, spec: FaultSpec, series: np.ndarray,
                     joints: tuple[str, ...]) -> Finding | None:
    """How far a per-frame series of the rep rises above its value at the rep's start
    (median of the first 0.15 s); a finding when the largest rise passes the threshold."""
    if not np.isfinite(series).any():
        return None
    rise = series - nanmedian(series[: max(2, int(0.15 * ctx.fps))])
    # Held for ``sustain_s`` (a movement, not the pose model's jitter, which a camera turned from
    # the side and stretched back amplifies): the largest rise kept that long.
    held = int(round(float(spec.params.get("sustain_s", 0.0)) * ctx.fps))
    worst = _sustained_peak(rise, held) if held > 1 else float(np.nanmax(rise))
    if not math.isfinite(worst) or worst <= spec.threshold:
        return None
    over = np.flatnonzero(rise > spec.threshold) + ctx.rep.start
    return _finding(spec, ctx, worst, (int(over[0]), int(over[-1])), joints)


@register_detector("knee_hip_ratio")
def knee_hip_ratio(ctx: RepContext, spec: FaultSpec) -> Finding | None:
    """Squatted hinge: knee flexion at the bottom over the rep's peak hip flexion."""
    f = ctx.tf.features
    w = ctx.window(ctx.rep.bottom)
    knee = nanmedian(f.knee_flexion_deg[w])
    hip = float(np.nanmax(f.hip_flexion_deg[ctx.whole()])) if np.isfinite(f.hip_flexion_deg[ctx.whole()]).any() else math.nan
    if not (math.isfinite(knee) and math.isfinite(hip)) or hip < 20.0:
        return None
    ratio = knee / hip
    if ratio < spec.threshold:
        return None
    return _finding(spec, ctx, ratio, (w.start, w.stop - 1), ("hip", "knee", "ankle"),
                    f"knees {knee:.0f}° for {hip:.0f}° at the hips")


@register_detector("metric_above")
def metric_above(ctx: RepContext, spec: FaultSpec) -> Finding | None:
    """A per-rep metric (``metric`` in the rule) above the threshold, e.g. the knees at the bottom."""
    value = ctx.metrics.get(str(spec.params["metric"]))
    if value is None or not math.isfinite(value) or value <= spec.threshold:
        return None
    b = ctx.rep.bottom
    return _finding(spec, ctx, value, (b, b), ("hip", "knee", "ankle"))


@register_detector("hips_rise_first")
def hips_rise_first(ctx: RepContext, spec: FaultSpec) -> Finding | None:
    """On the way up, how much the trunk has risen when the knees are half straight."""
    f = ctx.tf.features
    s, e = ctx.rep.start, ctx.rep.end
    # The ascent starts where the knees are most bent while the lifter is near the bottom (the
    # hips may still fold after that in this very fault, so the deepest hip angle can come
    # late). Near the bottom: the rep's depth within ``bottom_depth_share`` of its deepest, so a
    # knee bend on the way down (or a pose glitch there) is not taken for the start of the lift.
    depth = f.depth_deg[s:e + 1]
    knees = f.knee_flexion_deg[s:e + 1]
    if not (np.isfinite(knees).any() and np.isfinite(depth).any()):
        return None
    lo, hi = np.nanmin(depth), np.nanmax(depth)
    near = np.nan_to_num(depth, nan=-np.inf) >= hi - float(spec.params.get("bottom_depth_share", 0.2)) * (hi - lo)
    if not np.isfinite(knees[near]).any():
        return None
    b = s + int(np.nanargmax(np.where(near, knees, np.nan)))
    # A clip that opens on the lifter at the bar and already moving (the rep's descent not
    # filmed, its lowest knees within ``setup_s`` of the first frame) may show the end of the
    # set-up, the hips rising to the start position with the load still on the floor, which
    # no landmark tells from a pull led by the hips: no verdict on that rep.
    if not ctx.rep.started_in_clip and (b - s) < float(spec.params.get("setup_s", 0.5)) * ctx.fps:
        return None
    knee, trunk = f.knee_flexion_deg[b:e + 1], f.trunk_inclination_deg[b:e + 1]
    # Movements, not the pose model's jitter: both series median-filtered over ``smooth_s``.
    window = int(round(float(spec.params.get("smooth_s", 0.0)) * ctx.fps)) | 1
    if window >= 3:
        knee, trunk = despike(knee, window), despike(trunk, window)
    ok = np.isfinite(knee) & np.isfinite(trunk)
    if ok.sum() < 4:
        return None
    knee, trunk = knee[ok], trunk[ok]
    knee_range = knee[0] - knee.min()
    trunk_range = trunk[0] - trunk.min()
    # The knees must straighten on the way up: from the ascent's first ``smooth_s`` to its last
    # (medians), not from its most bent frame to its straightest, which jitter alone spreads.
    straightened = nanmedian(knee[:window]) - nanmedian(knee[-window:])
    if not straightened >= float(spec.params.get("min_knee_range_deg", 15.0)) or trunk_range < 10.0:
        return None
    half = int(np.argmax((knee[0] - knee) / knee_range >= 0.5))
    share = (trunk[0] - trunk[half]) / trunk_range
    if share > spec.threshold:
        return None
    at = int(np.flatnonzero(ok)[half]) + b
    return _finding(spec, ctx, share, (b, at), ("shoulder", "hip", "knee"),
                    f"knees half straight while the trunk had risen {max(share, 0):.0%} of its way")


@register_detector("lockout_lean_back")
def lockout_lean_back(ctx: RepContext, spec: FaultSpec) -> Finding | None:
    """Leaning back at the top: the angle named by ``angle`` (default the hip angle, trunk
    against thigh, which a tilted camera does not change) at lockout, below the threshold."""
    i = ctx.lockout_index()
    w = ctx.around(i)
    series = getattr(ctx.tf.features, str(spec.params.get("angle", "hip_flexion_deg")))
    value = nanmedian(series[w])
    if not math.isfinite(value):
        return None
    # Against the lifter's own stand before the set, where it reads behind vertical: a body (or
    # a skeleton model: Kinect's hip joints) that stands straight at -10° is not leaning back
    # when it locks out there. A stand that reads forward of vertical changes nothing.
    stand = _standing_before_set(ctx, series, float(spec.params.get("standing_s", 0.0)))
    offset = min(0.0, stand) if math.isfinite(stand) else 0.0
    if value - offset >= spec.threshold:
        return None
    detail = f"{value:.0f}° against {stand:.0f}° standing before the set" if offset else None
    return _finding(spec, ctx, value - offset, (w.start, w.stop - 1), ("shoulder", "hip", "knee"), detail)


def _standing_before_set(ctx: RepContext, series: np.ndarray, seconds: float) -> float:
    """The median of ``series`` over the ``seconds`` before the set's first rep starts, when
    the clip shows the lifter standing that long before it; NaN otherwise."""
    first = ctx.tf.reps[0] if ctx.tf.reps else None
    n = int(round(seconds * ctx.fps))
    if first is None or not first.started_in_clip or n < 1 or first.start < n:
        return math.nan
    before = series[first.start - n: first.start]
    return nanmedian(before) if np.isfinite(before).sum() >= n // 2 else math.nan


@register_detector("lockout_incomplete")
def lockout_incomplete(ctx: RepContext, spec: FaultSpec) -> Finding | None:
    """The rep ended short of full hip extension.

    A lockout is a position held: when the clip ends less than ``lockout_seen_s`` after the rep
    (the lifter may still be rising), the top is not in the clip and there is no verdict."""
    seen_s = float(spec.params.get("lockout_seen_s", 0.0))
    if (ctx.tf.track.n_frames - 1 - ctx.rep.end) < seen_s * ctx.fps:
        return None
    i = ctx.lockout_index()
    w = ctx.around(i, 0.05)
    hip = nanmedian(ctx.tf.features.hip_flexion_deg[w])
    if not math.isfinite(hip) or hip <= spec.threshold:
        return None
    # Hips that stop short leave the trunk leaning forward (about half the hips' shortfall). A
    # hip angle that reads flexed under a trunk at or behind vertical is the thighs read tilted
    # (legs hidden by a plate and guessed), not a lockout left short: the trunk must lean forward
    # of the lifter's own stand (or of vertical, when the stand is not filmed or reads forward)
    # by more than ``min_trunk_deg``.
    trunk_series = ctx.tf.features.trunk_inclination_deg
    trunk = nanmedian(trunk_series[w])
    stand = _standing_before_set(ctx, trunk_series, float(spec.params.get("standing_s", 0.0)))
    upright = min(0.0, stand) if math.isfinite(stand) else 0.0
    if not math.isfinite(trunk) or trunk - upright <= float(spec.params.get("min_trunk_deg", -math.inf)):
        return None
    # A knee the pose model does not see at the top (a plate over the thighs) is guessed bent, and
    # the thigh with it: the hip angle then reads flexed under an upright lifter. There the trunk,
    # which the knee does not set, must carry ``occluded_trunk_share`` of the hips' shortfall.
    if ctx.joint_confidence(("knee",), w) < float(spec.params.get("knee_seen_visibility", 0.0)) \
            and trunk - upright < float(spec.params.get("occluded_trunk_share", 0.0)) * hip:
        return None
    return _finding(spec, ctx, hip, (i, i), ("shoulder", "hip", "knee"),
                    f"hips {hip:.0f}° short of straight, trunk {trunk - upright:.0f}° forward")


def _sustained_peak(series: np.ndarray, frames: int) -> float:
    """The largest value the series holds for ``frames`` consecutive frames (a one-frame pose
    glitch is not a movement)."""
    if not np.isfinite(series).any():
        return math.nan
    filled = np.where(np.isfinite(series), series, -np.inf)
    held = minimum_filter1d(filled, size=max(1, min(frames, len(filled))), mode="nearest")
    peak = float(np.max(held))
    return peak if math.isfinite(peak) else math.nan


@register_detector("knee_rebend")
def knee_rebend(ctx: RepContext, spec: FaultSpec) -> Finding | None:
    """Knees that bend again on the way up: the knee flexion of the ascent, held for
    ``sustain_s``, above the most the knees were bent (also held) on the way down. Knees that
    bend as the lifter descends are the knees-forward and knee-dominant faults, not this one."""
    # A re-bend is against the way down: a clip that opens with the lifter already rising (the
    # rep's descent not filmed) has no way down to compare with, and no verdict.
    if not ctx.rep.started_in_clip:
        return None
    knee = ctx.tf.features.knee_flexion_deg
    held = int(round(float(spec.params.get("sustain_s", 0.2)) * ctx.fps))
    s, b, e = ctx.rep.start, ctx.rep.bottom, ctx.rep.end
    start = nanmedian(knee[s: s + max(2, int(0.15 * ctx.fps))])
    descent = _sustained_peak(knee[s: b + 1] - start, held)
    ascent = knee[b: e + 1] - start
    rise = _sustained_peak(ascent, held)
    if not (math.isfinite(rise) and math.isfinite(descent)):
        return None
    value = rise - max(descent, 0.0)
    if value <= spec.threshold:
        return None
    over = np.flatnonzero(ascent - max(descent, 0.0) > spec.threshold) + b
    frames = (int(over[0]), int(over[-1])) if over.size else (b, e)
    return _finding(spec, ctx, value, frames, ("hip", "knee", "ankle"),
                    f"knees {rise:.0f}° more bent than at the start on the way up, {max(descent, 0.0):.0f}° on the way down")


@register_detector("knee_travel")
def knee_travel(ctx: RepContext, spec: FaultSpec) -> Finding | None:
    """Knees travelling forward over the ankles: on the way down (``phase = "descent"``, the
    default: the hinge itself) or anywhere in the rep (``phase = "rep"``)."""
    phase = str(spec.params.get("phase", "descent"))
    stop = ctx.rep.bottom if phase == "descent" else ctx.rep.end
    return _rise_over_start(ctx, spec, ctx.tf.features.knee_ahead_leg[ctx.rep.start: stop + 1], ("knee", "ankle"))


def _start_knee(ctx: RepContext) -> float:
    """The knee bend the lifter set up with (:func:`hingecoach.core.reps.metrics.set_knee_deg`: read at
    the top, or while hinged when a lockout fault spoils the top)."""
    if not ctx.rep.started_in_clip:
        return math.nan
    f = ctx.tf.features
    return set_knee_deg(ctx.rep, f.depth_deg, f.knee_flexion_deg, f.hip_flexion_deg, ctx.fps,
                        load_settings().recognition)


@register_detector("knee_start_below")
def knee_start_below(ctx: RepContext, spec: FaultSpec) -> Finding | None:
    """Knees locked at the start where they should be unlocked."""
    knee = _start_knee(ctx)
    if not math.isfinite(knee) or knee >= spec.threshold:
        return None
    return _finding(spec, ctx, knee, (ctx.rep.start, ctx.rep.start), ("hip", "knee", "ankle"))


@register_detector("knee_start_above")
def knee_start_above(ctx: RepContext, spec: FaultSpec) -> Finding | None:
    """Knees bent at the start where they should be straight."""
    knee = _start_knee(ctx)
    if not math.isfinite(knee) or knee <= spec.threshold:
        return None
    return _finding(spec, ctx, knee, (ctx.rep.start, ctx.rep.start), ("hip", "knee", "ankle"))


@register_detector("wrist_above_knee")
def wrist_above_knee(ctx: RepContext, spec: FaultSpec) -> Finding | None:
    """Range short of the shins: at the bottom the hands are still above the knees."""
    j = ctx.tf.joints
    w = ctx.window(ctx.rep.bottom)
    gap = nanmedian(j["knee"][w, 1] - j["wrist"][w, 1]) / ctx.tf.refs.leg_px
    if not math.isfinite(gap) or gap <= spec.threshold:
        return None
    return _finding(spec, ctx, gap, (w.start, w.stop - 1), ("wrist", "knee"))


def _bottom_filmed(ctx: RepContext, still_s: float, still_deg: float) -> bool:
    """False when the clip opens at the rep's bottom (the descent not filmed, the bottom within
    ``still_s`` of the first frame) with the hips already moving more than ``still_deg`` in the
    ``still_s`` after it: the clip was cut mid-pull, and its first frame is no bottom position.
    A lifter filmed at rest at the bar, or a bottom the clip reaches, is a bottom."""
    n = int(round(still_s * ctx.fps))
    if ctx.rep.started_in_clip or n < 1 or ctx.rep.bottom - ctx.rep.start >= n:
        return True
    d = ctx.tf.features.depth_deg[ctx.rep.bottom: ctx.rep.bottom + n + 1]
    moved = np.abs(d - d[0])
    return not (np.isfinite(moved).any() and float(np.nanmax(moved)) > still_deg)


@register_detector("bar_drift")
def bar_drift(ctx: RepContext, spec: FaultSpec) -> Finding | None:
    """The hands (the load) far in front of the legs at the bottom of the rep, where the trunk
    leans most and the load's lever on the back is longest. The gap (feature ``wrist_leg_leg``)
    is measured to the leg's most forward point near the hands' height; frames where the leg is
    not seen do not count, and with too few seen (``min_seen``) or the hands and shins not
    clearly seen (``min_visibility``) there is no verdict; nor where the clip opens moving at the
    rep's bottom (``still_s``, ``still_deg``: :func:`_bottom_filmed`)."""
    if not _bottom_filmed(ctx, float(spec.params.get("still_s", 0.0)),
                          float(spec.params.get("still_deg", math.inf))):
        return None
    w = ctx.window(ctx.rep.bottom, float(spec.params.get("half_window_s", 0.1)))
    # The hands and the shin must be seen, not guessed: a plate on the camera's side hides the
    # lower legs, and BlazePose then places them where a leg would usually be.
    if min(ctx.joint_confidence((j,), w) for j in ("wrist", "knee", "ankle")) \
            < float(spec.params.get("min_visibility", 0.0)):
        return None
    # A camera turned from the side sees the grip's width: the hands' mean cancels it only with
    # both hands seen (one hand alone sits a grip's half-width toward or away from the camera,
    # which projects into the gap), so a stretched view needs both wrists seen as clearly.
    if ctx.tf.rectified and ctx.joint_confidence(("wrist",), w, both=True) \
            < float(spec.params.get("min_visibility", 0.0)):
        return None
    gap = ctx.tf.features.wrist_leg_leg[w]
    seen = np.isfinite(gap)
    if seen.sum() < max(1.0, float(spec.params.get("min_seen", 0.5)) * gap.size):
        return None
    value = float(np.median(gap[seen]))
    if value <= spec.threshold:
        return None
    return _finding(spec, ctx, value, (w.start, w.stop - 1), ("wrist", "hip", "knee", "ankle"))


@register_detector("heel_lift")
def heel_lift(ctx: RepContext, spec: FaultSpec) -> Finding | None:
    """Heels rising above the toes, against the start of the rep."""
    j = ctx.tf.joints
    s = ctx.whole()
    rise = (j["foot_index"][s, 1] - j["heel"][s, 1]) / ctx.tf.refs.leg_px
    return _rise_over_start(ctx, spec, rise, ("heel", "foot_index"))


@register_detector("shoulders_lead")
def shoulders_lead(ctx: RepContext, spec: FaultSpec) -> Finding | None:
    """Quadruped sitback: the shoulders start moving back before the hips do."""
    b = ctx.rep.bottom
    # Look back before the rep's start: a lead by the shoulders can make the hip angle dip
    # first, so the rep engine's start can come after the shoulders already moved.
    prev_end = max([r.end for r in ctx.tf.reps if r.end <= ctx.rep.start], default=0)
    s = max(prev_end, ctx.rep.start - int(float(spec.params.get("lookback_s", 0.6)) * ctx.fps))
    if b - s < 3:
        return None
    onsets = []
    travels = []
    leg = ctx.tf.refs.leg_px
    for joint in ("shoulder", "hip"):
        path = ctx.tf.joints[joint][s:b + 1]
        if not np.isfinite(path).all():
            return None
        move = np.hypot(*(path - path[0]).T) / leg   # 2D displacement from rest, in leg lengths
        travels.append(float(move.max()))
        moved = move >= float(spec.params.get("onset_leg", 0.03))
        onsets.append(int(np.argmax(moved)) if moved.any() else len(move))
    value = (onsets[1] - onsets[0]) / ctx.fps
    shoulder_travel, hip_travel = travels
    if value <= spec.threshold:
        return None
    return _finding(spec, ctx, value, (s + onsets[0], s + onsets[1]), ("shoulder", "hip"),
                    f"shoulders moved {shoulder_travel:.2f} leg, hips {hip_travel:.2f} leg")


def joints_seen(ctx: RepContext, spec: FaultSpec, finding: Finding) -> bool:
    """False when the rule names joints that must be seen (``seen_joints``) and one of them is
    not, over the finding's frames, as clearly as ``min_visibility`` (the better side's pose-model
    visibility, mean over the frames): a joint the detector only guessed (an ankle behind a
    plate) gives an angle, but not one to coach on."""
    names = tuple(str(n) for n in spec.params.get("seen_joints", ()))
    if not names:
        return True
    frames = slice(finding.frames[0], finding.frames[1] + 1)
    need = float(spec.params.get("min_visibility", 0.0))
    return min(ctx.joint_confidence((n,), frames) for n in names) >= need


#: The confidence a finding needs to be coached, unless its rule says (``min_confidence``).
MIN_CONFIDENCE = 0.3


def detect_faults(ctx: RepContext, specs: tuple[FaultSpec, ...], view: str,
                  min_confidence: float = MIN_CONFIDENCE, watch: list[Finding] | None = None,
                  watch_min_confidence: float = 0.1) -> tuple[list[Finding], list[str]]:
    """Run every rule that applies in this view. Returns findings and the ids not measurable.

    A finding below its rule's confidence (``min_confidence`` in the rule's data, else
    ``min_confidence``) but at least ``watch_min_confidence`` sure goes to ``watch`` when a list
    is given: graded, shown, never coached.

    A rule whose detector is not available (an optional measurement that is not installed or
    not computed for this clip) is listed as not measured, never silently passed.
    """
    found: list[Finding] = []
    unmeasured: list[str] = []
    for spec in specs:
        if view not in spec.views:
            continue
        detector = DETECTORS.get(spec.detector)
        if detector is None:
            unmeasured.append(spec.id)
            continue
        try:
            finding = detector(ctx, spec)
        except NotMeasured:
            unmeasured.append(spec.id)
            continue
        # A rule may ask for more certainty than the default (an in-plane distance that a
        # turned body distorts): ``min_confidence`` in its data.
        if finding is None or not joints_seen(ctx, spec, finding):
            continue
        if finding.confidence >= float(spec.params.get("min_confidence", min_confidence)):
            finding.cue = spec.cue
            found.append(finding)
        elif watch is not None and finding.confidence >= watch_min_confidence \
                and not spec.params.get("experimental"):
            watch.append(finding)
    # A fault that is a symptom of another one found on the same rep (knees forward in a
    # squatted hinge) is not cued twice: the drill data names what suppresses it.
    ids = {f.id for f in found}
    by_id = {s.id: s for s in specs}
    found = [f for f in found if not ids & set(by_id[f.id].params.get("suppressed_by", ()))]
    return found, unmeasured
