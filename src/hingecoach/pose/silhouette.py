"""The silhouette's trunk edges, per frame, in the pose backend (``segmentation=True``).

:func:`profile_from_mask` reduces each frame's person mask (read at the pose model's 256x256
crop, placed in the frame by an affine map) to the trunk's two silhouette edges
(:data:`~hingecoach.core.spine.outline.N_STATIONS` points per side, frame pixels), kept in
:attr:`PoseTrack.profiles <hingecoach.core.track.pose_track.PoseTrack>`; the mask itself is
dropped. The measurement over the track lives in :mod:`hingecoach.core.spine.outline`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import cv2
import numpy as np

from hingecoach.core.settings import load_settings
from hingecoach.core.spine.outline import N_STATIONS

#: How far to march out from the trunk line for the mask's edge (trunk lengths), and the mask
#: value taken as the edge: ``[spine]`` in the analysis settings.
MARCH_TRUNK, MASK_EDGE = load_settings().spine.march_trunk, load_settings().spine.mask_edge


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
