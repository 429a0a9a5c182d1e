"""Track readers and writers: the project's format, OpenPose, COCO-17 CSV, BlazePose JSON,
.trc/.mot — on generated tracks, and on the real files in ../shared/data when present."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement
from hingecoach.core.track.pose_track import PoseTrack
from hingecoach.core.track.skeletons import OPENPOSE25
from hingecoach.errors import HingeError
from hingecoach.io.keypoint_files import read_track, write_mot, write_trc


def test_native_round_trip(tmp_path):
    tr = fake_hinge_track(gap_frames=3)
    back = PoseTrack.load(tr.save(tmp_path / "t.npz"))
    assert back.keypoints == tr.keypoints and back.fps == tr.fps and back.image_size == tr.image_size
    np.testing.assert_allclose(back.xy, tr.xy, rtol=1e-5)
    assert back.attrs["backend"] == "fake"


def test_openpose_folder_follows_the_main_person(tmp_path):
    tr = fake_hinge_track(hinge_movement(n_reps=2))
    std = tr.standardized()
    for t in range(tr.n_frames):
        kp = np.zeros((25, 3))
        for i, name in enumerate(OPENPOSE25):
            if name in std.keypoints:
                kp[i, :2] = std.xy[t, std.keypoints.index(name)]
                kp[i, 2] = 0.9
        small = kp.copy()
        small[:, :2] = small[:, :2] * 0.3 + 5  # a smaller person in the background
        people = [{"pose_keypoints_2d": small.ravel().tolist()}, {"pose_keypoints_2d": kp.ravel().tolist()}]
        (tmp_path / f"clip_{t:06d}_keypoints.json").write_text(json.dumps({"people": people}))
    got = read_track(tmp_path, fps=30.0)
    assert got.attrs["skeleton"] == "openpose25"
    assert any("2 people" in w for w in got.attrs["warnings"])
    analysis, _ = analyze_track(got)
    assert len(analysis.reps) == 2


def _coco_csv(path, movement):
    """Write a generated movement as a COCO-17 keypoint CSV."""
    tr = fake_hinge_track(movement).standardized()
    names = tr.keypoints[:17]
    header = ["frame_id"] + [f"{n}_{c}" for n in names for c in "xy"]
    lines = [",".join(header)]
    for t in range(tr.n_frames):
        vals = [str(t)] + [f"{v:.1f}" for n in names for v in tr.xy[t, tr.keypoints.index(n)]]
        lines.append(",".join(vals))
    path.write_text("\n".join(lines))
    return path


def test_coco_csv_and_missing_fps_warns(tmp_path):
    path = _coco_csv(tmp_path / "joints.csv", hinge_movement(n_reps=2))
    got = read_track(path)
    assert got.fps == 30.0 and any("--fps" in w for w in got.attrs["warnings"])
    assert len(analyze_track(got)[0].reps) == 2


@pytest.mark.parametrize("content, message", [
    ("", "empty"),
    ("not,a,keypoint,file\n1,2,3,4\n", "COCO-17"),
    ("action,subject,trial,frame,skeleton_joint,x,y,z\n1,0,0,0,99,0.1,0.2,3\n", "joints 1-16"),
    ("action,subject,trial,frame\n1,0,0,0\n", "Kinect skeleton CSV"),
    ("action,subject,trial,frame,skeleton_joint,x,y,z\n1,0,0,0,1,0,0,0\n1,0,0,0,4,a,b,c\n", "no tracked joint"),
])
def test_bad_keypoint_files(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(HingeError, match=message):
        read_track(path)


def test_bad_json(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(HingeError, match="not valid JSON"):
        read_track(path)


def test_trc_and_mot_are_well_formed(tmp_path):
    tr = fake_hinge_track(hinge_movement(n_reps=1)).standardized()
    trc = write_trc(tr, tmp_path / "m.trc").read_text().splitlines()
    assert trc[0].startswith("PathFileType\t4")
    rate, _, frames, markers = trc[2].split("\t")[:4]
    assert float(rate) == 30.0 and int(frames) == tr.n_frames and int(markers) == len(tr.keypoints)
    assert len(trc) == 6 + tr.n_frames
    first = trc[6].split("\t")
    assert len(first) == 2 + 3 * len(tr.keypoints)
    mot = write_mot(tr.timestamps_s, {"hip_flexion": np.zeros(tr.n_frames)}, tmp_path / "a.mot").read_text()
    head, body = mot.split("endheader\n")
    assert f"nRows={tr.n_frames}" in head and "inDegrees=yes" in head
    assert body.splitlines()[0] == "time\thip_flexion"


def test_real_blazepose_json_swing(shared_data):
    path = shared_data / "keypoints/swing-analyzer-kbswing/swing-sample-4reps.posetrack.json"
    tr = read_track(path)
    assert tr.fps == 30 and tr.n_frames == 165 and tr.image_size == (1920, 1080)
    truth = json.loads((path.parent / "swing-sample-4reps.groundtruth.json").read_text())
    bottoms = [a["frame_index"] for a in truth["annotations"] if a["position"] == "bottom"]
    analysis, _ = analyze_track(tr)
    # "4reps": four swings; the ground truth marks each bottom (the clip ends just as the
    # fourth swing returns to the top, so its last top is not annotated).
    assert len(analysis.reps) == len(bottoms) == 4
    for rep, bottom in zip(analysis.reps, bottoms, strict=True):
        assert abs(rep.bottom_frame - bottom) <= 4


def test_real_coco17_csv(shared_data):
    tr = read_track(shared_data / "keypoints/bichraix-coco17/good001_joints_new.csv", fps=30.0)
    assert tr.keypoints[0] == "nose" and tr.n_frames > 10
    analysis, _ = analyze_track(tr)
    assert analysis.view["label"] in {"side", "oblique", "front"}


def test_trc_of_a_clip_with_frames_where_nobody_is_seen(tmp_path):
    # Frames with no person (NaN everywhere) neither warn nor change the scale.
    tr = fake_hinge_track(hinge_movement(n_reps=1)).standardized()
    xy = tr.xy.copy()
    xy[:5] = np.nan
    gappy = tr.with_step("test", xy=xy, confidence=np.where(np.isnan(xy[..., 0]), 0.0, tr.confidence))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rows = write_trc(gappy, tmp_path / "g.trc").read_text().splitlines()
    full = write_trc(tr, tmp_path / "f.trc").read_text().splitlines()
    assert rows[-1] == full[-1]


def _kinect_csv(path, points):
    """Write 3D points (T, 16, 3; metres, y up) as a Kinect skeleton CSV."""
    rows = ["action,subject,trial,frame,skeleton_joint,x,y,z"]
    for t, frame in enumerate(points):
        rows += [f"1.0, 0, 0, {t}, {j + 1},{x:.5f}, {y:.5f}, {z:.5f}" for j, (x, y, z) in enumerate(frame)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_kinect_skeletons_are_seen_from_their_own_side(tmp_path):
    # A generated hinge in 3D, turned 40° from the Kinect's axis and shifted 3 m away: the track is
    # the exact side view, so the hip angle peaks at the commanded depth.
    from hingecoach.core.track.fakes import Body, body_3d
    from hingecoach.core.track.skeletons import JOINTS, KINECT16

    move = hinge_movement(n_reps=2, knee_deg=18, depth_deg=85)
    p = body_3d(move, Body())                       # forward, up, lateral (JOINTS layout)
    a = np.radians(40.0)
    xyz = np.stack([p[..., 0] * np.cos(a) + p[..., 2] * np.sin(a), p[..., 1],
                    3.0 - p[..., 0] * np.sin(a) + p[..., 2] * np.cos(a)], axis=-1)
    j = {n: xyz[:, JOINTS.index(n)] for n in JOINTS}
    mid = lambda n: (j[f"left_{n}"] + j[f"right_{n}"]) / 2  # noqa: E731
    named = dict(j, head=j["nose"], shoulder_center=mid("shoulder"), hip_center=mid("hip"),
                 spine=(mid("shoulder") + mid("hip")) / 2)
    path = _kinect_csv(tmp_path / "a1_s0_t0_skeleton.csv", np.stack([named[n] for n in KINECT16], axis=1))
    tr = read_track(path)
    assert tr.attrs["skeleton"] == "kinect16" and tr.n_frames == len(move.hip_flexion_deg)
    analysis, _ = analyze_track(tr)
    assert len(analysis.reps) == 2 and analysis.view["label"] == "side"
    for rep in analysis.reps:
        assert rep.metrics["hip_flexion_peak_deg"] == pytest.approx(85.0, abs=3.0)


def test_real_kinect_deadlifts(shared_data):
    # philip-g-mak's Kinect deadlifts: a1 good form, a11 bad (its source's labels). One lift each;
    # at most one good lift gets a coached fault.
    from hingecoach.core.coach.coaching import coach_analysis

    files = sorted((shared_data / "keypoints" / "kinect-deadlift-goodbad").glob("a*_skeleton.csv"))
    assert len(files) == 20
    faulted_good = []
    for path in files:
        analysis, tf = analyze_track(read_track(path))
        assert len(analysis.reps) == 1, path.name
        coach_analysis(analysis, tf)
        if path.name.startswith("a1_") and any(r.faults for r in analysis.reps):
            faulted_good.append(path.name)
    assert len(faulted_good) <= 1, faulted_good


def test_eval_counts_faults_on_the_good_and_bad_lifts_of_other_sources(tmp_path):
    from hingecoach.evaluation.scoring import evaluate_sources, render_markdown

    folder = tmp_path / "bichraix-coco17"
    folder.mkdir()
    rdl = dict(n_reps=1, knee_deg=18, depth_deg=85)
    _coco_csv(folder / "good001_joints_new.csv", hinge_movement(**rdl))
    _coco_csv(folder / "good002_joints_new.csv", hinge_movement(**rdl))
    _coco_csv(folder / "bad001_joints_new.csv", hinge_movement(**dict(rdl, lockout_deg=-25)))
    got = evaluate_sources(tmp_path)["bichraix-coco17"]
    assert (got["files"], got["good"], got["bad"], got["one_rep"]) == (3, 2, 1, 3)
    assert got["good_faulted"] == [] and got["bad_faulted"] == 1
    assert got["faults"] == {"bad:lockout_hyperextension": 1}
    assert "| bichraix-coco17 | 3 | 3 | 0 of 2 | 1 of 1 |" in render_markdown({"sources": {"bichraix-coco17": got}})
