"""``hinge eval``'s out-of-sample figures for the fault rules: threshold sweeps (ROC) on the
labelled real clips and on the synthetic bench, thresholds fitted leave-one-source-out, and
good-form clips with a coached fault under each.

Each clip is analysed once with the drill it is labelled with (the bench's ground-truth drill;
recognition kept out) and scored per rule (:mod:`hingecoach.evaluation.fault_scores`); the
statistics are :mod:`hingecoach.evaluation.loso`'s. A rule is fitted as one offset from the
packaged thresholds of every drill that rates it (most rules have one threshold everywhere;
``hips_rise_first``, ``knee_dominant`` and ``knees_forward`` have a stricter one in the ladder's
drills), so the bench's clips (ladder drills) and the real ones (deadlift family) inform one
fit. The sources of the real clips are the first folder of their paths.

Truth is strict: a clip has a fault only when its label names it; a clip its source calls bad
without a reason (``unspecified``) is a negative for every fault.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hingecoach.core.drills import FaultSpec, load_drills
from hingecoach.core.faults.detectors import inclusive
from hingecoach.evaluation.fault_scores import ClipScores, clip_scores, threshold_at
from hingecoach.evaluation.loso import (
    BENCH,
    Counts,
    Operating,
    Scored,
    auc,
    confusion,
    envelope,
    fires,
    fit_threshold,
    leave_one_source_out,
    sweep,
)

Log = Callable[[str], None] | None

#: What a rule's threshold is fitted for (:func:`hingecoach.evaluation.loso.fit_threshold`).
OBJECTIVE = "f1"
OBJECTIVE_NAMES = {"f1": "F1", "youden": "Youden's J (TPR − FPR)"}


@dataclass
class ClipRecord:
    """One clip: where it comes from, the faults its label names, its rule scores."""

    clip: str
    source: str
    truth: set[str]
    scores: ClipScores
    #: Called bad by its source without a reason: no fault's positive, and not good form either.
    unspecified: bool = False


def source_of(clip: str) -> str:
    """A labelled clip's source: the first folder of its path."""
    return clip.replace("\\", "/").split("/", 1)[0]


def labelled_records(labels: Path, clips_root: Path, cache: Path | None, log: Log = None) -> list[ClipRecord]:
    """Score every labelled clip that exists, with the drill it is labelled as (the set rule:
    a fault on at least half the reps)."""
    from hingecoach.evaluation.clips import cached_track, read_labels

    drills = load_drills()
    out = []
    for row in read_labels(labels):
        path = clips_root / row["clip"]
        if not path.exists():
            continue
        drill = row.get("exercise") or None
        scores = clip_scores(cached_track(path, cache), drill if drill in drills else None, share=0.5)
        named = {f for f in (row.get("faults") or "").split(";") if f}
        out.append(ClipRecord(row["clip"], source_of(row["clip"]), named - {"unspecified"}, scores,
                              unspecified="unspecified" in named))
    if log:
        log(f"scores: {len(out)} labelled clips")
    return out


def bench_records(bench: Path, cache: Path | None, log: Log = None) -> list[ClipRecord]:
    """Score every bench clip with its ground-truth drill (faults injected on chosen reps: any
    rep counts)."""
    from hingecoach.evaluation.clips import cached_track, read_ground_truth

    out = []
    for gt_path in sorted(bench.glob("*.gt.json")):
        gt = read_ground_truth(gt_path)
        video = gt_path.parent / gt["video"]
        if not video.exists():
            continue
        scores = clip_scores(cached_track(video, cache), gt.get("drill"), share=0.0)
        out.append(ClipRecord(gt_path.name.replace(".gt.json", ""), BENCH,
                              {x["id"] for x in gt.get("faults", [])}, scores))
    if log:
        log(f"scores: {len(out)} bench clips")
    return out


@dataclass
class Rule:
    """A fault rule as the packaged drills rate it: its specs by drill."""

    key: str
    specs: dict[str, FaultSpec]

    @property
    def spec(self) -> FaultSpec:
        return next(iter(self.specs.values()))

    @property
    def fault(self) -> str:
        return self.spec.id

    @property
    def coached(self) -> bool:
        return not any(s.params.get("experimental") for s in self.specs.values())

    @property
    def inclusive(self) -> bool:
        return inclusive(self.spec.detector)

    def packaged(self) -> dict[float, list[str]]:
        """Packaged threshold → the drills that use it, lowest threshold first."""
        out: dict[float, list[str]] = defaultdict(list)
        for drill, s in sorted(self.specs.items()):
            out[float(s.threshold)].append(drill)
        return dict(sorted(out.items()))

    def thresholds(self, offset: float) -> list[float]:
        """The thresholds (rule unit) an offset stands for, in the order of :meth:`packaged`."""
        by_value = {float(s.threshold): s for s in self.specs.values()}
        return [round(threshold_at(by_value[v], offset), 4) for v in self.packaged()]

    def ranges(self, low: float, high: float) -> list[tuple[float, float]]:
        """The threshold ranges (rule unit, low end first) an offset range stands for."""
        by_value = {float(s.threshold): s for s in self.specs.values()}
        out = []
        for v in self.packaged():
            a, b = threshold_at(by_value[v], low), threshold_at(by_value[v], high)
            out.append((min(a, b), max(a, b)))
        return out


def rules_of(records: Sequence[ClipRecord]) -> dict[str, Rule]:
    """Every rule some clip's drill rates, by key."""
    rules: dict[str, Rule] = {}
    for rec in records:
        for key, spec in rec.scores.specs.items():
            rules.setdefault(key, Rule(key, {}))
            rules[key].specs[rec.scores.drill or "?"] = spec
    return dict(sorted(rules.items()))


def rows_for(rule: Rule, records: Sequence[ClipRecord], faults_rated: dict[str, set[str]]) -> list[Scored]:
    """The clips that count for a rule: those whose drill rates it, and the clips whose label
    names its fault though no rule of that fault rates them (a miss at every threshold).
    Clips whose drill does not rate the fault and that do not have it are left out: they would
    add only true negatives."""
    rows = []
    for rec in records:
        if rule.key in rec.scores.scores:
            rows.append(Scored(rec.clip, rec.source, rule.fault in rec.truth, rec.scores.scores[rule.key]))
        elif rule.fault in rec.truth and rule.fault not in faults_rated.get(rec.clip, set()):
            rows.append(Scored(rec.clip, rec.source, True, -math.inf))
    return rows


def _counts(c: Counts) -> dict[str, Any]:
    return {"tp": c.tp, "fp": c.fp, "fn": c.fn, "tn": c.tn, "precision": _r(c.precision), "recall": _r(c.recall),
            "f1": _r(c.f1), "fpr": _r(c.fpr)}


def _r(x: float, nd: int = 3) -> float | None:
    return round(x, nd) if math.isfinite(x) else None


def _points(rule: Rule, points: Sequence[Operating]) -> list[dict[str, Any]]:
    return [{"offset": _r(p.threshold, 4), "thresholds": rule.thresholds(p.threshold), "packaged": p.packaged,
             "ranges": [[_r(a, 4), _r(b, 4)] for a, b in rule.ranges(p.low, p.high)],
             **_counts(p.counts)} for p in points]


def evaluate_thresholds(real: Sequence[ClipRecord], bench: Sequence[ClipRecord],
                        objective: str = OBJECTIVE, also: Sequence[str] = ("youden",)) -> dict[str, Any]:
    """ROC sweeps, in-sample and leave-one-source-out figures per rule, and good-form clips with
    a coached fault, from the scored clips (see the module docstring). ``also``: other fitting
    objectives whose leave-one-source-out summary (micro counts, good-form clips flagged) is
    reported beside, to show how much the figures owe to the choice of objective."""
    everything = [*real, *bench]
    rules = rules_of(everything)
    faults_rated = {rec.clip: {s.id for s in rec.scores.specs.values()} for rec in everything}
    sources = sorted({rec.source for rec in real})
    out_rules: dict[str, Any] = {}
    fired: dict[str, dict[str, set[str]]] = {"packaged": defaultdict(set), "fit_all": defaultdict(set),
                                             "loso": defaultdict(set)}
    for key, rule in rules.items():
        r_rows, b_rows = rows_for(rule, real, faults_rated), rows_for(rule, bench, faults_rated)
        pooled = [*r_rows, *b_rows]
        fit_all = fit_threshold(pooled, 0.0, rule.inclusive, objective)
        loso = leave_one_source_out(pooled, 0.0, rule.inclusive, objective)
        entry: dict[str, Any] = {
            "fault": rule.fault, "detector": rule.spec.detector, "unit": rule.spec.unit, "coached": rule.coached,
            "packaged": {str(v): d for v, d in rule.packaged().items()},
            "packaged_thresholds": list(rule.packaged()),
        }
        for name, rows in (("real", r_rows), ("bench", b_rows)):
            points = sweep(rows, 0.0, rule.inclusive)
            entry[name] = {"clips": len(rows), "positives": sum(r.truth for r in rows), "auc": _r(auc(rows)),
                           "sweep": _points(rule, points), "envelope": _points(rule, envelope(points))}
        entry["in_sample_packaged"] = _counts(confusion(r_rows, 0.0, rule.inclusive))
        entry["in_sample_fit"] = {"offset": _r(fit_all, 4), "thresholds": rule.thresholds(fit_all),
                                  **_counts(confusion(r_rows, fit_all, rule.inclusive))}
        entry["loso"] = {
            "folds": {f.source: {"offset": _r(f.threshold, 4), "thresholds": rule.thresholds(f.threshold),
                                 "fit_positives": f.fit_positives, "fit_negatives": f.fit_negatives,
                                 **_counts(f.counts)} for f in loso.folds},
            "pooled": _counts(loso.pooled),
        }
        offsets = [f.threshold for f in loso.folds]
        entry["loso"]["offset_spread"] = _r(max(offsets) - min(offsets), 4) if offsets else None
        out_rules[key] = entry
        if rule.coached:
            for r in r_rows:
                if fires(r.score, 0.0, rule.inclusive):
                    fired["packaged"][r.clip].add(rule.fault)
                if fires(r.score, fit_all, rule.inclusive):
                    fired["fit_all"][r.clip].add(rule.fault)
                if loso.verdicts.get(r.clip):
                    fired["loso"][r.clip].add(rule.fault)
    good = [rec.clip for rec in real if not rec.truth and not rec.unspecified]
    micro = {}
    for name in ("in_sample_packaged", "in_sample_fit"):
        micro[name] = _counts(_sum(out_rules, name))
    micro["loso"] = _counts(_sum(out_rules, "loso", "pooled"))
    alternatives = {}
    for other in also:
        alt = evaluate_thresholds(real, bench, other, also=())
        alternatives[other] = {"micro_coached": alt["micro_coached"], "good_form_loso": alt["good_form"]["loso"]}
    return {
        "objective": objective,
        "alternatives": alternatives,
        "sources": sources,
        "rules": out_rules,
        "micro_coached": micro,
        "good_form": {"clips": len(good), **{k: sorted(c for c in good if v.get(c)) for k, v in fired.items()},
                      "fired": {k: {c: sorted(v[c]) for c in good if v.get(c)} for k, v in fired.items()}},
        "consistency": _consistency(everything, rules),
        "clips": [{"clip": rec.clip, "source": rec.source, "drill": rec.scores.drill, "view": rec.scores.view,
                   "reps": rec.scores.reps, "truth": sorted(rec.truth),
                   "scores": {k: _r(v, 4) for k, v in rec.scores.scores.items()}} for rec in everything],
    }


def _sum(rules: dict[str, Any], *path: str) -> Counts:
    total = Counts()
    for entry in rules.values():
        if not entry["coached"]:
            continue
        d = entry
        for p in path:
            d = d[p]
        total = total + Counts(d["tp"], d["fp"], d["fn"], d["tn"])
    return total


def _consistency(records: Sequence[ClipRecord], rules: dict[str, Rule]) -> dict[str, Any]:
    """Whether the scores at offset 0 give the pipeline's own verdicts (same drill, same set rule)."""
    pairs, mismatches = 0, []
    for rec in records:
        for key, score in rec.scores.scores.items():
            pairs += 1
            mine = fires(score, 0.0, rules[key].inclusive)
            theirs = rules[key].fault in rec.scores.packaged
            if mine != theirs:
                mismatches.append(f"{rec.clip}: {key} (score {'fires' if mine else 'does not fire'})")
    return {"pairs": pairs, "mismatches": mismatches}


def _fmt(values: Sequence[float]) -> str:
    return " / ".join(format(round(v, 3), "g") for v in values)


def _ranges(ranges: Sequence[Sequence[float | None]]) -> str:
    def end(x: float | None, low: bool) -> str:
        return ("−∞" if low else "∞") if x is None else format(round(x, 3), "g")

    return " / ".join(f"{end(a, True)} … {end(b, False)}" for a, b in ranges)


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return lines + ["| " + " | ".join("–" if v is None else str(v) for v in r) + " |" for r in rows]


def _name(key: str, entry: dict[str, Any]) -> str:
    return key if entry["coached"] else f"{key} (experimental)"


def render_thresholds(th: dict[str, Any]) -> list[str]:
    """The markdown section of :func:`evaluate_thresholds` (for docs/accuracy.md)."""
    rules, sources = th["rules"], th["sources"]
    cons = th["consistency"]
    lines = [
        "## Fault thresholds out of sample (leave one source out)", "",
        "Each clip is analysed with the drill it is labelled as (recognition kept out) and each fault rule",
        "measured on every rep with its threshold disabled; a clip's score is the margin by which the",
        "set passes the rule (real clips: the rep at the median, as a set needs the fault on half its",
        "reps; bench: the worst rep), so one analysis gives every threshold's verdict. A rule is fitted as",
        "one shift of the packaged thresholds of every drill that rates it (thresholds are listed for each",
        "packaged value, lowest first), maximising F1 on the fitting clips, ties going to the threshold",
        "nearest the packaged one; a fitting set with no positive keeps the packaged threshold. Truth is",
        "strict: a fault counts only where the label names it (`unspecified` clips are negatives). Leave",
        f"one source out: for each of the {len(sources)} real sources, fit on the other sources' clips plus the",
        "synthetic bench, score the held-out source's clips, pool the counts. Only clips whose drill rates",
        "the rule count for it (and clips labelled with its fault that no rule of theirs rates).",
        f"The scores reproduce the pipeline's own verdicts with the labelled drill on "
        f"{cons['pairs'] - len(cons['mismatches'])} of {cons['pairs']} clip-rule pairs"
        + (f" (not on: {'; '.join(cons['mismatches'])})." if cons["mismatches"] else "."),
        "", "### Real clips: in-sample against leave-one-source-out", "",
    ]
    rows = []
    unrated = []
    for key, e in rules.items():
        if not e["real"]["clips"]:
            unrated.append(key)
            continue
        fits = (("in-sample, packaged", _fmt(e["packaged_thresholds"]), e["in_sample_packaged"]),
                ("in-sample, fitted on all", _fmt(e["in_sample_fit"]["thresholds"]), e["in_sample_fit"]),
                ("leave one source out", "per fold (below)", e["loso"]["pooled"]))
        for i, (figure, thresholds, c) in enumerate(fits):
            rows.append([_name(key, e) if i == 0 else "", e["real"]["positives"] if i == 0 else "",
                         e["real"]["clips"] if i == 0 else "", figure, thresholds,
                         c["tp"], c["fp"], c["fn"], c["precision"], c["recall"], c["f1"]])
    micro = th["micro_coached"]
    for i, (figure, name) in enumerate((("in-sample, packaged", "in_sample_packaged"),
                                        ("in-sample, fitted on all", "in_sample_fit"),
                                        ("leave one source out", "loso"))):
        c = micro[name]
        rows.append(["**coached faults, micro**" if i == 0 else "", "", "", figure, "",
                     c["tp"], c["fp"], c["fn"], c["precision"], c["recall"], c["f1"]])
    lines += _table(["fault", "positives", "clips", "figure", "threshold", "TP", "FP", "FN", "precision", "recall",
                     "F1"], rows)
    if unrated:
        lines += ["", "No real clip's drill rates " + ", ".join(f"`{k}`" for k in unrated)
                  + " (bench only; see the sweeps below)."]
    g = th["good_form"]
    lines += ["", "Good-form clips with a coached fault (labelled drill; target at most 1): "
              + "; ".join(f"{label} {len(g[name])} of {g['clips']}"
                          + (" (" + ", ".join(f"{c}: {', '.join(g['fired'][name][c])}" for c in g[name]) + ")"
                             if g[name] else "")
                          for label, name in (("in-sample, packaged", "packaged"),
                                              ("in-sample, fitted on all", "fit_all"),
                                              ("leave one source out", "loso"))) + "."]
    for other, alt in th.get("alternatives", {}).items():
        c = alt["micro_coached"]
        lines += ["", f"Fitted for {OBJECTIVE_NAMES.get(other, other)} instead of F1: leave one source "
                  f"out gives the coached faults (micro) precision {c['loso']['precision']}, recall {c['loso']['recall']}, "
                  f"F1 {c['loso']['f1']}, and {len(alt['good_form_loso'])} of {g['clips']} good-form clips flagged"
                  + (f" ({', '.join(alt['good_form_loso'])})." if alt["good_form_loso"] else ".")]
    lines += ["", "### Thresholds fitted with each source held out", "",
              "The same rule fitted without each source (and with all of them); a threshold that moves",
              "between folds is fitted to the clips it was tuned on. Spread: the largest move between folds.", ""]
    rows = []
    for key, e in rules.items():
        folds = e["loso"]["folds"]
        if not folds or (not e["real"]["positives"] and not e["bench"]["positives"]):
            continue
        rows.append([_name(key, e), e["unit"], _fmt(e["packaged_thresholds"]),
                     *[_fmt(folds[s]["thresholds"]) if s in folds else None for s in sources],
                     _fmt(e["in_sample_fit"]["thresholds"]),
                     None if e["loso"]["offset_spread"] is None else _fmt([e["loso"]["offset_spread"]])])
    lines += _table(["fault", "unit", "packaged", *[f"without {s}" for s in sources], "fitted on all", "spread"], rows)
    for name, title in (("real", "labelled real clips"), ("bench", "synthetic bench")):
        lines += ["", f"### Threshold sweep on the {title} (ROC, clip level)", "",
                  "For each number of positive clips caught, the strictest threshold that catches them (the",
                  "fewest false positives), and the packaged threshold's point, with the range of thresholds",
                  "that give the same verdicts (a narrow range is a threshold that sits between two clips).",
                  "AUC: the chance that a positive clip scores above a negative one. Every candidate",
                  f"threshold's point is in `hinge eval --json` (`thresholds.rules.<fault>.{name}.sweep`).", ""]
        rows = []
        for key, e in rules.items():
            part = e[name]
            if not part["clips"]:
                continue
            for i, p in enumerate(part["envelope"]):
                pos, neg = part["positives"], part["clips"] - part["positives"]
                note = "packaged" if p["packaged"] else ""
                if p["tp"] + p["fp"] == 0:
                    note = (note + ", " if note else "") + "fires on no clip"
                rows.append([_name(key, e) if i == 0 else "", part["auc"] if i == 0 else "", _fmt(p["thresholds"]),
                             _ranges(p["ranges"]), f"{p['tp']}/{pos}", f"{p['fp']}/{neg}", p["recall"], p["fpr"], note])
        lines += _table(["fault", "AUC", "threshold", "same verdicts from … to", "TP/positives", "FP/negatives",
                         "TPR", "FPR", ""], rows)
    return lines
