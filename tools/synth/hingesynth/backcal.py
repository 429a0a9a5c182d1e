"""Graded spine-flexion calibration set for the back-silhouette estimator.

Each clip is one set of five reps whose commanded spine flexion at the bottom is
0, 10, 20, 30 and 40 degrees in a shuffled order (fixed per clip by its seed), so the
standing profile is shared by all five reps. Run (from the repository root)::

    PYTHONPATH=tools/synth .venv-synth/bin/python -m hingesynth.backcal --out .cache/backcal/clips

How: a scenario carries ``backcal: {"spine_flex_deg": [per rep]}``. The reps with a
non-zero value get the drill's ``rounded_back`` fault (its ``spine_flex_deg`` bottom
keyframe, 35 deg on the RDL and the tall-kneeling hinge); the timeline from
``motion.build_timeline`` is then rescaled, channel ``spine_flex_deg`` only, rep by rep,
by target / keyframe. The channel is 0 at every top (lead-in, top pause, top_end), and
within a rep it is ``top + e * (bottom - top)``, so scaling it by a constant per rep is
exactly the timeline with that rep's bottom keyframe set to the target. Rendering is the
normal ``clip.render_clip``; only this process's ``clip.build_timeline`` is wrapped (a
scenario without the ``backcal`` key is passed through untouched), so the bench and
motion.py are unchanged. The gt ``scenario`` records the per-rep values.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from . import clip as _clip
from .motion import DRILLS, Timeline, build_timeline
from .rig import cache_env

LEVELS_DEG = (0.0, 10.0, 20.0, 30.0, 40.0)
# The bench's tempo (tools/synth/bench.json defaults): 12 + 5 x 69 = 357 frames per clip.
TEMPO = {"lead_in_s": 0.4, "descent_s": 1.0, "bottom_s": 0.2, "ascent_s": 0.8, "top_s": 0.3}
DRILL_SHORT = {"romanian_deadlift": "rdl", "tall_kneeling_hip_hinge": "tkhh", "barbell_deadlift": "dl"}


def spine_order(seed: int) -> list[float]:
    """The five levels in a shuffled order fixed by the seed."""
    return [float(LEVELS_DEG[i]) for i in np.random.default_rng([int(seed), 0xBAC]).permutation(len(LEVELS_DEG))]


def scenario(drill: str, body: str, yaw_deg: float, side: str, seed: int) -> dict[str, Any]:
    order = spine_order(seed)
    view = "side" if yaw_deg == 0 else f"yaw{yaw_deg:+.0f}"
    return {
        "name": f"cal_{DRILL_SHORT[drill]}_{body}_{view}",
        "drill": drill,
        "body": body,
        "seed": int(seed),
        "reps": len(order),
        "fps": 30.0,
        "width": 640,
        "height": 480,
        "camera": {"yaw_deg": float(yaw_deg), "distance_m": 3.4, "height_m": 1.0, "side": side},
        "tempo": dict(TEMPO),
        "faults": [{"id": "rounded_back", "reps": [i + 1 for i, v in enumerate(order) if v > 0]}],
        "backcal": {"spine_flex_deg": order, "levels_deg": list(LEVELS_DEG)},
        "scenario_note": "backcal: graded spine flexion per rep (backcal.spine_flex_deg, in rep order)",
    }


def scenarios() -> list[dict[str, Any]]:
    rdl, tk = "romanian_deadlift", "tall_kneeling_hip_hinge"
    out = []
    seed = 900
    # Side view (yaw 0): RDL x 3 bodies, tall-kneeling hinge x 2 bodies; facing alternates.
    for drill, body, side in [(rdl, "average_male", "left"), (rdl, "heavy_male", "right"),
                              (rdl, "tall_lean_female", "left"), (tk, "heavy_male", "right"),
                              (tk, "tall_lean_female", "left")]:
        out.append(scenario(drill, body, 0.0, side, seed))
        seed += 1
    # Oblique: RDL x 3 bodies at yaw +30 (toward the front) and -30 (toward the back).
    for yaw, sides in ((30.0, ("left", "right", "left")), (-30.0, ("right", "left", "right"))):
        for body, side in zip(("average_male", "heavy_male", "tall_lean_female"), sides, strict=True):
            out.append(scenario(rdl, body, yaw, side, seed))
            seed += 1
    # Deep: a deadlift from the floor (hips ~125° folded) x 3 bodies, side view; seeds after the
    # first eleven clips', so those render as before.
    for body, side in (("average_male", "right"), ("heavy_male", "left"), ("tall_lean_female", "right")):
        out.append(scenario("barbell_deadlift", body, 0.0, side, seed))
        seed += 1
    return out


def graded_timeline(s: dict[str, Any]) -> Timeline:
    """``build_timeline``, with each rep's spine flexion scaled to ``backcal.spine_flex_deg``."""
    tl = build_timeline(s)
    cal = s.get("backcal")
    if not cal:
        return tl
    targets = [float(v) for v in cal["spine_flex_deg"]]
    if len(targets) != len(tl.reps):
        raise ValueError(f"backcal.spine_flex_deg has {len(targets)} values for {len(tl.reps)} reps")
    key = float(DRILLS[s["drill"]]["faults"]["rounded_back"]["bottom"]["spine_flex_deg"])
    for rep, target in zip(tl.reps, targets, strict=True):
        for i in range(rep["start_frame"], rep["end_frame"] + 1):
            c = tl.commands[i]
            v = float(c.get("spine_flex_deg", 0.0))
            c["spine_flex_deg"] = 0.0 if target == 0.0 else v / key * target
        got = tl.commands[rep["bottom_frame"]]["spine_flex_deg"]
        if abs(got - target) > 1e-9 or tl.commands[rep["end_frame"]]["spine_flex_deg"] != 0.0:
            raise ValueError(f"rep {rep['index']}: bottom spine flexion {got} != {target}")
    return tl


def _render_one(args: tuple[dict[str, Any], str]) -> tuple[str, float]:
    cache_env()
    s, out = args
    _clip.build_timeline = graded_timeline  # this process only; the scenario opts in via "backcal"
    t0 = time.time()
    _clip.render_clip(s, Path(out))
    return s["name"], time.time() - t0


def main(argv: list[str] | None = None) -> int:
    cache_env()
    ap = argparse.ArgumentParser(prog="hingesynth.backcal", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path(".cache/backcal/clips"))
    ap.add_argument("--only", nargs="*", help="clip names to (re)render")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--short", action="store_true", help="test: 2 reps per clip, to check the gt quickly")
    ap.add_argument("--list", action="store_true", help="print names and per-rep spine flexion, render nothing")
    args = ap.parse_args(argv)
    todo = [s for s in scenarios() if not args.only or s["name"] in args.only]
    if args.short:
        for s in todo:
            s["reps"] = 2
            s["backcal"]["spine_flex_deg"] = s["backcal"]["spine_flex_deg"][:2]
            s["faults"] = [{"id": "rounded_back", "reps": [r for r in s["faults"][0]["reps"] if r <= 2]}]
    if args.list:
        for s in todo:
            print(s["name"], s["camera"]["yaw_deg"], s["camera"]["side"], s["backcal"]["spine_flex_deg"])
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    work = [(s, str(args.out)) for s in todo]
    t0 = time.time()
    if args.jobs > 1:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            for name, dt in pool.map(_render_one, work):
                print(f"done {name} ({dt:.0f} s)", flush=True)
    else:
        for w in work:
            name, dt = _render_one(w)
            print(f"done {name} ({dt:.0f} s)", flush=True)
    index = [{"name": s["name"], "video": f"{s['name']}.mp4", "ground_truth": f"{s['name']}.gt.json",
              "drill": s["drill"], "body": s["body"], "yaw_deg": s["camera"]["yaw_deg"], "side": s["camera"]["side"],
              "seed": s["seed"], "spine_flex_deg": s["backcal"]["spine_flex_deg"]}
             for s in scenarios() if (args.out / f"{s['name']}.gt.json").exists()]
    (args.out / "backcal_index.json").write_text(json.dumps({"clips": index}, indent=1) + "\n")
    print(f"backcal: {len(work)} clip(s) in {time.time() - t0:.0f} s -> {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
