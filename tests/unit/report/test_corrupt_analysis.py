"""`hinge report` on a corrupted analysis.json: a one-line HingeError that names the file and the
field, never a crash (a table of corruptions found by hand, then mutations by hypothesis).

``HINGE_MUTATIONS`` sets how many mutated documents the hypothesis test tries (default
:data:`DEFAULT_MUTATIONS`, derandomized: the same ones every run); e.g. ``HINGE_MUTATIONS=1000``.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fakes import fake_result
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hingecoach.errors import HingeError
from hingecoach.io.analysis_json import read_analysis_file
from hingecoach.pipeline import write_outputs
from hingecoach.report import HTML_NAME, rebuild_report

DEFAULT_MUTATIONS = 150
MUTATIONS = int(os.environ.get("HINGE_MUTATIONS", DEFAULT_MUTATIONS))


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """analysis.json + track.npz of the fake two-rep set (a fault on rep 2, a recommendation,
    an experimental back finding), from a keypoint file: no video to look for."""
    out = tmp_path_factory.mktemp("saved")
    result = fake_result(None)
    result.analysis.experimental = [{"rep": 1, "id": "rounded_back", "severity": "form", "value": 24.0,
                                     "threshold": 20.0, "unit": "deg", "frames": [10, 12], "confidence": 0.5}]
    result.analysis.experimental_notes = [{"rep": 2, "id": "neutral_back", "fault": "rounded_back", "value": 4.0}]
    result.analysis.reps[0].metrics["back_outline_bend_deg"] = 12.0
    write_outputs(result, out)
    return out


@pytest.fixture(scope="module")
def base(saved: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((saved / "analysis.json").read_text())
    assert len(doc["reps"]) == 2 and doc["reps"][1]["faults"] and doc["recommendation"]
    return doc


def _folder(saved: Path, dest: Path, text: str) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(saved / "track.npz", dest / "track.npz")
    (dest / "analysis.json").write_text(text, encoding="utf-8")
    return dest / "analysis.json"


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation: ``path`` (``reps.0.start_frame``) set to ``value``, or deleted for DELETE."""
    def apply(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        elif value is DELETE:
            del node[last]
        else:
            node[last] = value
    return apply


DELETE = object()
HUGE = "__HUGE__"  # replaced in the text by 1e400 (a float JSON reads as inf)

# (what the tester found, mutation, the field the message must name)
CORRUPTIONS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("reps not a list", _set("reps", "many"), "reps must be a list"),
    ("reps missing", _set("reps", DELETE), "reps is missing"),
    ("reps null", _set("reps", None), "reps must be a list"),
    ("rep not an object", _set("reps.0", 5), "reps[0] must be an object"),
    ("rep frame missing", _set("reps.0.start_frame", DELETE), "reps[0].start_frame is missing"),
    ("rep frame a string", _set("reps.0.start_frame", "12"), "reps[0].start_frame must be a whole number"),
    ("rep frame past the end", _set("reps.1.end_frame", 10_000), "reps[1].end_frame must be between 0 and"),
    ("rep frame negative", _set("reps.0.bottom_frame", -5), "reps[0].bottom_frame must be between"),
    ("rep frame huge", _set("reps.0.end_frame", 10 ** 30), "reps[0].end_frame must be between"),
    ("rep frames out of order", _set("reps.0.bottom_frame", 0), "reps[0] frames must be in order"),
    ("rep index a fraction", _set("reps.0.index", 1.5), "reps[0].index must be a whole number"),
    ("rep index repeated", _set("reps.1.index", 1), "reps[1].index 1 repeats reps[0].index"),
    ("rep index null", _set("reps.1.index", None), "reps[1].index must be a whole number"),
    ("metrics a list", _set("reps.0.metrics", []), "reps[0].metrics must be an object"),
    ("metrics null", _set("reps.0.metrics", None), "reps[0].metrics must be an object"),
    ("metric a string", _set("reps.0.metrics.hip_flexion_peak_deg", "85"),
     "reps[0].metrics.hip_flexion_peak_deg must be a number"),
    ("metric huge float", _set("reps.0.metrics.hip_flexion_peak_deg", HUGE),
     "reps[0].metrics.hip_flexion_peak_deg is out of range"),
    ("metric huge integer", _set("reps.0.metrics.hip_flexion_peak_deg", 10 ** 400),
     "reps[0].metrics.hip_flexion_peak_deg is out of range"),
    ("metric true", _set("reps.0.metrics.down_s", True), "reps[0].metrics.down_s must be a number"),
    ("time a string", _set("reps.0.start_s", "0.5"), "reps[0].start_s must be a number"),
    ("faults null", _set("reps.1.faults", None), "reps[1].faults must be a list"),
    ("fault not an object", _set("reps.1.faults.0", "squatted"), "reps[1].faults[0] must be an object"),
    ("fault without id", _set("reps.1.faults.0.id", DELETE), "reps[1].faults[0].id is missing"),
    ("fault severity unknown", _set("reps.1.faults.0.severity", "bad"), "reps[1].faults[0].severity must be one of"),
    ("fault frames short", _set("reps.1.faults.0.frames", [10]), "reps[1].faults[0].frames must be [first, last]"),
    ("fault frame huge", _set("reps.1.faults.0.frames", [5, 10 ** 12]), "reps[1].faults[0].frames[1] must be between"),
    ("fault frames reversed", _set("reps.1.faults.0.frames", [60, 50]), "reps[1].faults[0].frames must be [first, last]"),
    ("fault value a string", _set("reps.1.faults.0.value", "high"), "reps[1].faults[0].value must be a number"),
    ("fault cue a number", _set("reps.1.faults.0.cue", 3), "reps[1].faults[0].cue must be text"),
    ("clean a string", _set("reps.0.clean", "yes"), "reps[0].clean must be true or false"),
    ("frames a string", _set("frames", "90"), "frames must be a whole number"),
    ("frames missing", _set("frames", DELETE), "frames is missing"),
    ("fps zero", _set("fps", 0), "fps must be above 0"),
    ("warnings null", _set("warnings", None), "warnings must be a list"),
    ("warning a number", _set("warnings", [1]), "warnings[0] must be text"),
    ("recommendation text", _set("recommendation", "do better"), "recommendation must be an object"),
    ("limit a string", _set("recommendation.range.limit_deg", "70"), "recommendation.range.limit_deg must be a number"),
    ("cues not a list", _set("recommendation.secondary_cues", "x"), "recommendation.secondary_cues must be a list"),
    ("cue a list", _set("recommendation.primary_cue", ["a"]), "recommendation.primary_cue must be text"),
    ("drill a list", _set("drill", []), "drill must be an object"),
    ("drill id a number", _set("drill.id", 7), "drill.id must be text"),
    ("source path a number", _set("source.path", 5), "source.path must be text"),
    ("facing a number", _set("facing", 3), "facing must be text"),
    ("view label a list", _set("view.label", ["side"]), "view.label must be text"),
    ("back finding without value", _set("experimental.0.value", None), "experimental[0].value must be a number"),
    ("back finding rep a string", _set("experimental.0.rep", "1"), "experimental[0].rep must be a whole number"),
    ("back note not an object", _set("experimental_notes.0", 4), "experimental_notes[0] must be an object"),
    ("back reference text", _set("provenance.back_reference", "x"), "provenance.back_reference must be an object"),
    ("provenance a list", _set("provenance", []), "provenance must be an object"),
    ("document empty", lambda doc: doc.clear(), "schema_version null is not supported"),
    ("schema 2", _set("schema_version", "2.0"), "schema_version '2.0' is not supported"),
]


@pytest.mark.parametrize(("name", "mutate", "field"), CORRUPTIONS, ids=[c[0] for c in CORRUPTIONS])
def test_corrupted_analysis_is_one_line_naming_file_and_field(
        saved: Path, base: dict[str, Any], tmp_path: Path, name: str, mutate: Callable[[dict[str, Any]], None],
        field: str) -> None:
    doc = copy.deepcopy(base)
    mutate(doc)
    text = json.dumps(doc).replace(f'"{HUGE}"', "1e400")
    path = _folder(saved, tmp_path / "set", text)
    with pytest.raises(HingeError) as info:
        rebuild_report(path, video=False)
    message = str(info.value)
    assert "\n" not in message and len(message) < 400, message
    assert message.startswith(str(path)), message
    assert field in message, message


@pytest.mark.parametrize(("name", "text", "message"), [
    ("deeply nested", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("nested in a field", '{"schema_version": "1.0", "frames": 90, "reps": [], "provenance": '
     + "{\"a\": " * 30_000 + "1" + "}" * 30_000 + "}", "nested too deeply"),
    ("not JSON", "{reps: [", "is not valid JSON"),
    ("empty", "", "is not valid JSON"),
    ("a list", "[1, 2]", "the document must be a JSON object"),
])
def test_unparseable_analysis_is_one_line(saved: Path, tmp_path: Path, name: str, text: str, message: str) -> None:
    path = _folder(saved, tmp_path / "set", text)
    with pytest.raises(HingeError, match=message) as info:
        rebuild_report(path, video=False)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_hinge_report_prints_one_line_and_exits_2(saved: Path, base: dict[str, Any], tmp_path: Path) -> None:
    doc = copy.deepcopy(base)
    doc["reps"][1]["end_frame"] = 10 ** 9
    path = _folder(saved, tmp_path / "set", json.dumps(doc))
    res = subprocess.run([sys.executable, "-m", "hingecoach", "report", str(path), "--no-video"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 2, res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "reps[1].end_frame" in lines[0] and "internal error" not in lines[0]


# --- mutations ------------------------------------------------------------------------------

WEIRD: list[Any] = [None, True, False, 0, -1, 1, 2, 89, 90, 91, 0.5, -0.0, 1e9, 1e10, -1e12, 1e300, 10 ** 400,
                    2 ** 63, math.nan, math.inf, -math.inf, "", "x", "85", "nan", "\x00", "a\nb", "é" * 3,
                    "video", "romanian_deadlift", "rounded_back", "neutral_back", "safety", "deg",
                    [], [0], [1, 2], [5, 3], [0, 10 ** 12], [None, None], {}, {"a": 1}, [[[[]]]],
                    {"limit_deg": 1e9}, {"id": "x"}, {"rep": 1, "id": "rounded_back", "value": 1e9}]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key/index path in a document (the root excluded)."""
    out: list[tuple[Any, ...]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        out.append((*prefix, key))
        out.extend(_paths(child, (*prefix, key)))
    return out


NEST = "__NEST__"
NESTED = "[" * 20_000 + "]" * 20_000


def _mutate(doc: dict[str, Any], ops: list[tuple[str, int, Any]]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    for op, pick, value in ops:
        paths = _paths(doc)
        if not paths:
            break
        *parent_path, key = paths[pick % len(paths)]
        parent: Any = doc
        for k in parent_path:
            parent = parent[k]
        if op == "replace":
            parent[key] = value
        elif op == "delete" and isinstance(parent, dict):
            del parent[key]
        elif op == "delete":
            parent.pop(key)
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        elif op == "wrap":
            parent[key] = [parent[key]]
        elif op == "nest":
            parent[key] = NEST  # deep nesting goes into the text (json.dumps would recurse too)
        elif op == "scale" and isinstance(parent[key], int | float) and not isinstance(parent[key], bool):
            parent[key] = parent[key] * (value if isinstance(value, int | float) else 1000)
    return doc


mutation_ops = st.lists(st.tuples(st.sampled_from(["replace", "replace", "replace", "delete", "duplicate", "wrap",
                                                   "nest", "scale"]),
                                  st.integers(0, 10_000),
                                  st.one_of(st.sampled_from(WEIRD), st.integers(-(10 ** 6), 10 ** 6),
                                            st.floats(), st.text(max_size=6))),
                        min_size=1, max_size=3)


@settings(max_examples=MUTATIONS, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(ops=mutation_ops)
def test_mutated_analysis_reports_or_says_what_is_wrong(saved: Path, base: dict[str, Any],
                                                        tmp_path_factory: pytest.TempPathFactory,
                                                        ops: list[tuple[str, int, Any]]) -> None:
    """Whatever the mutation, `hinge report` (``rebuild_report``, no video) writes the report or
    raises a one-line HingeError naming the file; the training log's reader, too."""
    doc = _mutate(base, ops)
    text = json.dumps(doc).replace(f'"{NEST}"', NESTED)  # NaN, Infinity go in as JSON's non-standard literals
    path = _folder(saved, tmp_path_factory.mktemp("m"), text)
    try:
        written = rebuild_report(path, video=False)
    except HingeError as e:
        message = str(e)
        assert "\n" not in message and message.startswith(str(path)), message
        event("refused: " + re.sub(r"\[\d+\]", "[i]", message[len(str(path)) + 2:].split(" ")[1]))
    else:
        assert written["html"].name == HTML_NAME and written["html"].stat().st_size > 1000
        event("report written")
    try:
        read_analysis_file(path)  # the training log's reader of the same file
    except HingeError as e:
        assert "\n" not in str(e) and str(path) in str(e)
    for leftover in path.parent.iterdir():
        leftover.unlink()
    path.parent.rmdir()
