"""Commanded kinematics: drill keyframes, faults as switches, and the rep timeline.

A drill is a top and a bottom keyframe of commanded channels (degrees / metres). Each frame
gets a depth in [0, 1] from the tempo (smooth cosine easing) and the channels are blended
between the rep's top and bottom; faults replace keyframes or reshape a phase. The timeline
also yields the ground-truth reps and fault windows, so they come from the same numbers
that pose the body.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

CHANNELS = (
    "thigh_deg", "shin_deg", "trunk_deg", "spine_flex_deg", "bar_gap_m",
    "hand_reach", "elbow_flex_deg", "abduction_deg", "foot_pitch_deg",
)

FAULT_IDS = (
    "knee_dominant", "knees_forward", "knee_rebend", "shoulders_lead", "incomplete_lockout",
    "lockout_hyperextension", "hips_rise_first", "rounded_back", "bar_drift",
)

# Keyframes per drill: "top", "bottom", and the fault variants that replace them.
# Values are chosen to look right to a coach (see docs/synth.md for the reasoning).
DRILLS: dict[str, dict[str, Any]] = {
    "quadruped_sitback": {
        "support": "knees", "arms": "floor", "look_at_height_m": 0.45, "look_at_forward_m": 0.1,
        "top": {"thigh_deg": 0.0, "shin_deg": 90.0, "foot_pitch_deg": 165.0},
        "bottom": {"thigh_deg": 62.0},
        "faults": {
            "shoulders_lead": {},
            "rounded_back": {"bottom": {"spine_flex_deg": 35.0}},
        },
    },
    "tall_kneeling_hip_hinge": {
        "support": "knees", "arms": "hang", "look_at_height_m": 0.6, "look_at_forward_m": -0.1,
        "props": {"post": {"z": -1.3}},
        "top": {"thigh_deg": 0.0, "shin_deg": 90.0, "trunk_deg": 0.0, "foot_pitch_deg": 165.0},
        "bottom": {"thigh_deg": 35.0, "trunk_deg": 52.0},
        "faults": {
            "knee_dominant": {"bottom": {"thigh_deg": 68.0, "trunk_deg": 28.0}},
            "incomplete_lockout": {"top_end": {"thigh_deg": 12.0, "trunk_deg": 13.0}},
            "lockout_hyperextension": {"top_end": {"thigh_deg": -8.0, "trunk_deg": -15.0}},
            "rounded_back": {"bottom": {"spine_flex_deg": 35.0}},
        },
    },
    "cable_pull_through": {
        "support": "feet", "arms": "cable", "look_at_height_m": 0.85, "look_at_forward_m": -0.2,
        "props": {"column": {"z": -1.7, "height_m": 0.3}},
        "top": {"thigh_deg": 6.0, "shin_deg": 8.0, "trunk_deg": 0.0, "hand_reach": 0.0, "abduction_deg": 12.0},
        "bottom": {"thigh_deg": 22.0, "shin_deg": 4.0, "trunk_deg": 68.0, "hand_reach": 1.0},
        "faults": {
            "knee_dominant": {"bottom": {"thigh_deg": 55.0, "shin_deg": 28.0, "trunk_deg": 40.0}},
            "knees_forward": {"bottom": {"thigh_deg": 30.0, "shin_deg": 22.0, "trunk_deg": 62.0}},
            "incomplete_lockout": {"top_end": {"thigh_deg": 14.0, "shin_deg": 10.0, "trunk_deg": 14.0, "hand_reach": 0.15}},
            "lockout_hyperextension": {"top_end": {"thigh_deg": -6.0, "shin_deg": 6.0, "trunk_deg": -14.0}},
            "hips_rise_first": {"bottom": {"thigh_deg": 28.0, "shin_deg": 8.0}},
            "rounded_back": {"bottom": {"spine_flex_deg": 35.0}},
        },
    },
    "romanian_deadlift": {
        "support": "feet", "arms": "bar", "look_at_height_m": 0.85, "look_at_forward_m": -0.1,
        "props": {"bar": {"length_m": 2.0, "radius_m": 0.014}},
        "top": {"thigh_deg": 8.0, "shin_deg": 10.0, "trunk_deg": 0.0},
        "bottom": {"thigh_deg": 20.0, "shin_deg": 2.0, "trunk_deg": 75.0},
        "faults": {
            "knee_dominant": {"bottom": {"thigh_deg": 50.0, "shin_deg": 28.0, "trunk_deg": 45.0}},
            "knees_forward": {"bottom": {"thigh_deg": 24.0, "shin_deg": 20.0, "trunk_deg": 68.0}},
            "knee_rebend": {"ascent_bump": {"thigh_deg": 16.0, "shin_deg": 14.0}},
            "incomplete_lockout": {"top_end": {"thigh_deg": 14.0, "shin_deg": 12.0, "trunk_deg": 15.0}},
            "lockout_hyperextension": {"top_end": {"thigh_deg": -5.0, "shin_deg": 8.0, "trunk_deg": -14.0}},
            "hips_rise_first": {"bottom": {"thigh_deg": 26.0, "shin_deg": 6.0}},
            "rounded_back": {"bottom": {"spine_flex_deg": 35.0}},
            "bar_drift": {"bottom": {"bar_gap_m": 0.2}},
        },
    },
    "stiff_legged_deadlift": {
        "support": "feet", "arms": "bar", "look_at_height_m": 0.85, "look_at_forward_m": -0.1,
        "props": {"bar": {"length_m": 2.0, "radius_m": 0.014}},
        "top": {"thigh_deg": 2.0, "shin_deg": 1.0, "trunk_deg": 0.0},
        "bottom": {"thigh_deg": 9.0, "shin_deg": -3.0, "trunk_deg": 88.0},
        "faults": {
            "knee_dominant": {"bottom": {"thigh_deg": 45.0, "shin_deg": 25.0, "trunk_deg": 55.0}},
            "knees_forward": {"bottom": {"thigh_deg": 18.0, "shin_deg": 16.0, "trunk_deg": 80.0}},
            "incomplete_lockout": {"top_end": {"thigh_deg": 10.0, "shin_deg": 3.0, "trunk_deg": 16.0}},
            "lockout_hyperextension": {"top_end": {"thigh_deg": -6.0, "shin_deg": -1.0, "trunk_deg": -14.0}},
            "rounded_back": {"bottom": {"spine_flex_deg": 40.0}},
            "bar_drift": {"bottom": {"bar_gap_m": 0.2}},
        },
    },
    # Not on the ladder: a deadlift from the floor, the deepest hinge (hips ~125° folded, knees
    # ~75° bent), so the back's calibration reaches the depth of real barbell deadlifts.
    "barbell_deadlift": {
        "support": "feet", "arms": "bar", "look_at_height_m": 0.75, "look_at_forward_m": -0.1,
        "props": {"bar": {"length_m": 2.0, "radius_m": 0.014}},
        "top": {"thigh_deg": 4.0, "shin_deg": 4.0, "trunk_deg": 0.0},
        "bottom": {"thigh_deg": 55.0, "shin_deg": 20.0, "trunk_deg": 70.0},
        "faults": {
            "rounded_back": {"bottom": {"spine_flex_deg": 35.0}},
        },
    },
}

DEFAULT_TEMPO = {"lead_in_s": 0.5, "descent_s": 1.1, "bottom_s": 0.2, "ascent_s": 0.9, "top_s": 0.4}


def applicable_faults(drill: str) -> list[str]:
    return list(DRILLS[drill]["faults"])


def _ease(u: np.ndarray | float) -> Any:
    u = np.clip(u, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * u)


def _window(u: float, start: float, end: float) -> float:
    """Easing that runs only while u is in [start, end]."""
    return float(_ease((u - start) / (end - start)))


@dataclasses.dataclass
class Timeline:
    commands: list[dict[str, Any]]
    depth: np.ndarray
    reps: list[dict[str, Any]]
    faults: list[dict[str, Any]]


def _state(drill: dict[str, Any], overrides: dict[str, float] | None = None, base: dict[str, float] | None = None) -> dict[str, float]:
    s = {c: 0.0 for c in CHANNELS}
    s.update(drill["top"])
    if base is not None:
        s.update(base)
    if overrides:
        s.update(overrides)
    return s


def build_timeline(scenario: dict[str, Any]) -> Timeline:
    """Per-frame commands, depth, reps and fault windows for a scenario."""
    drill_id = scenario["drill"]
    drill = DRILLS[drill_id]
    fps = float(scenario["fps"])
    tempo = {**DEFAULT_TEMPO, **scenario.get("tempo", {})}
    n_reps = int(scenario["reps"])
    ranges = scenario.get("range", 1.0)
    ranges = [float(ranges)] * n_reps if not isinstance(ranges, list) else [float(r) for r in ranges]
    faults = _fault_reps(scenario, n_reps)
    for fid in faults:
        if fid not in drill["faults"]:
            raise ValueError(f"fault {fid!r} does not apply to {drill_id}; use one of {applicable_faults(drill_id)}")

    top_full = _state(drill)
    bottom_good = _state(drill, drill["bottom"])
    commands: list[dict[str, Any]] = []
    depth: list[float] = []
    reps: list[dict[str, Any]] = []
    fault_windows: list[dict[str, Any]] = []

    def emit(state: dict[str, float], d: float) -> None:
        cmd = {"support": drill["support"], "arms": drill["arms"], **state}
        commands.append(cmd)
        depth.append(d)

    def n_frames(seconds: float) -> int:
        return max(1, int(round(seconds * fps)))

    for _ in range(n_frames(tempo["lead_in_s"])):
        emit(top_full, 0.0)
    top_start = top_full
    for r in range(n_reps):
        idx = r + 1
        active = [f for f, reps_ in faults.items() if idx in reps_]
        spec = {f: drill["faults"][f] for f in active}
        bottom = dict(bottom_good)
        top_end = dict(top_full)
        bump: dict[str, float] = {}
        for f in active:
            bottom.update(spec[f].get("bottom", {}))
            top_end.update(spec[f].get("top_end", {}))
            bump.update(spec[f].get("ascent_bump", {}))
        rng = ranges[r]
        bottom = {c: top_start[c] + rng * (bottom[c] - top_start[c]) for c in CHANNELS}
        start = len(commands)
        win: dict[str, list[int]] = {f: [] for f in active}
        # Descent.
        nd = n_frames(tempo["descent_s"])
        for i in range(nd):
            u = (i + 1) / nd
            if "shoulders_lead" in active:
                # Hips lag; the elbows give first so the shoulders move before the hips.
                e_hips = _window(u, 0.35, 1.0)
                s = {c: top_start[c] + e_hips * (bottom[c] - top_start[c]) for c in CHANNELS}
                s["elbow_flex_deg"] = 40.0 * np.sin(np.pi * min(u / 0.8, 1.0)) * rng
                if u <= 0.6:
                    win["shoulders_lead"].append(len(commands))
            else:
                e = float(_ease(u))
                s = {c: top_start[c] + e * (bottom[c] - top_start[c]) for c in CHANNELS}
            d = float(_ease(u)) * rng
            for f in ("knee_dominant", "knees_forward", "rounded_back", "bar_drift"):
                if f in active and u >= 0.5:
                    win[f].append(len(commands))
            emit(s, d)
        bottom_frame = len(commands) - 1
        for _ in range(n_frames(tempo["bottom_s"])):
            for f in ("knee_dominant", "knees_forward", "rounded_back", "bar_drift"):
                if f in active:
                    win[f].append(len(commands))
            emit(bottom, rng)
        bottom_frame = (bottom_frame + len(commands) - 1) // 2
        # Ascent.
        na = n_frames(tempo["ascent_s"])
        for i in range(na):
            u = (i + 1) / na
            e = float(_ease(u))
            s = {c: bottom[c] + e * (top_end[c] - bottom[c]) for c in CHANNELS}
            if "hips_rise_first" in active:
                el = _window(u, 0.0, 0.45)
                et = _window(u, 0.35, 1.0)
                for c in ("thigh_deg", "shin_deg"):
                    s[c] = bottom[c] + el * (top_end[c] - bottom[c])
                for c in ("trunk_deg", "spine_flex_deg", "bar_gap_m", "hand_reach"):
                    s[c] = bottom[c] + et * (top_end[c] - bottom[c])
                s["trunk_deg"] += 4.0 * np.sin(np.pi * min(u / 0.5, 1.0)) * rng
                if u <= 0.5:
                    win["hips_rise_first"].append(len(commands))
            if bump:
                b = np.sin(np.pi * min(u / 0.75, 1.0))
                for c, v in bump.items():
                    s[c] += v * b
                if b > 0.3:
                    win["knee_rebend"].append(len(commands))
            for f in ("knee_dominant", "knees_forward", "rounded_back", "bar_drift"):
                if f in active and u <= 0.5:
                    win[f].append(len(commands))
            for f in ("incomplete_lockout", "lockout_hyperextension"):
                if f in active and u >= 0.9:
                    win[f].append(len(commands))
            emit(s, (1.0 - e) * rng)
        for _ in range(n_frames(tempo["top_s"])):
            for f in ("incomplete_lockout", "lockout_hyperextension"):
                if f in active:
                    win[f].append(len(commands))
            emit(top_end, 0.0)
        end = len(commands) - 1
        reps.append({"index": idx, "start_frame": start, "bottom_frame": bottom_frame, "end_frame": end, "partial": rng < 0.999, "range": rng})
        for f in active:
            if win[f]:
                fault_windows.append({"id": f, "frames": [min(win[f]), max(win[f])], "reps": [idx]})
        top_start = top_end
    return Timeline(commands, np.array(depth), reps, fault_windows)


def _fault_reps(scenario: dict[str, Any], n_reps: int) -> dict[str, list[int]]:
    """Faults as ``["id", ...]`` (every rep) or ``[{"id": ..., "reps": [...]}, ...]``."""
    out: dict[str, list[int]] = {}
    for f in scenario.get("faults", []):
        if isinstance(f, str):
            out[f] = list(range(1, n_reps + 1))
        else:
            out[f["id"]] = [int(r) for r in f.get("reps", range(1, n_reps + 1))]
    for fid in out:
        if fid not in FAULT_IDS:
            raise ValueError(f"unknown fault {fid!r}; known: {', '.join(FAULT_IDS)}")
    return out
