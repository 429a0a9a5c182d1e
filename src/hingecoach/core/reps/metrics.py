"""Per-rep metrics: numbers a coach reads off one lift, from the per-frame features.

Angles in degrees (conventions in :mod:`hingecoach.core.kinematics.angles`), positions in leg lengths,
times in seconds. A metric that cannot be measured (joint missing) is ``None``.
"""

from __future__ import annotations

import math

import numpy as np

from hingecoach.core.numeric import nanmax, nanmedian, nanmin
from hingecoach.core.reps.counter import Rep
from hingecoach.core.settings import RecognitionSettings


def _clean(x: float) -> float | None:
    return round(float(x), 4) if math.isfinite(x) else None






def _at(a: np.ndarray, i: int) -> float:
    return float(a[i]) if 0 <= i < len(a) else math.nan




def set_knee_deg(rep: Rep, depth: np.ndarray, knee: np.ndarray, hip: np.ndarray, fps: float,
                 params: RecognitionSettings) -> float:
    """The knee bend the lifter sets and holds for the hinge (degrees): what tells a Romanian
    from a stiff-legged deadlift, and whether the knees were unlocked.

    A reading of the knees right at the rep's start is spoiled by the drill's own faults, so it
    is read where they are not: at the top, where the lifter stands (knee faults bend the knees
    with depth), unless the hip at the top is no lockout (a lean back straightens the knees, a
    lockout that stops short leaves them bent) — then over the hinged half of the rep.
    ``params``: the ``[recognition]`` settings (``top_window_s``, ``top_share``,
    ``hinged_share``, ``lockout_hip_deg``).
    """
    n = len(depth)
    pad = int(round(params.top_window_s * fps))
    lo, hi = max(0, rep.start - pad), min(n, rep.end + pad + 1)
    frames = np.arange(lo, hi)
    top_depth = nanmin(depth[lo:hi])
    span = float(depth[rep.bottom]) - top_depth
    with np.errstate(invalid="ignore"):
        top = frames[depth[lo:hi] <= top_depth + params.top_share * span]
        whole = np.arange(rep.start, rep.end + 1)
        hinged = whole[depth[whole] >= top_depth + params.hinged_share * span]
    knee_top, hip_top = nanmedian(knee[top]), nanmedian(hip[top])
    low, high = params.lockout_hip_deg
    locked = not math.isfinite(hip_top) or float(low) <= hip_top <= float(high)
    return knee_top if locked or not hinged.size else nanmedian(knee[hinged])


def rep_metrics(f: dict[str, np.ndarray], rep: Rep, fps: float, offset: int = 0) -> dict[str, float | None]:
    """Metrics of one rep.

    Parameters
    ----------
    f : dict of per-frame feature arrays (see :class:`hingecoach.core.kinematics.features.Features`)
    rep : the rep, in absolute frame indices
    fps : frame rate
    offset : absolute index of ``f``'s first frame (live engines keep a window, not the clip)
    """
    s, b, e = rep.start - offset, rep.bottom - offset, rep.end - offset
    whole = slice(s, e + 1)
    knee = f["knee_flexion_deg"]
    start_knee = _at(knee, s) if rep.started_in_clip else math.nan
    hip = f["hip_flexion_deg"]
    # Lockout: the most extended hip angle from the bottom to the end of the rep.
    lockout = slice(b, e + 1)
    m = {
        "hip_flexion_peak_deg": nanmax(hip[whole]),
        "hip_flexion_start_deg": _at(hip, s) if rep.started_in_clip else math.nan,
        "depth_range_deg": rep.bottom_depth_deg - rep.start_depth_deg,
        "knee_flexion_start_deg": start_knee,
        "knee_flexion_bottom_deg": _at(knee, b),
        "knee_flexion_max_deg": nanmax(knee[whole]),
        "knee_flexion_range_deg": nanmax(knee[whole]) - nanmin(knee[whole]),
        "knee_flexion_median_deg": float(np.nanmedian(knee[whole])) if np.isfinite(knee[whole]).any() else math.nan,
        "trunk_inclination_bottom_deg": _at(f["trunk_inclination_deg"], b),
        "trunk_tilt_bottom_deg": _at(f["trunk_tilt_deg"], b),
        "shin_angle_max_deg": nanmax(f["shin_angle_deg"][whole]),
        "down_s": (rep.bottom - rep.start) / fps,
        "up_s": (rep.end - rep.bottom) / fps,
        "knee_travel_leg": nanmax(f["knee_ahead_leg"][whole]) - _at(f["knee_ahead_leg"], s),
        "wrist_leg_distance_leg": nanmax(f["wrist_leg_leg"][whole]),
        "hip_travel_back_leg": nanmax(f["hip_back_leg"][whole]) - _at(f["hip_back_leg"], s),
        "hip_flexion_lockout_deg": nanmin(hip[lockout]),
        "trunk_inclination_lockout_deg": nanmin(f["trunk_inclination_deg"][lockout]),
    }
    return {k: _clean(v) for k, v in m.items()}
