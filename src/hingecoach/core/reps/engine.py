"""The analysis engine: pose track (or frames) → features → reps → per-rep metrics.

One engine, two feeds:

- :func:`analyze_track` (offline) smooths the whole track with a zero-phase filter, computes
  features for all frames at once, then feeds the depth of each frame to the
  :class:`~hingecoach.core.reps.counter.RepCounter` one frame at a time.
- :class:`HingeEngine` (live) takes one frame of keypoints at a time, smooths it with a causal
  filter, keeps running body references and facing, and feeds the same rep counter. It holds
  only a window of recent features, so memory stays flat however long the camera runs.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from hingecoach import __version__
from hingecoach.core.kinematics.angles import (
    TIPPED_TRUNK_DIVISOR,
    CausalSmoother,
    classify_view,
    despike,
    facing_by_frame,
    facing_from_nose,
    fill_gaps,
    frame_width_ratio,
    front_frames,
    mid_joints,
    overall_facing,
    rectify_joints,
    robust_max,
    segment_length,
    smooth,
    trunk_turn_bound_deg,
    view_yaw_deg,
    width_ratio,
)
from hingecoach.core.kinematics.features import FEATURES, Features, References, frame_depth, frame_features
from hingecoach.core.reps.counter import Rep, RepCounter, RepEvent
from hingecoach.core.reps.metrics import rep_metrics
from hingecoach.core.results import Analysis, RepResult
from hingecoach.core.settings import RepSettings, Settings, load_settings
from hingecoach.core.track.pose_track import PoseTrack
from hingecoach.core.track.skeletons import JOINTS
from hingecoach.errors import HingeError

_NOSE = JOINTS.index("nose")
_CORE = [JOINTS.index(n) for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip",
                                   "left_knee", "right_knee")]


@dataclass
class TrackFeatures:
    """The offline engine's intermediate results, kept for faults, plots and reports."""

    track: PoseTrack
    joints: dict[str, np.ndarray]
    features: Features
    facing: int
    refs: References
    view: str
    view_confidence: float
    reps: list[Rep]
    person_found: np.ndarray
    #: Per-frame facing (+1/-1), which differs from ``facing`` (the clip's) only where the
    #: lifter turned round (:func:`hingecoach.core.kinematics.angles.facing_by_frame`); None: ``facing``.
    facing_frames: np.ndarray | None = None
    #: The outline bend at the bottom of a set of this lifter the coach calls neutral, and its
    #: spread across reps (:func:`hingecoach.core.spine.outline.neutral_reference`); None: the back is read
    #: against the clip's own standing frames.
    back_neutral: tuple[float, float] | None = None
    #: Measures derived from these features once and read by several rules (the back profile),
    #: keyed by what they depend on; they live and go with this object.
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)
    #: The camera's shortening of the forward direction (cos of its yaw) that ``joints`` were
    #: stretched back from (:func:`hingecoach.core.kinematics.angles.rectify_joints`); 1.0: not
    #: stretched.
    sagittal_scale: float = 1.0

    @property
    def rectified(self) -> bool:
        """True when the joints were stretched back to a side view."""
        return self.sagittal_scale < 1.0

    @property
    def rules_view(self) -> str:
        """The view the fault rules are chosen for: a view stretched back to the side counts as
        side-on."""
        return "side" if self.rectified else self.view

    def facing_at(self, frames: np.ndarray) -> np.ndarray:
        """The facing at these frame indices."""
        if self.facing_frames is None:
            return np.full(np.shape(frames), float(self.facing))
        return np.asarray(self.facing_frames[frames], float)


#: Use the trunk tilt as the rep signal when the hip angle moves less than this share of it.
TILT_OVER_HIP = 0.5


def _spread(x: np.ndarray) -> float:
    finite = x[np.isfinite(x)]
    return float(np.percentile(finite, 95) - np.percentile(finite, 5)) if finite.size > 10 else math.nan


def mask_low_confidence(track: PoseTrack, min_confidence: float) -> PoseTrack:
    """Set keypoints below ``min_confidence`` to NaN (they are guesses, not measurements)."""
    xy = track.xy.copy()
    xy[track.confidence < min_confidence] = np.nan
    return track.with_step(f"mask_low_confidence({min_confidence})", xy=xy)


def body_references(joints: dict[str, np.ndarray], percentile: float) -> References:
    """The lifter's trunk and leg lengths (2D, robust maxima over the clip)."""
    trunk = robust_max(segment_length(joints["hip"], joints["shoulder"]), percentile)
    leg = robust_max(segment_length(joints["hip"], joints["knee"])
                     + segment_length(joints["knee"], joints["ankle"]), percentile)
    if not math.isfinite(leg) or leg <= 0:
        # No ankles in view (e.g. hidden by plates): thighs are about half a leg.
        thigh = robust_max(segment_length(joints["hip"], joints["knee"]), percentile)
        leg = 2.0 * thigh
    return References(trunk_px=trunk, leg_px=leg)


def run_reps(depth: np.ndarray, fps: float, params: RepSettings) -> list[Rep]:
    """Feed a depth series to a fresh rep counter, frame by frame; return the reps.

    Offline, the whole clip is known, so the counter is calibrated with the lifter's standing
    depth (the clip's 5th percentile): a bounce at the bottom is then never taken for the top.
    """
    # Offline the whole signal is known: a short median filter removes pose glitches of a
    # frame or two (a swapped limb) that would otherwise look like a turn.
    depth = despike(depth, max(3, int(round(params.despike_s * fps)) | 1))
    finite = depth[np.isfinite(depth)]
    standing = float(np.percentile(finite, 5)) if finite.size else math.nan
    counter = RepCounter(params=params, fps=fps, standing_deg=standing)
    for i, d in enumerate(depth.tolist()):
        counter.update(i, d)
    counter.finish()
    return counter.reps


def track_features(track: PoseTrack, settings: Settings | None = None) -> TrackFeatures:
    """Offline: standardize, mask, fill gaps, smooth, then compute features and reps."""
    settings = settings or load_settings()
    std = track.standardized()
    if std.n_frames == 0:
        raise HingeError("no frames to analyse")
    min_conf = float(settings.pose.min_confidence)
    # A person is found when a shoulder, a hip and a knee (either side) are seen.
    seen = std.confidence[:, _CORE] >= min_conf
    person = (seen[:, 0] | seen[:, 1]) & (seen[:, 2] | seen[:, 3]) & (seen[:, 4] | seen[:, 5])
    if not person.any():
        raise HingeError("no person found in the video")
    t = mask_low_confidence(std, min_conf)
    t = fill_gaps(t, float(settings.smoothing.max_gap_s))
    t = smooth(t, float(settings.smoothing.cutoff_hz), int(settings.smoothing.butterworth_order))
    joints = mid_joints(t.xy, std.confidence, min_conf)
    pct = float(settings.scale.reference_percentile)
    refs = body_references(joints, pct)
    facing, _agree = overall_facing(t, joints)
    # A lifter who turns round (between sets, or in a demo edited from several sides) faces
    # the other way for a while: those frames get their own facing, so the angles keep their signs.
    facing_frames = facing_by_frame(joints, facing, t.fps, float(settings.view.turn_tip_deg),
                                    float(settings.view.turn_min_s))
    ratio = width_ratio(t, joints, pct)
    view, view_conf = classify_view(ratio, float(settings.view.side_max_width_ratio),
                                    float(settings.view.front_min_width_ratio))
    front = front_frames(t, joints, pct, float(settings.view.front_min_width_ratio), float(settings.view.front_run_s))
    band = float(settings.scale.bar_contact_band_leg)
    plausible = settings.plausible.ranges()
    feats = frame_features(joints, facing_frames, refs, plausible=plausible, contact_band_leg=band)
    # The rep signal: hip flexion, unless the view hides it (from the front, or an oblique
    # view close to it), which shows as a trunk tilt that moves far more than the hip angle.
    hip_range = _spread(feats.hip_flexion_deg)
    tilt_range = _spread(feats.trunk_tilt_deg)
    from_tilt = view == "front" or (math.isfinite(tilt_range) and not hip_range >= TILT_OVER_HIP * tilt_range)
    if from_tilt:
        feats = frame_features(joints, facing_frames, refs, depth_from_tilt=True, plausible=plausible,
                               contact_band_leg=band)
    elif front.any():
        # A clip seen from the side that cuts to a front view for a while: there the hip angle
        # hides the hinge, so the rep signal is the trunk tilt on those frames.
        feats = replace(feats, depth_deg=np.where(front, feats.trunk_tilt_deg, feats.depth_deg))
    # Reps are counted on the image's own angles, as the live engine counts them.
    reps = run_reps(feats.depth_deg, t.fps, settings.reps)
    # A camera turned from the side: the joints stretched back to a side view for the angles and
    # distances the rules read (the lengths that normalise stay those read upright, which the
    # turn does not shorten). Not where the lifter turns to face the camera part way (one yaw does
    # not hold for the clip), nor where the rep signal is the trunk tilt.
    scale: float | np.ndarray = 1.0
    if not (front.any() or from_tilt):
        clip_scale = _stretch(_turn_deg(ratio, joints, refs, settings), settings)
        # A lifter who turned between or during reps: each rep stretched by its own turn.
        per_rep = _rep_scales(t, joints, refs, reps, clip_scale, settings)
        scale = clip_scale if per_rep is None else per_rep
    if np.min(scale) < 1.0:
        joints = rectify_joints(joints, scale)
        feats = frame_features(joints, facing_frames, refs, plausible=plausible, contact_band_leg=band)
    return TrackFeatures(track=t, joints=joints, features=feats, facing=facing, refs=refs,
                         view=view, view_confidence=view_conf, reps=reps, person_found=person,
                         facing_frames=facing_frames,
                         sagittal_scale=float(np.min(scale)))   # the most turned rep sets the view's confidence


def _stretch(turn_deg: float, settings: Settings) -> float:
    """The shortening (cos of the camera's turn) to stretch the joints back from, for a turn in
    the ``[view]`` rectify range; 1.0 (leave them) outside it or when unknown."""
    v = settings.view
    if not (math.isfinite(turn_deg) and float(v.rectify_min_yaw_deg) <= turn_deg <= float(v.rectify_max_yaw_deg)):
        return 1.0
    return math.cos(math.radians(turn_deg))


def _turn_deg(ratio: float, joints: dict[str, np.ndarray], refs: References, settings: Settings) -> float:
    """The camera's turn from side-on (degrees): the width ratio's, capped by the trunk's bound."""
    v = settings.view
    yaw = view_yaw_deg(ratio, float(v.front_width_ratio))
    bound = trunk_turn_bound_deg(joints, refs.trunk_px, float(v.turn_bound_min_tilt_deg), int(v.turn_bound_min_frames))
    return min(yaw, bound) if math.isfinite(bound) else yaw


def _rep_scales(track: PoseTrack, joints: dict[str, np.ndarray], refs: References, reps: list[Rep],
                clip_scale: float, settings: Settings) -> np.ndarray | None:
    """Per-frame shortenings when the lifter turns relative to the camera during the set: each
    rep's own turn (its frames' width ratio, capped by its trunk), every frame taking the turn of
    the rep it belongs to (or the nearest one). None when every rep's turn is within
    ``rep_turn_deg`` of the clip's (one stretch holds for the clip)."""
    if len(reps) < 2:
        return None
    ratio = frame_width_ratio(track, joints, float(settings.scale.reference_percentile))
    clip_turn = math.degrees(math.acos(min(1.0, clip_scale)))   # the turn the clip is stretched by
    turns = []
    for r in reps:
        frames = slice(r.start, r.end + 1)
        seen = ratio[frames][np.isfinite(ratio[frames])]
        part = {k: x[frames] for k, x in joints.items()}
        turns.append(_turn_deg(float(np.median(seen)), part, refs, settings) if seen.size else math.nan)
    if not any(math.isfinite(a) and abs(a - clip_turn) > float(settings.view.rep_turn_deg) for a in turns):
        return None
    scales = [_stretch(a, settings) for a in turns]
    mids = np.array([(r.start + r.end) / 2.0 for r in reps])
    owner = np.abs(np.arange(track.n_frames)[:, None] - mids[None, :]).argmin(axis=1)
    for i, r in enumerate(reps):
        owner[r.start: r.end + 1] = i
    return np.asarray(scales)[owner]


def rep_results(tf: TrackFeatures) -> list[RepResult]:
    """Reps with times and metrics."""
    fps = tf.track.fps
    ts = tf.track.timestamps_s
    f = tf.features.as_dict()
    return [
        RepResult(index=r.index, start_s=round(float(ts[r.start]), 4),
                  bottom_s=round(float(ts[r.bottom]), 4), end_s=round(float(ts[r.end]), 4),
                  start_frame=r.start, bottom_frame=r.bottom, end_frame=r.end,
                  metrics=rep_metrics(f, r, fps))
        for r in tf.reps
    ]


def camera_side(track: PoseTrack) -> str:
    """Which side of the body faces the camera: the side whose joints the detector sees
    better (``left``/``right``), or ``both`` when neither stands out (a front view)."""
    names = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
    left = float(np.mean([track.confidence[:, JOINTS.index(f"left_{n}")].mean() for n in names]))
    right = float(np.mean([track.confidence[:, JOINTS.index(f"right_{n}")].mean() for n in names]))
    if abs(left - right) < 0.05:
        return "both"
    return "left" if left > right else "right"


def analysis_warnings(tf: TrackFeatures) -> list[str]:
    """Warnings a lifter should read before trusting the numbers."""
    warnings: list[str] = []
    found = float(tf.person_found.mean())
    if found < 0.9:
        warnings.append(f"the lifter was found in only {found:.0%} of frames; results may miss reps")
    if tf.view == "front":
        warnings.append("filmed from the front: reps are counted, but joint angles are not reliable;"
                        " film from the side for form feedback")
    elif tf.rectified:
        yaw = math.degrees(math.acos(tf.sagittal_scale))
        warnings.append(f"filmed about {yaw:.0f}° from the side: joint angles are corrected for the camera's"
                        " angle but approximate; film from the side for the most reliable form feedback")
    elif tf.view == "oblique":
        warnings.append("filmed at an angle: joint angles are approximate; film from the side for"
                        " the most reliable form feedback")
    size = tf.track.image_size
    if size is not None:
        w, h = size
        xy = tf.track.xy
        margin = 0.01
        inside = ~np.isnan(xy[..., 0])
        out_x = (xy[..., 0] < margin * w) | (xy[..., 0] > (1 - margin) * w)
        out_y = (xy[..., 1] < margin * h) | (xy[..., 1] > (1 - margin) * h)
        cut = ((out_x | out_y) & inside)[:, _CORE + [JOINTS.index("left_ankle"),
                                                     JOINTS.index("right_ankle")]].any(axis=1)
        if cut.mean() > 0.1:
            warnings.append(f"the body is cut off by the frame edge in {cut.mean():.0%} of frames;"
                            " step back so the whole body is in view")
    if not tf.reps:
        warnings.append("no completed rep found")
    return warnings


def _sagittal_confidence(tf: TrackFeatures) -> float:
    """How far the 2D sagittal angles can be trusted: the side view's confidence; for a view
    stretched back to the side, the share of the forward direction the camera showed (cos of its
    yaw: 0.94 at 20°, 0.71 at 45°), or the side view's when higher; half the view's when
    oblique; little from the front."""
    if tf.rectified:
        return max(tf.sagittal_scale, tf.view_confidence if tf.view == "side" else 0.0)
    return tf.view_confidence if tf.view == "side" else (0.5 * tf.view_confidence if tf.view == "oblique" else 0.1)


def analyze_track(track: PoseTrack, settings: Settings | None = None,
                  provenance: dict[str, Any] | None = None) -> tuple[Analysis, TrackFeatures]:
    """Analyse a pose track offline. Returns the analysis and the intermediate features."""
    settings = settings or load_settings()
    tf = track_features(track, settings)
    view_conf = tf.view_confidence
    analysis = Analysis(
        source=dict(track.attrs.get("source", {})),
        fps=track.fps,
        frames=track.n_frames,
        view={"label": tf.view, "confidence": round(view_conf, 3), "camera_side": camera_side(tf.track),
              "sagittal_confidence": round(_sagittal_confidence(tf), 3),
              "rules_view": tf.rules_view,
              **({"yaw_deg": round(math.degrees(math.acos(tf.sagittal_scale)), 1)} if tf.rectified else {})},
        facing="right" if tf.facing > 0 else "left",
        reps=rep_results(tf),
        warnings=analysis_warnings(tf) + list(track.attrs.get("warnings", [])),
        provenance={
            "hingecoach": __version__,
            "pose": track.attrs.get("backend"),
            "model": track.attrs.get("model"),
            "steps": tf.track.attrs.get("steps", []),
            "settings": settings.source,
            **(provenance or {}),
        },
    )
    return analysis, tf


@dataclass
class FrameResult:
    """What the live engine reports for one frame."""

    index: int
    t_s: float
    features: dict[str, float]
    events: list[RepEvent]
    rep_count: int


@dataclass
class HingeEngine:
    """Frame-by-frame engine for live use (a camera loop calls :meth:`push` per frame).

    Body references and facing are learned as frames arrive (running maxima and votes);
    metrics of each finished rep come from a window of recent features.
    """

    fps: float
    settings: Settings = field(default_factory=load_settings)
    window_s: float = 30.0
    #: False: per frame only the rep signal (depth), no rep metrics; for a caller that rates
    #: reps itself (the live session runs the offline rules), at about half the cost a frame.
    metrics: bool = True

    def __post_init__(self) -> None:
        s = self.settings
        self._min_conf = float(s.pose.min_confidence)
        self._plausible = s.plausible.ranges()  # once, not on every frame
        self._smoother = CausalSmoother(self.fps, float(s.smoothing.causal_cutoff_hz))
        self.counter = RepCounter(params=s.reps, fps=self.fps)
        self._trunk_ref = 0.0
        self._leg_ref = 0.0
        self._facing_votes = 0.0
        self._tip_votes = 0.0
        self._depth_from_tilt = False
        self._head_votes = 0.0
        self._window: deque[dict[str, float]] = deque(maxlen=int(self.window_s * self.fps))
        self._first_in_window = 0
        self._i = -1
        self._layout: tuple[tuple[str, ...], np.ndarray] | None = None
        self.rep_metrics: dict[int, dict[str, float | None]] = {}

    @property
    def facing(self) -> int:
        """+1 facing right, −1 facing left (so far), as :func:`overall_facing` decides offline:
        frames with the trunk tipped vote first (standing, kneeling or on all fours), then the
        head, then the feet (kneeling or on all fours the toes point back, so they come last)."""
        for votes in (self._tip_votes, self._head_votes, self._facing_votes):
            if votes != 0.0:
                return 1 if votes > 0 else -1
        return 1

    def _tilt_moves_more(self, i: int) -> bool:
        """Whether the view hides the hinge (from the front, or an oblique view close to it), as
        offline decides it: the trunk tilt moves far more than the hip angle. Checked every half
        second over the frames so far, once there has been a hinge's worth of tilt (``[reps]
        min_range_deg``); from then on the rep signal is the trunk tilt."""
        if i % max(1, int(self.fps / 2)) or len(self._window) < self.fps:
            return False
        hip = np.array([r["hip_flexion_deg"] for r in self._window])
        tilt = np.array([r["trunk_tilt_deg"] for r in self._window])
        hip_range, tilt_range = _spread(hip), _spread(tilt)
        if math.isfinite(tilt_range) and tilt_range >= float(self.settings.reps.min_range_deg) \
                and not hip_range >= TILT_OVER_HIP * tilt_range:
            self._depth_from_tilt = True
            self.counter.new_signal()
        return self._depth_from_tilt

    def _vote_facing(self, joints: dict[str, np.ndarray], xy: np.ndarray) -> None:
        lean = float(joints["shoulder"][0] - joints["hip"][0])
        if math.isfinite(lean) and self._trunk_ref > 0 and abs(lean) > self._trunk_ref / TIPPED_TRUNK_DIVISOR:
            self._tip_votes += lean   # the more tipped, the more say (a hinge outweighs a lean back)
            return
        head = float(facing_from_nose(xy[_NOSE], joints["ear"]))
        if math.isfinite(head):
            self._head_votes += head
        foot = float(joints["foot_index"][0] - joints["heel"][0])
        if math.isfinite(foot):
            self._facing_votes += float(np.sign(foot))

    def push(self, xy: np.ndarray, confidence: np.ndarray, t_s: float | None = None) -> FrameResult:
        """Process one frame of standardized keypoints: xy (K, 2) pixels, confidence (K,)."""
        self._i += 1
        i = self._i
        xy = np.where((confidence < self._min_conf)[:, None], np.nan, xy)
        xy = self._smoother.update(xy)
        joints = mid_joints(xy, confidence, self._min_conf)
        trunk = float(segment_length(joints["hip"], joints["shoulder"]))
        leg = float(segment_length(joints["hip"], joints["knee"]) + segment_length(joints["knee"], joints["ankle"]))
        if math.isfinite(trunk):
            self._trunk_ref = max(self._trunk_ref, trunk)
        if math.isfinite(leg):
            self._leg_ref = max(self._leg_ref, leg)
        self._vote_facing(joints, xy)
        refs = References(trunk_px=self._trunk_ref or math.nan, leg_px=self._leg_ref or math.nan)
        if self.metrics:
            feats = frame_features(joints, float(self.facing), refs, plausible=self._plausible,
                                   contact_band_leg=float(self.settings.scale.bar_contact_band_leg))
            row = {name: float(getattr(feats, name)) for name in FEATURES}
        else:   # the rep signal only (live coaching rates reps with the offline rules)
            ang, tilt, depth = frame_depth(joints, float(self.facing), refs, plausible=self._plausible)
            row = {"hip_flexion_deg": float(ang.hip_flexion_deg), "trunk_tilt_deg": float(tilt),
                   "depth_deg": float(depth)}
        if self._depth_from_tilt or self._tilt_moves_more(i):
            row["depth_deg"] = row["trunk_tilt_deg"]
        if len(self._window) == self._window.maxlen:
            self._first_in_window += 1
        self._window.append(row)
        events = self.counter.update(i, row["depth_deg"])
        for ev in events:
            if ev.kind == "final" and ev.rep is not None and self.metrics:
                self.rep_metrics[ev.rep.index] = self._metrics(ev.rep)
        return FrameResult(index=i, t_s=t_s if t_s is not None else i / self.fps, features=row,
                           events=events, rep_count=len(self.counter.reps))

    def push_pose(self, xy: np.ndarray, confidence: np.ndarray, keypoints: tuple[str, ...],
                  t_s: float | None = None) -> FrameResult:
        """Process one frame in any skeleton (e.g. a pose backend's ``FramePose`` with the
        estimator's ``keypoints``): it is mapped to the project's joints, then :meth:`push`."""
        if self._layout is None or self._layout[0] != keypoints:
            index = np.array([keypoints.index(n) if n in keypoints else -1 for n in JOINTS])
            self._layout = (keypoints, index)
        index = self._layout[1]
        std_xy = np.where((index >= 0)[:, None], xy[index], np.nan)
        std_conf = np.where(index >= 0, confidence[index], 0.0)
        return self.push(std_xy, std_conf, t_s)

    def finish(self) -> list[RepEvent]:
        """End of the stream: settle the last rep."""
        events = self.counter.finish()
        for ev in events:
            if ev.rep is not None and self.metrics:
                self.rep_metrics[ev.rep.index] = self._metrics(ev.rep)
        return events

    def _metrics(self, rep: Rep) -> dict[str, float | None]:
        arrays = {name: np.array([r[name] for r in self._window]) for name in FEATURES}
        return rep_metrics(arrays, rep, self.fps, offset=self._first_in_window)
