"""``hinge eval``'s strict fault scoring and out-of-sample section, on hand-made clips: a coached
fault the label lacks is a false positive, on `unspecified` clips too; good-form clips are
counted under the packaged, the refitted and the leave-one-source-out thresholds."""

from __future__ import annotations

from hingecoach.core.drills import get_drill
from hingecoach.evaluation.fault_scores import ClipScores
from hingecoach.evaluation.scoring import _lenient_micro, _strict_fault_stats, render_markdown
from hingecoach.evaluation.thresholds import ClipRecord, evaluate_thresholds, render_thresholds, source_of


def item(clip, true, found):
    return {"clip": clip, "faults_true": true, "faults_found": found}


def test_strict_counts_every_coached_fault_the_label_lacks():
    items = [item("a/bad.mp4", ["unspecified"], ["bar_drift", "knee_rebend"]),
             item("b/drift.mp4", ["bar_drift"], ["bar_drift"]),
             item("b/squat.mp4", ["knee_dominant"], []),
             item("c/round.mp4", ["rounded_back"], ["knees_forward"])]
    strict = _strict_fault_stats(items, coached={"bar_drift", "knee_rebend", "knees_forward", "knee_dominant"})
    rows = strict["faults"]
    assert rows["bar_drift"]["fp_clips"] == ["a/bad.mp4"] and rows["bar_drift"]["tp"] == 1
    assert rows["knees_forward"]["fp"] == 1 and rows["knee_dominant"]["fn"] == 1
    assert not rows["rounded_back"]["coached"] and "unspecified" not in rows
    # Coached: TP 1, FP 3 (bar_drift, knee_rebend, knees_forward), FN 1; rounded_back not counted.
    assert (strict["micro"]["tp"], strict["micro"]["fp"], strict["micro"]["fn"]) == (1, 3, 1)
    assert strict["micro"]["f1"] == round(2 / 6, 3)
    lenient = {"bar_drift": {"tp": 1, "fp": 0, "fn": 0}, "rounded_back": {"tp": 0, "fp": 0, "fn": 1}}
    assert _lenient_micro(lenient, {"bar_drift"})["f1"] == 1.0


def scored(drill: str, scores: dict[str, float], packaged: list[str]) -> ClipScores:
    specs = {s.id: s for s in get_drill(drill).faults if s.id in scores}
    return ClipScores(drill=drill, view="side", reps=1, share=0.5, scores=scores, packaged=packaged, specs=specs)


def test_out_of_sample_section_from_hand_made_scores():
    bd = "barbell_deadlift"
    real = [
        ClipRecord("a/drift.mp4", "a", {"bar_drift"}, scored(bd, {"bar_drift": 0.02}, ["bar_drift"])),
        ClipRecord("a/good.mp4", "a", set(), scored(bd, {"bar_drift": -0.1}, [])),
        ClipRecord("b/bad.mp4", "b", set(), scored(bd, {"bar_drift": 0.01}, ["bar_drift"]), unspecified=True),
        ClipRecord("b/good.mp4", "b", set(), scored(bd, {"bar_drift": 0.005}, ["bar_drift"])),
    ]
    bench = [ClipRecord("rdl_drift", "bench", {"bar_drift"}, scored("romanian_deadlift", {"bar_drift": 0.3}, ["bar_drift"])),
             ClipRecord("rdl_good", "bench", set(), scored("romanian_deadlift", {"bar_drift": -0.1}, []))]
    th = evaluate_thresholds(real, bench)
    rule = th["rules"]["bar_drift"]
    assert rule["packaged_thresholds"] == [0.18] and th["consistency"]["mismatches"] == []
    # Packaged: fires on all but a/good: TP 1, FP 2 (the unspecified clip is a negative).
    assert (rule["in_sample_packaged"]["tp"], rule["in_sample_packaged"]["fp"]) == (1, 2)
    # Without a: the bench and b; F1 is best between b/bad (0.01) and the bench's drift (0.3),
    # whose only candidate is the midpoint 0.155: a/drift (0.02) is missed. Without b: the bench
    # and a; the packaged 0 separates them, and both b clips (0.01, 0.005) are false positives.
    folds = rule["loso"]["folds"]
    assert folds["a"]["offset"] == 0.155 and folds["a"]["fn"] == 1
    assert folds["b"]["offset"] == 0.0 and folds["b"]["fp"] == 2
    assert th["good_form"]["clips"] == 2
    assert th["good_form"]["packaged"] == ["b/good.mp4"] and th["good_form"]["loso"] == ["b/good.mp4"]
    md = "\n".join(render_thresholds(th))
    assert "| bar_drift | 1 | 4 | in-sample, packaged | 0.18 | 1 | 2 | 0 |" in md
    assert "without a" in md and "### Threshold sweep on the synthetic bench" in md
    assert "## Fault thresholds out of sample" in render_markdown({"thresholds": th})


def test_a_clips_source_is_the_first_folder_of_its_path():
    assert source_of("tby66-kbdl-faults/0016c_1.mp4") == "tby66-kbdl-faults"
