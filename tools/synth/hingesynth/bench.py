"""The committed bench set: scenarios listed in ``bench.json`` (data), rendered to
``bench/clips/<name>.mp4`` + ``.gt.json``, plus ``bench/manifest.json``."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

BENCH_FILE = Path(__file__).resolve().parent.parent / "bench.json"


def scenarios() -> list[dict[str, Any]]:
    """Every bench scenario, the file's defaults merged into each clip."""
    data = json.loads(BENCH_FILE.read_text())
    defaults = data.get("defaults", {})
    out = []
    for clip in data["clips"]:
        s = {**defaults, **clip}
        for k in ("camera", "tempo"):
            if k in defaults or k in clip:
                s[k] = {**defaults.get(k, {}), **clip.get(k, {})}
        out.append(s)
    return out


def _render_one(args: tuple[dict[str, Any], str]) -> str:
    from .clip import render_clip
    from .rig import cache_env

    cache_env()
    scenario, out = args
    render_clip(scenario, Path(out))
    return scenario["name"]


def build(out: Path, only: list[str] | None = None, jobs: int = 1) -> None:
    clips_dir = out / "clips"
    clips_dir.mkdir(parents=True, exist_ok=True)
    todo = [s for s in scenarios() if not only or s["name"] in only]
    work = [(s, str(clips_dir)) for s in todo]
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for name in pool.map(_render_one, work):
                print(f"done {name}", flush=True)
    else:
        for w in work:
            _render_one(w)
    write_manifest(out)


def write_manifest(out: Path) -> None:
    """manifest.json: one entry per bench scenario whose clip exists, with its sha256."""
    entries = []
    for s in scenarios():
        mp4 = out / "clips" / f"{s['name']}.mp4"
        gt_path = out / "clips" / f"{s['name']}.gt.json"
        if not (mp4.exists() and gt_path.exists()):
            continue
        gt = json.loads(gt_path.read_text())
        entries.append({
            "name": s["name"], "video": f"clips/{s['name']}.mp4", "ground_truth": f"clips/{s['name']}.gt.json",
            "drill": gt["drill"], "view": gt["view"], "facing": gt["facing"], "body": gt["body"],
            "faults": sorted({f["id"] for f in gt["faults"]}), "reps": len(gt["reps"]),
            "partial": any(r["partial"] for r in gt["reps"]), "frames": gt["frames"],
            "scenario": {k: s[k] for k in s},
            "sha256": hashlib.sha256(mp4.read_bytes()).hexdigest(),
        })
    manifest = {"schema": "hingecoach-synth-bench/1", "generator": "tools/synth (python -m hingesynth bench)", "clips": entries}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
