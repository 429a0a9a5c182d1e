"""Every keypoint-file reader validates at the edge: the bad inputs a tester found (and their
kin) give a one-line HingeError naming the file, the frame and the field; sizes are checked
against the documented limits before anything is allocated; non-finite positions become
missing keypoints; a body lying on its side gets a warning that reaches the analysis."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import pytest

from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.track import pose_track
from hingecoach.core.track.fakes import fake_hinge_track, quadruped_movement
from hingecoach.core.track.pose_track import MAX_FRAMES, PoseTrack
from hingecoach.errors import HingeError
from hingecoach.io import keypoint_files
from hingecoach.io.keypoint_files import SIDEWAYS_WARNING, lies_on_its_side, read_track

Files = dict[str, bytes]


# --- building bad files from the valid samples ---------------------------------------------------

def _json_file(fmt: str, change: Callable[[dict], object]) -> Callable[[dict[str, Files]], Files]:
    """The sample of ``fmt`` (its first file) with ``change`` applied to its JSON document."""
    def build(samples: dict[str, Files]) -> Files:
        files = dict(samples[fmt])
        rel = next(iter(files))
        doc = json.loads(files[rel])
        out = change(doc)
        files[rel] = out if isinstance(out, bytes) else json.dumps(doc, allow_nan=True).encode()
        return files
    return build


def _openpose_frames(change: Callable[[list[dict]], None]) -> Callable[[dict[str, Files]], Files]:
    def build(samples: dict[str, Files]) -> Files:
        files = samples["openpose"]
        docs = [json.loads(b) for b in files.values()]
        change(docs)
        return {rel: json.dumps(d, allow_nan=True).encode() for rel, d in zip(files, docs, strict=True)}
    return build


def _csv_file(fmt: str, change: Callable[[list[list[str]]], None]) -> Callable[[dict[str, Files]], Files]:
    """The CSV sample of ``fmt`` with ``change`` applied to its rows (header first)."""
    def build(samples: dict[str, Files]) -> Files:
        (rel, data), = samples[fmt].items()
        rows = [line.split(",") for line in data.decode().splitlines()]
        change(rows)
        return {rel: ("\n".join(",".join(r) for r in rows) + "\n").encode()}
    return build


def _npz_file(header: Callable[[dict], None] | None = None,
              arrays: Callable[[dict[str, np.ndarray]], None] | None = None) -> Callable[[dict[str, Files]], Files]:
    """The .npz sample with its JSON header and/or arrays changed."""
    import io
    import zipfile

    def build(samples: dict[str, Files]) -> Files:
        (rel, data), = samples["native"].items()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            arrs = {n[:-4]: np.lib.format.read_array(zf.open(n)) for n in zf.namelist()}
        if header:
            doc = json.loads(arrs["header"].tobytes())
            header(doc)
            arrs["header"] = np.frombuffer(json.dumps(doc, allow_nan=True).encode(), np.uint8)
        if arrays:
            arrays(arrs)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for k, a in arrs.items():
                npy = io.BytesIO()
                np.lib.format.write_array(npy, a, allow_pickle=True)
                zf.writestr(f"{k}.npy", npy.getvalue())
        return {rel: buf.getvalue()}
    return build


def _bytes_of(fmt: str, change: Callable[[bytes], bytes]) -> Callable[[dict[str, Files]], Files]:
    def build(samples: dict[str, Files]) -> Files:
        (rel, data), = samples[fmt].items()
        return {rel: change(data)}
    return build


def _set(obj: dict | list, key, value) -> None:
    obj[key] = value


def _frames_of(doc: dict) -> list:
    return doc["frames"]


def _huge_xy_npz(samples: dict[str, Files]) -> Files:
    """An .npz whose 'xy' .npy header declares 10^9 frames (and holds a few bytes)."""
    import io
    import zipfile

    (rel, data), = samples["native"].items()
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 21, 2), }"
    header += " " * (-(len(header) + 11) % 64) + "\n"
    npy = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + b"\0" * 64
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as dst:
        for n in src.namelist():
            dst.writestr(n, npy if n == "xy.npy" else src.read(n))
    return {rel: buf.getvalue()}


def _coco_frame_ids(*ids: str) -> Callable[[list[list[str]]], None]:
    def change(rows: list[list[str]]) -> None:
        for r, fid in zip(rows[1:], ids, strict=False):
            r[0] = fid
    return change


def _kinect_frame(line: int, value: str, column: int = 3) -> Callable[[list[list[str]]], None]:
    def change(rows: list[list[str]]) -> None:
        rows[line][column] = value
    return change


def _mixed_openpose(docs: list[dict]) -> None:
    for person in docs[2]["people"]:
        person["pose_keypoints_2d"] = person["pose_keypoints_2d"][:54]   # COCO-18 among BODY_25


def _keypoint_count(n: int) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        doc["people"][1]["pose_keypoints_2d"] = [1.0] * (3 * n)
    return change


def _del_y(doc: dict) -> None:
    del doc["frames"][3]["keypoints"][11]["y"]


def _videotime(t: int, value: object) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        doc["frames"][t]["videoTime"] = value
    return change


def _meta(key: str, value: object) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        doc["metadata"][key] = value
    return change


def _keypoint(t: int, j: int, key: str, value: object) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        doc["frames"][t]["keypoints"][j][key] = value
    return change


def _header(key: str, value: object, attrs: bool = False) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        (doc["attrs"] if attrs else doc)[key] = value
    return change


def _array_value(key: str, index: tuple, value: float) -> Callable[[dict[str, np.ndarray]], None]:
    def change(a: dict[str, np.ndarray]) -> None:
        a[key] = a[key].astype(np.float64)
        a[key][index] = value
    return change


BAD = {
    # BlazePose-33 JSON
    "blazepose fps 'thirty'": (_json_file("blazepose-json", _meta("fps", "thirty")), {},
                               "pose.json: frame rate (metadata 'fps') must be a number of frames per second, got 'thirty'"),
    "blazepose fps 1e308": (_json_file("blazepose-json", _meta("fps", 1e308)), {},
                            "pose.json: frame rate 1e+308 fps (metadata 'fps') is out of range"),
    "blazepose fps NaN": (_json_file("blazepose-json", _meta("fps", float("nan"))), {},
                          "pose.json: frame rate (metadata 'fps') must be a number of frames per second, got nan"),
    "blazepose metadata not an object": (_json_file("blazepose-json", lambda d: _set(d, "metadata", [30])), {},
                                         "pose.json: 'metadata' must be an object"),
    "blazepose keypoint without y": (_json_file("blazepose-json", _del_y), {},
                                     "pose.json: frame 3: keypoint 11 (left_shoulder) has an 'x' but no 'y'"),
    "blazepose x not a number": (_json_file("blazepose-json", _keypoint(2, 5, "x", "left")), {},
                                 "pose.json: frame 2: keypoint 5 (right_eye): 'x' must be a number"),
    "blazepose score not a number": (_json_file("blazepose-json", _keypoint(1, 0, "score", [1])), {},
                                     "frame 1: keypoint 0 (nose): 'score' must be a number"),
    "blazepose name not text": (_json_file("blazepose-json", _keypoint(1, 4, "name", ["nose"])), {},
                                "frame 1: keypoint 4: 'name' must be text"),
    "blazepose frame not an object": (_json_file("blazepose-json", lambda d: _set(_frames_of(d), 4, 7)), {},
                                      "pose.json: frame 4 is not an object"),
    "blazepose keypoints not a list": (_json_file("blazepose-json", lambda d: _set(_frames_of(d)[0], "keypoints", "x")),
                                       {}, "pose.json: frame 0: 'keypoints' must be a list"),
    "blazepose videoTime NaN": (_json_file("blazepose-json", _videotime(2, float("nan"))), {},
                                "pose.json: frame 2: 'videoTime' must be a finite number of seconds"),
    "blazepose videoTime text": (_json_file("blazepose-json", _videotime(2, "soon")), {}, "frame 2: 'videoTime'"),
    "blazepose videoTime back": (_json_file("blazepose-json", _videotime(5, 0.01)), {},
                                 "pose.json: frame 5: the timestamp goes back in time"),
    "blazepose videoWidth text": (_json_file("blazepose-json", _meta("videoWidth", "wide")), {},
                                  "pose.json: metadata 'videoWidth' must be a whole number of pixels"),
    "blazepose videoHeight inf": (_json_file("blazepose-json", _meta("videoHeight", float("inf"))), {},
                                  "metadata 'videoHeight' must be a whole number of pixels"),
    "blazepose deep nesting": (_json_file("blazepose-json", lambda d: ("[" * 100_000 + "]" * 100_000).encode()), {},
                               "pose.json: not valid JSON (nested too deeply)"),
    "blazepose 5000-digit number": (_json_file("blazepose-json", lambda d: ('{"frames": [' + "9" * 5000 + "]}").encode()),
                                    {}, "pose.json: not valid JSON"),
    "blazepose not utf-8": (_bytes_of("blazepose-json", lambda b: b"\xff\xfe" + b[2:]), {}, "pose.json: not valid JSON"),
    # OpenPose JSON (a folder of frames)
    "openpose people null": (_openpose_frames(lambda docs: _set(docs[1], "people", None)), {},
                             "clip_000001_keypoints.json: 'people' must be a list, got None"),
    "openpose 18 and 25 mixed": (_openpose_frames(_mixed_openpose), {},
                                 "clip_000002_keypoints.json: a person has 18 keypoints but clip_000000_keypoints.json "
                                 "has 25 (BODY_25 and COCO-18 frames mixed)"),
    "openpose 20 keypoints": (_json_file("openpose", _keypoint_count(20)), {},
                              "clip_000000_keypoints.json: person 1 has 20 keypoints; OpenPose BODY_25 (25) or COCO-18"),
    "openpose non-number": (_json_file("openpose", lambda d: _set(d["people"][0]["pose_keypoints_2d"], 4, "a")), {},
                            "person 0: pose_keypoints_2d holds a non-number ('a')"),
    "openpose person not an object": (_json_file("openpose", lambda d: _set(d["people"], 0, [1, 2])), {},
                                      "clip_000000_keypoints.json: person 0 is not an object"),
    "openpose keypoints not a list": (_json_file("openpose", lambda d: _set(d["people"][0], "pose_keypoints_2d", 5)),
                                      {}, "person 0: pose_keypoints_2d must be a list"),
    "openpose nobody": (_openpose_frames(lambda docs: [_set(d, "people", []) for d in docs]), {},
                        "clip: no person with at least 4 keypoints in any OpenPose frame"),
    "openpose --fps 0": (lambda s: s["openpose"], {"fps": 0.0}, "clip: frame rate must be positive, got 0 (--fps)"),
    # COCO-17 CSV
    "coco frame_id inf": (_csv_file("coco-csv", _coco_frame_ids("0", "inf")), {},
                          "joints.csv: line 3: frame_id must be a whole number, 0 or more, got 'inf'"),
    "coco frame_id all negative": (_csv_file("coco-csv", _coco_frame_ids(*[str(-i - 1) for i in range(12)])), {},
                                   "joints.csv: line 2: frame_id must be a whole number, 0 or more, got '-1'"),
    "coco frame_id 1e12": (_csv_file("coco-csv", _coco_frame_ids("0", "1e12")), {},
                           f"joints.csv: frame_id runs from 0 to 1000000000000; hingecoach reads at most {MAX_FRAMES} frames"),
    "coco frame_id at the limit": (_csv_file("coco-csv", _coco_frame_ids("0", str(MAX_FRAMES))), {},
                                   f"hingecoach reads at most {MAX_FRAMES} frames"),
    "coco frame_id 1.5": (_csv_file("coco-csv", _coco_frame_ids("1.5")), {}, "frame_id must be a whole number"),
    "coco --fps 1e308": (lambda s: s["coco-csv"], {"fps": 1e308},
                         "joints.csv: frame rate 1e+308 fps (--fps) is out of range; hingecoach reads 1-1000 fps"),
    "coco --fps nan": (lambda s: s["coco-csv"], {"fps": float("nan")},
                       "joints.csv: frame rate (--fps) must be a number of frames per second, got nan"),
    "coco --fps 0.01": (lambda s: s["coco-csv"], {"fps": 0.01}, "out of range"),
    "coco cell not a number": (_csv_file("coco-csv", lambda rows: _set(rows[3], 5, "abc")), {},
                               "joints.csv: line 4 (frame 2): right_eye is not a number ('abc')"),
    "coco giant cell": (_csv_file("coco-csv", lambda rows: _set(rows[2], 3, "1" * 200_000)), {},
                        "joints.csv: line 3: not a readable CSV row"),
    "coco long cell": (_csv_file("coco-csv", lambda rows: _set(rows[2], 3, "1" * 5000)), {},
                       "joints.csv: line 3: a cell is longer than 1000 characters"),
    "coco NUL": (_bytes_of("coco-csv", lambda b: b.replace(b"327.9", b"32\x007.9", 1)), {}, "joints.csv"),
    # Kinect 3D CSV
    "kinect frame 1e12": (_csv_file("kinect-csv", _kinect_frame(17, "1e12")), {},
                          "a1_s0_t0_skeleton.csv: frame runs from 0 to 1000000000000; hingecoach reads at most"),
    "kinect frame inf": (_csv_file("kinect-csv", _kinect_frame(5, " inf")), {},
                         "a1_s0_t0_skeleton.csv: line 6: frame must be a whole number, 0 or more, got ' inf'"),
    "kinect frame negative": (_csv_file("kinect-csv", _kinect_frame(5, "-3")), {}, "line 6: frame must be a whole number"),
    "kinect joint 99": (_csv_file("kinect-csv", _kinect_frame(2, "99", 4)), {},
                        "a1_s0_t0_skeleton.csv: line 3: skeleton_joint must be a whole number (joints 1-16), got '99'"),
    "kinect --fps 1e308": (lambda s: s["kinect-csv"], {"fps": 1e308},
                           "a1_s0_t0_skeleton.csv: frame rate 1e+308 fps (--fps) is out of range"),
    # the project's .npz
    "npz truncated": (_bytes_of("native", lambda b: b[: len(b) // 2]), {},
                      "track.npz: cannot read the track file: it is damaged, truncated or not a hingecoach .npz"),
    "npz not a zip": (_bytes_of("native", lambda b: b"PK\x03\x04 nothing else"), {}, "track.npz: cannot read the track file"),
    "npz byte flipped": (_bytes_of("native", lambda b: b[:200] + bytes([b[200] ^ 0xFF]) + b[201:]), {}, "track.npz: "),
    "npz fps huge": (_npz_file(header=_header("fps", 1e308)), {},
                     "track.npz: header 'fps' 1e+308 is outside the 1-1000 fps hingecoach reads"),
    "npz fps text": (_npz_file(header=_header("fps", "thirty")), {},
                     "track.npz: header 'fps' must be a number of frames per second, got 'thirty'"),
    "npz fps NaN": (_npz_file(header=_header("fps", float("nan"))), {}, "track.npz: header 'fps' must be a number"),
    "npz version text": (_npz_file(header=_header("version", "1")), {}, "track.npz: header 'version' must be a whole number"),
    "npz keypoints not names": (_npz_file(header=_header("keypoints", [1, 2])), {}, "header 'keypoints' must be a list"),
    "npz image_size zero": (_npz_file(header=_header("image_size", [0, 480])), {}, "track.npz: header 'image_size'"),
    "npz attrs warnings": (_npz_file(header=_header("warnings", 3, attrs=True)), {},
                           "track.npz: header attrs 'warnings' must be a list of text"),
    "npz attrs source": (_npz_file(header=_header("source", [["a", "b", "c"]], attrs=True)), {},
                         "header attrs 'source' must be an object"),
    "npz xy declares 1e9 frames": (_huge_xy_npz, {},
                                   f"track.npz: 'xy' has 1000000000 frames; hingecoach reads at most {MAX_FRAMES}"),
    "npz xy of objects": (_npz_file(arrays=lambda a: _set(a, "xy", a["xy"].astype(object))), {},
                          "track.npz: 'xy' must hold numbers, not object"),
    "npz xy of text": (_npz_file(arrays=lambda a: _set(a, "xy", a["xy"].astype("U3"))), {}, "'xy' must hold numbers"),
    "npz no xy": (_npz_file(arrays=lambda a: a.pop("xy")), {}, "track.npz: the track file has no 'xy' array"),
    "npz xy one coordinate": (_npz_file(arrays=lambda a: _set(a, "xy", a["xy"][..., :1])), {}, "track.npz: 'xy' is"),
    "npz confidence short": (_npz_file(arrays=lambda a: _set(a, "confidence", a["confidence"][:-1])), {},
                             "track.npz: 'confidence' is (11, 21)"),
    "npz timestamps NaN": (_npz_file(arrays=_array_value("timestamps_s", (3,), np.nan)), {},
                           "track.npz: frame 3: the timestamp is not a finite number"),
    "npz world shape": (_npz_file(arrays=lambda a: _set(a, "world", a["world"][:, :3])), {}, "track.npz: 'world' is"),
    "npz profiles shape": (_npz_file(arrays=lambda a: _set(a, "profiles", a["profiles"][:2])), {}, "track.npz: 'profiles' is"),
    "npz header not JSON": (_npz_file(arrays=lambda a: _set(a, "header", np.frombuffer(b"{nope", np.uint8))), {},
                            "track.npz: the track file's header is not valid JSON"),
}


@pytest.mark.parametrize("build, kwargs, message", list(BAD.values()), ids=list(BAD))
def test_bad_input_gives_a_one_line_hinge_error(build, kwargs, message, valid_samples, sample_writer, tmp_path):
    path = sample_writer(build(valid_samples), tmp_path)
    with pytest.raises(HingeError) as info:
        read_track(path, **kwargs)
    text = str(info.value)
    assert message in text
    assert "\n" not in text


def test_a_saved_track_whose_times_go_back_still_loads(valid_samples, sample_writer, tmp_path):
    # A damaged video's container times can go back; the track the pipeline saved of it reads again.
    path = sample_writer(_npz_file(arrays=_array_value("timestamps_s", (6,), -1.0))(valid_samples), tmp_path)
    assert read_track(path).timestamps_s[6] == -1.0


@pytest.mark.parametrize("fmt, name", [("coco-csv", "joints.csv"), ("blazepose-json", "pose.json"),
                                       ("native", "track.npz"), ("openpose", "clip_000000_keypoints.json")])
def test_files_over_the_size_limit_are_refused_before_reading(fmt, name, valid_samples, sample_writer, tmp_path,
                                                                monkeypatch):
    monkeypatch.setattr(keypoint_files, "MAX_FILE_BYTES", 100)
    monkeypatch.setattr(pose_track, "MAX_FILE_BYTES", 100)
    path = sample_writer(valid_samples[fmt], tmp_path)
    with pytest.raises(HingeError, match=f"{name}: the (track )?file is 0 MB; hingecoach reads"):
        read_track(path)


def test_frame_files_over_the_frame_limit_are_refused_before_reading(valid_samples, sample_writer, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setattr(keypoint_files, "MAX_FRAMES", 3)
    with pytest.raises(HingeError, match="clip: 4 OpenPose frame files; hingecoach reads at most 3 frames"):
        read_track(sample_writer(valid_samples["openpose"], tmp_path))
    monkeypatch.setattr(keypoint_files, "MAX_FRAMES", 11)
    with pytest.raises(HingeError, match="pose.json: 12 frames; hingecoach reads at most 11 frames"):
        read_track(sample_writer(valid_samples["blazepose-json"], tmp_path))


def test_the_limits_are_documented_constants():
    for name in ("MAX_FRAMES", "MAX_FRAME_SPAN", "MIN_FPS", "MAX_FPS", "MAX_FILE_BYTES"):
        assert getattr(keypoint_files, name) == getattr(pose_track, name)
    assert (pose_track.MIN_FPS, pose_track.MAX_FPS) == (1.0, 1000.0)
    assert pose_track.MAX_FRAMES == 200_000 and pose_track.MAX_FILE_BYTES == 500 * 1024 * 1024


# --- non-finite positions are missing keypoints, not errors --------------------------------------

def _nan_blazepose(doc: dict) -> None:
    doc["frames"][2]["keypoints"][0].update(x=float("nan"))
    doc["frames"][3]["keypoints"][0].update(y=float("inf"))
    doc["frames"][4]["keypoints"][0].update(x=1e300)
    doc["frames"][5]["keypoints"][0].update(x=10 ** 400)
    doc["frames"][6]["keypoints"][0].update(score=float("nan"))


def _nan_openpose(doc: dict) -> None:
    doc["people"][1]["pose_keypoints_2d"][0] = float("nan")
    doc["people"][1]["pose_keypoints_2d"][3] = float("-inf")


def _nan_npz(a: dict[str, np.ndarray]) -> None:
    a["xy"] = a["xy"].astype(np.float64)
    a["xy"][2, 0, 0], a["xy"][3, 0, 1] = np.nan, np.inf
    a["confidence"] = a["confidence"].astype(np.float64)
    a["confidence"][4, 0] = np.nan
    a["world"] = a["world"].astype(np.float64)
    a["world"][1, 1] = np.inf


NON_FINITE = {
    "blazepose": (_json_file("blazepose-json", _nan_blazepose), [(2, 0), (3, 0), (4, 0), (5, 0), (6, 0)], 5),
    "coco": (_csv_file("coco-csv", lambda rows: [_set(rows[3], 1, "nan"), _set(rows[4], 2, "inf"),
                                                 _set(rows[5], 1, "-1e999"), _set(rows[6], 2, "1e300")]),
             [(2, 0), (3, 0), (4, 0), (5, 0)], 4),
    "openpose": (_json_file("openpose", _nan_openpose), [(0, 0), (0, 1)], 2),
    "npz": (_npz_file(arrays=_nan_npz), [(2, 0), (3, 0), (4, 0)], 3),
}


@pytest.mark.parametrize("build, missing, dropped", list(NON_FINITE.values()), ids=list(NON_FINITE))
def test_non_finite_positions_become_missing_keypoints(build, missing, dropped, valid_samples, sample_writer,
                                                       tmp_path):
    track = read_track(sample_writer(build(valid_samples), tmp_path))
    for t, k in missing:
        assert np.isnan(track.xy[t, k]).all() and track.confidence[t, k] == 0.0, (t, k)
    assert np.isfinite(track.xy[~np.isnan(track.xy)]).all()
    assert ((track.confidence >= 0) & (track.confidence <= 1)).all()
    said = [w for w in track.attrs.get("warnings", []) if "not finite or out of range" in w]
    assert said == ([f"{dropped} keypoint positions in the file were not finite or out of range and were read "
                     f"as missing"] if dropped else [])
    if track.world is not None:
        assert np.isnan(track.world[1, 1]).all()
    json.dumps(track.attrs, allow_nan=False)


def test_kinect_coordinates_that_are_not_finite_make_the_joint_missing(valid_samples, sample_writer, tmp_path):
    def change(rows: list[list[str]]) -> None:
        rows[1][5], rows[2][6], rows[3][7] = "nan", "inf", "1e9"   # frame 0, joints 1-3
    track = read_track(sample_writer(_csv_file("kinect-csv", change)(valid_samples), tmp_path))
    assert np.isnan(track.xy[0, :3]).all() and np.isfinite(track.xy[0, 3:]).all()
    assert "3 keypoint positions in the file were not finite or out of range and were read as missing" \
        in track.attrs["warnings"]


def test_a_track_with_non_finite_positions_gives_json_safe_analysis(valid_samples, sample_writer, tmp_path):
    track = read_track(sample_writer(_json_file("blazepose-json", _nan_blazepose)(valid_samples), tmp_path))
    analysis, _ = analyze_track(track)
    json.dumps(analysis.to_dict(), allow_nan=False)


def test_valid_samples_read_cleanly(valid_samples, sample_writer, tmp_path):
    for fmt, files in valid_samples.items():
        track = read_track(sample_writer(files, tmp_path / fmt))
        assert track.n_frames in (4, 12)
        assert not [w for w in track.attrs.get("warnings", []) if "lies on its side" in w or "not finite" in w]


# --- a body lying on its side ----------------------------------------------------------------------

def _swap_coco_xy(rows: list[list[str]]) -> None:
    for r in rows[1:]:
        r[1:] = [r[i + 1 + (1 if i % 2 == 0 else -1)] for i in range(len(r) - 1)]


def _swap_kinect_yz(rows: list[list[str]]) -> None:
    for r in rows[1:]:
        r[6], r[7] = r[7], r[6]


def _swap_blazepose_xy(doc: dict) -> None:
    for fr in doc["frames"]:
        for kp in fr["keypoints"]:
            kp["x"], kp["y"] = kp["y"], kp["x"]


@pytest.mark.parametrize("build", [_csv_file("coco-csv", _swap_coco_xy), _csv_file("kinect-csv", _swap_kinect_yz),
                                   _json_file("blazepose-json", _swap_blazepose_xy)],
                         ids=["coco x-y", "kinect y-z", "blazepose x-y"])
def test_a_body_on_its_side_is_warned_about_and_the_analysis_says_so(build, valid_samples, sample_writer, tmp_path):
    track = read_track(sample_writer(build(valid_samples), tmp_path))
    assert track.attrs["warnings"].count(SIDEWAYS_WARNING) == 1
    analysis, _ = analyze_track(track)
    assert SIDEWAYS_WARNING in analysis.warnings


def test_a_saved_sideways_track_is_warned_about_once(valid_samples, sample_writer, tmp_path):
    track = read_track(sample_writer(_csv_file("coco-csv", _swap_coco_xy)(valid_samples), tmp_path))
    again = read_track(track.save(tmp_path / "again.npz"))
    assert again.attrs["warnings"].count(SIDEWAYS_WARNING) == 1


def test_upright_and_all_fours_drills_are_not_on_their_side():
    assert not lies_on_its_side(fake_hinge_track())
    assert not lies_on_its_side(fake_hinge_track(quadruped_movement()))


def test_no_real_keypoint_file_is_on_its_side_and_each_turned_one_is(shared_data, tmp_path):
    folder = shared_data / "keypoints"
    files = sorted([*folder.glob("bichraix-coco17/*_joints_new.csv"), *folder.glob("kinect-deadlift-goodbad/*.csv"),
                    *folder.glob("swing-analyzer-kbswing/*.posetrack.json")])
    assert files
    for path in files:
        track = read_track(path, fps=30.0)
        assert SIDEWAYS_WARNING not in track.attrs.get("warnings", []), path.name
        turned = PoseTrack(xy=track.xy[..., ::-1].copy(), confidence=track.confidence, fps=track.fps,
                           keypoints=track.keypoints, timestamps_s=track.timestamps_s)
        assert lies_on_its_side(turned), path.name


# --- the CLI: one line, exit 2 ---------------------------------------------------------------------

def test_the_cli_prints_one_line_and_exits_2_on_a_bad_keypoint_file(valid_samples, sample_writer, tmp_path):
    path = sample_writer(_openpose_frames(lambda docs: _set(docs[1], "people", None))(valid_samples), tmp_path)
    run = subprocess.run([sys.executable, "-m", "hingecoach", "analyze", str(path)], capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "internal error" not in lines[0]
    assert "clip_000001_keypoints.json: 'people' must be a list" in lines[0]


# --- memory at the limits --------------------------------------------------------------------------

@pytest.mark.parametrize("fmt, change", [
    ("coco-csv", _coco_frame_ids("0", str(MAX_FRAMES - 1))),
    ("kinect-csv", _kinect_frame(17, str(MAX_FRAMES - 1))),
], ids=["coco", "kinect"])
def test_the_widest_frame_range_allowed_stays_under_300_mb(fmt, change, valid_samples, sample_writer, tmp_path):
    import tracemalloc

    path = sample_writer(_csv_file(fmt, change)(valid_samples), tmp_path)
    tracemalloc.start()
    try:
        track = read_track(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert track.n_frames == MAX_FRAMES
    assert 10e6 < peak < 300 * 1024 * 1024, f"{peak / 1e6:.0f} MB"
