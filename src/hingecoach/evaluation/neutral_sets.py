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

from hingecoach.core.coach.coaching import coach_analysis
from hingecoach.core.faults.reference import NeutralReference, reference_from_metrics
from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.settings import load_settings
from hingecoach.errors import HingeError
from hingecoach.evaluation.clips import cached_track, read_labels, set_faults


def _coached(path: Path, cache: Path | None, reference: NeutralReference | None) -> dict[str, Any]:
    analysis, tf = analyze_track(cached_track(path, cache))
    coach_analysis(analysis, tf, reference=reference)
    return analysis.to_dict()


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
            reference = reference_from_metrics([r["metrics"] for r in ref_doc["reps"]],
                                               (ref_doc.get("drill") or {}).get("id"), {"path": ref_row["clip"]})
            for row in rows:
                if row is ref_row or row.get("exercise") != ref_row.get("exercise"):
                    continue
                try:
                    packaged = set_faults(_coached(clips_root / row["clip"], cache, None))
                    against_doc = _coached(clips_root / row["clip"], cache, reference)
                except HingeError:
                    continue
                pairs.append({"reference": ref_row["clip"], "clip": row["clip"], "faults_true": sorted(_truth(row)),
                              "packaged": packaged, "against_neutral_set": set_faults(against_doc),
                              "drill": (against_doc.get("drill") or {}).get("id")})
                if log:
                    log(f"{row['clip']} against {ref_row['clip']}: {pairs[-1]['against_neutral_set'] or '-'}"
                        f" (packaged {packaged or '-'}; true {sorted(_truth(row)) or '-'})")
    return {"pairs": pairs, "strict": {mode: _strict(pairs, mode) for mode in ("packaged", "against_neutral_set")}}


def _strict(pairs: list[dict[str, Any]], mode: str) -> dict[str, int]:
    tp = fp = fn = 0
    for p in pairs:
        truth = set(p["faults_true"]) - {"unspecified"}
        found = set(p[mode])
        tp += len(truth & found)
        fp += len(found - truth) if "unspecified" not in p["faults_true"] else 0
        fn += len(truth - found)
    return {"tp": tp, "fp": fp, "fn": fn}


def render_neutral_sets(part: dict[str, Any]) -> list[str]:
    """The markdown section for docs/accuracy.md."""
    lines = ["## Real clips against the lifter's neutral set", "",
             "Each labelled good-form clip of three reps or more stands for the neutral set a coach would log "
             "(`hinge analyze --log NAME --neutral`); the other clips of its folder and exercise are coached against it and, "
             "beside that, as packaged. Set-level faults (half the reps or more); a clip labelled `unspecified` "
             "adds no false positive.", ""]
    if not part["pairs"]:
        return [*lines, "No labelled good-form clip has enough reps to be a neutral set.", ""]
    lines += ["| neutral set | clip | label | packaged | against the neutral set |", "|---|---|---|---|---|"]
    for p in part["pairs"]:
        lines.append(f"| {p['reference']} | {p['clip']} | {', '.join(p['faults_true']) or 'good'} | "
                     f"{', '.join(p['packaged']) or '–'} | {', '.join(p['against_neutral_set']) or '–'} |")
    s = part["strict"]
    lines += ["", "Strict counts, packaged → against the neutral set: found "
              f"{s['packaged']['tp']} → {s['against_neutral_set']['tp']}, false {s['packaged']['fp']} → "
              f"{s['against_neutral_set']['fp']}, missed {s['packaged']['fn']} → {s['against_neutral_set']['fn']} "
              "(rounded back is not coached, so a label with it counts as missed in both).", ""]
    return lines
