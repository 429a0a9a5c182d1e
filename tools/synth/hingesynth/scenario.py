"""Scenarios: everything that makes one clip, as plain JSON-able data, with defaults filled.

A scenario names a drill, faults (ids from ``motion.FAULT_IDS``, for every rep or for listed
reps), a body shape id, camera yaw/distance/height/side, reps, range, tempo, colours and a
seed. ``resolve`` fills every default so the ground truth can record exactly what was used.

``camera.yaw_deg`` is a number (a fixed view) or keyframes ``[[t_s, yaw_deg], ...]`` for a
lifter who turns during the set: linear in time between keyframes, held before the first and
after the last (``yaw_at``). Keyframed yaws lie in [-90, 90], so the camera stays on the
athlete's ``side`` (the near side and the facing direction in the image do not change).
"""

from __future__ import annotations

import copy
import math
from numbers import Real
from typing import Any

import numpy as np

from .motion import DEFAULT_TEMPO, DRILLS

# anny phenotype values (0..1). gender 0 = female, 1 = male in MakeHuman terms.
BODIES: dict[str, dict[str, float]] = {
    "average_male": {"gender": 1.0, "age": 0.5, "muscle": 0.5, "weight": 0.5, "height": 0.5, "proportions": 0.5},
    "tall_lean_female": {"gender": 0.0, "age": 0.45, "muscle": 0.55, "weight": 0.3, "height": 0.8, "proportions": 0.6},
    "heavy_male": {"gender": 0.9, "age": 0.6, "muscle": 0.4, "weight": 0.9, "height": 0.35, "proportions": 0.4},
}

SKIN = [[0.87, 0.69, 0.58], [0.62, 0.45, 0.33], [0.42, 0.29, 0.21], [0.95, 0.8, 0.68]]
SHIRT = [[0.2, 0.35, 0.75], [0.75, 0.2, 0.2], [0.15, 0.55, 0.35], [0.9, 0.75, 0.2], [0.55, 0.3, 0.65]]
SHORTS = [[0.12, 0.12, 0.14], [0.2, 0.22, 0.35], [0.35, 0.33, 0.3]]
SHOES = [[0.92, 0.92, 0.92], [0.15, 0.15, 0.15], [0.8, 0.3, 0.2]]
BACKGROUND = [[0.86, 0.86, 0.82], [0.72, 0.78, 0.84], [0.8, 0.74, 0.66], [0.62, 0.66, 0.62]]
FLOOR = [[0.55, 0.5, 0.45], [0.4, 0.4, 0.42], [0.6, 0.56, 0.5]]

VIEWS = {"side": 0.0, "oblique": 30.0, "front": 90.0}


def view_of(yaw_deg: float) -> str:
    a = abs(float(yaw_deg))
    if a < 10:
        return "side"
    if a < 60:
        return "oblique"
    return "front"


TURNING = "turning"
KEYFRAME_YAW_LIMIT_DEG = 90.0


def _is_number(v: Any) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool)


def yaw_keyframes(yaw: Any) -> list[list[float]] | None:
    """Validated keyframes ``[[t_s, yaw_deg], ...]`` as floats, or None for a fixed (numeric)
    yaw. Raises ValueError with the reason for anything else."""
    if _is_number(yaw):
        if not math.isfinite(float(yaw)):
            raise ValueError(f"camera.yaw_deg must be finite, got {yaw!r}")
        return None
    if not isinstance(yaw, (list, tuple)):
        raise ValueError(f"camera.yaw_deg must be a number or a list of [t_s, yaw_deg] keyframes, got {yaw!r}")
    if not yaw:
        raise ValueError("camera.yaw_deg: the keyframe list is empty; give at least one [t_s, yaw_deg]")
    out: list[list[float]] = []
    for i, kf in enumerate(yaw):
        if not isinstance(kf, (list, tuple)) or len(kf) != 2 or not all(_is_number(v) for v in kf):
            raise ValueError(f"camera.yaw_deg keyframe {i}: expected [t_s, yaw_deg] (two numbers), got {kf!r}")
        t, y = float(kf[0]), float(kf[1])
        if not (math.isfinite(t) and math.isfinite(y)):
            raise ValueError(f"camera.yaw_deg keyframe {i}: values must be finite, got {kf!r}")
        if t < 0:
            raise ValueError(f"camera.yaw_deg keyframe {i}: time {t} s is negative")
        if out and t <= out[-1][0]:
            raise ValueError(f"camera.yaw_deg keyframe {i}: times must increase strictly ({t} s after {out[-1][0]} s)")
        if abs(y) > KEYFRAME_YAW_LIMIT_DEG:
            raise ValueError(f"camera.yaw_deg keyframe {i}: yaw {y} deg is outside "
                             f"[-{KEYFRAME_YAW_LIMIT_DEG:.0f}, {KEYFRAME_YAW_LIMIT_DEG:.0f}] (0 side, +90 front, -90 back)")
        out.append([t, y])
    return out


def yaw_at(yaw: Any, t_s: float) -> float:
    """The camera yaw at time ``t_s``: the number itself, or the keyframes interpolated
    linearly (held before the first keyframe and after the last)."""
    if _is_number(yaw):
        return float(yaw)
    kf = np.asarray(yaw, dtype=float)
    return float(np.interp(float(t_s), kf[:, 0], kf[:, 1]))


def resolve(scenario: dict[str, Any]) -> dict[str, Any]:
    """A complete scenario: the input with every default filled in."""
    s = copy.deepcopy(scenario)
    if s.get("drill") not in DRILLS:
        raise ValueError(f"unknown drill {s.get('drill')!r}; known: {', '.join(DRILLS)}")
    drill = DRILLS[s["drill"]]
    s.setdefault("name", s["drill"])
    s.setdefault("seed", 0)
    s.setdefault("body", "average_male")
    if s["body"] not in BODIES:
        raise ValueError(f"unknown body {s['body']!r}; known: {', '.join(BODIES)}")
    s.setdefault("phenotype", BODIES[s["body"]])
    s.setdefault("reps", 3)
    s.setdefault("range", 1.0)
    s.setdefault("faults", [])
    s.setdefault("fps", 30.0)
    s.setdefault("width", 640)
    s.setdefault("height", 480)
    s["tempo"] = {**DEFAULT_TEMPO, **s.get("tempo", {})}
    rng = np.random.default_rng(int(s["seed"]))
    pick = lambda table: [float(v) for v in table[int(rng.integers(len(table)))]]  # noqa: E731
    colours = {"skin": pick(SKIN), "shirt": pick(SHIRT), "shorts": pick(SHORTS), "shoes": pick(SHOES),
               "background": pick(BACKGROUND), "floor": pick(FLOOR)}
    s["colours"] = {**colours, **s.get("colours", {})}
    cam = {"yaw_deg": 0.0, "distance_m": 3.4, "height_m": 1.0, "side": "left", "yfov_deg": 45.0,
           "look_at_height_m": drill["look_at_height_m"], "look_at_forward_m": drill["look_at_forward_m"]}
    cam.update(s.get("camera", {}))
    keyframes = yaw_keyframes(cam["yaw_deg"])
    if keyframes is not None:
        cam["yaw_deg"] = keyframes
    s["camera"] = cam
    props = copy.deepcopy(drill.get("props", {}))
    if s["drill"] == "quadruped_sitback":
        props["mat"] = {"z": 0.1}
    props.update(s.get("props", {}))
    s["props"] = props
    if keyframes is None:
        s["view"] = view_of(cam["yaw_deg"])
    else:
        yaws = {y for _, y in keyframes}
        s["view"] = TURNING if len(yaws) > 1 else view_of(keyframes[0][1])
    return s
