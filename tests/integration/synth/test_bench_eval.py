"""`hinge eval` on a piece of the synthetic bench: the report carries the silhouette's
back-flexion error per view, and docs/accuracy.md shows it."""

from __future__ import annotations

from pathlib import Path

from hingecoach.core.drills import get_drill
from hingecoach.evaluation.scoring import evaluate_bench, render_markdown

ROOT = Path(__file__).resolve().parents[3]
BENCH = ROOT / "bench" / "clips"
CACHE = ROOT / ".cache" / "tracks"


def test_back_flexion_error_per_view(tmp_path):
    for name in ("rdl_good_side", "rdl_rounded_back_side"):
        for ext in (".mp4", ".gt.json"):
            (tmp_path / f"{name}{ext}").symlink_to(BENCH / f"{name}{ext}")
    part = evaluate_bench(tmp_path, CACHE)
    side = part["back"]["side"]
    assert side["reps"] == 6 and side["no_reading"] == 0
    assert set(side["mean_estimate_by_truth"]) == {"0", "35"}
    # The threshold the ladder uses separates the neutral reps from the rounded ones.
    threshold = next(s.threshold for s in get_drill("romanian_deadlift").faults if s.id == "rounded_back")
    assert side["neutral_max_deg"] < threshold < side["flexed_min_deg"]
    assert side["mae_deg"] < 10
    md = render_markdown({"bench": part})
    assert "### Back flexion from the silhouette" in md
    assert "| side | 6 | 0 |" in md


def test_a_broken_ground_truth_file_is_a_clear_error(tmp_path):
    import pytest

    from hingecoach.errors import HingeError

    (tmp_path / "x.gt.json").write_text("{")
    with pytest.raises(HingeError, match="not a readable ground-truth file"):
        evaluate_bench(tmp_path, CACHE)
    (tmp_path / "x.gt.json").write_text("[1]")
    with pytest.raises(HingeError, match="no 'video' entry"):
        evaluate_bench(tmp_path, CACHE)
