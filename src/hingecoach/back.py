"""The back that landmarks cannot see: spinal flexion from the body's silhouette.

BlazePose has no spine points, so a rounded back leaves the shoulder–hip–knee angles unchanged.
The person mask shows it. Place in the pipeline:

1. pose backend (``segmentation=True``): :func:`profile_from_mask` reduces each frame's person
   mask (read at the pose model's 256x256 crop, placed in the frame by an affine map) to the
   trunk's two silhouette edges (:data:`N_STATIONS` points per side, frame pixels), kept in
   :attr:`PoseTrack.profiles <hingecoach.core.track.pose_track.PoseTrack>`; the mask itself is dropped;
2. analysis: :func:`back_profile` picks the dorsal edge (from the lifter's facing), measures how
   much the whole outline from above the buttocks to below the shoulders turns on every frame
   (:func:`outline_bend_deg`; its lumbar and thoracic halves are reported apart), and expresses
   the turn against the lifter's own standing profile as a flexion estimate in degrees;
3. faults: the ``back_flexion`` detector reads that estimate at the bottom of each rep, with a
   confidence that falls, and says why, when the back is not in profile, is covered by the arms
   or the load, or the silhouette is poor; :func:`neutral_back` is its other side, a note when
   the back held neutral (:func:`experimental_notes`: recorded, never coached, while the rule
   is experimental);
4. report: :func:`dorsal_contour` gives the outline drawn at the bottom of each rep.

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

import functools
import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from hingecoach.core.drills import FaultSpec
from hingecoach.core.faults.rules import NotMeasured, RepContext, register_detector
from hingecoach.core.reps.engine import TrackFeatures
from hingecoach.core.results import Finding
from hingecoach.errors import HingeError

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
#: Station range (t) of the whole dorsal outline whose bend is the estimate: above the buttocks
#: (t < 0.1) and below the shoulder and neck (t > 0.9).
OUTLINE_T = (0.10, 0.90)
#: Degrees of spinal flexion per degree of change (bottom against standing) of the outline's
#: bend. The bend is geometric (the turn of a parabola fitted to the outline from its lower to
#: its upper end), so a gain of 1 reads a back that curves as one arc; the spine's own flexion
#: is spread unevenly and partly hidden under the buttocks and shoulder blades. Fitted on the
#: synthetic athlete's side views (``python -m hingecoach.back calibrate``; docs/back.md).
FLEXION_GAIN = 1.2
#: Change of the outline's bend (degrees) at the bottom of a hinge with a neutral spine: folding
#: at the hips alone reshapes the outline a little (the buttocks and the shoulder blades). Fitted
#: with FLEXION_GAIN.
NEUTRAL_CHANGE_DEG = 6.5
#: The scale when the reference is a neutral set of the same lifter (:func:`neutral_reference`,
#: bottom against bottom): fitted through zero on the graded set's side views, each clip's 0° rep
#: as the reference for its other four (20 reps: fit 1.447; mean absolute error 2.7°, at ±30°
#: cameras 8.0° (+30, reads high) and 2.6° (−30); docs/back.md).
NEUTRAL_SET_GAIN = 1.45
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
#: A back "held neutral" at the bottom of a rep: the flexion estimate at most this (degrees)
#: — a back a coach lets pass (docs/back.md); between it and the ``rounded_back`` threshold
#: the back is neither praised nor faulted. A drill's rule may set ``neutral_max_deg``.
NEUTRAL_HELD_DEG = 10.0
#: The least confidence a note needs to be recorded (as a finding needs in ``detect_faults``);
#: a drill's rule may set ``min_confidence``.
NOTE_MIN_CONFIDENCE = 0.3


# --- per frame, in the pose backend ---------------------------------------------------------

def profile_from_mask(mask: np.ndarray, hip_xy: Sequence[float], shoulder_xy: Sequence[float],
                      n_stations: int = N_STATIONS, *, to_mask: np.ndarray | None = None,
                      image_size: tuple[int, int] | None = None) -> np.ndarray:
    """Reduce a person mask to the trunk's two silhouette edges.

    From ``n_stations`` points evenly spaced on the hip→shoulder line, march perpendicular to
    the trunk on each side until the mask drops below :data:`MASK_EDGE` (sub-pixel, by linear
    interpolation between samples) and stays below for two more pixels, so a pin-hole in the
    mask does not stop the march. Both sides and all stations are sampled in one ``cv2.remap``.

    Parameters
    ----------
    mask : ndarray, shape (H, W) or (h, w)
        Person probability (or 0/1) per pixel: the whole frame, or a crop of it placed by
        ``to_mask``.
    hip_xy, shoulder_xy : ndarray, shape (2,)
        Hip and shoulder midpoints, frame pixels (x right, y down).
    to_mask : ndarray, shape (2, 3), optional
        Affine map from frame pixels to mask pixels (the pose model's crop, see
        :func:`hingecoach.pose.mediapipe_backend.roi_to_mask`); None when the mask is the frame.
    image_size : (W, H), optional
        The frame's size in pixels; default the mask's.

    Returns
    -------
    ndarray, shape (2 * n_stations, 2)
        Edge points in frame pixels. Rows ``0..n-1``: the edge on the side of the normal
        ``(u_y, -u_x)`` of the trunk direction ``u`` (hip→shoulder) — the back when the lifter
        faces +x (right); rows ``n..2n-1``: the opposite edge (the back when facing left). Each
        half runs from the hip to the shoulder. NaN where the edge was not found: the station
        is outside the mask, the edge is beyond the march, or at the frame's border.
    """
    out = np.full((2 * n_stations, 2), np.nan)
    # Scalars in plain floats: this runs on every frame, where numpy's per-call cost dominates.
    hx, hy = float(hip_xy[0]), float(hip_xy[1])
    ax, ay = float(shoulder_xy[0]) - hx, float(shoulder_xy[1]) - hy
    length = math.hypot(ax, ay)
    if not math.isfinite(length) or length < 8.0:
        return out
    nx, ny = ay / length, -ax / length                                      # the normal
    w, h = image_size if image_size is not None else (mask.shape[1], mask.shape[0])
    t2, off = _ray_grid(n_stations, math.ceil(MARCH_TRUNK * length) + 1)
    # Rays as (2S, M) arrays: rows 0..S-1 march along +normal, S..2S-1 along -normal; each
    # starts on the hip→shoulder line. Sampled where they fall in the mask.
    (a00, a01, a02), (a10, a11, a12) = to_mask if to_mask is not None else ((1, 0, 0), (0, 1, 0))
    mx = ((a00 * hx + a01 * hy + a02) + (a00 * ax + a01 * ay) * t2)[:, None] + (a00 * nx + a01 * ny) * off
    my = ((a10 * hx + a11 * hy + a12) + (a10 * ax + a11 * ay) * t2)[:, None] + (a10 * nx + a11 * ny) * off
    # Bilinear samples along every ray at once.
    vals = cv2.remap(mask.astype(np.float32, copy=False), mx.astype(np.float32), my.astype(np.float32),
                     interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0.0,))
    # Beyond the frame is background, whatever a crop holds there (an edge found there is
    # discarded below either way). The rays fill the parallelogram hip/shoulder ± reach·normal.
    reach = float(off[0, -1])
    cx = [hx + s * reach * nx + e * ax for s in (-1, 1) for e in (0, 1)]
    cy = [hy + s * reach * ny + e * ay for s in (-1, 1) for e in (0, 1)]
    if min(cx) < 0 or max(cx) > w - 1 or min(cy) < 0 or max(cy) > h - 1:
        px = (hx + ax * t2)[:, None] + nx * off
        py = (hy + ay * t2)[:, None] + ny * off
        vals[(px < 0) | (px > w - 1) | (py < 0) | (py > h - 1)] = 0.0
    # An edge: the first sample outside, followed by two more outside (or the ray's end).
    m = vals.shape[1]
    outside = np.ones((vals.shape[0], m + 2), dtype=bool)
    np.less(vals, MASK_EDGE, out=outside[:, :m])
    run = outside[:, :m] & outside[:, 1:m + 1] & outside[:, 2:]
    j = run.argmax(axis=1)
    rows = np.flatnonzero(~outside[:, 0] & (j > 0) & run[np.arange(len(j)), j])
    jj = j[rows]
    v_in, v_out = vals[rows, jj - 1], vals[rows, jj]
    frac = np.clip((v_in - MASK_EDGE) / np.maximum(v_in - v_out, 1e-6), 0.0, 1.0)
    dist = off[rows, 1] * (jj - 1 + frac)                                    # steps are 1 px
    ex, ey = hx + ax * t2[rows] + nx * dist, hy + ay * t2[rows] + ny * dist
    ok = (ex >= 1) & (ex <= w - 2) & (ey >= 1) & (ey <= h - 2)
    out[rows[ok], 0] = ex[ok]
    out[rows[ok], 1] = ey[ok]
    return out


@functools.lru_cache(maxsize=64)
def _ray_grid(n_stations: int, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Station positions along the trunk, twice (one per side), (2S,), and each ray's signed
    distance from the trunk line at each step, (2S, M) pixels. Read-only, shared."""
    t2 = np.tile(np.linspace(0.0, 1.0, n_stations), 2)
    off = np.outer(np.repeat((1.0, -1.0), n_stations), np.arange(float(n_steps)))
    t2.flags.writeable = False
    off.flags.writeable = False
    return t2, off


def profile_from_landmarks(mask: np.ndarray, xy: np.ndarray, keypoints: Sequence[str], *,
                           to_mask: np.ndarray | None = None,
                           image_size: tuple[int, int] | None = None) -> np.ndarray:
    """:func:`profile_from_mask` with the hip and shoulder midpoints taken from a frame's
    landmarks (``xy`` (K, 2) frame pixels in the skeleton ``keypoints``)."""
    names = tuple(keypoints)

    def mid(joint: str) -> tuple[float, float]:
        (lx, ly), (rx, ry) = (xy[names.index(f"{side}_{joint}")] for side in ("left", "right"))
        ok_l, ok_r = math.isfinite(lx + ly), math.isfinite(rx + ry)
        if ok_l and ok_r:
            return (lx + rx) / 2.0, (ly + ry) / 2.0
        # One side missing: the other one.
        return (lx, ly) if ok_l else (rx, ry) if ok_r else (math.nan, math.nan)

    return profile_from_mask(mask, mid("hip"), mid("shoulder"), to_mask=to_mask, image_size=image_size)


# --- over the track, in the analysis ----------------------------------------------------------

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
    stand = standing_frames(depth if enough else trunk_tilt_deg(hip, sho))
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


#: Confidence factors. Each is a judgement, not a fit: how much a measurement with this
#: problem is still worth. Oblique views foreshorten the back; a front view hides it.
VIEW_FACTOR = {"side": 1.0, "oblique": 0.5, "front": 0.1}
#: A trunk square to the camera shows its two shoulders on top of each other; turned by ~15° or
#: more they stand apart by more than this share of the trunk's length, and the outline takes in
#: part of the shoulder blade or chest (on the synthetic athlete a camera 30° behind the shoulder
#: reads a neutral back ~35° rounder). The engine still calls such views "side", so the
#: confidence falls as (this / apart)²: ×0.25 at twice the separation.
TURNED_APART = 0.10


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


def _reps_text(indices: Any) -> str:
    """``rep 2`` or ``reps 1, 3, 4``."""
    ids = [str(i) for i in indices]
    return ("rep " if len(ids) == 1 else "reps ") + ", ".join(ids)


def describe_back(doc: dict[str, Any]) -> str | None:
    """One sentence on the experimental back reading of an ``analysis.json`` document, for the
    terminal and the report: what it was read against and which reps read rounded or neutral.
    None when the silhouette was not measured."""
    reps = doc.get("reps") or []
    if not any((r.get("metrics") or {}).get("back_outline_bend_deg") is not None for r in reps):
        return None
    ref = (doc.get("provenance") or {}).get("back_reference")
    against = "standing" if not ref else (
        f"the neutral set logged {str(ref.get('performed_at'))[:10]}" if "logged_set" in ref else str(ref.get("path")))
    rounded = [e for e in doc.get("experimental") or [] if e.get("id") == "rounded_back"]
    neutral = [n for n in doc.get("experimental_notes") or [] if n.get("id") == "neutral_back"]
    parts = []
    if rounded:
        parts.append(f"rounded on {_reps_text(e['rep'] for e in rounded)} "
                     f"(up to {max(e['value'] for e in rounded):.0f}°)")
    if neutral:
        parts.append(f"neutral on {_reps_text(n['rep'] for n in neutral)}")
    said = "; ".join(parts) or "no rep read clearly rounded or neutral"
    return f"Back (experimental, not coached; against {against}): {said}."


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
    bp = back_profile(tf, tf.back_neutral)
    _CACHE.clear()  # one track at a time: memory stays flat
    _CACHE[key] = (tf, bp)
    return bp


def _bottom_reading(ctx: RepContext, spec: FaultSpec, bp: BackProfile) -> tuple[BackReading, float]:
    """The back read around the rep's bottom (±``bottom_half_s``) and how sure it is (the
    reading's own confidence, the view's and the trunk landmarks')."""
    half = float(spec.params.get("bottom_half_s", BOTTOM_HALF_S))
    reading = read_back(bp, ctx.window(ctx.rep.bottom, half), ctx.tf.view)
    w = slice(reading.frames[0], reading.frames[1] + 1)
    conf = reading.confidence * ctx.view_confidence * ctx.joint_confidence(("shoulder", "hip"), w)
    return reading, conf


def _detail(head: str, reading: BackReading) -> str:
    text = f"{head} (lower back {reading.lumbar_deg:.0f}°, upper back {reading.thoracic_deg:.0f}°)"
    return text + ("; less sure: " + ", ".join(reading.reasons) if reading.reasons else "")


@register_detector("back_flexion")
def back_flexion(ctx: RepContext, spec: FaultSpec) -> Finding | None:
    """Rounded back: spinal flexion at the bottom of the rep against the lifter's standing
    profile, from the silhouette (degrees). Not measured without silhouette profiles."""
    bp = cached_back_profile(ctx.tf)
    if bp is None:
        raise NotMeasured(spec.id)
    reading, conf = _bottom_reading(ctx, spec, bp)
    if not math.isfinite(reading.flexion_deg) or spec.threshold is None \
            or reading.flexion_deg <= spec.threshold:
        return None
    return Finding(id=spec.id, value=round(reading.flexion_deg, 2), threshold=spec.threshold,
                   unit=spec.unit, frames=reading.frames, confidence=round(min(1.0, conf), 3), severity=spec.severity,
                   detail=_detail(f"back rounded {reading.flexion_deg:.0f}° more than "
                                  + ("standing" if bp.reference == "standing" else "in the neutral set"), reading))


@dataclass(frozen=True)
class Note:
    """Something an experimental measure found *right* on one rep: the value, the bound it
    stayed within, where, how sure. Recorded beside the experimental findings, never coached."""

    id: str
    value: float
    threshold: float
    unit: str
    frames: tuple[int, int]
    confidence: float
    detail: str


def neutral_back(ctx: RepContext, spec: FaultSpec) -> Note | None:
    """The back held neutral at the bottom of the rep: the other side of :func:`back_flexion`.

    The same reading (median over ±``bottom_half_s`` around the bottom) and the same confidence;
    a note when the estimate is at most ``neutral_max_deg`` (:data:`NEUTRAL_HELD_DEG`) and the
    confidence at least ``min_confidence`` (:data:`NOTE_MIN_CONFIDENCE`). None without
    silhouette profiles, without a reading, or when the back was not clearly neutral.
    """
    bp = cached_back_profile(ctx.tf)
    if bp is None:
        return None
    bound = float(spec.params.get("neutral_max_deg", NEUTRAL_HELD_DEG))
    reading, conf = _bottom_reading(ctx, spec, bp)
    if not math.isfinite(reading.flexion_deg) or reading.flexion_deg > bound:
        return None
    if conf < float(spec.params.get("min_confidence", NOTE_MIN_CONFIDENCE)):
        return None
    head = f"back held within {max(reading.flexion_deg, 0.0):.0f}° of standing at the bottom"
    return Note(id="neutral_back", value=round(reading.flexion_deg, 2), threshold=bound, unit=spec.unit,
                frames=reading.frames, confidence=round(min(1.0, conf), 3), detail=_detail(head, reading))


def experimental_notes(ctx: RepContext, specs: Sequence[FaultSpec], view: str) -> list[dict[str, Any]]:
    """The notes of one rep, as ``analysis.json`` records them (``experimental_notes``, without
    the ``rep`` key): a neutral back for every experimental ``back_flexion`` rule that applies in
    this view (docs/analysis-schema.md). Praise follows its fault: while ``rounded_back`` is
    experimental, so is this, and neither is coached."""
    out: list[dict[str, Any]] = []
    for spec in specs:
        if spec.detector != "back_flexion" or view not in spec.views or not spec.params.get("experimental"):
            continue
        note = neutral_back(ctx, spec)
        if note is not None:
            out.append({**asdict(note), "frames": list(note.frames), "fault": spec.id})
    return out


# --- calibration, real clips and cost (``python -m hingecoach.back``) -------------------------

def calibration_rows(gt_dirs: Sequence[Path], cache: Path | None) -> list[dict[str, Any]]:
    """One row per rendered rep: commanded spine flexion at the bottom and the estimate there.

    Reads every ``*.gt.json`` (hingesynth ground truth) with its clip beside it; the rep
    bottoms come from the ground truth so a rep-counting miss does not hide the measurement.
    """
    from hingecoach.core.reps.engine import track_features
    from hingecoach.evaluation.scoring import cached_track, read_ground_truth

    rows: list[dict[str, Any]] = []
    for d in gt_dirs:
        for gt_path in sorted(Path(d).glob("*.gt.json")):
            gt = read_ground_truth(gt_path)
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


def view_key(row: dict[str, Any]) -> str:
    """A calibration row's view as the summaries group it: ``side``, or the view with the
    camera's yaw (``oblique+30``)."""
    return str(row["view"]) + (f"{row['yaw_deg']:+.0f}" if row["view"] != "side" else "")


def calibration_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per view: Spearman correlation of estimate and truth, error in degrees, and the linear
    fit truth ≈ gain × (change − neutral) that FLEXION_GAIN / NEUTRAL_* come from."""
    from scipy.stats import spearmanr

    out: dict[str, Any] = {}
    views = sorted({view_key(r) for r in rows})
    for v in ["all", *views]:
        sel = [r for r in rows if v == "all" or view_key(r) == v]
        sel = [r for r in sel if math.isfinite(r["estimate_deg"])]
        if len(sel) < 3:
            continue
        t = np.array([r["truth_deg"] for r in sel])
        e = np.array([r["estimate_deg"] for r in sel])
        c = np.array([r["change_deg"] for r in sel])
        rho = float(spearmanr(t, e).statistic) if np.ptp(t) > 0 and np.ptp(e) > 0 else math.nan
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


def real_clip_rows(labels: Path, clips_root: Path, cache: Path | None, views: Sequence[str] = ("side",),
                   reference: str | None = None) -> list[dict[str, Any]]:
    """Run the whole analysis on labelled clips: per clip, the back reading of each rep and
    whether ``rounded_back`` is a fault of the set (as ``hinge eval`` counts it).

    ``reference``: a clip of the labels (its path in the CSV) to read the others against as the
    lifter's neutral set (:func:`neutral_reference`); only the clips in its folder (the same
    source: the same lifter and camera set-up) are then run, the reference left out."""
    from hingecoach.core.coach.coaching import coach_analysis
    from hingecoach.core.reps.engine import analyze_track
    from hingecoach.evaluation.scoring import _experimental_reps, cached_track, read_labels, set_faults

    neutral = None
    if reference is not None:
        ref_track = cached_track(clips_root / reference, cache, segmentation=True)
        found_ref = neutral_reference(analyze_track(ref_track)[1])
        if found_ref is None:
            raise HingeError(f"{reference}: no neutral back reference in it (no silhouette or no rep)")
        neutral = found_ref[:2]
    out: list[dict[str, Any]] = []
    for row in read_labels(labels):
        if row["view"] not in views:
            continue
        if reference is not None and (row["clip"] == reference
                                      or Path(row["clip"]).parent != Path(reference).parent):
            continue
        path = clips_root / row["clip"]
        if not path.exists():
            continue
        analysis, tf = analyze_track(cached_track(path, cache, segmentation=True))
        tf.back_neutral = neutral
        coach_analysis(analysis, tf)
        doc = analysis.to_dict()
        bp = cached_back_profile(tf)   # with tf.back_neutral, as the coaching read it
        reps = []
        for r in tf.reps:
            half = max(1, int(round(BOTTOM_HALF_S * tf.track.fps)))
            frames = slice(max(r.start, r.bottom - half), min(r.end, r.bottom + half) + 1)
            rd = read_back(bp, frames, tf.view) if bp is not None else None
            reps.append({"flexion_deg": None if rd is None or not math.isfinite(rd.flexion_deg)
                         else round(rd.flexion_deg, 1),
                         "confidence": round(rd.confidence, 2) if rd else 0.0,
                         "reasons": list(rd.reasons) if rd else []})
        # rounded_back is experimental: its findings are under "experimental", not in the reps.
        found = sorted(set(set_faults(doc)) | set(set_faults({"reps": _experimental_reps(doc)})))
        out.append({"clip": row["clip"], "view": row["view"], "labels": row.get("faults") or "",
                    "drill": (doc.get("drill") or {}).get("id"), "reps": reps,
                    "set_faults": found, "rounded_back": "rounded_back" in found})
    return out


def segmentation_cost(video: Path, model: str = "full", max_frames: int = 240, block: int = 10) -> dict[str, float]:
    """Pose estimation with and without the silhouette profile on the same frames.

    Two estimators run side by side on alternating blocks of ``block`` frames (each block
    first by one, then by the other, the order swapping every block), so load from other
    processes hits both alike. The cost is given as process CPU time and wall time per frame
    over all blocks, and as the median over blocks of the with/without ratio (wall and CPU),
    which a burst of load on a shared machine cannot move much. Returns seconds per frame for
    each estimator and the added shares (0.05 = 5 % more time with the silhouette).
    """
    import statistics
    import time

    from hingecoach.io.video import iter_frames, probe
    from hingecoach.pose import get_backend

    info = probe(video)
    frames = [f for _, f in zip(range(max_frames), iter_frames(info), strict=False)]
    ests = {seg: get_backend("mediapipe", model, segmentation=seg) for seg in (False, True)}
    cpu = {False: 0.0, True: 0.0}
    wall = {False: 0.0, True: 0.0}
    ratios: dict[str, list[float]] = {"cpu": [], "wall": []}
    try:
        for est in ests.values():  # warm-up: graph start, first detections
            for f in frames[:10]:
                est.process(f.rgb, f.t_s)
        for i in range(0, len(frames), block):
            chunk = frames[i:i + block]
            c_blk, w_blk = {}, {}
            for seg in ((False, True) if (i // block) % 2 == 0 else (True, False)):
                c0, w0 = time.process_time(), time.perf_counter()
                for f in chunk:
                    ests[seg].process(f.rgb, f.t_s)
                c_blk[seg], w_blk[seg] = time.process_time() - c0, time.perf_counter() - w0
                cpu[seg] += c_blk[seg]
                wall[seg] += w_blk[seg]
            if c_blk[False] > 0 and w_blk[False] > 0:
                ratios["cpu"].append(c_blk[True] / c_blk[False])
                ratios["wall"].append(w_blk[True] / w_blk[False])
    finally:
        for est in ests.values():
            est.close()
    n = float(len(frames))
    return {"frames": n, "width": float(frames[0].rgb.shape[1]), "height": float(frames[0].rgb.shape[0]),
            "pose_cpu_s_per_frame": cpu[False] / n, "seg_cpu_s_per_frame": cpu[True] / n,
            "added_share_cpu": cpu[True] / cpu[False] - 1.0,
            "pose_wall_s_per_frame": wall[False] / n, "seg_wall_s_per_frame": wall[True] / n,
            "added_share_wall": wall[True] / wall[False] - 1.0,
            "added_share_cpu_median_block": statistics.median(ratios["cpu"]) - 1.0,
            "added_share_wall_median_block": statistics.median(ratios["wall"]) - 1.0}


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
    r.add_argument("--reference", default=None,
                   help="a labelled clip (as in the CSV) to read its folder's other clips against, as a neutral set")
    k = sub.add_parser("cost", help="time pose estimation with and without segmentation")
    k.add_argument("video", type=Path)
    k.add_argument("--model", default="full")
    args = ap.parse_args(argv)
    if args.cmd == "calibrate":
        rows = calibration_rows(args.gt_dir, args.cache)
        doc: dict[str, Any] = {"summary": calibration_summary(rows),
                               "by_drill": {d: calibration_summary([r for r in rows if r["drill"] == d])
                                            for d in sorted({r["drill"] for r in rows})}}
        if args.rows:
            doc["rows"] = rows
    elif args.cmd == "real":
        clips = args.clips or args.labels.parent / "clips"
        items = real_clip_rows(args.labels, clips, args.cache, reference=args.reference)
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
