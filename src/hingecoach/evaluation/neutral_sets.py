"""The labelled clips read against the lifter's own neutral set, beside the packaged thresholds.

A labelled good-form clip of at least ``reference_min_reps`` reps stands for the neutral set a
coach would log (``hinge analyze --log NAME --neutral``); every other clip of the same source
folder and exercise (the same lifter, camera and drill, as far as a folder says) is coached against it
(:mod:`hingecoach.core.faults.reference`) and, for comparison, as packaged. Scored strictly: a
coached fault a clip's label lacks is a false positive. Nothing here was used to choose the
relative thresholds (they come from the calibration set's fitting slice).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hingecoach.core.faults.reference import NeutralReference, reference_from_metrics
from hingecoach.core.settings import load_settings
from hingecoach.errors import HingeError
from hingecoach.evaluation.clips import _analyze, cached_track, read_ground_truth, read_labels, set_faults


def _coached(path: Path, cache: Path | None, reference: NeutralReference | None,
             drill: str | None = None) -> dict[str, Any]:
    return _analyze(cached_track(path, cache), drill, reference).analysis.to_dict()


def _reference_of(doc: dict[str, Any], name: str) -> NeutralReference:
    return reference_from_metrics([r["metrics"] for r in doc["reps"]], (doc.get("drill") or {}).get("id"), {"path": name})


def _pair(reference: str, clip: str, truth: set[str], packaged: dict[str, Any], against: dict[str, Any]) -> dict[str, Any]:
    return {"reference": reference, "clip": clip, "faults_true": sorted(truth), "packaged": set_faults(packaged),
            "against_neutral_set": set_faults(against), "drill": (against.get("drill") or {}).get("id")}


def _truth(row: dict[str, str]) -> set[str]:
    return {f for f in (row.get("faults") or "").split(";") if f}


def evaluate_neutral_sets(labels: Path, clips_root: Path, cache: Path | None,
                          log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Each labelled clip read against every good-form clip of its folder and exercise that can be
    a neutral set: per pair the set's faults as packaged and against the neutral set; strict counts of
    each (``unspecified`` labels and the not-coached faults are left out of the counts)."""
    need = load_settings().coaching.reference_min_reps
    by_folder: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in read_labels(labels):
        if (clips_root / row["clip"]).exists():
            by_folder[row["clip"].split("/")[0]].append(row)
    pairs: list[dict[str, Any]] = []
    for rows in by_folder.values():
        for ref_row in (r for r in rows if not _truth(r) and int(r["reps"]) >= need):
            try:
                ref_doc = _coached(clips_root / ref_row["clip"], cache, None)
            except HingeError:
                continue
            reference = _reference_of(ref_doc, ref_row["clip"])
            for row in rows:
                if row is ref_row or row.get("exercise") != ref_row.get("exercise"):
                    continue
                try:
                    pairs.append(_pair(ref_row["clip"], row["clip"], _truth(row),
                                       _coached(clips_root / row["clip"], cache, None),
                                       _coached(clips_root / row["clip"], cache, reference)))
                except HingeError:
                    continue
                if log:
                    log(f"{row['clip']} against {ref_row['clip']}: {pairs[-1]['against_neutral_set'] or '-'}"
                        f" (true {pairs[-1]['faults_true'] or '-'})")
    return {"pairs": pairs, "strict": _both_strict(pairs)}


def _both_strict(pairs: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    return {mode: _strict(pairs, mode) for mode in ("packaged", "against_neutral_set")}


def evaluate_bench_neutral_sets(bench: Path, cache: Path | None) -> dict[str, Any]:
    """The rendered bench (pose model included): each good-form side-view clip is the neutral set
    of the other side-view clips of its body and drill (``scenario.body``; the camera may face
    the other way or stand further), coached as the drill of its ground truth."""
    gts = {gt_path: read_ground_truth(gt_path) for gt_path in sorted(bench.glob("*.gt.json"))}
    side = {p: g for p, g in gts.items() if g.get("view") == "side" and (p.parent / g["video"]).exists()}
    pairs: list[dict[str, Any]] = []
    for ref_path, ref in side.items():
        if ref.get("faults"):
            continue
        ref_doc = _coached(ref_path.parent / ref["video"], cache, None, ref["drill"])
        reference = _reference_of(ref_doc, ref["video"])
        for path, gt in side.items():
            if path == ref_path or gt["drill"] != ref["drill"] \
                    or (gt.get("scenario") or {}).get("body") != (ref.get("scenario") or {}).get("body"):
                continue
            video = path.parent / gt["video"]
            pairs.append(_pair(ref["video"], gt["video"], {f["id"] for f in gt.get("faults", [])},
                               _coached(video, cache, None, gt["drill"]), _coached(video, cache, reference, gt["drill"])))
    return {"pairs": pairs, "strict": _both_strict(pairs)}


def _strict(pairs: list[dict[str, Any]], mode: str) -> dict[str, int]:
    tp = fp = fn = 0
    for p in pairs:
        truth = set(p["faults_true"]) - {"unspecified"}
        found = set(p[mode])
        tp += len(truth & found)
        fp += len(found - truth) if "unspecified" not in p["faults_true"] else 0
        fn += len(truth - found)
    return {"tp": tp, "fp": fp, "fn": fn}


def render_neutral_sets(part: dict[str, Any], bench: dict[str, Any] | None = None) -> list[str]:
    """The markdown section for docs/accuracy.md (real clips; the rendered bench when given)."""
    lines = ["## Real clips against the lifter's neutral set", "",
             "Each labelled good-form clip of three reps or more stands for the neutral set a coach would log "
             "(`hinge analyze --log NAME --neutral`); the other clips of its folder and exercise are coached against it and, "
             "beside that, as packaged. Set-level faults (half the reps or more); a clip labelled `unspecified` "
             "adds no false positive.", ""]
    lines += _pair_table(part) if part["pairs"] else ["No labelled good-form clip has enough reps to be a neutral set.", ""]
    if bench is not None and bench["pairs"]:
        lines += ["### The rendered bench against the body's good set", "",
                  "Each good-form side-view bench clip is the neutral set of the other side-view clips of its body and "
                  "drill (the camera may face the other way or stand further); pose model included, drill from the "
                  "ground truth.", "", *_pair_table(bench)]
    return lines


def _pair_table(part: dict[str, Any]) -> list[str]:
    lines = ["| neutral set | clip | label | packaged | against the neutral set |", "|---|---|---|---|---|"]
    for p in part["pairs"]:
        lines.append(f"| {p['reference']} | {p['clip']} | {', '.join(p['faults_true']) or 'good'} | "
                     f"{', '.join(p['packaged']) or '–'} | {', '.join(p['against_neutral_set']) or '–'} |")
    s = part["strict"]
    return [*lines, "", "Strict counts, packaged → against the neutral set: found "
            f"{s['packaged']['tp']} → {s['against_neutral_set']['tp']}, false {s['packaged']['fp']} → "
            f"{s['against_neutral_set']['fp']}, missed {s['packaged']['fn']} → {s['against_neutral_set']['fn']} "
            "(the back is read against standing here, where it is not coached: a rounded-back label counts as "
            "missed in both).", ""]
