"""The load itself, measured: how often :func:`hingecoach.pose.plate.track_plate` finds the barbell's
plate in the labelled side-view barbell clips (and, where the synthetic bench renders plates,
how close it comes to the bar's true position), and the bar's horizontal path it gives.

No fault rule reads the plate yet: this section is what a bar-drift rule from the load would rest
on, so its recall and the separation of the labelled bar-drift lift from the good ones are
reported before any threshold is chosen.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hingecoach.errors import HingeError

Log = Callable[[str], None] | None
#: Labelled exercises done with a barbell (the plate is what is looked for).
BARBELL = frozenset({"barbell_deadlift", "romanian_deadlift", "stiff_legged_deadlift"})


def _r(x: float, digits: int = 3) -> float | None:
    return round(float(x), digits) if math.isfinite(x) else None


def plate_summary(center_xy: np.ndarray, radius_px: np.ndarray, found: np.ndarray, leg_px: float,
                  facing: int) -> dict[str, Any]:
    """A clip's plate figures: share of frames found, radius (px and leg lengths), and the bar's
    horizontal path from where it was first found, in plate diameters, + toward the lifter's
    front (5th-95th percentile and full range)."""
    out: dict[str, Any] = {"found_pct": _r(100.0 * float(found.mean()), 1) if found.size else None}
    if not found.any():
        return out
    radius = float(np.nanmedian(radius_px[found]))
    x = center_xy[found, 0]
    dx = facing * (x - x[0]) / (2.0 * radius)
    out.update(radius_px=_r(radius, 1), radius_leg=_r(radius / leg_px) if leg_px > 0 else None,
               dx_p5_d=_r(float(np.percentile(dx, 5))), dx_p95_d=_r(float(np.percentile(dx, 95))),
               dx_range_d=_r(float(dx.max() - dx.min())))
    return out


def _clip_plate(path: Path, cache: Path | None) -> dict[str, Any]:
    from hingecoach.core.reps.engine import analyze_track
    from hingecoach.evaluation.clips import cached_track
    from hingecoach.pose.plate import track_plate

    track = cached_track(path, cache)
    _, tf = analyze_track(track)
    plate = track_plate(path, track)
    row = plate_summary(plate.center_xy, plate.radius_px, plate.found, plate.leg_px, tf.facing)
    row["center_xy"] = plate.center_xy
    return row


def evaluate_plates(labels: Path, clips_root: Path, bench: Path | None, cache: Path | None,
                    log: Log = None) -> dict[str, Any]:
    """Per labelled side-view barbell clip, and per bench clip whose ground truth has plates."""
    rows: list[dict[str, Any]] = []
    if labels.exists():
        with labels.open(newline="") as fh:
            for rec in csv.DictReader(fh):
                if rec.get("exercise") not in BARBELL or rec.get("view") != "side":
                    continue
                path = clips_root / rec["clip"]
                if not path.exists():
                    continue
                try:
                    row = _clip_plate(path, cache)
                except HingeError as exc:
                    row = {"error": str(exc)}
                row.pop("center_xy", None)
                rows.append({"clip": rec["clip"], "faults": rec.get("faults") or "", **row})
                if log:
                    log(f"plate {rec['clip']}: found {row.get('found_pct')}%")
    synthetic: list[dict[str, Any]] = []
    for gt_path in sorted(bench.glob("*.gt.json")) if bench is not None and bench.exists() else []:
        gt = json.loads(gt_path.read_text())
        bar = ((gt.get("scenario") or {}).get("props") or {}).get("bar") or {}
        if not (isinstance(bar, dict) and bar.get("plate_radius_m")):
            continue
        video = gt_path.with_name(str(gt["video"]))
        try:
            row = _clip_plate(video, cache)
        except HingeError as exc:
            synthetic.append({"clip": gt_path.name.removesuffix(".gt.json"), "error": str(exc)})
            continue
        center = row.pop("center_xy")
        truth = np.asarray(gt["bar_2d"], float)[: len(center)]
        err = np.hypot(*(center[: len(truth)] - truth).T)
        err = err[np.isfinite(err)]
        synthetic.append({"clip": gt_path.name.removesuffix(".gt.json"), "faults": ",".join(
            sorted({f["id"] for f in gt.get("faults", [])})), **row,
            "error_px_median": _r(float(np.median(err)), 1) if err.size else None,
            "error_px_p95": _r(float(np.percentile(err, 95)), 1) if err.size else None})
    return {"labelled": rows, "bench": synthetic}


def render_plates(part: dict[str, Any]) -> list[str]:
    """The markdown section for docs/accuracy.md."""
    lines = ["## The load: barbell plates found (`hingecoach.pose.plate`)", "",
             "Circles searched around the hands, sized by the lifter's leg, one per frame chosen over "
             "the clip. No fault rule reads the plate yet; bar drift is still measured from the hands. "
             "dx: the plate centre's horizontal path from where it was first found, in plate diameters "
             "(+ toward the lifter's front; 5th and 95th percentiles, and the full range).", ""]
    header = "| clip | label | found % | radius (leg) | dx p5 / p95 (D) | dx range (D) |"
    rows = [header, "|---|---|---|---|---|---|"]
    for r in part.get("labelled", []):
        if "error" in r:
            rows.append(f"| {r['clip']} | {r['faults'] or 'good'} | error: {r['error']} | | | |")
            continue
        rows.append(f"| {r['clip']} | {r['faults'] or 'good'} | {r.get('found_pct')} | {r.get('radius_leg', '–')} | "
                    f"{r.get('dx_p5_d', '–')} / {r.get('dx_p95_d', '–')} | {r.get('dx_range_d', '–')} |")
    lines += rows
    if part.get("bench"):
        lines += ["", "Rendered bench clips with plates, against the bar's true position:", "",
                  "| clip | faults | found % | error px median / p95 | dx range (D) |", "|---|---|---|---|---|"]
        for r in part["bench"]:
            if "error" in r:
                lines.append(f"| {r['clip']} | | error: {r['error']} | | |")
                continue
            lines.append(f"| {r['clip']} | {r.get('faults') or 'good'} | {r.get('found_pct')} | "
                         f"{r.get('error_px_median')} / {r.get('error_px_p95')} | {r.get('dx_range_d', '–')} |")
    lines.append("")
    return lines
