"""The back that landmarks cannot see: spinal flexion from the body's silhouette.

BlazePose has no spine points, so a rounded back leaves the shoulder–hip–knee angles unchanged.
The person mask shows it. Place in the pipeline:

1. pose backend (``segmentation=True``): :func:`profile_from_mask` reduces each frame's person
   mask to the trunk's two silhouette edges (:data:`N_STATIONS` points per side, pixels), kept
   in :attr:`PoseTrack.profiles <hingecoach.track.PoseTrack>`; the mask itself is dropped;
2. analysis: :func:`back_profile` picks the dorsal edge (from the lifter's facing), measures how
   much it bends over its lumbar and thoracic halves on every frame, and expresses the bend
   against the lifter's own standing profile as a flexion estimate in degrees;
3. faults: the ``back_flexion`` detector reads that estimate at the bottom of each rep, with a
   confidence that falls, and says why, when the back is not in profile, is covered by the arms
   or the load, or the silhouette is poor.

Conventions: ``t`` runs along the trunk from the hip midpoint (0) to the shoulder midpoint (1);
the dorsal normal points out of the back. A bend is positive when the back is convex (rounded,
flexed) and negative when it is hollow (arched, extended). Flexion estimates are degrees of
spinal flexion relative to the same lifter standing, scaled by :data:`FLEXION_GAIN` (calibrated
on the synthetic athlete, see ``docs/back.md``).

``python -m hingecoach.back calibrate --gt-dir DIR`` prints the agreement with rendered clips of
known flexion; ``python -m hingecoach.back real`` runs it on the labelled clips;
``python -m hingecoach.back cost VIDEO`` times the segmentation.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .analysis import Finding
from .drills import FaultSpec
from .engine import TrackFeatures
from .faults import NotMeasured, RepContext, register_detector

#: Stations per edge, evenly spaced from the hip midpoint (t=0) to the shoulder midpoint (t=1).
N_STATIONS = 21
#: How far to march out from the trunk line looking for the mask's edge (fraction of the
#: hip–shoulder distance): beyond a heavy lifter's buttocks and belly, short of the arms' reach.
MARCH_TRUNK = 0.8
#: Mask value taken as the person's edge (MediaPipe's mask is a probability).
MASK_EDGE = 0.5
#: Station ranges (t) of the three pieces of the dorsal edge whose directions are compared:
#: lower back (above the buttocks), middle, upper back (up to the shoulder blades). Below
#: t=0.1 the edge is the buttocks; above 0.95 the shoulder and neck.
LOWER_T = (0.10, 0.40)
MIDDLE_T = (0.40, 0.70)
UPPER_T = (0.70, 0.95)
#: Degrees of spinal flexion per degree of change (bottom against standing) of the lower back's
#: bend. The estimate rests on the lower back only: on the synthetic athlete the upper back's
#: standing outline differs by body (shoulder blades, chest) by more than flexion moves it, so
#: it is reported apart and not added in. The lower back's bend sees only part of a spine that
#: flexes from the sacrum to the neck, hence a gain > 1. Fitted on the synthetic athlete's side
#: views (``python -m hingecoach.back calibrate``; docs/back.md).
FLEXION_GAIN = 2.8
#: Change of the lower back's bend (degrees) at the bottom of a hinge with a neutral spine:
#: folding at the hips alone flattens the standing lordosis a little. Fitted with FLEXION_GAIN.
NEUTRAL_CHANGE_DEG = 5.0
#: Frames near the lifter's most upright trunk serve as the standing profile: trunk tilt within
#: this share of the clip's tilt range above its 5th percentile.
STANDING_SHARE = 0.08
#: Fewer standing frames than this and there is no reliable standing profile to compare with.
MIN_STANDING_FRAMES = 5
#: A whole human spine flexes about 80–90° at most: an estimate beyond this is a failed outline
#: (a wrong edge, an object in the mask), never a reading.
PLAUSIBLE_MAX_DEG = 90.0
#: Half-width of the window around the bottom of a rep where the estimate is read (seconds).
BOTTOM_HALF_S = 0.15


# --- per frame, in the pose backend ---------------------------------------------------------

def profile_from_mask(mask: np.ndarray, hip_xy: np.ndarray, shoulder_xy: np.ndarray,
                      n_stations: int = N_STATIONS) -> np.ndarray:
    """Reduce a person mask to the trunk's two silhouette edges.

    From ``n_stations`` points evenly spaced on the hip→shoulder line, march perpendicular to
    the trunk on each side until the mask drops below :data:`MASK_EDGE` (sub-pixel, by linear
    interpolation between samples) and stays below for two more pixels, so a pin-hole in the
    mask does not stop the march.

    Parameters
    ----------
    mask : ndarray, shape (H, W)
        Person probability (or 0/1) per pixel.
    hip_xy, shoulder_xy : ndarray, shape (2,)
        Hip and shoulder midpoints, pixels (x right, y down).

    Returns
    -------
    ndarray, shape (2 * n_stations, 2)
        Edge points in pixels. Rows ``0..n-1``: the edge on the side of the normal
        ``(u_y, -u_x)`` of the trunk direction ``u`` (hip→shoulder) — the back when the lifter
        faces +x (right); rows ``n..2n-1``: the opposite edge (the back when facing left). Each
        half runs from the hip to the shoulder. NaN where the edge was not found: the station
        is outside the mask, the edge is beyond the march, or at the image border.
    """
    out = np.full((2 * n_stations, 2), np.nan)
    hip = np.asarray(hip_xy, dtype=float)
    sho = np.asarray(shoulder_xy, dtype=float)
    axis = sho - hip
    length = float(np.hypot(*axis))
    if not math.isfinite(length) or length < 8.0:
        return out
    u = axis / length
    normal = np.array([u[1], -u[0]])
    h, w = mask.shape[:2]
    t = np.linspace(0.0, 1.0, n_stations)
    base = hip[None, :] + t[:, None] * axis[None, :]                        # (S, 2)
    steps = np.arange(0.0, math.ceil(MARCH_TRUNK * length) + 1.0)          # (M,) pixels
    m = mask.astype(np.float32, copy=False)
    for half, sign in enumerate((1.0, -1.0)):
        pts = base[:, None, :] + sign * steps[None, :, None] * normal[None, None, :]  # (S, M, 2)
        # Bilinear samples along every ray at once; outside the image counts as background.
        vals = cv2.remap(m, pts[..., 0].astype(np.float32), pts[..., 1].astype(np.float32),
                         interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0.0,))
        inside = vals >= MASK_EDGE
        # An edge: the first sample outside, followed by two more outside.
        outside = ~inside
        run = outside.copy()
        run[:, :-1] &= outside[:, 1:]
        run[:, :-2] &= outside[:, 2:]
        has = run.any(axis=1) & inside[:, 0]
        j = np.argmax(run, axis=1)
        ok = has & (j > 0)
        rows = np.flatnonzero(ok)
        jj = j[rows]
        v_in, v_out = vals[rows, jj - 1], vals[rows, jj]
        frac = np.clip((v_in - MASK_EDGE) / np.maximum(v_in - v_out, 1e-6), 0.0, 1.0)
        dist = steps[jj - 1] + frac
        edge = base[rows] + sign * dist[:, None] * normal[None, :]
        border = (edge[:, 0] < 1) | (edge[:, 0] > w - 2) | (edge[:, 1] < 1) | (edge[:, 1] > h - 2)
        edge[border] = np.nan
        out[half * n_stations + rows] = edge
    return out


def profile_from_landmarks(mask: np.ndarray, xy: np.ndarray, keypoints: Sequence[str]) -> np.ndarray:
    """:func:`profile_from_mask` with the hip and shoulder midpoints taken from a frame's
    landmarks (``xy`` (K, 2) pixels in the skeleton ``keypoints``)."""
    names = list(keypoints)

    def mid(joint: str) -> np.ndarray:
        pts = np.array([xy[names.index(f"{s}_{joint}")] for s in ("left", "right")])
        if not np.isfinite(pts).any():
            return np.full(2, np.nan)
        return np.asarray(np.nanmean(pts, axis=0))  # one side missing: the other one

    return profile_from_mask(mask, mid("hip"), mid("shoulder"))


# --- over the track, in the analysis ----------------------------------------------------------

@dataclass
class BackProfile:
    """The dorsal edge measured on every frame of a track.

    Angles in degrees; per-frame arrays have shape (T,), NaN where not measured.
    ``lumbar_bend_deg`` and ``thoracic_bend_deg`` are the raw bends of the dorsal edge (lower
    piece to middle piece, middle to upper; + convex). ``lumbar_deg`` / ``thoracic_deg`` are their
    changes against the standing profile on the flexion scale (:data:`FLEXION_GAIN`);
    ``flexion_deg``, the estimate of spinal flexion, is ``lumbar_deg`` less the change a neutral
    spine shows (:data:`NEUTRAL_CHANGE_DEG`); the upper back is reported, not added in.
    """

    lumbar_bend_deg: np.ndarray
    thoracic_bend_deg: np.ndarray
    flexion_deg: np.ndarray
    lumbar_deg: np.ndarray
    thoracic_deg: np.ndarray
    found: np.ndarray            # share of the used dorsal stations whose edge was found
    arms_over_back: np.ndarray   # bool: an elbow or wrist lies over the back's outline
    fit_rms: np.ndarray          # RMS distance of the edge points from the piece lines (trunk lengths)
    change_deg: np.ndarray       # lower back's bend minus the standing one (raw, before the gain)
    standing_frames: np.ndarray  # indices of the frames used as the standing profile
    standing_spread_deg: float   # spread (IQR) of the lower back's bend over the standing frames
    dorsal: np.ndarray = field(repr=False)  # (T, S, 2) the dorsal edge points, pixels


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


def _stations(rng: tuple[float, float], n: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, n)
    return np.flatnonzero((t >= rng[0] - 1e-9) & (t <= rng[1] + 1e-9))


def trunk_tilt_deg(hip: np.ndarray, shoulder: np.ndarray) -> np.ndarray:
    """Unsigned angle of the hip→shoulder line from vertical (degrees), per frame: 0 upright,
    90 horizontal. Needs no facing, so it holds where the drill's depth is not measured
    (kneeling and quadruped drills)."""
    d = shoulder - hip
    return np.asarray(np.degrees(np.arctan2(np.abs(d[:, 0]), -d[:, 1])))


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


def back_profile(tf: TrackFeatures) -> BackProfile | None:
    """Measure the dorsal edge on every frame; None when the track has no silhouette profiles.

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
    # Quality is judged where the estimate comes from: the lower and middle pieces.
    used = np.unique(np.concatenate(idx[:2]))
    found = np.isfinite(b[:, used]).mean(axis=1)
    sq = np.stack([fits[0][1] ** 2, fits[1][1] ** 2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fit_rms = np.sqrt(np.nanmean(sq, axis=0))
    arms = _arms_over_back(tf, hip, u, n_out, length, b)
    # The standing profile: the least deep frames where the drill's depth is measured, else the
    # most upright trunk.
    depth = tf.features.depth_deg
    enough = np.isfinite(depth).sum() >= MIN_STANDING_FRAMES
    stand = standing_frames(depth if enough else trunk_tilt_deg(hip, sho))
    stand = stand[np.isfinite(lumbar_bend[stand])]
    if stand.size >= MIN_STANDING_FRAMES:
        ref_l = float(np.median(lumbar_bend[stand]))
        ref_t = float(np.nanmedian(thoracic_bend[stand])) if np.isfinite(thoracic_bend[stand]).any() \
            else math.nan
        q1, q3 = np.percentile(lumbar_bend[stand], [25, 75])
        spread = float(q3 - q1)
    else:
        ref_l = ref_t = math.nan
        spread = math.nan
    change = lumbar_bend - ref_l
    lumbar = FLEXION_GAIN * change
    thoracic = FLEXION_GAIN * (thoracic_bend - ref_t)
    return BackProfile(lumbar_bend_deg=lumbar_bend, thoracic_bend_deg=thoracic_bend,
                       flexion_deg=FLEXION_GAIN * (change - NEUTRAL_CHANGE_DEG), lumbar_deg=lumbar,
                       thoracic_deg=thoracic, found=found, arms_over_back=arms, fit_rms=fit_rms,
                       change_deg=change, standing_frames=stand,
                       standing_spread_deg=spread, dorsal=dorsal)


def _arms_over_back(tf: TrackFeatures, hip: np.ndarray, u: np.ndarray, n_out: np.ndarray,
                    length: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Frames where an elbow or wrist lies over the back's outline (between hip and shoulder,
    at least half-way from the trunk line to the dorsal edge): the arm or what it holds
    then draws part of the outline."""
    edge = np.nanmedian(np.where(np.isfinite(b), b, np.nan), axis=1) if np.isfinite(b).any() \
        else np.full(len(b), np.nan)
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


#: Confidence factors. Each is a judgement, not a fit: how much a measurement with this
#: problem is still worth. Oblique views foreshorten the back; a front view hides it.
VIEW_FACTOR = {"side": 1.0, "oblique": 0.5, "front": 0.1}


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
    if not ok.any():
        why = "no standing profile to compare with" if bp.standing_frames.size < MIN_STANDING_FRAMES \
            else "the back's outline was not found"
        return BackReading(math.nan, math.nan, math.nan, 0.0, (start, stop - 1), (*reasons, why))
    if bp.standing_frames.size < MIN_STANDING_FRAMES:
        conf *= 0.3
        reasons.append("no standing profile to compare with")
    found = float(np.nanmean(bp.found[sel]))
    if found < 0.9:
        conf *= found ** 2
        reasons.append(f"the back's outline was found on only {found:.0%} of its length")
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
        reasons.append(f"the standing profile varies by {spread:.0f}°")
    value = float(np.median(flex[ok]))
    if abs(value) > PLAUSIBLE_MAX_DEG:
        return BackReading(math.nan, math.nan, math.nan, 0.0, (start, stop - 1),
                           (*reasons, f"the outline is not a back's (a bend of {value:.0f}°)"))
    return BackReading(flexion_deg=value,
                       lumbar_deg=float(np.nanmedian(bp.lumbar_deg[sel])),
                       thoracic_deg=float(np.nanmedian(bp.thoracic_deg[sel])),
                       confidence=float(min(1.0, max(0.0, conf))), frames=(start, stop - 1),
                       reasons=tuple(reasons))


def dorsal_contour(bp: BackProfile, frame: int) -> np.ndarray:
    """The dorsal edge points of one frame (S, 2) pixels, hip to shoulder, found ones only —
    for drawing the back's outline on the annotated video."""
    pts = bp.dorsal[frame]
    return np.asarray(pts[np.isfinite(pts).all(axis=1)])


_CACHE: dict[int, tuple[TrackFeatures, BackProfile | None]] = {}


def cached_back_profile(tf: TrackFeatures) -> BackProfile | None:
    """:func:`back_profile`, computed once per analysed track (detectors run once per rep)."""
    key = id(tf)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is tf:
        return hit[1]
    bp = back_profile(tf)
    _CACHE.clear()  # one track at a time: memory stays flat
    _CACHE[key] = (tf, bp)
    return bp


@register_detector("back_flexion")
def back_flexion(ctx: RepContext, spec: FaultSpec) -> Finding | None:
    """Rounded back: spinal flexion at the bottom of the rep against the lifter's standing
    profile, from the silhouette (degrees). Not measured without silhouette profiles."""
    bp = cached_back_profile(ctx.tf)
    if bp is None:
        raise NotMeasured(spec.id)
    half = float(spec.params.get("bottom_half_s", BOTTOM_HALF_S))
    reading = read_back(bp, ctx.window(ctx.rep.bottom, half), ctx.tf.view)
    if not math.isfinite(reading.flexion_deg) or spec.threshold is None \
            or reading.flexion_deg <= spec.threshold:
        return None
    w = slice(reading.frames[0], reading.frames[1] + 1)
    conf = reading.confidence * ctx.view_confidence * ctx.joint_confidence(("shoulder", "hip"), w)
    detail = (f"back rounded {reading.flexion_deg:.0f}° more than standing "
              f"(lower back {reading.lumbar_deg:.0f}°, upper back {reading.thoracic_deg:.0f}°)")
    if reading.reasons:
        detail += "; less sure: " + ", ".join(reading.reasons)
    return Finding(id=spec.id, value=round(reading.flexion_deg, 2), threshold=spec.threshold,
                   unit=spec.unit, frames=reading.frames, confidence=round(min(1.0, conf), 3),
                   severity=spec.severity, detail=detail)


# --- calibration, real clips and cost (``python -m hingecoach.back``) -------------------------

def calibration_rows(gt_dirs: Sequence[Path], cache: Path | None) -> list[dict[str, Any]]:
    """One row per rendered rep: commanded spine flexion at the bottom and the estimate there.

    Reads every ``*.gt.json`` (hingesynth ground truth) with its clip beside it; the rep
    bottoms come from the ground truth so a rep-counting miss does not hide the measurement.
    """
    from .engine import track_features
    from .evaluation import cached_track

    rows: list[dict[str, Any]] = []
    for d in gt_dirs:
        for gt_path in sorted(Path(d).glob("*.gt.json")):
            gt = json.loads(gt_path.read_text())
            video = gt_path.parent / gt["video"]
            if not video.exists() or "spine_flexion_deg" not in gt:
                continue
            tf = track_features(cached_track(video, cache, segmentation=True))
            bp = back_profile(tf)
            truth = np.asarray(gt["spine_flexion_deg"], dtype=float)
            half = max(1, int(round(BOTTOM_HALF_S * tf.track.fps)))
            for rep in gt["reps"]:
                b = int(rep["bottom_frame"])
                frames = slice(max(0, b - half), min(tf.track.n_frames, b + half + 1))
                reading = read_back(bp, frames, tf.view) if bp is not None else None
                change = float(np.nanmedian(bp.change_deg[frames])) \
                    if bp is not None and np.isfinite(bp.change_deg[frames]).any() else math.nan
                rows.append({
                    "clip": gt_path.name.removesuffix(".gt.json"), "drill": gt["drill"],
                    "view": gt["view"], "yaw_deg": gt["camera"]["yaw_deg"], "body": gt.get("body"),
                    "rep": rep["index"], "truth_deg": float(truth[b]),
                    "estimate_deg": reading.flexion_deg if reading else math.nan,
                    "lumbar_deg": reading.lumbar_deg if reading else math.nan,
                    "thoracic_deg": reading.thoracic_deg if reading else math.nan,
                    "change_deg": change, "confidence": reading.confidence if reading else 0.0,
                    "reasons": list(reading.reasons) if reading else ["no silhouette profiles"],
                })
    return rows


def calibration_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per view: Spearman correlation of estimate and truth, error in degrees, and the linear
    fit truth ≈ gain × (change − neutral) that FLEXION_GAIN / NEUTRAL_* come from."""
    from scipy.stats import spearmanr

    out: dict[str, Any] = {}
    views = sorted({r["view"] + (f"{r['yaw_deg']:+.0f}" if r["view"] != "side" else "") for r in rows})
    for v in ["all", *views]:
        sel = [r for r in rows if v == "all" or
               r["view"] + (f"{r['yaw_deg']:+.0f}" if r["view"] != "side" else "") == v]
        sel = [r for r in sel if math.isfinite(r["estimate_deg"])]
        if len(sel) < 3:
            continue
        t = np.array([r["truth_deg"] for r in sel])
        e = np.array([r["estimate_deg"] for r in sel])
        c = np.array([r["change_deg"] for r in sel])
        rho = float(spearmanr(t, e).statistic)
        slope, icpt = np.polyfit(c, t, 1) if np.ptp(c) > 0 else (math.nan, math.nan)
        per_grade = {f"{g:.0f}": round(float(np.mean(e[t == g])), 1) for g in np.unique(t)}
        out[v] = {"reps": len(sel), "spearman": round(rho, 3),
                  "mae_deg": round(float(np.mean(np.abs(e - t))), 1),
                  "bias_deg": round(float(np.mean(e - t)), 1),
                  "rmse_deg": round(float(np.sqrt(np.mean((e - t) ** 2))), 1),
                  "mean_estimate_by_truth": per_grade,
                  "fit_gain": round(float(slope), 3), "fit_neutral_change_deg": round(float(-icpt / slope), 2)
                  if math.isfinite(slope) and slope else None}
    return out


def real_clip_rows(labels: Path, clips_root: Path, cache: Path | None, views: Sequence[str] = ("side",)
                   ) -> list[dict[str, Any]]:
    """Run the whole analysis on labelled clips: per clip, the back reading of each rep and
    whether ``rounded_back`` is a fault of the set (as ``hinge eval`` counts it)."""
    from .evaluation import _analyze, cached_track, read_labels, set_faults

    out: list[dict[str, Any]] = []
    for row in read_labels(labels):
        if row["view"] not in views:
            continue
        path = clips_root / row["clip"]
        if not path.exists():
            continue
        res = _analyze(cached_track(path, cache, segmentation=True), None)
        doc = res.analysis.to_dict()
        tf = res.features
        bp = back_profile(tf)
        reps = []
        for r in tf.reps:
            half = max(1, int(round(BOTTOM_HALF_S * tf.track.fps)))
            frames = slice(max(r.start, r.bottom - half), min(r.end, r.bottom + half) + 1)
            rd = read_back(bp, frames, tf.view) if bp is not None else None
            reps.append({"flexion_deg": None if rd is None or not math.isfinite(rd.flexion_deg)
                         else round(rd.flexion_deg, 1),
                         "confidence": round(rd.confidence, 2) if rd else 0.0,
                         "reasons": list(rd.reasons) if rd else []})
        out.append({"clip": row["clip"], "view": row["view"], "labels": row.get("faults") or "",
                    "drill": (doc.get("drill") or {}).get("id"), "reps": reps,
                    "set_faults": set_faults(doc),
                    "rounded_back": "rounded_back" in set_faults(doc)})
    return out


def segmentation_cost(video: Path, model: str = "full", max_frames: int = 240, block: int = 20) -> dict[str, float]:
    """Pose estimation with and without the silhouette profile on the same frames.

    Two estimators run side by side on alternating blocks of ``block`` frames, so load from
    other processes hits both alike; the cost is the process CPU time per frame (what the
    pipeline spends, not what the machine's other users take), with wall time beside it.
    Returns seconds per frame for each, and the added share of segmentation.
    """
    import time

    from .io.video import iter_frames, probe
    from .pose import get_backend

    info = probe(video)
    frames = [f for _, f in zip(range(max_frames), iter_frames(info), strict=False)]
    ests = {seg: get_backend("mediapipe", model, segmentation=seg) for seg in (False, True)}
    cpu = {False: 0.0, True: 0.0}
    wall = {False: 0.0, True: 0.0}
    try:
        for est in ests.values():  # warm-up: graph start, first detections
            for f in frames[:10]:
                est.process(f.rgb, f.t_s)
        for i in range(0, len(frames), block):
            chunk = frames[i:i + block]
            for seg in ((False, True) if (i // block) % 2 == 0 else (True, False)):
                c0, w0 = time.process_time(), time.perf_counter()
                for f in chunk:
                    ests[seg].process(f.rgb, f.t_s)
                cpu[seg] += time.process_time() - c0
                wall[seg] += time.perf_counter() - w0
    finally:
        for est in ests.values():
            est.close()
    n = float(len(frames))
    return {"frames": n, "width": float(frames[0].rgb.shape[1]), "height": float(frames[0].rgb.shape[0]),
            "pose_cpu_s_per_frame": cpu[False] / n, "seg_cpu_s_per_frame": cpu[True] / n,
            "added_share_cpu": cpu[True] / cpu[False] - 1.0,
            "pose_wall_s_per_frame": wall[False] / n, "seg_wall_s_per_frame": wall[True] / n,
            "added_share_wall": wall[True] / wall[False] - 1.0}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m hingecoach.back calibrate|real|cost``: print the measurements as JSON."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m hingecoach.back", description=main.__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("calibrate", help="estimate vs commanded flexion on rendered clips")
    c.add_argument("--gt-dir", type=Path, action="append", required=True)
    c.add_argument("--cache", type=Path, default=Path(".cache/tracks"))
    c.add_argument("--rows", action="store_true", help="also print every rep")
    r = sub.add_parser("real", help="rounded_back on the labelled clips")
    r.add_argument("--labels", type=Path, default=Path("../shared/data/labels.csv"))
    r.add_argument("--clips", type=Path, default=None, help="default: the labels' folder/clips")
    r.add_argument("--cache", type=Path, default=Path(".cache/tracks"))
    k = sub.add_parser("cost", help="time pose estimation with and without segmentation")
    k.add_argument("video", type=Path)
    k.add_argument("--model", default="full")
    args = ap.parse_args(argv)
    if args.cmd == "calibrate":
        rows = calibration_rows(args.gt_dir, args.cache)
        doc: dict[str, Any] = {"summary": calibration_summary(rows)}
        if args.rows:
            doc["rows"] = rows
    elif args.cmd == "real":
        clips = args.clips or args.labels.parent / "clips"
        items = real_clip_rows(args.labels, clips, args.cache)
        tp = sum(1 for i in items if "rounded_back" in i["labels"] and i["rounded_back"])
        fp = sum(1 for i in items if "rounded_back" not in i["labels"] and i["rounded_back"])
        fn = sum(1 for i in items if "rounded_back" in i["labels"] and not i["rounded_back"])
        good_fp = [i["clip"] for i in items if not i["labels"] and i["rounded_back"]]
        doc = {"clips": items, "tp": tp, "fp": fp, "fn": fn,
               "precision": round(tp / (tp + fp), 3) if tp + fp else None,
               "recall": round(tp / (tp + fn), 3) if tp + fn else None,
               "good_form_flagged": good_fp}
    else:
        doc = segmentation_cost(args.video, args.model)
    print(json.dumps(doc, indent=1, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
