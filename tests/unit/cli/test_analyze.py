"""The ``hinge`` CLI: JSON on stdout, outputs on disk, and one-line errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement
from hingecoach.io import video

HINGE = [sys.executable, "-m", "hingecoach"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HINGE, *args], capture_output=True, text=True, timeout=300)


def _write_video(path: Path, frames: int = 10, size=(64, 48), fps: int = 10) -> Path:
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = size[0], size[1], "yuv420p"
        for i in range(frames):
            img = np.full((size[1], size[0], 3), 40 + i, np.uint8)
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def _write_audio(path: Path) -> Path:
    with av.open(str(path), "w", format="mp4") as c:
        s = c.add_stream("aac", rate=16000)
        samples = np.zeros((1, 1024), np.float32)
        for _ in range(10):
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate = 16000
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


@pytest.fixture
def track_file(tmp_path):
    return fake_hinge_track(hinge_movement(n_reps=3)).save(tmp_path / "set.npz")


def test_json_is_all_stdout_prints(track_file):
    res = run("analyze", str(track_file), "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["schema_version"] == "1.0"
    assert len(doc["reps"]) == 3
    for key in ("source", "fps", "frames", "view", "drill", "reps", "warnings", "recommendation"):
        assert key in doc
    for rep in doc["reps"]:
        assert {"index", "start_s", "bottom_s", "end_s", "metrics", "faults"} <= set(rep)


def test_out_writes_analysis_track_trc_mot(track_file, tmp_path):
    out = tmp_path / "out"
    res = run("analyze", str(track_file), "--out", str(out))
    assert res.returncode == 0, res.stderr
    for name in ("analysis.json", "track.npz", "markers.trc", "angles.mot"):
        assert (out / name).stat().st_size > 0
    assert "3 reps" in res.stdout


def _truncated(tmp_path: Path) -> Path:
    good = _write_video(tmp_path / "good.mp4", frames=30)
    data = good.read_bytes()
    bad = tmp_path / "truncated.mp4"
    bad.write_bytes(data[: len(data) // 3])
    return bad


def _text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


BAD_INPUTS = [
    ("missing", lambda d: d / "nope.mp4", "no such file"),
    ("empty", lambda d: _text(d / "empty.mp4", ""), "empty"),
    ("not a video", lambda d: _text(d / "notes.mp4", "hello"), "not a video"),
    ("audio only", lambda d: _write_audio(d / "voice.m4a"), "no video stream|not a video"),
    ("truncated", _truncated, "truncated|not a video|no frame"),
    ("a folder", lambda d: d, "OpenPose|folder"),
    ("no person", lambda d: _write_video(d / "blank.mp4", frames=15), "no person found"),
    ("bad keypoints", lambda d: _text(d / "k.csv", "a,b\n1,2\n"), "COCO-17"),
]


@pytest.mark.parametrize("name, make, message", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_gives_one_line_and_nonzero_exit(tmp_path, name, make, message):
    import re

    path = make(tmp_path)
    res = run("analyze", str(path))
    assert res.returncode != 0
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error:")
    assert re.search(message, lines[0]), lines[0]
    assert "Traceback" not in res.stderr + res.stdout


def test_unknown_model_names_the_choices(track_file, tmp_path):
    clip = _write_video(tmp_path / "c.mp4", frames=5)
    res = run("analyze", str(clip), "--model", "giant")
    assert res.returncode == 2 and "lite, full, heavy" in res.stderr


def test_missing_model_says_how_to_get_it(tmp_path, monkeypatch):
    from hingecoach.errors import HingeError
    from hingecoach.pose import mediapipe_backend

    monkeypatch.setattr(mediapipe_backend, "model_path", lambda m: tmp_path / "absent.tflite")
    with pytest.raises(HingeError, match="make models"):
        mediapipe_backend.MediaPipePose("lite")


def test_huge_resolution_is_refused(tmp_path, monkeypatch):
    from hingecoach.errors import HingeError

    clip = _write_video(tmp_path / "c.mp4", frames=3)
    monkeypatch.setattr(video, "REFUSE_LONG_SIDE_PX", 32)
    with pytest.raises(HingeError, match="too large"):
        video.probe(clip)


def test_large_frames_are_downscaled(tmp_path, monkeypatch):
    clip = _write_video(tmp_path / "c.mp4", frames=3, size=(128, 96))
    monkeypatch.setattr(video, "MAX_LONG_SIDE_PX", 64)
    frames = list(video.iter_frames(video.probe(clip)))
    assert len(frames) == 3 and frames[0].rgb.shape == (48, 64, 3)


@pytest.mark.parametrize("turn, k", [(90, 1), (-90, 3), (180, 2)])
def test_phone_rotation_is_applied(tmp_path, monkeypatch, turn, k):
    # A phone stores portrait video as landscape pictures plus a display matrix: the frames
    # hingecoach analyses must be the picture as displayed (FFmpeg: a counter-clockwise turn).
    path = tmp_path / "phone.mp4"
    coded = np.zeros((48, 64, 3), np.uint8)
    coded[:16, :16] = 255  # a white block in the top-left corner of the coded picture
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        s.set_display_rotation(turn)
        for _ in range(3):
            for pkt in s.encode(av.VideoFrame.from_ndarray(coded, format="rgb24")):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    info = video.probe(path)
    shown = np.rot90(coded, k)
    assert (info.width, info.height) == (shown.shape[1], shown.shape[0])
    frames = list(video.iter_frames(info))
    assert len(frames) == 3 and frames[0].rgb.shape == shown.shape
    white = np.argwhere(frames[0].rgb[..., 0] > 128).mean(axis=0)
    assert np.allclose(white, np.argwhere(shown[..., 0] > 128).mean(axis=0), atol=2.0)
    monkeypatch.setattr(video, "MAX_LONG_SIDE_PX", 32)  # turned and downscaled together
    assert next(iter(video.iter_frames(video.probe(path)))).rgb.shape == (shown.shape[0] // 2, shown.shape[1] // 2, 3)


def test_unrotated_video_is_left_alone(tmp_path):
    info = video.probe(_write_video(tmp_path / "c.mp4", frames=2, size=(64, 48)))
    assert info.rotation_ccw_deg == 0 and (info.width, info.height) == (64, 48)


def test_zero_fps_keypoints_rejected(tmp_path):
    tr = fake_hinge_track().standardized()
    path = tmp_path / "j.csv"
    names = tr.keypoints[:17]
    rows = ["frame_id," + ",".join(f"{n}_{c}" for n in names for c in "xy")]
    rows += [f"{t}," + ",".join(f"{v:.1f}" for n in names for v in tr.xy[t, tr.keypoints.index(n)])
             for t in range(5)]
    path.write_text("\n".join(rows))
    res = run("analyze", str(path), "--fps", "0")
    assert res.returncode == 2 and "frame rate must be positive" in res.stderr


def test_front_view_and_cut_off_body_warn(tmp_path):
    front = fake_hinge_track(hinge_movement(n_reps=2), yaw_deg=90).save(tmp_path / "front.npz")
    doc = json.loads(run("analyze", str(front), "--json").stdout)
    assert doc["view"]["label"] == "front" and len(doc["reps"]) == 2
    assert any("from the front" in w for w in doc["warnings"])
    # A frame so small that the feet fall outside it.
    cut = fake_hinge_track(hinge_movement(n_reps=2), image_size=(640, 300)).save(tmp_path / "cut.npz")
    doc = json.loads(run("analyze", str(cut), "--json").stdout)
    assert any("cut off" in w for w in doc["warnings"])
