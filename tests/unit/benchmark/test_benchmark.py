"""The benchmark's own helpers (the numbers themselves live in `make bench`, never in tests)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from hingecoach import benchmark
from hingecoach.benchmark import (
    _PEAK_RSS_CODE,
    EXTRA_SECTIONS,
    SECTIONS,
    _looped,
    format_table,
    machine,
    minute_clip,
    parse_sections,
    section,
)
from hingecoach.errors import HingeError
from hingecoach.io.video import probe

DEMO = Path(__file__).resolve().parents[3] / "bench" / "clips" / "demo_rdl.mp4"


def test_looped_clip_plays_the_clip_n_times(tmp_path):
    once = probe(DEMO)
    thrice = probe(_looped(DEMO, 3, tmp_path))
    assert thrice.frame_count == 3 * once.frame_count
    assert thrice.fps == once.fps and (thrice.width, thrice.height) == (once.width, once.height)
    assert _looped(DEMO, 1, tmp_path) == DEMO


def test_peak_memory_is_the_child_own_not_the_parent(tmp_path):
    # A parent holding ~400 MB starts the child: the child's peak must not include it (the
    # kernel's ru_maxrss after fork+exec does).
    code = ("import subprocess, sys\n"
            "big = bytearray(b'x') * (400 * 1024 * 1024)\n"
            f"child = {_PEAK_RSS_CODE + 'print(_peak_mb())'!r}\n"
            "print(subprocess.run([sys.executable, '-c', child], capture_output=True, text=True).stdout)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(out.stdout.split()[-1]) < 200


def test_sections_by_name_and_a_clear_error_for_an_unknown_one() -> None:
    assert parse_sections(None) == list(SECTIONS + EXTRA_SECTIONS)
    assert parse_sections("batch, jobs") == ["jobs", "batch"]   # in running order
    for bad in ("jobs,bogus", " , "):
        with pytest.raises(HingeError, match="--only: .*known: stages, analyze, jobs, batch"):
            parse_sections(bad)


def test_the_machine_load_and_cpus_are_recorded() -> None:
    m = machine()
    assert m["cpus"] >= 1 and m["cpu_count"] >= m["cpus"] and len(m["load"]) in (0, 3)
    sec = section(lambda: {"x": 1})
    assert sec["x"] == 1 and set(sec["machine"]) == {"before", "after"} and sec["section_s"] >= 0


def test_the_minute_clip_is_looped_once_and_cached(tmp_path: Path) -> None:
    once = probe(DEMO)
    made = minute_clip(DEMO, seconds=20.0, cache=tmp_path)
    assert made.parent == tmp_path and probe(made).frame_count == 2 * once.frame_count
    stamp = made.stat().st_mtime_ns
    assert minute_clip(DEMO, seconds=20.0, cache=tmp_path) == made and made.stat().st_mtime_ns == stamp
    assert minute_clip(DEMO, seconds=1.0, cache=tmp_path) == DEMO   # long enough already


def _doc(reps: int) -> str:
    return json.dumps({"reps": [{"faults": [{"id": "knees_forward"}]} for _ in range(reps)]})


def test_jobs_and_batch_sections_alternate_runs_and_take_medians(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    def fake_timed(code: str, *args: str) -> dict:
        argv = ast.literal_eval(code.split("sys.argv = ", 1)[1].splitlines()[0])
        calls.append(argv)
        many = argv[argv.index("--jobs") + 1] != "1"
        return {"wall_s": 10.0 if many else 18.0, "stdout": _doc(3), "peak_rss_mb": 250.0 if many else 300.0,
                "cpu_self_s": 9.0 if many else 17.0, "cpu_children_s": 9.0 if many else 0.2}

    monkeypatch.setattr(benchmark, "_timed", fake_timed)
    j = benchmark.jobs_speedup(DEMO, runs=3, jobs=2, seconds=1.0)
    assert [c[-1] for c in calls] == ["1", "2", "2", "1", "1", "2"]   # the order swaps every round
    assert j["jobs_speedup"] == 1.8 and j["same_reps_and_faults"] and j["reps"] == 3
    assert j["peak_rss_mb_jobs_1"] == 300.0 and len(j["jobs_n_runs_s"]) == 3
    assert j["jobs_speedup_free_cores"] == round(17.2 / 9.0, 3) and j["cpu_jobs_n_s"] == 18.0
    calls.clear()
    b = benchmark.batch_speedup([DEMO, DEMO.parent / "rdl_good_side.mp4"], runs=2, workers=2)
    assert [c[1] for c in calls] == ["batch"] * 4 and b["batch_speedup"] == 1.8
    outs = [c[c.index("--out") + 1] for c in calls]
    assert len(set(outs)) == 4                                         # every run from an empty --out
    lines = format_table({"clip": str(DEMO), "jobs": {**j, "machine": {"before": machine(), "after": machine()}},
                          "batch": {**b, "machine": {"before": machine(), "after": machine()}}})
    text = "\n".join(lines)
    assert "speedup                        1.800 x  (goal >= 1.8)" in text and "load average" in text


def test_a_failed_timed_run_is_one_line() -> None:
    with pytest.raises(HingeError, match="a timed run failed"):
        benchmark._timed("import sys; sys.exit('boom')")
    ran = benchmark._timed(_PEAK_RSS_CODE + "import sys; print('hi'); print(_peak_mb(), file=sys.stderr)")
    assert ran["stdout"] == "hi\n" and 0 < ran["peak_rss_mb"] < 200
    ran = benchmark._timed(_PEAK_RSS_CODE + benchmark._USAGE_CODE + "import sys; print(_usage(), file=sys.stderr)")
    assert 0 < ran["peak_rss_mb"] < 200 and ran["cpu_self_s"] > 0 and ran["cpu_children_s"] >= 0


def test_bench_refuses_bad_input_in_one_line() -> None:
    for args in (["--only", "bogus"], ["--clip", "no-such.mp4", "--only", "jobs"]):
        res = subprocess.run([sys.executable, "-m", "hingecoach", "bench", *args], capture_output=True, text=True)
        assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert res.stderr.startswith("error: ")


def test_the_web_sections_are_printed() -> None:
    load = {"machine": {"before": {"load": [1.0, 1.0, 1.0], "cpus": 2}, "after": {"load": [1.0, 1.0, 1.0], "cpus": 2}}}
    r = {"clip": "c.mp4", "machine": {},
         "server": {"clip": "bench/clips/demo_rdl.mp4", "frames": 219, "upload_to_report_s": 14.9,
                    "upload_to_report_warm_s": 9.4, "cli_analyze_s": 5.4, "ratio": 2.7, **load},
         "live": {"clients": 50, "fps": 30.0, "stream_s": 18.0, "server_ms": {"p50": 0.3, "p95": 1.6, "max": 9.0},
                  "round_trip_ms": {"p50": 2.0, "p95": 9.0, "max": 20.0}, "clients_with_all_reps": 50,
                  "server_cpu_share_of_one_core": 0.6, "frames_sent_late_share": 0.0, **load}}
    text = "\n".join(format_table(r))
    assert "upload finished to report ready" in text and "later uploads (median)" in text and "9.40 s" in text
    assert "50 athletes at 30 fps" in text and "p95 1.6 ms" in text and "50 of 50" in text
