"""The whole pipeline on the synthetic bench: every clip's rep count equals its ground truth,
and the drill is recognised on the side-view clips of the five ladder drills. Pose tracks are
cached (shared with test_bench_detection)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hingecoach.core.coach.coaching import coach_analysis
from hingecoach.core.reps.engine import analyze_track
from hingecoach.evaluation.clips import cached_track

ROOT = Path(__file__).resolve().parents[3]
BENCH = ROOT / "bench" / "clips"
CACHE = ROOT / ".cache" / "tracks"
GT = sorted(BENCH.glob("*.gt.json"))


def _analyse(gt_path: Path):
    gt = json.loads(gt_path.read_text())
    track = cached_track(gt_path.parent / gt["video"], CACHE, segmentation=False)
    analysis, tf = analyze_track(track)
    coach_analysis(analysis, tf)
    return gt, analysis


@pytest.mark.parametrize("gt_path", GT, ids=[p.name.replace(".gt.json", "") for p in GT])
def test_rep_count_matches_ground_truth(gt_path):
    gt, analysis = _analyse(gt_path)
    assert len(analysis.reps) == len(gt["reps"])
    for rep, truth in zip(analysis.reps, gt["reps"], strict=True):
        assert abs(rep.bottom_frame - truth["bottom_frame"]) <= 0.5 * gt["fps"]


GOOD_SIDE = [p for p in GT if "_good_side" in p.name]


@pytest.mark.parametrize("gt_path", GOOD_SIDE, ids=[p.name.replace(".gt.json", "") for p in GOOD_SIDE])
def test_good_form_is_recognised_and_clean(gt_path):
    gt, analysis = _analyse(gt_path)
    assert analysis.drill["id"] == gt["drill"]
    assert all(r.clean for r in analysis.reps), [[f.id for f in r.faults] for r in analysis.reps]


@pytest.mark.parametrize("gt_path", GT, ids=[p.name.replace(".gt.json", "") for p in GT])
def test_drill_is_recognised(gt_path):
    gt, analysis = _analyse(gt_path)
    assert analysis.drill["id"] == gt["drill"], analysis.drill


FAULTY = [p for p in GT if json.loads(p.read_text())["faults"]]


@pytest.mark.parametrize("gt_path", FAULTY, ids=[p.name.replace(".gt.json", "") for p in FAULTY])
def test_injected_fault_is_found_and_nothing_else(gt_path):
    # rounded_back is measured from the silhouette (not recorded in these tracks) and is
    # experimental: the coached faults are the landmark ones.
    gt, analysis = _analyse(gt_path)
    injected = {f["id"] for f in gt["faults"]} - {"rounded_back"}
    found = {f.id for r in analysis.reps for f in r.faults}
    assert found == injected


@pytest.mark.parametrize("gt_path", GT, ids=[p.name.replace(".gt.json", "") for p in GT])
def test_the_live_engine_counts_every_rep_during_the_set(gt_path):
    # Frame by frame, as a camera loop or the live page feeds it: the same reps as offline, on
    # every view and posture (on all fours the toes point back; from the front the trunk tilt is
    # the rep signal).
    from hingecoach.core.reps.engine import HingeEngine

    gt = json.loads(gt_path.read_text())
    track = cached_track(gt_path.parent / gt["video"], CACHE, segmentation=False)
    engine = HingeEngine(fps=track.fps)
    counted = 0
    for i in range(track.n_frames):
        counted += sum(e.kind == "counted" for e in engine.push_pose(track.xy[i], track.confidence[i],
                                                                     track.keypoints).events)
    assert counted == len(gt["reps"])
