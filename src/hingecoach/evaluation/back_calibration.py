"""The back silhouette against ground truth: the graded synthetic set (``hinge back calibrate``)
and the labelled real clips (``hinge back real``); docs/back.md."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hingecoach.core.spine.outline import (
    BOTTOM_HALF_S,
    back_profile,
    cached_back_profile,
    neutral_reference,
    read_back,
)
from hingecoach.errors import HingeError


def calibration_rows(gt_dirs: Sequence[Path], cache: Path | None) -> list[dict[str, Any]]:
    """One row per rendered rep: commanded spine flexion at the bottom and the estimate there.

    Reads every ``*.gt.json`` (hingesynth ground truth) with its clip beside it; the rep
    bottoms come from the ground truth so a rep-counting miss does not hide the measurement.
    """
    from hingecoach.core.reps.engine import track_features
    from hingecoach.evaluation.clips import cached_track, read_ground_truth

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
    """A calibration row's view as the summaries group it: ``side``, the view with the
    camera's yaw (``oblique+30``), or ``turning`` for a camera keyframed to turn."""
    yaw = row["yaw_deg"]
    if row["view"] == "side" or not isinstance(yaw, (int, float)):
        return str(row["view"])   # side, or a camera that turns (its yaw is a list of keyframes)
    return f"{row['view']}{yaw:+.0f}"


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
    from hingecoach.evaluation.clips import cached_track, experimental_reps, read_labels, set_faults

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
        # rounded_back's findings are under "experimental" (against standing, or a reference without
        # its rep count, as here) or, against a neutral set of enough reps, in the reps: both count.
        found = sorted(set(set_faults(doc)) | set(set_faults({"reps": experimental_reps(doc)})))
        out.append({"clip": row["clip"], "view": row["view"], "labels": row.get("faults") or "",
                    "drill": (doc.get("drill") or {}).get("id"), "reps": reps,
                    "set_faults": found, "rounded_back": "rounded_back" in found})
    return out


def calibration_report(gt_dirs: Sequence[Path], cache: Path | None, rows: bool = False) -> dict[str, Any]:
    """The calibration summary over all rendered reps and per drill (and every rep with ``rows``)."""
    missing = [str(d) for d in gt_dirs if not Path(d).is_dir()]
    if missing:
        raise HingeError(f"{missing[0]}: no such folder of rendered clips")
    found = calibration_rows(gt_dirs, cache)
    if not found:
        raise HingeError(f"no rendered rep with a ground truth (*.gt.json beside its clip) under {', '.join(map(str, gt_dirs))}")
    doc: dict[str, Any] = {"summary": calibration_summary(found),
                           "by_drill": {d: calibration_summary([r for r in found if r["drill"] == d])
                                        for d in sorted({r["drill"] for r in found})}}
    if rows:
        doc["rows"] = found
    return doc


def real_clip_report(labels: Path, clips: Path, cache: Path | None, reference: str | None = None) -> dict[str, Any]:
    """The rounded-back rule on the labelled clips: per clip, and its precision and recall."""
    items = real_clip_rows(labels, clips, cache, reference=reference)
    tp = sum(1 for i in items if "rounded_back" in i["labels"] and i["rounded_back"])
    fp = sum(1 for i in items if "rounded_back" not in i["labels"] and i["rounded_back"])
    fn = sum(1 for i in items if "rounded_back" in i["labels"] and not i["rounded_back"])
    return {"clips": items, "tp": tp, "fp": fp, "fn": fn,
            "precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None,
            "good_form_flagged": [i["clip"] for i in items if not i["labels"] and i["rounded_back"]]}
