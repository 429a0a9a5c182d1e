"""The labelled clips against the lifter's neutral set: a good-form clip of enough reps is the
reference for the other clips of its folder and exercise, scored beside the packaged thresholds."""

from __future__ import annotations

from pathlib import Path

from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement
from hingecoach.evaluation.neutral_sets import evaluate_neutral_sets, render_neutral_sets


def _set(path: Path, seed: int, reps: int = 4, **knobs: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fake_hinge_track(hinge_movement(n_reps=reps, knee_deg=20.0, depth_deg=80.0, **knobs), noise_px=1.5,
                     seed=seed).save(path)


def test_a_subtle_squat_is_found_against_the_folders_neutral_set_and_not_as_packaged(tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    _set(clips / "lifter" / "neutral.npz", seed=3)
    _set(clips / "lifter" / "squat.npz", seed=11, knee_extra_deg=25.0)
    _set(clips / "lifter" / "short.npz", seed=5, reps=2)        # good, but too few reps to be a reference
    _set(clips / "other" / "squat.npz", seed=13, knee_extra_deg=25.0)   # another folder: never paired
    labels = tmp_path / "labels.csv"
    labels.write_text("clip,exercise,view,persons,reps,reps_tol,faults,notes\n"
                      "lifter/neutral.npz,romanian_deadlift,side,1,4,0,,\n"
                      "lifter/squat.npz,romanian_deadlift,side,1,4,0,knee_dominant,\n"
                      "lifter/short.npz,romanian_deadlift,side,1,2,0,,\n"
                      "lifter/missing.npz,romanian_deadlift,side,1,4,0,,\n"
                      "other/squat.npz,romanian_deadlift,side,1,4,0,knee_dominant,\n")
    part = evaluate_neutral_sets(labels, clips, cache=None)
    pairs = {(p["reference"], p["clip"]): p for p in part["pairs"]}
    assert set(pairs) == {("lifter/neutral.npz", "lifter/squat.npz"), ("lifter/neutral.npz", "lifter/short.npz")}
    squat = pairs[("lifter/neutral.npz", "lifter/squat.npz")]
    assert "knee_dominant" not in squat["packaged"] and "knee_dominant" in squat["against_neutral_set"]
    assert pairs[("lifter/neutral.npz", "lifter/short.npz")]["against_neutral_set"] == []
    assert part["strict"]["against_neutral_set"] == {"tp": 1, "fp": 0, "fn": 0}
    assert part["strict"]["packaged"]["fn"] == 1
    row = next(line for line in render_neutral_sets(part) if line.startswith("| lifter/neutral.npz | lifter/squat.npz |"))
    assert row.endswith("| knee_dominant |") and "| knee_dominant |" in row[:-len("| knee_dominant |")]


def test_the_bench_pairs_each_good_side_clip_with_the_other_side_clips_of_its_body_and_drill(tmp_path: Path) -> None:
    import json

    from hingecoach.evaluation.neutral_sets import evaluate_bench_neutral_sets

    def clip(name: str, body: str, seed: int, faults: list[str], view: str = "side", **knobs: float) -> None:
        _set(tmp_path / f"{name}.npz", seed=seed, **knobs)
        (tmp_path / f"{name}.gt.json").write_text(json.dumps({
            "video": f"{name}.npz", "drill": "romanian_deadlift", "view": view, "scenario": {"body": body},
            "faults": [{"id": f, "reps": [1]} for f in faults]}))

    clip("good", "ana", 3, [])
    clip("squat", "ana", 11, ["knee_dominant"], knee_extra_deg=25.0)
    clip("front", "ana", 5, [], view="front")            # not a side view: never paired
    clip("other", "bo", 13, ["knee_dominant"], knee_extra_deg=25.0)   # another body
    part = evaluate_bench_neutral_sets(tmp_path, cache=None)
    assert [(p["reference"], p["clip"]) for p in part["pairs"]] == [("good.npz", "squat.npz")]
    assert "knee_dominant" in part["pairs"][0]["against_neutral_set"]
    assert part["strict"]["against_neutral_set"]["tp"] == 1
    lines = render_neutral_sets({"pairs": []}, part)
    assert "No labelled good-form clip has enough reps to be a neutral set." in lines
    assert any(line.startswith("| good.npz | squat.npz | knee_dominant |") for line in lines)
