"""The back that landmarks cannot see: spinal flexion from the body's silhouette, over a track.

BlazePose has no spine points, so a rounded back leaves the shoulder–hip–knee angles unchanged.
The person mask shows it. Place in the pipeline:

1. pose backend (``segmentation=True``, :mod:`hingecoach.pose.silhouette`): each frame's mask
   becomes the trunk's two silhouette edges, kept in ``PoseTrack.profiles``;
2. here: :func:`back_profile` picks the dorsal edge (from the lifter's facing), measures how
   much the whole outline from above the buttocks to below the shoulders turns on every frame
   (:func:`outline_bend_deg`; its lumbar and thoracic halves are reported apart), and expresses
   the turn against the lifter's own standing profile as a flexion estimate in degrees;
3. faults: :mod:`hingecoach.core.faults.rounded_back` reads that estimate at the bottom of each
   rep, with a confidence that falls, and says why, when the back is not in profile, is covered
   by the arms or the load, or the silhouette is poor;
4. report: :func:`dorsal_contour` gives the outline drawn at the bottom of each rep.

Conventions: ``t`` runs along the trunk from the hip midpoint (0) to the shoulder midpoint (1);
the dorsal normal points out of the back. A bend is positive when the back is convex (rounded,
flexed) and negative when it is hollow (arched, extended). Flexion estimates are degrees of
spinal flexion relative to the same lifter standing, scaled by :data:`FLEXION_GAIN` (calibrated
on the synthetic athlete, ``hinge back calibrate``, see ``docs/back.md``).

The fitted numbers live in ``core/settings/analysis.toml`` (``[spine]``), each with its unit and
the reason for its value; the module names below are read from there.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hingecoach.core.kinematics.angles import trunk_axis_tilt_deg
from hingecoach.core.reps.engine import TrackFeatures
from hingecoach.core.settings import load_settings

_SPINE = load_settings().spine
#: Stations per edge, evenly spaced from the hip midpoint (t=0) to the shoulder midpoint (t=1).
N_STATIONS = _SPINE.n_stations
#: Station ranges (t) of the lower, middle and upper pieces of the dorsal edge, and of the whole
#: outline whose bend is the estimate.
LOWER_T, MIDDLE_T, UPPER_T, OUTLINE_T = _SPINE.lower_t, _SPINE.middle_t, _SPINE.upper_t, _SPINE.outline_t
#: Flexion per degree of outline-bend change against standing, and the change a neutral hinge shows.
FLEXION_GAIN, NEUTRAL_CHANGE_DEG = _SPINE.flexion_gain, _SPINE.neutral_change_deg
#: The scale against a neutral set of the same lifter (bottom against bottom, no offset).
NEUTRAL_SET_GAIN = _SPINE.neutral_set_gain
STANDING_SHARE, MIN_STANDING_FRAMES = _SPINE.standing_share, _SPINE.min_standing_frames
PLAUSIBLE_MAX_DEG = _SPINE.plausible_max_deg
#: Half-width (s) of the window around the bottom of a rep where the estimate is read.
BOTTOM_HALF_S = _SPINE.bottom_half_s
#: A back "held neutral" at the bottom (degrees), and the least confidence a note needs.
NEUTRAL_HELD_DEG, NOTE_MIN_CONFIDENCE = _SPINE.neutral_held_deg, _SPINE.note_min_confidence
#: Confidence factors of the view, and the shoulder separation past which a trunk is turned.
VIEW_FACTOR, TURNED_APART = _SPINE.view_factor, _SPINE.turned_apart




@dataclass
class BackProfile:
    """The dorsal edge measured on every frame of a track.

    Angles in degrees; per-frame arrays have shape (T,), NaN where not measured.
    ``outline_bend_deg`` is how much the dorsal outline turns from above the buttocks to below
    the shoulders (:data:`OUTLINE_T`, :func:`outline_bend_deg`; + convex, rounded);
    ``change_deg`` is that bend less the lifter's standing one, and ``flexion_deg``, the estimate
    of spinal flexion, is the change on the flexion scale (:data:`FLEXION_GAIN`) less what a
    neutral hinge shows (:data:`NEUTRAL_CHANGE_DEG`). ``lumbar_bend_deg`` / ``thoracic_bend_deg``
    are the turns of the lower and upper halves (lower piece to middle piece, middle to upper),
    ``lumbar_deg`` / ``thoracic_deg`` their changes against standing: reported, so a coach sees
    where the back bent.
    """

    outline_bend_deg: np.ndarray
    lumbar_bend_deg: np.ndarray
    thoracic_bend_deg: np.ndarray
    flexion_deg: np.ndarray
    lumbar_deg: np.ndarray
    thoracic_deg: np.ndarray
    found: np.ndarray            # share of the outline's stations whose edge was found
    arms_over_back: np.ndarray   # bool: an elbow or wrist lies over the back's outline
    shoulders_apart: np.ndarray  # distance between the two shoulders over the trunk's length
    fit_rms: np.ndarray          # RMS distance of the edge points from the piece lines (trunk lengths)
    change_deg: np.ndarray       # the outline's bend minus the standing one (raw, before the gain)
    standing_frames: np.ndarray  # indices of the frames used as the standing profile
    standing_spread_deg: float   # spread (IQR) of the reference: standing frames, or a neutral set's bottoms
    dorsal: np.ndarray = field(repr=False)  # (T, S, 2) the dorsal edge points, pixels
    #: What the change is measured from: "standing" (the clip's own standing frames) or
    #: "neutral set" (the bottoms of a set the coach called neutral: :func:`neutral_reference`).
    reference: str = "standing"


def _piece_slope(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares slope of b on a per row (NaN-aware) and the RMS residual."""
    ok = np.isfinite(a) & np.isfinite(b)
    n = ok.sum(axis=1)
    a0, b0 = np.where(ok, a, 0.0), np.where(ok, b, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ma, mb = a0.sum(axis=1) / n, b0.sum(axis=1) / n
        da, db = np.where(ok, a - ma[:, None], 0.0), np.where(ok, b - mb[:, None], 0.0)
        slope = (da * db).sum(axis=1) / (da * da).sum(axis=1)
        res = db - slope[:, None] * da
        rms = np.sqrt((res * res).sum(axis=1) / n)
    bad = n < 3
    slope[bad] = np.nan
    rms[bad] = np.nan
    return slope, rms


def outline_bend_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How much an outline turns from its first to its last point (degrees, + convex), per row.

    ``a`` runs along the chord, ``b`` out of the back (NaN where not found). A parabola
    b = c0 + c1·a + c2·a² is fitted per row (least squares); its tangent turns by
    2·atan(c2·L) over the span L of the points. The points are first turned onto the straight
    line through them, so the outline's tilt does not count. A straight outline
    gives 0; a circular arc turning θ gives θ. Rows with fewer than four points give NaN.
    """
    ok = np.isfinite(a) & np.isfinite(b)
    n = ok.sum(axis=1)
    # Turn each row's points onto their own chord direction first (the straight line through
    # them), so the outline's tilt in trunk coordinates does not read as bend.
    slope, _ = _piece_slope(a, b)
    phi = np.arctan(np.nan_to_num(slope))[:, None]
    a, b = a * np.cos(phi) + b * np.sin(phi), b * np.cos(phi) - a * np.sin(phi)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mid = np.nanmean(np.where(ok, a, np.nan), axis=1)
        x = np.where(ok, a - mid[:, None], 0.0)
        y = np.where(ok, b, 0.0)
        w = ok.astype(float)
        # Normal equations of the weighted fit, one 3x3 system per row.
        p = [np.sum(w * x ** k, axis=1) for k in range(5)]
        q = [np.sum(w * y * x ** k, axis=1) for k in range(3)]
        m = np.stack([np.stack([p[0], p[1], p[2]], -1), np.stack([p[1], p[2], p[3]], -1),
                      np.stack([p[2], p[3], p[4]], -1)], -2)
        rhs = np.stack(q, -1)
        good = n >= 4
        out = np.full(len(a), np.nan)
        if good.any():
            m_good = m[good]
            solvable = np.abs(np.linalg.det(m_good)) > 1e-12
            coef = np.full((int(good.sum()), 3), np.nan)
            if solvable.any():
                coef[solvable] = np.linalg.solve(m_good[solvable], rhs[good][solvable][..., None])[..., 0]
            span = np.nanmax(np.where(ok, a, np.nan), axis=1) - np.nanmin(np.where(ok, a, np.nan), axis=1)
            out[good] = -np.degrees(2.0 * np.arctan(coef[:, 2] * span[good]))
    return out


def _stations(rng: tuple[float, float], n: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, n)
    return np.flatnonzero((t >= rng[0] - 1e-9) & (t <= rng[1] + 1e-9))




def standing_frames(tilt_deg: np.ndarray, share: float = STANDING_SHARE) -> np.ndarray:
    """Frames where the trunk is near its most upright (the clip's 5th percentile of tilt)."""
    finite = tilt_deg[np.isfinite(tilt_deg)]
    if finite.size == 0:
        return np.zeros(0, dtype=int)
    lo, hi = np.percentile(finite, [5, 95])
    return np.flatnonzero(np.isfinite(tilt_deg) & (tilt_deg <= lo + share * max(hi - lo, 1.0)))


def dorsal_side(tf: TrackFeatures) -> int:
    """Which way the lifter faces (+1 toward +x), for choosing the back's edge.

    The face is in front of the trunk line in every hinge drill, standing, kneeling or on all
    fours, so the nose's side of the hip→shoulder line votes (median over the clip); the
    engine's facing (from the feet, which point backwards when kneeling) is the fallback.
    """
    hip, sho = tf.joints["hip"], tf.joints["shoulder"]
    nose = tf.track.joint("nose")
    u = sho - hip
    # (nose - shoulder) · (u_y, -u_x) is negative when the nose is ahead of a lifter facing +x.
    side = (nose[:, 0] - sho[:, 0]) * u[:, 1] - (nose[:, 1] - sho[:, 1]) * u[:, 0]
    side = side[np.isfinite(side)]
    if side.size < 5 or not np.any(side):
        return 1 if tf.facing >= 0 else -1
    return -1 if float(np.median(side)) > 0 else 1


def back_profile(tf: TrackFeatures, neutral: tuple[float, float] | None = None) -> BackProfile | None:
    """Measure the dorsal edge on every frame; None when the track has no silhouette profiles.

    ``neutral``: the outline bend (and its spread across reps) at the bottom of a set of the same
    lifter, filmed the same way, that the coach calls neutral (:func:`neutral_reference`). The
    change is then measured from it, bottom against bottom, and scaled without the neutral
    offset (the reference is a neutral hinge); otherwise from the clip's own standing frames.

    The edge points are expressed in trunk coordinates of the smoothed joints (distance along
    the hip→shoulder line and out of the back, both in trunk lengths), so the measure does not
    change with the trunk's inclination or the lifter's size in the image.
    """
    prof = tf.track.profiles
    if prof is None or prof.shape[1] % 2 or not np.isfinite(prof).any():
        return None
    s = prof.shape[1] // 2
    facing = dorsal_side(tf)
    dorsal = prof[:, :s] if facing > 0 else prof[:, s:]
    hip, sho = tf.joints["hip"], tf.joints["shoulder"]
    axis = sho - hip
    length = np.hypot(axis[:, 0], axis[:, 1])
    with np.errstate(invalid="ignore", divide="ignore"):
        u = axis / length[:, None]
    n_out = float(facing) * np.stack([u[:, 1], -u[:, 0]], axis=1)   # out of the back
    rel = dorsal - hip[:, None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.einsum("tsk,tk->ts", rel, u) / length[:, None]
        b = np.einsum("tsk,tk->ts", rel, n_out) / length[:, None]
    idx = [_stations(r, s) for r in (LOWER_T, MIDDLE_T, UPPER_T)]
    fits = [_piece_slope(a[:, i], b[:, i]) for i in idx]
    ang = [np.degrees(np.arctan(f[0])) for f in fits]
    lumbar_bend = ang[0] - ang[1]
    thoracic_bend = ang[1] - ang[2]
    used = _stations(OUTLINE_T, s)
    bend = outline_bend_deg(a[:, used], b[:, used])
    # Quality is judged where the estimate comes from: the whole outline.
    found = np.isfinite(b[:, used]).mean(axis=1)
    sq = np.stack([f[1] ** 2 for f in fits])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fit_rms = np.sqrt(np.nanmean(sq, axis=0))
    arms = _arms_over_back(tf, hip, u, n_out, length, b)
    with np.errstate(invalid="ignore", divide="ignore"):
        apart = np.hypot(*(tf.track.joint("left_shoulder") - tf.track.joint("right_shoulder")).T) / length
    # The standing profile: the least deep frames where the drill's depth is measured, else the
    # most upright trunk.
    depth = tf.features.depth_deg
    enough = np.isfinite(depth).sum() >= MIN_STANDING_FRAMES
    stand = standing_frames(depth if enough else trunk_axis_tilt_deg(hip, sho))
    stand = stand[np.isfinite(bend[stand])]
    if stand.size >= MIN_STANDING_FRAMES:
        ref = float(np.median(bend[stand]))
        ref_l = float(np.nanmedian(lumbar_bend[stand])) if np.isfinite(lumbar_bend[stand]).any() else math.nan
        ref_t = float(np.nanmedian(thoracic_bend[stand])) if np.isfinite(thoracic_bend[stand]).any() \
            else math.nan
        q1, q3 = np.percentile(bend[stand], [25, 75])
        spread = float(q3 - q1)
    else:
        ref = ref_l = ref_t = math.nan
        spread = math.nan
    gain, offset = FLEXION_GAIN, NEUTRAL_CHANGE_DEG
    if neutral is not None:
        ref, spread = neutral
        gain, offset = NEUTRAL_SET_GAIN, 0.0
    change = bend - ref
    return BackProfile(outline_bend_deg=bend, lumbar_bend_deg=lumbar_bend, thoracic_bend_deg=thoracic_bend,
                       flexion_deg=gain * (change - offset),
                       reference="standing" if neutral is None else "neutral set",
                       lumbar_deg=lumbar_bend - ref_l, thoracic_deg=thoracic_bend - ref_t, found=found,
                       arms_over_back=arms, shoulders_apart=apart, fit_rms=fit_rms, change_deg=change, standing_frames=stand,
                       standing_spread_deg=spread, dorsal=dorsal)


def _arms_over_back(tf: TrackFeatures, hip: np.ndarray, u: np.ndarray, n_out: np.ndarray,
                    length: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Frames where an elbow or wrist lies over the back's outline (between hip and shoulder,
    at least half-way from the trunk line to the dorsal edge): the arm or what it holds
    then draws part of the outline."""
    edge = np.full(len(b), np.nan)
    rows = np.isfinite(b).any(axis=1)  # frames with no dorsal edge found stay NaN (no warning)
    if rows.any():
        edge[rows] = np.nanmedian(b[rows], axis=1)
    over = np.zeros(len(b), dtype=bool)
    for name in ("elbow", "wrist"):
        p = tf.joints.get(name)
        if p is None:  # the engine's mid-joints have no elbow: average the two sides here
            sides = np.stack([tf.track.joint(f"left_{name}"), tf.track.joint(f"right_{name}")])
            with np.errstate(invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                p = np.nanmean(sides, axis=0)
        rel = p - hip
        with np.errstate(invalid="ignore", divide="ignore"):
            pa = np.einsum("tk,tk->t", rel, u) / length
            pb = np.einsum("tk,tk->t", rel, n_out) / length
        hit = (pa > 0.1) & (pa < 0.95) & (pb > 0.5 * np.nan_to_num(edge, nan=np.inf))
        over |= hit
    return over


@dataclass(frozen=True)
class BackReading:
    """The back at one moment of a rep: the estimate, how sure, and why not surer."""

    flexion_deg: float
    lumbar_deg: float
    thoracic_deg: float
    confidence: float
    frames: tuple[int, int]
    reasons: tuple[str, ...]




def read_back(bp: BackProfile, frames: slice, view: str) -> BackReading:
    """The median estimate over ``frames`` and its confidence (0..1) with the reasons it fell."""
    start, stop = frames.start, frames.stop
    sel = np.arange(start, stop)
    flex = bp.flexion_deg[sel]
    ok = np.isfinite(flex)
    reasons: list[str] = []
    conf = VIEW_FACTOR.get(view, 0.1)
    if view != "side":
        reasons.append(f"the back is not in profile ({view} view)")
    standing = bp.reference == "standing"
    if not ok.any():
        why = "no standing profile to compare with" \
            if standing and bp.standing_frames.size < MIN_STANDING_FRAMES else "the back's outline was not found"
        return BackReading(math.nan, math.nan, math.nan, 0.0, (start, stop - 1), (*reasons, why))
    if standing and bp.standing_frames.size < MIN_STANDING_FRAMES:
        conf *= 0.3
        reasons.append("no standing profile to compare with")
    found = float(np.nanmean(bp.found[sel]))
    if found < 0.9:
        conf *= found ** 2
        reasons.append(f"the back's outline was found on only {found:.0%} of its length")
    apart = float(np.nanmedian(bp.shoulders_apart[sel])) if np.isfinite(bp.shoulders_apart[sel]).any() \
        else math.nan
    # A trunk turned from the camera shows part of the shoulder blade or chest in the outline;
    # against a neutral set filmed the same way that part is on both sides and cancels.
    if standing and math.isfinite(apart) and apart > TURNED_APART:
        conf *= (TURNED_APART / apart) ** 2
        reasons.append(f"the trunk is turned from the camera (shoulders {apart:.0%} of the trunk apart)")
    arms = float(np.mean(bp.arms_over_back[sel]))
    if arms > 0:
        conf *= 1.0 - 0.8 * arms
        reasons.append("the arms or the load cover the back")
    rms = float(np.nanmedian(bp.fit_rms[sel])) if np.isfinite(bp.fit_rms[sel]).any() else math.nan
    # A clean silhouette lies within ~1% of a trunk length of three straight pieces; folds,
    # loose clothing or a ragged mask add more.
    if math.isfinite(rms) and rms > 0.02:
        conf *= max(0.2, 0.02 / rms)
        reasons.append("the outline is ragged (loose clothing or a poor mask)")
    spread = bp.standing_spread_deg
    if math.isfinite(spread) and spread > 6.0:
        conf *= max(0.2, 6.0 / spread)
        reasons.append(f"the {'standing profile' if standing else 'neutral set'} varies by {spread:.0f}°")
    value = float(np.median(flex[ok]))
    if abs(value) > PLAUSIBLE_MAX_DEG:
        return BackReading(math.nan, math.nan, math.nan, 0.0, (start, stop - 1),
                           (*reasons, f"the outline is not a back's (a bend of {value:.0f}°)"))
    return BackReading(flexion_deg=value,
                       lumbar_deg=float(np.nanmedian(bp.lumbar_deg[sel])),
                       thoracic_deg=float(np.nanmedian(bp.thoracic_deg[sel])),
                       confidence=float(min(1.0, max(0.0, conf))), frames=(start, stop - 1),
                       reasons=tuple(reasons))


def bottom_bends(tf: TrackFeatures, half_s: float = BOTTOM_HALF_S) -> list[float] | None:
    """Each rep's outline bend at its bottom (median over ±``half_s``; NaN where the outline is
    not found): the raw reading, before any reference. Reported as the rep metric
    ``back_outline_bend_deg``, so a stored analysis of a neutral set can serve as the reference
    later. None without silhouette profiles."""
    bp = cached_back_profile(tf)
    if bp is None:
        return None
    h = max(1, int(round(half_s * tf.track.fps)))
    out = []
    for r in tf.reps:
        v = bp.outline_bend_deg[max(r.start, r.bottom - h): r.bottom + h + 1]
        out.append(float(np.nanmedian(v)) if np.isfinite(v).any() else math.nan)
    return out


def reference_from_bends(bends: Sequence[float | None]) -> tuple[float, float, int] | None:
    """A neutral reference from the bottoms of a set the coach calls neutral: the median of its
    reps' outline bends, their spread (IQR) and how many there are. None when no rep has one."""
    values = np.array([float(b) for b in bends
                       if isinstance(b, int | float) and not isinstance(b, bool) and math.isfinite(b)])
    if values.size == 0:
        return None
    q1, q3 = np.percentile(values, [25, 75])
    return float(np.median(values)), float(q3 - q1), int(values.size)


def neutral_reference(tf: TrackFeatures, half_s: float = BOTTOM_HALF_S) -> tuple[float, float, int] | None:
    """The outline bend at the bottom of a set the coach calls neutral: the median over its reps
    of each bottom's median (±``half_s``), the spread (IQR) across reps, and the number of reps.
    Measured on the same lifter and camera, it replaces the standing profile as the reference:
    bottom against bottom, so clothing, body shape and a camera off the side cancel. None
    without silhouette profiles or reps."""
    bends = bottom_bends(tf, half_s)
    return reference_from_bends(bends) if bends else None


def dorsal_contour(bp: BackProfile, frame: int) -> np.ndarray:
    """The dorsal edge points of one frame (S, 2) pixels, hip to shoulder, found ones only —
    for drawing the back's outline on the annotated video."""
    pts = bp.dorsal[frame]
    return np.asarray(pts[np.isfinite(pts).all(axis=1)])


def cached_back_profile(tf: TrackFeatures) -> BackProfile | None:
    """:func:`back_profile`, computed once per analysed track and neutral reference (detectors
    run once per rep); kept in the track features' own memo, so it goes when they go."""
    key = ("back_profile", tf.back_neutral)
    if key not in tf.memo:
        tf.memo[key] = back_profile(tf, tf.back_neutral)
    bp: BackProfile | None = tf.memo[key]
    return bp
