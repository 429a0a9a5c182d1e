"""Small valid keypoint files of every format the readers take, built from a generated hinge (so
the tests need no data), for the reader-validation and mutation tests of this folder.

The session fixture ``valid_samples`` maps each format to ``{relative path: bytes}``: one file,
or for OpenPose a folder of per-frame files; ``sample_writer`` (:func:`write_sample`) writes one
out.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pytest

from hingecoach.core.track.fakes import Body, body_3d, fake_hinge_track, hinge_movement
from hingecoach.core.track.pose_track import PoseTrack
from hingecoach.core.track.skeletons import BLAZEPOSE33, COCO17, JOINTS, KINECT16, OPENPOSE25

#: Frames of each sample (a whole rep, sampled sparsely: enough to be a hinge, small to parse).
FRAMES = 12


def _movement():
    return hinge_movement(n_reps=1, knee_deg=18, depth_deg=85)


def _frames(n: int) -> np.ndarray:
    return np.linspace(0, n - 1, FRAMES).round().astype(int)


def sample_track() -> PoseTrack:
    """A short generated hinge in the project's joints, with world positions and profiles."""
    full = fake_hinge_track(_movement())
    keep = _frames(full.n_frames)
    rng = np.random.default_rng(0)
    return PoseTrack(xy=full.xy[keep], confidence=full.confidence[keep], fps=full.fps, keypoints=full.keypoints,
                     timestamps_s=full.timestamps_s[keep], image_size=full.image_size,
                     world=rng.normal(0, 0.5, (FRAMES, len(JOINTS), 3)),
                     profiles=rng.normal(300, 20, (FRAMES, 6, 2)), attrs=dict(full.attrs, warnings=[]))


def npz_bytes(track: PoseTrack) -> bytes:
    with tempfile.TemporaryDirectory() as d:
        return track.save(Path(d) / "t.npz").read_bytes()


def blazepose_doc(track: PoseTrack) -> dict:
    frames = []
    for t in range(track.n_frames):
        kps = []
        for name in BLAZEPOSE33:
            x, y = track.joint(name)[t] if name in track.keypoints else (np.nan, np.nan)
            if np.isnan(x):
                kps.append({"x": None, "y": None, "z": 0.0, "score": 0.0, "name": name})
            else:
                kps.append({"x": round(float(x), 2), "y": round(float(y), 2), "z": -0.01, "score": 0.98,
                            "name": name})
        frames.append({"frameIndex": t, "videoTime": round(t / track.fps, 4), "keypoints": kps})
    return {"metadata": {"model": "blazepose", "fps": track.fps, "videoWidth": 640, "videoHeight": 480},
            "frames": frames}


def coco_text(track: PoseTrack) -> str:
    header = ["frame_id"] + [f"{n}_{c}" for n in COCO17 for c in "xy"]
    lines = [",".join(header)]
    for t in range(track.n_frames):
        vals = [str(t)]
        for n in COCO17:
            x, y = track.joint(n)[t]
            vals += ["", ""] if (n == "left_eye" and t % 3 == 0) else [f"{x:.1f}", f"{y:.1f}"]
        lines.append(",".join(vals))
    return "\n".join(lines) + "\n"


def openpose_docs(track: PoseTrack) -> list[dict]:
    docs = []
    for t in range(track.n_frames):
        kp = np.zeros((25, 3))
        for i, name in enumerate(OPENPOSE25):
            if name in track.keypoints:
                kp[i, :2] = track.joint(name)[t]
                kp[i, 2] = 0.9
        small = kp.copy()
        small[:, :2] = small[:, :2] * 0.3 + 5
        docs.append({"version": 1.3, "people": [{"person_id": [-1], "pose_keypoints_2d": small.ravel().round(2).tolist()},
                                                {"person_id": [-1], "pose_keypoints_2d": kp.ravel().round(2).tolist()}]})
    return docs


def kinect_points() -> np.ndarray:
    """The generated hinge in 3D as Kinect's 16 joints (metres, y up), turned 40° from the sensor."""
    move = _movement()
    p = body_3d(move, Body())[_frames(len(move.hip_flexion_deg))]
    a = np.radians(40.0)
    xyz = np.stack([p[..., 0] * np.cos(a) + p[..., 2] * np.sin(a), p[..., 1],
                    3.0 - p[..., 0] * np.sin(a) + p[..., 2] * np.cos(a)], axis=-1)
    j = {n: xyz[:, JOINTS.index(n)] for n in JOINTS}

    def mid(n: str) -> np.ndarray:
        return (j[f"left_{n}"] + j[f"right_{n}"]) / 2

    named = dict(j, head=j["nose"], shoulder_center=mid("shoulder"), hip_center=mid("hip"),
                 spine=(mid("shoulder") + mid("hip")) / 2)
    return np.stack([named[n] for n in KINECT16], axis=1)


def kinect_text(points: np.ndarray) -> str:
    rows = ["action,subject,trial,frame,skeleton_joint,x,y,z"]
    for t, frame in enumerate(points):
        rows += [f"1.0, 0, 0, {t}, {j + 1},{x:.5f}, {y:.5f}, {z:.5f}" for j, (x, y, z) in enumerate(frame)]
    return "\n".join(rows) + "\n"


def build_samples() -> dict[str, dict[str, bytes]]:
    track = sample_track()
    return {
        "native": {"track.npz": npz_bytes(track)},
        "blazepose-json": {"pose.json": json.dumps(blazepose_doc(track)).encode()},
        "coco-csv": {"joints.csv": coco_text(track).encode()},
        "openpose": {f"clip/clip_{t:06d}_keypoints.json": json.dumps(d).encode()
                     for t, d in enumerate(openpose_docs(track)[:4])},
        "kinect-csv": {"a1_s0_t0_skeleton.csv": kinect_text(kinect_points()).encode()},
    }


def write_sample(files: dict[str, bytes], root: Path) -> Path:
    """Write a sample's files under ``root``; the path to read (the file, or the OpenPose folder)."""
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    first = Path(next(iter(files)))
    return root / first.parts[0]


@pytest.fixture(scope="session")
def valid_samples() -> dict[str, dict[str, bytes]]:
    """Each format's small valid sample: ``{relative path: bytes}``."""
    return build_samples()


@pytest.fixture(scope="session")
def sample_writer():
    """:func:`write_sample` (test modules cannot import this conftest by name)."""
    return write_sample
