"""Mutated keypoint files: for every format, a valid file (conftest's samples) is mutated — bytes
flipped, inserted, deleted, the file truncated; JSON values replaced with wrong types, huge
numbers, NaN, null, deep nesting; CSV rows deleted, duplicated, cells replaced; .npz members
dropped, retyped, reshaped, rewritten with hand-made .npy headers — and the reader must return a
PoseTrack or raise a one-line HingeError naming the file, never another exception, while the
memory it allocates stays bounded (tracemalloc peak under :data:`PEAK_BYTES`).

``HINGE_MUTATIONS`` sets the examples per format (default :data:`DEFAULT_MUTATIONS`, derandomized:
the same mutations every run); e.g. ``HINGE_MUTATIONS=1000`` for a thorough run.
"""

from __future__ import annotations

import copy
import io
import itertools
import json
import math
import os
import shutil
import tracemalloc
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hingecoach.core.track.pose_track import MAX_FRAMES, PoseTrack
from hingecoach.errors import HingeError
from hingecoach.io.keypoint_files import read_track

DEFAULT_MUTATIONS = 200
MUTATIONS = int(os.environ.get("HINGE_MUTATIONS", DEFAULT_MUTATIONS))
#: Most bytes a reader may allocate (peak) on a mutated sample of a few kB.
PEAK_BYTES = 300 * 1024 * 1024
FORMATS = ("native", "blazepose-json", "coco-csv", "openpose", "kinect-csv")

DEEP = "__deeply_nested__"   # replaced by 100 000 nested lists in the JSON text
WEIRD_JSON = [None, True, False, "", "thirty", "nan", "1e308", "-1", [], {}, [1, 2, 3], {"x": 1}, 0, -1, 0.5,
              1e12, -1e12, 1e308, -1e308, 10 ** 400, -(10 ** 400), 2 ** 63, MAX_FRAMES - 1, MAX_FRAMES,
              math.nan, math.inf, -math.inf, "x" * 5000, DEEP, [[[[[]]]]], [None] * 75]
WEIRD_CELLS = ["", " ", "nan", "NaN", "inf", "-inf", "1e12", "1e308", "1e999", "-1", "-5", "0", "1.5", "abc",
               str(MAX_FRAMES - 1), str(MAX_FRAMES), "9" * 5000, "x" * 200_000, '"', '"a,b"', "\x00", "1,2", "0x10",
               "\ufeff", "1_000"]


def json_values() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(WEIRD_JSON), st.floats(), st.integers(-(10 ** 20), 10 ** 20),
                     st.text(max_size=8), st.lists(st.integers(-3, 3), max_size=4))


def cell_values() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(WEIRD_CELLS), st.floats().map(repr), st.integers(-(10 ** 15), 10 ** 15).map(str),
                     st.text(max_size=6))


# --- byte mutations (every format) ------------------------------------------------------------

byte_ops = st.lists(st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 2 ** 32), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.integers(0, 2 ** 32)),
    st.tuples(st.just("delete"), st.integers(0, 2 ** 32), st.integers(1, 64)),
    st.tuples(st.just("insert"), st.integers(0, 2 ** 32), st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("duplicate"), st.integers(0, 2 ** 32), st.integers(1, 256)),
), max_size=4)


def apply_bytes(data: bytes, ops: list[tuple]) -> bytes:
    buf = bytearray(data)
    for op, pos, *rest in ops:
        at = pos % (len(buf) + 1)
        if op == "flip" and buf:
            buf[at % len(buf)] ^= rest[0]
        elif op == "truncate":
            del buf[at:]
        elif op == "delete":
            del buf[at:at + rest[0]]
        elif op == "insert":
            buf[at:at] = rest[0]
        elif op == "duplicate":
            buf[at:at] = buf[at:at + rest[0]]
    return bytes(buf)


# --- JSON mutations ---------------------------------------------------------------------------

json_ops = st.lists(st.one_of(
    st.tuples(st.just("replace"), st.integers(0, 2 ** 32), json_values()),
    st.tuples(st.just("delete"), st.integers(0, 2 ** 32)),
    st.tuples(st.just("duplicate"), st.integers(0, 2 ** 32)),
    st.tuples(st.just("nest"), st.integers(0, 2 ** 32)),
    st.tuples(st.just("rename"), st.integers(0, 2 ** 32), st.sampled_from(["", "x", "y", "name", "people", "frames",
                                                                             "fps", "keypoints", "videoTime"])),
    st.tuples(st.just("to18"), st.integers(0, 2 ** 32)),
    st.tuples(st.just("field"), st.integers(0, 2 ** 32), json_values(), st.booleans()),
    st.tuples(st.just("root"), json_values()),
), min_size=1, max_size=4)


def _nodes(doc: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) of a JSON document, in a fixed order."""
    out: list[tuple[Any, Any]] = []
    stack = [doc]
    while stack:
        c = stack.pop()
        for k, v in (list(c.items()) if isinstance(c, dict) else list(enumerate(c))):
            out.append((c, k))
            if isinstance(v, (dict, list)):
                stack.append(v)
    return out


def apply_json(doc: Any, ops: list[tuple]) -> Any:
    """``doc`` (changed in place) with ``ops`` applied; the result."""
    for op, *args in ops:
        if op == "root":
            doc = copy.deepcopy(args[0])
            continue
        nodes = _nodes(doc) if isinstance(doc, (dict, list)) else []
        if not nodes:
            continue
        c, k = nodes[args[0] % len(nodes)]
        if op == "field":   # a field by name: the value of every (or one) object's field of that name
            names = sorted({str(key) for c2, key in nodes if isinstance(c2, dict)})
            if names:
                field = names[args[0] % len(names)]
                hits = [c2 for c2, key in nodes if isinstance(c2, dict) and key == field]
                for c2 in (hits if args[2] else hits[args[0] % len(hits):][:1]):
                    c2[field] = copy.deepcopy(args[1])
        elif op == "replace":
            c[k] = copy.deepcopy(args[1])
        elif op == "delete":
            del c[k]
        elif op == "duplicate" and isinstance(c, list):
            c.insert(k, copy.deepcopy(c[k]))
        elif op == "nest":
            c[k] = [c[k]]
        elif op == "rename" and isinstance(c, dict):
            c[args[1]] = c.pop(k)
        elif op == "to18" and isinstance(c[k], list) and len(c[k]) == 75:
            c[k] = c[k][:54]   # an OpenPose person in COCO-18 among BODY_25 ones
    return doc


def dump_json(doc: Any) -> bytes:
    text = json.dumps(doc, allow_nan=True)
    return text.replace(json.dumps(DEEP), "[" * 100_000 + "]" * 100_000).encode()


# --- CSV mutations ----------------------------------------------------------------------------

csv_ops = st.lists(st.one_of(
    st.tuples(st.just("cell"), st.integers(0, 2 ** 32), st.integers(0, 2 ** 32), cell_values()),
    st.tuples(st.just("delete_row"), st.integers(0, 2 ** 32)),
    st.tuples(st.just("duplicate_row"), st.integers(0, 2 ** 32)),
    st.tuples(st.just("swap_rows"), st.integers(0, 2 ** 32), st.integers(0, 2 ** 32)),
    st.tuples(st.just("drop_cell"), st.integers(0, 2 ** 32), st.integers(0, 2 ** 32)),
    st.tuples(st.just("add_cell"), st.integers(0, 2 ** 32), cell_values()),
    st.tuples(st.just("blank_row"), st.integers(0, 2 ** 32)),
    # a column (frame_id; Kinect's frame, skeleton_joint; or any) in one row or in all of them
    st.tuples(st.just("column"), st.integers(0, 2 ** 32), st.one_of(st.sampled_from([0, 3, 4]), st.integers(0, 40)),
              cell_values(), st.booleans()),
), min_size=1, max_size=5)


def apply_csv(text: str, ops: list[tuple]) -> bytes:
    rows = [line.split(",") for line in text.splitlines()]
    for op, i, *rest in ops:
        if not rows:
            break
        r = i % len(rows)
        if op == "cell" and rows[r]:
            rows[r][rest[0] % len(rows[r])] = rest[1]
        elif op == "delete_row":
            del rows[r]
        elif op == "duplicate_row":
            rows.insert(r, list(rows[r]))
        elif op == "swap_rows":
            s = rest[0] % len(rows)
            rows[r], rows[s] = rows[s], rows[r]
        elif op == "drop_cell" and rows[r]:
            del rows[r][rest[0] % len(rows[r])]
        elif op == "add_cell":
            rows[r].append(rest[0])
        elif op == "blank_row":
            rows.insert(r, [])
        elif op == "column":
            col, value, every = rest
            for row in (rows[1:] if every else [rows[r]]):
                if row:
                    row[col % len(row)] = value
    return ("\n".join(",".join(row) for row in rows) + "\n").encode("utf-8", "surrogatepass")


# --- .npz mutations ---------------------------------------------------------------------------

_shapes = st.lists(st.one_of(st.integers(0, 40), st.sampled_from([MAX_FRAMES, MAX_FRAMES + 1, 2 ** 40, -1])),
                   min_size=0, max_size=4).map(tuple)
array_ops = st.lists(st.one_of(
    st.tuples(st.just("drop"), st.sampled_from(["xy", "confidence", "timestamps_s", "header", "world", "profiles"])),
    st.tuples(st.just("values"), st.sampled_from(["xy", "confidence", "timestamps_s", "world", "profiles"]),
              st.integers(0, 2 ** 32), st.sampled_from([math.nan, math.inf, -math.inf, 1e30, -1e30, 1e308, -5.0, 0.0])),
    st.tuples(st.just("reshape"), st.sampled_from(["xy", "confidence", "timestamps_s", "header", "world", "profiles"]),
              st.sampled_from(["first_frames", "drop_last_axis", "add_axis", "ravel", "empty", "transpose"])),
    st.tuples(st.just("dtype"), st.sampled_from(["xy", "confidence", "timestamps_s", "header"]),
              st.sampled_from(["int8", "bool", "complex64", "float16", ">f8", "U3", "object", "uint64", "S4"])),
    st.tuples(st.just("raw_npy"), st.sampled_from(["xy", "confidence", "timestamps_s", "header"]), _shapes,
              st.sampled_from(["<f8", "<f4", "|u1", "<i8", "|O", "<U2", "[('a', '<f8')]", "<f8 bad", "(2,)<f8"]),
              st.booleans(), st.integers(0, 4096)),
), max_size=3)


def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=True)
    return buf.getvalue()


def _raw_npy(shape: tuple, descr: str, fortran: bool, n_data: int) -> bytes:
    header = "{'descr': " + (descr if descr.startswith("[") else repr(descr)) + \
        f", 'fortran_order': {fortran}, 'shape': {shape!r}, }}"
    header += " " * (-(len(header) + 11) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin1") + b"\x01" * n_data


def apply_npz(data: bytes, header_ops: list[tuple], ops: list[tuple], compressed: bool) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        arrays = {n[:-4]: np.lib.format.read_array(zf.open(n)) for n in zf.namelist()}
    members: dict[str, bytes] = {}
    if header_ops:
        doc = json.loads(arrays["header"].tobytes())
        arrays["header"] = np.frombuffer(dump_json(apply_json(doc, header_ops)), dtype=np.uint8)
    for op, key, *rest in ops:
        arr = arrays.get(key)
        if op == "drop":
            arrays.pop(key, None)
        elif op == "raw_npy":
            arrays.pop(key, None)
            members[key] = _raw_npy(*rest)
        elif arr is None:
            continue
        elif op == "values" and arr.size:
            arr = arr.astype(np.float64).copy()
            arr.flat[rest[0] % arr.size] = rest[1]
            arrays[key] = arr
        elif op == "reshape" and arr.ndim:
            arrays[key] = {"first_frames": lambda a: a[:-1], "drop_last_axis": lambda a: a[..., 0],
                           "add_axis": lambda a: a[None], "ravel": lambda a: a.ravel(),
                           "empty": lambda a: a[:0], "transpose": lambda a: a.T}[rest[0]](arr)
        elif op == "dtype":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                arrays[key] = arr.astype(rest[0])
    members.update({k: _npy(a) for k, a in arrays.items() if k not in members})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED) as zf:
        for k, raw in members.items():
            zf.writestr(f"{k}.npy", raw)
    return buf.getvalue()


# --- one mutation of one format -----------------------------------------------------------------

@st.composite
def mutations(draw: st.DrawFn, fmt: str, files: dict[str, bytes]) -> dict[str, bytes]:
    """The sample's files with one drawn mutation applied (the files of a folder: one of them)."""
    files = dict(files)
    rel = draw(st.sampled_from(sorted(files)))
    data = files[rel]
    kind = draw(st.sampled_from(["structure", "structure", "bytes", "both"]))
    if kind != "bytes":
        if fmt == "native":
            data = apply_npz(data, draw(st.one_of(st.just([]), json_ops)), draw(array_ops), draw(st.booleans()))
        elif fmt in ("blazepose-json", "openpose"):
            data = dump_json(apply_json(json.loads(data), draw(json_ops)))
        else:
            data = apply_csv(data.decode(), draw(csv_ops))
    if kind != "structure":
        data = apply_bytes(data, draw(byte_ops))
    files[rel] = data
    if fmt == "openpose" and draw(st.integers(0, 9)) == 0:   # a frame file goes missing
        del files[draw(st.sampled_from(sorted(files)))]
    return files


def _check_read(path: Path, fmt: str | None, names: set[str]) -> tuple[str, int]:
    """Read; a track or a one-line HingeError naming a file. Returns which, and the peak bytes
    the read allocated."""
    track: PoseTrack | None = None
    error: HingeError | None = None
    tracemalloc.start()
    try:
        track = read_track(path, fmt=fmt)
    except HingeError as exc:
        error = exc
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    if error is not None:
        msg = str(error)
        assert msg and "\n" not in msg, msg
        assert any(n in msg for n in names), f"the message names no file: {msg}"
        return "error", peak
    assert isinstance(track, PoseTrack) and track.n_frames > 0
    assert np.isfinite(track.timestamps_s).all() and 1.0 <= track.fps <= 1000.0
    json.dumps(track.attrs, allow_nan=False)           # provenance goes into analysis.json
    ok = ~np.isnan(track.xy)
    assert np.isfinite(track.xy[ok]).all() and ((track.confidence >= 0) & (track.confidence <= 1)).all()
    return "track", peak


@pytest.mark.parametrize("fmt", FORMATS)
def test_mutated_files_give_a_track_or_a_one_line_hinge_error(fmt, valid_samples, sample_writer, tmp_path_factory):
    files = valid_samples[fmt]
    root = tmp_path_factory.mktemp(f"mut-{fmt}")
    counter = itertools.count()
    outcomes: dict[str, int] = {"track": 0, "error": 0, "peak_mb": 0}

    @settings(max_examples=MUTATIONS, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(mutated=mutations(fmt, files), sniff=st.booleans())
    def check(mutated: dict[str, bytes], sniff: bool) -> None:
        folder = root / str(next(counter))
        path = sample_writer(mutated, folder) if mutated else folder
        names = {path.name} | {Path(rel).name for rel in mutated}
        try:
            outcome, peak = _check_read(path, None if sniff else fmt, names)
            assert peak < PEAK_BYTES, f"the reader allocated {peak / 1e6:.0f} MB"
            outcomes[outcome] += 1
            outcomes["peak_mb"] = max(outcomes["peak_mb"], round(peak / 1e6))
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    check()
    print(f"{fmt}: {outcomes['track'] + outcomes['error']} mutations: {outcomes['track']} tracks, "
          f"{outcomes['error']} HingeErrors, peak {outcomes['peak_mb']} MB")
