"""``hinge eval``: measure the pipeline against labelled clips and the synthetic bench.

Labelled clips (a CSV shaped like ``../shared/data/labels.csv``): rep counts (exact %, mean
absolute error, within ±1, honouring each clip's tolerance), drill recognition, per-fault
precision / recall / F1 and faults reported on good-form clips — all broken down by view.
Synthetic bench (``*.gt.json`` beside each clip): the same, plus joint-angle error against the
ground truth (mean, p95, max) per angle, drill and view. Keypoint files from other pose sources
that their source calls good or bad (:data:`SOURCE_LABELLED_TRACKS`): single lifts counted, and
coached faults on good and bad lifts.

Pose tracks are cached (``--cache``) by the clip's content hash, so re-running after a change to
the analysis does not re-run pose estimation.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hingecoach.errors import HingeError
from hingecoach.evaluation.clips import (
    _analyze,
    cached_track,
    experimental_reps,
    read_ground_truth,
    read_labels,
    set_faults,
)
from hingecoach.io.keypoint_files import read_track

DEFAULT_DATA = Path("../shared/data")
DEFAULT_BENCH = Path("bench/clips")
#: Fault ids the labels use that the ladder can report.
ANGLE_KEYS = ("hip_flexion_deg", "knee_flexion_deg", "trunk_inclination_deg", "shin_angle_deg")

Log = Callable[[str], None] | None


def _rep_stats(items: list[dict[str, Any]]) -> dict[str, Any]:
    if not items:
        return {"clips": 0}
    errs = [abs(i["reps_found"] - i["reps_true"]) for i in items]
    return {
        "clips": len(items),
        "exact_pct": round(100.0 * float(np.mean([i["reps_ok"] for i in items])), 1),
        "mae": round(float(np.mean(errs)), 3),
        "within1_pct": round(100.0 * float(np.mean([e <= 1 for e in errs])), 1),
    }


def _fault_stats(items: list[dict[str, Any]], fault_ids: list[str]) -> dict[str, Any]:
    """Per-fault counts over clips. A clip its source calls bad "unspecified" cannot make a
    false positive (any fault may be the unnamed one), but counts for the faults it names.
    Experimental findings (not coached) count for their own fault's row."""
    out: dict[str, Any] = {}
    items = [{**i, "faults_found": sorted(set(i["faults_found"]) | set(i.get("experimental_found", [])))}
             for i in items]
    for fid in fault_ids:
        tp = sum(1 for i in items if fid in i["faults_true"] and fid in i["faults_found"])
        fp = sum(1 for i in items if fid not in i["faults_true"] and fid in i["faults_found"]
                 and "unspecified" not in i["faults_true"])
        fn = sum(1 for i in items if fid in i["faults_true"] and fid not in i["faults_found"])
        p = tp / (tp + fp) if tp + fp else math.nan
        r = tp / (tp + fn) if tp + fn else math.nan
        f1 = 2 * p * r / (p + r) if tp else (0.0 if fp + fn else math.nan)
        out[fid] = {"tp": tp, "fp": fp, "fn": fn, "precision": _r(p), "recall": _r(r), "f1": _r(f1)}
    return out


def _r(x: float) -> float | None:
    return None if not math.isfinite(x) else round(x, 3)


def _by_view(items: list[dict[str, Any]], fn: Callable[[list[dict[str, Any]]], Any]) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for i in items:
        groups[i["view"]].append(i)
    return {"all": fn(items), **{v: fn(g) for v, g in sorted(groups.items())}}


def _coached_ids() -> set[str]:
    """Faults some packaged drill coaches (lists, not as experimental)."""
    from hingecoach.core.drills import load_drills

    return {s.id for d in load_drills().values() for s in d.faults if not s.params.get("experimental")}


def _strict_fault_stats(items: list[dict[str, Any]], coached: set[str]) -> dict[str, Any]:
    """Per-fault counts over clips, scored strictly: every coached fault found on a clip whose
    label does not name it is a false positive, on clips labelled ``unspecified`` too, and only
    coached findings count (experimental ones are not told to the lifter). One row per fault a
    label names or the pipeline coached; ``micro`` sums the coached faults' rows."""
    fault_ids = sorted(({f for i in items for f in i["faults_true"]} | {f for i in items for f in i["faults_found"]})
                       - {"unspecified"})
    rows: dict[str, Any] = {}
    totals = [0, 0, 0]
    for fid in fault_ids:
        tp = sum(1 for i in items if fid in i["faults_true"] and fid in i["faults_found"])
        fp_clips = [i["clip"] for i in items if fid not in i["faults_true"] and fid in i["faults_found"]]
        fn = sum(1 for i in items if fid in i["faults_true"] and fid not in i["faults_found"])
        rows[fid] = {**_prf(tp, len(fp_clips), fn), "coached": fid in coached, "fp_clips": fp_clips}
        if fid in coached:
            totals = [totals[0] + tp, totals[1] + len(fp_clips), totals[2] + fn]
    return {"faults": rows, "micro": _prf(*totals)}


def _prf(tp: int, fp: int, fn: int) -> dict[str, Any]:
    p = tp / (tp + fp) if tp + fp else math.nan
    r = tp / (tp + fn) if tp + fn else math.nan
    f1 = 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else math.nan
    return {"tp": tp, "fp": fp, "fn": fn, "precision": _r(p), "recall": _r(r), "f1": _r(f1)}


def _lenient_micro(stats: dict[str, Any], coached: set[str]) -> dict[str, Any]:
    """The lenient table's coached rows summed (what the lenient rule gives as one figure)."""
    rows = [s for fid, s in stats.items() if fid in coached]
    return _prf(sum(s["tp"] for s in rows), sum(s["fp"] for s in rows), sum(s["fn"] for s in rows))


def evaluate_labels(labels: Path, clips_root: Path, cache: Path | None, log: Log = None) -> dict[str, Any]:
    """Run the pipeline over every labelled clip and score it."""
    items: list[dict[str, Any]] = []
    for row in read_labels(labels):
        path = clips_root / row["clip"]
        if not path.exists():
            if log:
                log(f"skip {row['clip']}: not found")
            continue
        truth = {f for f in (row.get("faults") or "").split(";") if f}
        try:
            res = _analyze(cached_track(path, cache), None)
            doc = res.analysis.to_dict()
            found = len(doc["reps"])
            faulty_reps = sum(1 for r in doc["reps"] if r["faults"])
            faults_found = set_faults(doc)
            experimental_found = set_faults({"reps": experimental_reps(doc)})
            drill = (doc.get("drill") or {}).get("id")
            error = None
        except HingeError as exc:
            found, faulty_reps, faults_found, experimental_found, drill, error = 0, 0, [], [], None, str(exc)
        tol = int(row.get("reps_tol") or 0)
        true_reps = int(row["reps"])
        item: dict[str, Any] = {
            "clip": row["clip"], "view": row["view"], "exercise": row.get("exercise"),
            "reps_true": true_reps, "reps_found": found, "reps_tol": tol, "reps_with_faults": faulty_reps,
            "reps_ok": abs(found - true_reps) <= tol, "faults_true": sorted(truth),
            "faults_found": faults_found, "experimental_found": experimental_found,
            "drill_found": drill, "error": error,
            "drill_true": row.get("exercise") or None,
        }
        items.append(item)
        if log:
            log(f"{row['clip']}: reps {found}/{true_reps}  faults {faults_found or '-'} (true {sorted(truth) or '-'})")
    fault_ids = sorted({f for i in items for f in i["faults_true"]} - {"unspecified"})
    good = [i for i in items if not i["faults_true"]]
    known = [i for i in items if i.get("drill_true")]
    return {
        "clips": items,
        "drill_accuracy_pct": round(100.0 * float(np.mean([i["drill_found"] == i["drill_true"] for i in known])), 1)
        if known else None,
        "reps": _by_view(items, _rep_stats),
        "faults": _by_view(items, lambda g: _fault_stats(g, fault_ids)),
        "good_form": {"clips": len(good),
                      "with_false_faults": [i["clip"] for i in good if i["faults_found"]],
                      "reps": sum(i["reps_found"] for i in good),
                      "reps_with_faults": sum(i["reps_with_faults"] for i in good)},
    }


#: The stand before the set that angle changes are measured from (seconds before the first rep).
STAND_S = 0.4


def evaluate_bench(bench: Path, cache: Path | None, log: Log = None) -> dict[str, Any]:
    """Score the synthetic bench: reps, drill, faults and angle error against ground truth."""
    items = []
    errors: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    # The same angles' change from the lifter's own stand before the set (both the estimate and
    # the truth measured from their value there): what a rule read against the stand sees.
    from_stand: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for gt_path in sorted(bench.glob("*.gt.json")):
        gt = read_ground_truth(gt_path)
        video = gt_path.parent / gt["video"]
        if not video.exists():
            continue
        res = _analyze(cached_track(video, cache), None)
        doc = res.analysis.to_dict()
        f = res.features.features
        truth_angles = gt.get("angles_sagittal") or {}
        n = min(len(f.hip_flexion_deg), *(len(v) for v in truth_angles.values())) if truth_angles else 0
        for key in ANGLE_KEYS:
            if key not in truth_angles:
                continue
            est = getattr(f, key)[:n]
            true = np.asarray(truth_angles[key][:n], dtype=float)
            ok = np.isfinite(est) & np.isfinite(true)
            errors[(key, gt["drill"], gt["view"])].extend(np.abs(est[ok] - true[ok]).tolist())
            first = res.features.reps[0].start if res.features.reps else 0
            stand = slice(max(0, first - int(round(STAND_S * res.features.track.fps))), first)
            if first > 0 and ok[stand].any():
                offset = float(np.median(est[stand][ok[stand]] - true[stand][ok[stand]]))
                from_stand[(key, gt["drill"], gt["view"])].extend(np.abs(est[ok] - true[ok] - offset).tolist())
        truth_faults = sorted({x["id"] for x in gt.get("faults", [])})
        item = {
            "clip": gt_path.name.replace(".gt.json", ""), "view": gt["view"], "drill": gt["drill"],
            "reps_true": len(gt.get("reps", [])), "reps_found": len(doc["reps"]), "reps_tol": 0,
            "reps_ok": len(doc["reps"]) == len(gt.get("reps", [])),
            "faults_true": truth_faults,
            # Injected faults are on chosen reps (e.g. the last two): any rep counts here.
            "faults_found": set_faults(doc, share=0.0),
            "experimental_found": set_faults({"reps": experimental_reps(doc)}, share=0.0),
            "drill_found": (doc.get("drill") or {}).get("id"),
        }
        items.append(item)
        if log:
            log(f"bench {item['clip']}: reps {item['reps_found']}/{item['reps_true']} drill {item['drill_found']}")
    angle_rows = []
    for (key, drill, view), errs in sorted(errors.items()):
        a = np.asarray(errs)
        if a.size:
            rel = np.asarray(from_stand.get((key, drill, view), []))
            angle_rows.append({"angle": key, "drill": drill, "view": view, "frames": int(a.size),
                               "mean": round(float(a.mean()), 2), "p95": round(float(np.percentile(a, 95)), 2),
                               "max": round(float(a.max()), 2),
                               "from_stand_mean": round(float(rel.mean()), 2) if rel.size else None,
                               "from_stand_max": round(float(rel.max()), 2) if rel.size else None})
    fault_ids = sorted({f for i in items for f in i["faults_true"]})
    drill_ok = [i["drill_found"] == i["drill"] for i in items]
    return {
        "clips": items,
        "reps": _by_view(items, _rep_stats),
        "drill_accuracy_pct": round(100.0 * float(np.mean(drill_ok)), 1) if items else None,
        "faults": _by_view(items, lambda g: _fault_stats(g, fault_ids)),
        "angles": angle_rows,
        "back": _back_errors(bench, cache),
    }


def _back_errors(bench: Path, cache: Path | None) -> dict[str, Any]:
    """The silhouette's spinal-flexion estimate against the commanded flexion at each rep's
    bottom, per view (hingecoach.core.spine.outline; the calibration itself is in docs/back.md)."""
    from hingecoach.evaluation.back_calibration import calibration_rows, calibration_summary, view_key

    rows = calibration_rows([bench], cache)
    summary = calibration_summary(rows)
    for view, s in summary.items():
        s.pop("fit_gain", None)
        s.pop("fit_neutral_change_deg", None)
        sel = [r for r in rows if view == "all" or view_key(r) == view]
        s["no_reading"] = sum(1 for r in sel if not np.isfinite(r["estimate_deg"]))
        neutral = [r["estimate_deg"] for r in sel if r["truth_deg"] == 0 and np.isfinite(r["estimate_deg"])]
        flexed = [r["estimate_deg"] for r in sel if r["truth_deg"] > 0 and np.isfinite(r["estimate_deg"])]
        s["neutral_max_deg"] = round(max(neutral), 1) if neutral else None
        s["flexed_min_deg"] = round(min(flexed), 1) if flexed else None
        if not np.isfinite(s["spearman"]):   # one commanded grade only (a neutral-only view)
            s["spearman"] = None
    return summary


#: Keypoint tracks from other pose sources whose own source calls each lift good or bad (no
#: reason given): (folder under keypoints/, file pattern, prefix of the good ones, of the bad ones).
#: Each file is one lift.
SOURCE_LABELLED_TRACKS = (
    ("bichraix-coco17", "*_joints_new.csv", "good", "bad"),
    ("kinect-deadlift-goodbad", "a*_skeleton.csv", "a1_", "a11_"),
)


def evaluate_sources(keypoints: Path, log: Log = None) -> dict[str, Any]:
    """Per source of :data:`SOURCE_LABELLED_TRACKS` under ``keypoints``: how many single lifts
    are counted as one rep, and how many good and bad lifts get a coached fault."""
    out: dict[str, Any] = {}
    for folder, pattern, good, bad in SOURCE_LABELLED_TRACKS:
        files = sorted((keypoints / folder).glob(pattern))
        if not files:
            continue
        row: dict[str, Any] = {"files": len(files), "one_rep": 0, "good": 0, "bad": 0,
                               "good_faulted": [], "bad_faulted": 0, "faults": defaultdict(int)}
        for path in files:
            label = "good" if path.name.startswith(good) else "bad" if path.name.startswith(bad) else None
            if label is None:
                continue
            analysis = _analyze(read_track(path), None).analysis
            found = sorted({f.id for r in analysis.reps for f in r.faults})
            row[label] += 1
            row["one_rep"] += len(analysis.reps) == 1
            if label == "good" and found:
                row["good_faulted"].append(f"{path.name}: {', '.join(found)}")
            row["bad_faulted"] += label == "bad" and bool(found)
            for fid in found:
                row["faults"][f"{label}:{fid}"] += 1
        row["faults"] = dict(sorted(row["faults"].items()))
        out[folder] = row
        if log:
            log(f"{folder}: {row['files']} lifts, {len(row['good_faulted'])} of {row['good']} good with a fault")
    return out


def evaluate(labels: Path | None = None, clips_root: Path | None = None, bench: Path | None = None,
             cache: Path | None = None, progress: Log = None, loso: bool = True,
             calibration: bool = True, plates: bool = False) -> dict[str, Any]:
    """Evaluate on the labelled clips and the bench (whichever exist).

    Faults are scored as before (lenient, ``faults``) and strictly (``faults_strict``: every
    coached fault a clip's label lacks is a false positive). With ``loso``, ``thresholds`` holds
    each fault rule's threshold sweep on the real clips and the bench, and its figures with
    thresholds fitted leave-one-source-out (:mod:`hingecoach.evaluation.thresholds`). With
    ``calibration``, ``calibration`` holds the rules' figures on the generated calibration set
    (:mod:`hingecoach.evaluation.calibration_set`). With ``plates``, ``plates`` holds the barbell
    plate tracker's figures (:mod:`hingecoach.evaluation.plates`).
    """
    report: dict[str, Any] = {}
    labels = labels or (DEFAULT_DATA / "labels.csv")
    clips_root = clips_root or labels.parent / "clips"
    coached = _coached_ids()
    if labels.exists():
        report["labelled"] = evaluate_labels(labels, clips_root, cache, progress)
    elif progress:
        progress(f"no labels at {labels}; skipping the labelled clips")
    if (labels.parent / "keypoints").is_dir():
        sources = evaluate_sources(labels.parent / "keypoints", progress)
        if sources:
            report["sources"] = sources
    bench = bench or DEFAULT_BENCH
    has_bench = bench.exists() and any(bench.glob("*.gt.json"))
    if has_bench:
        from hingecoach.evaluation.neutral_sets import evaluate_bench_neutral_sets

        report["bench"] = evaluate_bench(bench, cache, progress)
        report["bench_neutral_sets"] = evaluate_bench_neutral_sets(bench, cache)
    if not report:
        raise HingeError("nothing to evaluate: no labels CSV and no synthetic bench found")
    for name in ("labelled", "bench"):
        if name in report:
            part = report[name]
            part["faults_strict"] = _strict_fault_stats(part["clips"], coached)
            part["faults_strict"]["lenient_micro"] = _lenient_micro(part["faults"]["all"], coached)
    if labels.exists():
        from hingecoach.evaluation.neutral_sets import evaluate_neutral_sets

        report["neutral_sets"] = evaluate_neutral_sets(labels, clips_root, cache, progress)
    if loso and labels.exists():
        from hingecoach.evaluation.thresholds import bench_records, evaluate_thresholds, labelled_records

        real = labelled_records(labels, clips_root, cache, progress)
        synthetic = bench_records(bench, cache, progress) if has_bench else []
        report["thresholds"] = evaluate_thresholds(real, synthetic)
    if plates:
        from hingecoach.evaluation.plates import evaluate_plates

        report["plates"] = evaluate_plates(labels, clips_root, bench if has_bench else None, cache, progress)
    if calibration:
        from hingecoach.evaluation.calibration_set import evaluate_calibration

        report["calibration"] = evaluate_calibration(progress)
    return report


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for r in rows:
        lines.append("| " + " | ".join("–" if v is None else str(v) for v in r) + " |")
    return lines


def _experimental_ids() -> list[str]:
    from hingecoach.core.drills import load_drills

    return sorted({s.id for d in load_drills().values() for s in d.faults if s.params.get("experimental")})


def _bench_misses(part: dict[str, Any]) -> list[str]:
    """Injected faults the pipeline did not find on the bench: what the landmarks (as we
    measure them) cannot show."""
    lines = []
    for fid, s in part["faults"]["all"].items():
        if s["fn"]:
            clips = [c["clip"] for c in part["clips"] if fid in c["faults_true"]
                     and fid not in set(c["faults_found"]) | set(c.get("experimental_found", []))]
            lines.append(f"- `{fid}`: missed on {s['fn']} of {s['tp'] + s['fn']} clips ({', '.join(clips)})")
    return lines


def _bench_extras(part: dict[str, Any]) -> list[str]:
    """Faults reported on bench clips where none of that kind was injected (coached ones)."""
    return [f"- `{c['clip']}`: {', '.join(f'`{x}`' for x in extra)}" for c in part["clips"]
            if (extra := sorted(set(c["faults_found"]) - set(c["faults_true"])))]


def _not_coached() -> list[str]:
    """Fault rules that exist as data but that no packaged drill coaches: experimental ones and
    those no drill lists (a coach may still enable them in a drill file)."""
    from hingecoach.core.drills import common_faults, load_drills

    used = {s.id for d in load_drills().values() for s in d.faults if not s.params.get("experimental")}
    lines = []
    for fid, table in sorted(common_faults().items()):
        if table.get("experimental"):
            lines.append(f"- `{fid}`: experimental — measured and reported under `experimental`, never coached.")
        elif fid not in used:
            lines.append(f"- `{fid}`: no packaged drill coaches it — {table.get('not_coached', 'see its rule in common.toml')}")
    return lines


def _strict_lines(part: dict[str, Any]) -> list[str]:
    """The strict fault table beside the lenient figures of the table above it."""
    strict, lenient = part["faults_strict"], part["faults"]["all"]
    rows = []
    for fid, s in strict["faults"].items():
        old = lenient.get(fid)
        rows.append([fid, "yes" if s["coached"] else "no",
                     *([old["precision"], old["recall"], old["f1"]] if old else ["not scored"] * 3),
                     s["tp"], s["fp"], s["fn"], s["precision"], s["recall"], s["f1"],
                     ", ".join(s["fp_clips"]) or "–"])
    lm, sm = strict["lenient_micro"], strict["micro"]
    rows.append(["**coached faults, micro**", "", lm["precision"], lm["recall"], lm["f1"],
                 sm["tp"], sm["fp"], sm["fn"], sm["precision"], sm["recall"], sm["f1"], ""])
    return ["Lenient (the table above): a clip its source calls bad without a reason (`unspecified`)",
            "makes no false positive, a fault no label names has no row, and experimental findings count.",
            "Strict: every coached fault found on a clip whose label does not name it is a false positive",
            "(`unspecified` clips included), and only coached findings count (experimental ones are not told",
            "to the lifter). The micro row sums the coached faults' rows.", "",
            *_table(["fault", "coached", "lenient precision", "lenient recall", "lenient F1", "strict TP", "strict FP",
                     "strict FN", "strict precision", "strict recall", "strict F1", "strict false positives on"], rows)]


def render_markdown(report: dict[str, Any]) -> str:
    """The evaluation as markdown (what ``make eval`` writes to docs/accuracy.md)."""
    lines = ["# hingecoach accuracy", "",
             "Generated by `make eval` (`hinge eval --write docs/accuracy.md`); do not edit by hand.",
             "Faults are counted per clip: on the labelled clips a set has a fault when at least half",
             "its reps show it; on the synthetic bench (faults injected on chosen reps) when any rep",
             "does. Clips their source calls bad without saying why (`unspecified`) make no false",
             "positive. Experimental rules (measured, never coached: "
             + (", ".join(f"`{i}`" for i in _experimental_ids()) or "none") + ") count in their own rows.",
             "That is the lenient rule; each fault table is followed by the same clips scored strictly (a",
             "coached fault the label does not name is a false positive), and the last sections give each",
             "rule's threshold sweep and its figures with thresholds fitted leave-one-source-out.",
             "Pose tracks are BlazePose full (mediapipe 0.10.21), with the silhouette recorded.", ""]
    for name, title in (("labelled", "Labelled real clips (../shared/data/labels.csv)"),
                        ("bench", "Synthetic bench (bench/clips)")):
        part = report.get(name)
        if not part:
            continue
        lines += [f"## {title}", "", "### Rep counting", ""]
        lines += _table(["view", "clips", "exact %", "MAE", "within ±1 %"],
                        [[v, s.get("clips"), s.get("exact_pct"), s.get("mae"), s.get("within1_pct")]
                         for v, s in part["reps"].items()])
        if "drill_accuracy_pct" in part:
            lines += ["", f"Drill recognition accuracy: {part['drill_accuracy_pct']}%"]
        lines += ["", "### Faults (per clip)", ""]
        rows = []
        for view, stats in part["faults"].items():
            for fid, s in stats.items():
                rows.append([view, fid, s["tp"], s["fp"], s["fn"], s["precision"], s["recall"], s["f1"]])
        lines += _table(["view", "fault", "TP", "FP", "FN", "precision", "recall", "F1"], rows) if rows else ["(none)"]
        if "good_form" in part:
            g = part["good_form"]
            lines += ["", f"Good-form clips with a coached fault: {len(g['with_false_faults'])} of {g['clips']}"
                      + (f" ({', '.join(g['with_false_faults'])})" if g["with_false_faults"] else "")
                      + f"; good-form reps with one: {g['reps_with_faults']} of {g['reps']}"]
            lines += ["(Experimental findings are not coached; they count in their own rows above.)"]
        if part.get("faults_strict"):
            lines += ["", "### Faults scored strictly (per clip)", ""] + _strict_lines(part)
        if name == "bench":
            misses = _bench_misses(part)
            lines += ["", "### Injected faults not found (what the landmarks do not show, as measured)", ""]
            lines += misses or ["- none"]
            lines += ["", "### Faults reported that were not injected", ""]
            lines += _bench_extras(part) or ["- none"]
            lines += ["", "### Faults the landmarks cannot show (not coached)", ""]
            lines += _not_coached() or ["- none"]
        if part.get("back"):
            lines += ["", "### Back flexion from the silhouette against ground truth (degrees, per rep bottom)", "",
                      "The `rounded_back` estimate (hingecoach.core.spine.outline) against the commanded spinal flexion. The",
                      "bench's reps are neutral (0°) or rounded (35–40°), so the highest neutral and lowest rounded",
                      "reading say more than its Spearman; the graded calibration set (0–40° in 10° steps) and",
                      "the real-clip results are in docs/back.md.", ""]
            lines += _table(["view", "reps read", "no reading", "Spearman", "MAE", "bias", "RMSE",
                             "mean estimate by truth", "highest at 0°", "lowest when rounded"],
                            [[v, s["reps"], s["no_reading"], s["spearman"], s["mae_deg"], s["bias_deg"], s["rmse_deg"],
                              ", ".join(f"{k}°: {e}" for k, e in s["mean_estimate_by_truth"].items()),
                              s["neutral_max_deg"], s["flexed_min_deg"]]
                             for v, s in part["back"].items()])
        if part.get("angles"):
            lines += ["", "### Angle error against ground truth (degrees)", "",
                      "The last two columns measure the angle's change from the lifter's own stand before the "
                      f"set ({STAND_S} s before the first rep; estimate and truth each from their value there): "
                      "a constant offset, the pose model's landmarks against the rig's joint centres on that body, "
                      "drops out, as it does for a rule read against the stand.", ""]
            lines += _table(["angle", "drill", "view", "frames", "mean", "p95", "max", "from stand: mean", "from stand: max"],
                            [[a["angle"], a["drill"], a["view"], a["frames"], a["mean"], a["p95"], a["max"],
                              a.get("from_stand_mean"), a.get("from_stand_max")]
                             for a in part["angles"]])
        lines += ["", "### Per clip", ""]
        lines += _table(["clip", "view", "reps (found/true)", "faults found", "faults true", "drill found", "drill true"],
                        [[c["clip"], c["view"], f"{c['reps_found']}/{c['reps_true']}",
                          ", ".join(c["faults_found"]) or "–", ", ".join(c["faults_true"]) or "–",
                          c.get("drill_found"), c.get("drill_true") or c.get("drill")] for c in part["clips"]])
        lines.append("")
    if report.get("thresholds"):
        from hingecoach.evaluation.thresholds import render_thresholds

        lines += render_thresholds(report["thresholds"]) + [""]
    if report.get("calibration"):
        from hingecoach.evaluation.calibration_set import render_calibration

        lines += render_calibration(report["calibration"])
    if "neutral_sets" in report or "bench_neutral_sets" in report:
        from hingecoach.evaluation.neutral_sets import render_neutral_sets

        lines += render_neutral_sets(report.get("neutral_sets") or {"pairs": []}, report.get("bench_neutral_sets"))
    if "plates" in report:
        from hingecoach.evaluation.plates import render_plates

        lines += render_plates(report["plates"])
    if report.get("sources"):
        lines += ["## Other pose sources (keypoint files; good or bad as their source says)", "",
                  "Single lifts tracked by other pose models (bichraix: COCO-17, no feet; Kinect: 3D,",
                  "seen from its own side). Their sources give no reason for \"bad\", so a fault on a bad",
                  "lift is counted, not scored. Some of bichraix's tracks hold only part of a lift (a descent",
                  "that stops at the bottom, or no movement), where no rep is the right count.", ""]
        lines += _table(["source", "lifts", "counted as one rep", "good with a coached fault",
                         "bad with a coached fault", "faults (label:fault count)"],
                        [[name, r["files"], r["one_rep"], f"{len(r['good_faulted'])} of {r['good']}",
                          f"{r['bad_faulted']} of {r['bad']}",
                          ", ".join(f"{k} {v}" for k, v in r["faults"].items()) or "–"]
                         for name, r in report["sources"].items()])
        faulted = [g for r in report["sources"].values() for g in r["good_faulted"]]
        if faulted:
            lines += ["", "Good lifts with a coached fault: " + "; ".join(faulted)]
        lines.append("")
    return "\n".join(lines) + "\n"
