"""Clip-level fault scores for threshold sweeps: one analysis per clip, every threshold's verdict.

For each fault rule of a drill, each rep is measured with the rule's threshold disabled (set
beyond any value, so the detector reports what it measured: its ``Finding.value``), and the
value becomes a *margin* over the rule's packaged threshold, oriented so that higher is more
faulty (:data:`hingecoach.core.faults.detectors.DIRECTIONS`): ``value - threshold`` for a rule that fires above its threshold,
``threshold - value`` for one that fires below it. The rule then fires on a rep at a threshold
moved by ``offset`` (in the rule's unit, + stricter) exactly when the margin passes ``offset``.

A set has a fault when at least ``share`` of its reps show it (at least one rep), as
:func:`hingecoach.evaluation.scoring.set_faults` counts, so the clip's score is the k-th largest
rep margin with k = max(1, ceil(share × reps)): the rule fires on the clip at ``offset`` exactly
when the score passes it. ``-inf`` is a rep (or clip) the rule never fires on: a view the rule
does not rate, nothing measurable, too little confidence, or a rep where a fault that suppresses
it (``suppressed_by``) is found at its packaged threshold.

The drill is the one the clip is labelled with (recognition is kept out); the packaged verdicts
of the same run (:func:`hingecoach.core.coach.coaching.coach_analysis` with that drill) are kept
beside the scores, so a caller can check that the scores reproduce them at offset 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from hingecoach.core.drills import Drill, FaultSpec, load_drills
from hingecoach.core.faults.detectors import (
    DETECTORS,
    RepContext,
    detect_faults,
    fires_below,
)
from hingecoach.core.results import Analysis
from hingecoach.core.track.pose_track import PoseTrack
from hingecoach.errors import HingeError


def margin(spec: FaultSpec, value: float) -> float:
    """The value's margin over the rule's packaged threshold, + toward the fault."""
    return spec.threshold - value if fires_below(spec.detector) else value - spec.threshold


def threshold_at(spec: FaultSpec, offset: float) -> float:
    """The threshold (in the rule's unit) that a margin ``offset`` stands for."""
    return spec.threshold - offset if fires_below(spec.detector) else spec.threshold + offset


def rule_key(spec: FaultSpec, drills: Iterable[Drill] | None = None) -> str:
    """The name a rule is fitted under: the fault's id, with the detector in brackets when
    the drills measure that fault with more than one detector (``knee_dominant (metric_above)``)."""
    detectors = {s.detector for d in (drills if drills is not None else load_drills().values())
                 for s in d.faults if s.id == spec.id}
    return spec.id if len(detectors) <= 1 else f"{spec.id} ({spec.detector})"


def _open(spec: FaultSpec) -> FaultSpec:
    """The rule with its threshold disabled and without suppression (applied separately)."""
    params = {k: v for k, v in spec.params.items() if k != "suppressed_by"}
    return replace(spec, threshold=math.inf if fires_below(spec.detector) else -math.inf, params=params)


def _unsuppressed(spec: FaultSpec) -> FaultSpec:
    return replace(spec, params={k: v for k, v in spec.params.items() if k != "suppressed_by"})


@dataclass
class ClipScores:
    """The scores of one clip for every fault rule of its drill.

    ``scores``: rule key → the clip's margin (see the module docstring); ``rep_margins``: rule
    key → each rep's margin; ``packaged``: the faults (coached and experimental) the pipeline finds
    on the set with this drill at the packaged thresholds, by the same ``share`` rule.
    """

    drill: str | None
    view: str
    reps: int
    share: float
    scores: dict[str, float] = field(default_factory=dict)
    rep_margins: dict[str, list[float]] = field(default_factory=dict)
    packaged: list[str] = field(default_factory=list)
    specs: dict[str, FaultSpec] = field(default_factory=dict)
    unmeasured: list[str] = field(default_factory=list)


def kth_largest(values: list[float], share: float) -> float:
    """The k-th largest of ``values`` with k = max(1, ceil(share × len)); -inf when empty."""
    if not values:
        return -math.inf
    k = max(1, math.ceil(share * len(values)))
    return sorted(values, reverse=True)[k - 1]


def _packaged_faults(analysis: Analysis, share: float) -> list[str]:
    """Faults on at least ``share`` of the reps (one at least), coached and experimental."""
    per_rep: list[set[str]] = [{f.id for f in r.faults} for r in analysis.reps]
    index = {r.index: i for i, r in enumerate(analysis.reps)}
    for f in analysis.experimental:
        if f["rep"] in index:
            per_rep[index[f["rep"]]].add(f["id"])
    need = max(1, math.ceil(share * len(per_rep)))
    return sorted({fid for s in per_rep for fid in s if sum(fid in t for t in per_rep) >= need})


def clip_scores(track: PoseTrack, drill_id: str | None, share: float) -> ClipScores:
    """Every fault rule's score on one clip, for the drill ``drill_id`` (recognised when None).

    A clip with no rep (or one that cannot be analysed) has no scores.
    """
    from hingecoach.core.coach.coaching import coach_analysis
    from hingecoach.core.reps.engine import analyze_track

    drills = load_drills()
    try:
        analysis, tf = analyze_track(track)
        coach_analysis(analysis, tf, drill_override=drill_id)
    except HingeError:
        return ClipScores(drill=drill_id, view="unknown", reps=0, share=share)
    view = str(analysis.view.get("label", "unknown"))
    out = ClipScores(drill=analysis.drill.get("id"), view=view, reps=len(analysis.reps), share=share,
                     packaged=_packaged_faults(analysis, share))
    if out.drill is None or not analysis.reps:
        return out
    drill = drills[out.drill]
    view_conf = float(analysis.view.get("sagittal_confidence", 0.0))
    rules_view = str(analysis.view.get("rules_view", view))   # a turned view stretched back: side
    specs = tuple(s for s in drill.faults if s.detector in DETECTORS)
    out.specs = {rule_key(s, drills.values()): s for s in specs}
    keys = {s.id: k for k, s in out.specs.items()}
    margins: dict[str, list[float]] = {k: [] for k in out.specs}
    unmeasured: set[str] = set()
    for rep_result, rep in zip(analysis.reps, tf.reps, strict=True):
        ctx = RepContext(rep=rep, tf=tf, metrics=rep_result.metrics, view_confidence=view_conf)
        # Suppression as the pipeline applies it: by faults found at their packaged thresholds.
        at_packaged, _ = detect_faults(ctx, tuple(_unsuppressed(s) for s in specs), rules_view)
        found = {f.id for f in at_packaged}
        opened, missing = detect_faults(ctx, tuple(_open(s) for s in specs), rules_view)
        unmeasured.update(missing)
        values = {f.id: f.value for f in opened if f.value is not None}
        for s in specs:
            suppressed = bool(found & set(s.params.get("suppressed_by", ())))
            v = values.get(s.id)
            margins[keys[s.id]].append(-math.inf if suppressed or v is None else margin(s, float(v)))
    out.rep_margins = margins
    out.scores = {k: kth_largest(m, share) for k, m in margins.items()}
    out.unmeasured = sorted(unmeasured)
    return out
