"""Integration over the real clips in ../shared/data: the whole pipeline, video → pose → reps →
faults, against our labels (skipped when ../shared/data is absent; under CI=true they fail,
tests/needs.py). Each clip's pose runs once (cached under .cache/tracks, shared with
``hinge eval``), shared by the tests below."""

from __future__ import annotations

from pathlib import Path

import pytest

from hingecoach.evaluation.scoring import evaluate_labels

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def labelled(shared_data):
    data = shared_data
    report = evaluate_labels(data / "labels.csv", data / "clips", ROOT / ".cache" / "tracks")
    return {c["clip"]: c for c in report["clips"]}, report


def test_rep_count_is_exact_on_every_side_view_clip(labelled):
    clips, _ = labelled
    side = {k: c for k, c in clips.items() if c["view"] == "side"}
    assert len(side) >= 20
    wrong = {k: (c["reps_found"], c["reps_true"]) for k, c in side.items() if not c["reps_ok"]}
    assert not wrong, wrong


def test_rep_count_from_oblique_views(labelled):
    clips, _ = labelled
    other = [c for c in clips.values() if c["view"] != "side"]
    assert other and all(c["reps_ok"] for c in other)


# Faults the pipeline finds on the labelled clips today (docs/accuracy.md lists what it misses).
FOUND = {
    "tby66-kbdl-faults/0016h_1.mp4": "hips_rise_first",
    "tby66-kbdl-faults/0016k_1.mp4": "knee_dominant",
    "bichraix-dl-faults/bad013.mp4": "lockout_hyperextension",
    "bichraix-dl-faults/bad012.mp4": "bar_drift",
}


@pytest.mark.parametrize("clip, fault", sorted(FOUND.items()))
def test_labelled_fault_is_found(labelled, clip, fault):
    clips, _ = labelled
    assert fault in clips[clip]["faults_found"]


def test_reference_good_set_is_clean(labelled):
    # The reference kettlebell set (good form, 10 reps, side view) gets no fault at all.
    clips, _ = labelled
    assert clips["tby66-kbdl-faults/0016c_1.mp4"]["faults_found"] == []


def test_no_coached_fault_on_good_form(labelled):
    _, report = labelled
    good = report["good_form"]
    assert good["clips"] >= 10
    assert good["with_false_faults"] == []


def test_no_coached_fault_on_the_good_lifts_of_another_pose_model(shared_data):
    # bichraix's own COCO-17 tracks (another pose model, no feet, no silhouette) of the lifts
    # its source calls good: none may be coached a fault.
    from hingecoach.pipeline import analyze_path

    tracks = sorted((shared_data / "keypoints" / "bichraix-coco17").glob("good*_joints_new.csv"))
    assert len(tracks) >= 15
    faulted = {}
    counted = 0
    for path in tracks:
        analysis = analyze_path(path).analysis
        counted += bool(analysis.reps)
        found = sorted({f.id for r in analysis.reps for f in r.faults})
        if found:
            faulted[path.name] = found
    assert counted >= 15 and not faulted, faulted


def test_rounded_back_against_the_lifters_neutral_set(labelled, shared_data):
    # The same lifter's good-form set as the neutral reference: the rounded set is found, the
    # hips-first and knee-dominant sets are not (docs/back.md).
    from hingecoach.evaluation.back_calibration import real_clip_rows

    data = shared_data
    rows = {r["clip"]: r for r in real_clip_rows(data / "labels.csv", data / "clips", ROOT / ".cache" / "tracks",
                                                 reference="tby66-kbdl-faults/0016c_1.mp4")}
    assert set(rows) == {f"tby66-kbdl-faults/0016{s}_1.mp4" for s in "hkr"}
    assert [rows[c]["rounded_back"] for c in sorted(rows)] == [False, False, True]
