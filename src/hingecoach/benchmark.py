"""``make bench``: throughput of each stage and memory, on a 640x480 clip.

Stages: decode (PyAV, frames/s), pose (BlazePose on decoded frames, frames/s, with and without
the silhouette profile: ``--repeats`` alternating runs of each, medians, plus the same frames
interleaved in blocks, the median block ratio, which load from other processes on a shared
machine moves least), analysis after pose (features, reps, faults, coaching; frames/s on a
long generated track), and end to end (decode + pose + analysis, as ``hinge analyze`` runs it)
as a share of pose-only throughput. Memory: peak resident size of ``hinge analyze --back --out``
(everything, the report included) in a fresh process, on the clip and on the clip three times
over in one video, to show it does not grow with video length.

The figures of issue #20, each a whole process (start-up included), runs alternated, medians:

- ``analyze``: ``hinge analyze CLIP --json`` against a plain pose loop (decode and BlazePose
  over every frame, nothing else) in a fresh process; goal >= 0.95 of its throughput.
- ``jobs``: ``hinge analyze --jobs 2`` against ``--jobs 1`` on a clip of about a minute (the bench
  clip looped with PyAV, cached in ``.cache/bench/``); goal >= 1.8x.
- ``batch``: ``hinge batch`` of 8 bench clips on a local Ray with 2 workers against 1; goal >= 1.8x.
- ``memory``: peak resident size; goal < 400 MB.

Every section records the load average and the CPUs when it starts and ends (``machine``), so a
figure from a busy machine can be told apart. ``run(sections=…)`` (``hinge bench --only``) runs
some of them. Speed goals live here, never in unit tests.
"""

from __future__ import annotations

import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hingecoach.errors import HingeError

DEFAULT_CLIP = Path("bench/clips/demo_rdl.mp4")
#: Where the minute-long clip is kept between runs.
CACHE = Path(".cache/bench")
#: ``hinge bench --only`` names, in the order they run. ``server`` (the web app's figures,
#: ``hingecoach.web.bench.server_figures``) is run by ``cli/bench.py``: this layer may not
#: import the web app.
SECTIONS = ("stages", "analyze", "jobs", "batch", "memory", "report")
EXTRA_SECTIONS = ("server", "live")   # measured by cli/bench.py (the web app sits above this module)
GOALS = {"analyze_over_pose_loop": 0.95, "jobs_speedup": 1.8, "batch_speedup": 1.8, "peak_rss_mb": 400.0}


def machine() -> dict[str, Any]:
    """The load average (1, 5 and 15 minutes) and the CPUs this process may use, now; and
    whether the kernel shares the CPUs by session (Linux autogroup: then the workers of one
    command share its session's part of a busy machine, and adding workers gains little)."""
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:   # not available on this system
        load = []
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        cpus = os.cpu_count() or 1
    try:
        autogroup: bool | None = Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
    except OSError:
        autogroup = None
    return {"load": load, "cpus": cpus, "cpu_count": os.cpu_count() or cpus, "autogroup": autogroup}


def parse_sections(text: str | None) -> list[str]:
    """``--only`` as a list of section names (all, :data:`SECTIONS` and :data:`EXTRA_SECTIONS`,
    when None); an unknown
    name is a one-line error."""
    if text is None:
        return list(SECTIONS + EXTRA_SECTIONS)
    names = [t.strip().lower() for t in text.split(",") if t.strip()]
    known = SECTIONS + EXTRA_SECTIONS
    bad = [n for n in names if n not in known]
    if bad or not names:
        what = f"unknown section {bad[0]!r}" if bad else "name a section"
        raise HingeError(f"--only: {what} (known: {', '.join(known)})")
    return [n for n in known if n in names]


def _decode_fps(clip: Path) -> tuple[float, int]:
    from hingecoach.io.video import iter_frames, probe

    info = probe(clip)
    t = time.perf_counter()
    n = sum(1 for _ in iter_frames(info))
    return n / (time.perf_counter() - t), n


def _pose_rates(clip: Path, segmentation: bool, limit: int = 200) -> tuple[float, float]:
    """BlazePose frames per second on the clip's first ``limit`` frames, of wall time and of
    this process's CPU time (what the pipeline spends, whatever other processes on a shared
    machine take)."""
    from hingecoach.io.video import iter_frames, probe
    from hingecoach.pose import get_backend

    frames = []
    for f in iter_frames(probe(clip)):
        frames.append(f)
        if len(frames) >= limit:
            break
    est = get_backend("mediapipe", "full", segmentation=segmentation)
    try:
        for f in frames[:10]:  # warm-up
            est.process(f.rgb, f.t_s)
        t, c = time.perf_counter(), time.process_time()
        for f in frames:
            est.process(f.rgb, f.t_s)
        return len(frames) / (time.perf_counter() - t), len(frames) / (time.process_time() - c)
    finally:
        est.close()


def _silhouette_cost(clip: Path, repeats: int) -> dict[str, Any]:
    """Pose frames/s without and with the silhouette, ``repeats`` runs of each in alternating
    order (one process); the cost is the ratio of the medians, in wall and in CPU time."""
    runs: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    for i in range(repeats):
        for with_seg in ((False, True) if i % 2 == 0 else (True, False)):
            runs[with_seg].append(_pose_rates(clip, segmentation=with_seg))
    med = {k: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v)) for k, v in runs.items()}
    return {"pose_fps": med[False][0], "pose_with_silhouette_fps": med[True][0],
            "silhouette_cost_pct": 100.0 * (med[False][0] / med[True][0] - 1.0),
            "silhouette_cost_cpu_pct": 100.0 * (med[False][1] / med[True][1] - 1.0),
            "silhouette_cost_pct_runs": [round(100.0 * (a[0] / b[0] - 1.0), 1)
                                         for a, b in zip(runs[False], runs[True], strict=True)]}


def _end_to_end_fps(clip: Path, segmentation: bool) -> float:
    from hingecoach.pipeline import analyze_path

    t = time.perf_counter()
    res = analyze_path(clip, segmentation=segmentation)
    return res.analysis.frames / (time.perf_counter() - t)


def _analysis_fps(frames: int = 36000) -> float:
    from hingecoach.core.coach.coaching import coach_analysis
    from hingecoach.core.reps.engine import analyze_track
    from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement

    n_reps = max(1, int(frames / 30.0 / 4.0))
    track = fake_hinge_track(hinge_movement(n_reps=n_reps, rep_s=3.0, pause_s=1.0), noise_px=1.0)
    t = time.perf_counter()
    analysis, tf = analyze_track(track)
    coach_analysis(analysis, tf)
    return track.n_frames / (time.perf_counter() - t)


#: Prints the peak resident size of the running process in MB. On Linux it reads VmHWM, the
#: high-water mark of the process's own memory: ``ru_maxrss`` of a child started by
#: subprocess also counts the parent's peak (the kernel folds the pre-exec memory into it), so a
#: bench that has grown would be reported as the child's peak.
_PEAK_RSS_CODE = (
    "def _peak_mb():\n"
    "    try:\n"
    "        with open('/proc/self/status') as fh:\n"
    "            for line in fh:\n"
    "                if line.startswith('VmHWM:'):\n"
    "                    return int(line.split()[1]) / 1024\n"
    "    except OSError:\n"
    "        pass\n"
    "    import resource\n"
    "    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
)


def _looped(clip: Path, repeats: int, out: Path) -> Path:
    """The clip ``repeats`` times over in one file (packets copied, timestamps shifted): a
    longer video of the same content, made in well under a second."""
    import av

    if repeats <= 1:
        return clip
    dst = out / f"{clip.stem}-x{repeats}{clip.suffix}"
    with av.open(str(clip)) as inp, av.open(str(dst), "w") as mux:
        src = inp.streams.video[0]
        stream = mux.add_stream_from_template(src)
        offset = end = 0
        for _ in range(repeats):
            inp.seek(0)
            for pkt in inp.demux(src):
                if pkt.dts is None or pkt.pts is None:
                    continue
                pkt.pts += offset
                pkt.dts += offset
                end = max(end, pkt.pts + (pkt.duration or 0))
                pkt.stream = stream
                mux.mux(pkt)
            offset = end
    return dst


def _peak_rss_mb(clip: Path, repeats: int) -> float:
    """Peak RSS of a fresh process running ``hinge analyze --back --out`` (pose with the
    silhouette, analysis, coaching, annotated video, plots and report) on the clip played
    ``repeats`` times over in one video, as a longer video would be."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        video = _looped(clip, repeats, Path(tmp))
        argv = ["hinge", "analyze", str(video), "--back", "--out", str(Path(tmp) / "out")]
        code = (
            _PEAK_RSS_CODE +
            "import sys\n"
            f"sys.argv = {argv!r}\n"
            "from hingecoach.cli import app\n"
            "app(standalone_mode=False)\n"
            "print(_peak_mb())\n"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _stages(clip: Path, repeats: int) -> dict[str, Any]:
    """Decode, pose with and without the silhouette, analysis, end to end (in this process)."""
    decode, n = _decode_fps(clip)
    sil = _silhouette_cost(clip, repeats)
    pose, pose_seg = sil["pose_fps"], sil["pose_with_silhouette_fps"]
    blocks = segmentation_cost(clip)
    e2e = _end_to_end_fps(clip, segmentation=True)
    analysis = _analysis_fps()
    return {
        "frames": n,
        "decode_fps": round(decode, 1),
        "pose_fps": round(pose, 1),
        "pose_with_silhouette_fps": round(pose_seg, 1),
        "silhouette_cost_pct": round(sil["silhouette_cost_pct"], 1),
        "silhouette_cost_cpu_pct": round(sil["silhouette_cost_cpu_pct"], 1),
        "silhouette_cost_pct_runs": sil["silhouette_cost_pct_runs"],
        "silhouette_cost_interleaved_pct": round(100.0 * blocks["added_share_wall_median_block"], 1),
        "silhouette_cost_interleaved_cpu_pct": round(100.0 * blocks["added_share_cpu_median_block"], 1),
        "end_to_end_fps": round(e2e, 1),
        "end_to_end_over_pose": round(e2e / pose_seg, 3),
        "analysis_fps": round(analysis, 0),
    }


#: Prints, as the last line of stderr, the process's peak RSS (MB), its own CPU seconds and
#: those of the children it waited for (a pool's workers): ``bench: <MB> <self s> <children s>``.
_USAGE_CODE = (
    "def _usage():\n"
    "    import resource\n"
    "    me, ch = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "    return f'bench: {_peak_mb()} {me.ru_utime + me.ru_stime} {ch.ru_utime + ch.ru_stime}'\n"
)


def _cli_code(argv: Sequence[str]) -> str:
    """Python for a fresh process that runs ``hinge argv`` and prints its peak RSS and CPU
    seconds as the last line of stderr (:data:`_USAGE_CODE`)."""
    return (_PEAK_RSS_CODE + _USAGE_CODE + "import sys\n"
            f"sys.argv = {['hinge', *argv]!r}\n"
            "try:\n"
            "    from hingecoach.cli import main\n"
            "    main()\n"
            "finally:\n"
            "    print(_usage(), file=sys.stderr)\n")


#: A plain pose loop: decode every frame and run BlazePose on it, nothing else.
_POSE_LOOP_CODE = (
    "import sys\n"
    "from hingecoach.io.video import iter_frames, probe\n"
    "from hingecoach.pose import get_backend\n"
    "est = get_backend('mediapipe', 'full')\n"
    "n = 0\n"
    "for f in iter_frames(probe(sys.argv[1])):\n"
    "    est.process(f.rgb, f.t_s)\n"
    "    n += 1\n"
    "est.close()\n"
    "print(n)\n"
    "print(_usage(), file=sys.stderr)\n"
)


def _timed(code: str, *args: str) -> dict[str, Any]:
    """Run ``python -c code args`` in a fresh process: wall seconds, stdout, and what it
    printed last on stderr when it did: peak RSS (MB; a bare number, or ``bench: MB self_cpu
    children_cpu``) and CPU seconds. A failed run is a one-line error."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    wall = time.perf_counter() - started
    tail = proc.stderr.strip().splitlines()
    out: dict[str, Any] = {"wall_s": wall, "stdout": proc.stdout, "peak_rss_mb": None}
    last = tail[-1].removeprefix("bench: ").split() if tail else []
    try:
        if len(last) == 3:
            out.update(peak_rss_mb=float(last[0]), cpu_self_s=float(last[1]), cpu_children_s=float(last[2]))
        elif len(last) == 1:
            out["peak_rss_mb"] = float(last[0])
    except ValueError:
        pass
    if proc.returncode not in (0, 3):
        lines = [t for t in tail if not t.startswith("bench: ") and not t.replace(".", "", 1).isdigit()]
        raise HingeError(f"bench: a timed run failed ({lines[-1] if lines else f'exit {proc.returncode}'})")
    return out


def _alternated(runs: int, named: dict[str, Callable[[], dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """``runs`` rounds of every named run, the order reversed every other round (so a burst of
    load from other processes hits both sides alike)."""
    names = list(named)
    out: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for i in range(runs):
        for name in (names if i % 2 == 0 else names[::-1]):
            out[name].append(named[name]())
    return out


def _median_wall(runs: list[dict[str, Any]]) -> float:
    return statistics.median(r["wall_s"] for r in runs)


def _walls(runs: list[dict[str, Any]]) -> list[float]:
    return [round(r["wall_s"], 2) for r in runs]


def analyze_over_pose_loop(clip: Path, runs: int = 3) -> dict[str, Any]:
    """Whole processes: ``hinge analyze CLIP --json`` and a plain pose loop over the same clip,
    alternated; the ratio of the median walls (1.0: the analysis costs nothing beyond pose)."""
    res = _alternated(runs, {
        "analyze": lambda: _timed(_cli_code(["analyze", str(clip), "--json", "--jobs", "1"])),
        "pose_loop": lambda: _timed(_PEAK_RSS_CODE + _USAGE_CODE + _POSE_LOOP_CODE, str(clip)),
    })
    a, p = _median_wall(res["analyze"]), _median_wall(res["pose_loop"])
    return {"clip": str(clip), "analyze_s": round(a, 2), "pose_loop_s": round(p, 2),
            "analyze_runs_s": _walls(res["analyze"]), "pose_loop_runs_s": _walls(res["pose_loop"]),
            "analyze_over_pose_loop": round(p / a, 3)}


def minute_clip(clip: Path, seconds: float = 60.0, cache: Path = CACHE) -> Path:
    """The clip looped (PyAV, packets copied) to at least ``seconds`` long, cached under
    ``cache`` by the clip's name, size and loop count; made once (well under a second)."""
    from hingecoach.io.video import probe

    info = probe(clip)
    repeats = max(1, math.ceil(seconds / max(info.duration_s, 1e-3)))
    if repeats == 1:
        return clip
    dst = cache / f"{clip.stem}-{clip.stat().st_size}-x{repeats}{clip.suffix}"
    if dst.is_file():
        return dst
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        made = _looped(clip, repeats, Path(tmp))
        made.replace(dst)
    return dst


def _reps_and_faults(stdout: str) -> tuple[int, list[list[str]]]:
    doc = json.loads(stdout)
    return len(doc["reps"]), [sorted(f["id"] for f in r["faults"]) for r in doc["reps"]]


def jobs_speedup(clip: Path, runs: int = 3, jobs: int = 2, seconds: float = 60.0) -> dict[str, Any]:
    """Whole processes: ``hinge analyze MINUTE --json --jobs 1`` and ``--jobs N`` on the clip
    looped to a minute, alternated; the speedup of the median walls, the peak RSS of the
    ``hinge`` process, and whether both found the same reps and faults."""
    from hingecoach.io.video import probe

    video = minute_clip(clip, seconds)
    res = _alternated(runs, {
        "jobs_1": lambda: _timed(_cli_code(["analyze", str(video), "--json", "--jobs", "1"])),
        f"jobs_{jobs}": lambda: _timed(_cli_code(["analyze", str(video), "--json", "--jobs", str(jobs)])),
    })
    one, many = res["jobs_1"], res[f"jobs_{jobs}"]
    same = len({repr(_reps_and_faults(r["stdout"])) for r in one + many}) == 1
    t1, tn = _median_wall(one), _median_wall(many)
    cpu: dict[str, Any] = {}
    if all("cpu_self_s" in r for r in one + many):
        # CPU seconds, which other processes on a shared machine move far less than wall time:
        # all processes' together, and the critical path with every process on a core of its
        # own (the calling process, or its workers' CPU shared out evenly over them).
        c1 = statistics.median(r["cpu_self_s"] + r["cpu_children_s"] for r in one)
        cn = statistics.median(r["cpu_self_s"] + r["cpu_children_s"] for r in many)
        path = statistics.median(max(r["cpu_self_s"], r["cpu_children_s"] / max(1, jobs - 1)) for r in many)
        cpu = {"cpu_jobs_1_s": round(c1, 2), "cpu_jobs_n_s": round(cn, 2), "cpu_path_jobs_n_s": round(path, 2),
               "jobs_speedup_free_cores": round(c1 / path, 3)}
    return {"clip": str(video), "video_s": round(probe(video).duration_s, 1), "jobs": jobs,
            "jobs_1_s": round(t1, 2), "jobs_n_s": round(tn, 2), "jobs_1_runs_s": _walls(one),
            "jobs_n_runs_s": _walls(many), "jobs_speedup": round(t1 / tn, 3),
            "reps": _reps_and_faults(one[0]["stdout"])[0], "same_reps_and_faults": same,
            "peak_rss_mb_jobs_1": max(r["peak_rss_mb"] or 0.0 for r in one),
            "peak_rss_mb_jobs_n": max(r["peak_rss_mb"] or 0.0 for r in many), **cpu}


def batch_speedup(clips: Sequence[Path], runs: int = 1, workers: int = 2, engine: str = "ray") -> dict[str, Any]:
    """Whole processes: ``hinge batch`` of the clips with ``--jobs 1`` and ``--jobs N`` (a local
    Ray, started and stopped by each run), each run from an empty ``--out``, alternated."""
    from hingecoach.io.video import probe

    if not clips:
        raise HingeError("bench: no clips for the batch section")
    video_s = sum(probe(c).duration_s for c in clips)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "clips"
        folder.mkdir()
        for c in clips:
            shutil.copy(c, folder / c.name)
        count = [0]

        def one(j: int) -> dict[str, Any]:
            count[0] += 1
            out = Path(tmp) / f"out-{count[0]}"
            return _timed(_cli_code(["batch", str(folder), "--out", str(out), "--jobs", str(j),
                                     "--engine", engine]))

        res = _alternated(runs, {"workers_1": lambda: one(1), f"workers_{workers}": lambda: one(workers)})
    t1, tn = _median_wall(res["workers_1"]), _median_wall(res[f"workers_{workers}"])
    return {"clips": len(clips), "video_s": round(video_s, 1), "engine": engine, "workers": workers,
            "workers_1_s": round(t1, 2), "workers_n_s": round(tn, 2),
            "workers_1_runs_s": _walls(res["workers_1"]), "workers_n_runs_s": _walls(res[f"workers_{workers}"]),
            "batch_speedup": round(t1 / tn, 3)}


def bench_clips(n: int = 8, folder: Path = DEFAULT_CLIP.parent) -> list[Path]:
    """The first ``n`` videos of the bench folder, by name."""
    return sorted(p for p in folder.glob("*.mp4") if p.is_file())[:n]


def _memory(clip: Path) -> dict[str, Any]:
    rss1, rss3 = _peak_rss_mb(clip, 1), _peak_rss_mb(clip, 3)
    return {"peak_rss_mb_1x": round(rss1, 1), "peak_rss_mb_3x": round(rss3, 1), "peak_rss_mb": round(max(rss1, rss3), 1)}


def run(clip: Path = DEFAULT_CLIP, repeats: int = 7, sections: Sequence[str] | None = None, runs: int = 3,
        batch_clips: int = 8, batch_runs: int = 1, jobs: int = 2) -> dict[str, Any]:
    """The chosen sections' measurements (all of :data:`SECTIONS` by default), each with the
    machine's load and CPUs when it started and ended."""
    from hingecoach.io.video import probe

    if not clip.is_file():
        raise HingeError(f"{clip}: no such file")
    probe(clip)   # a clip hingecoach cannot read is a one-line error before anything runs
    chosen = [s for s in (sections or SECTIONS) if s in SECTIONS]
    work: dict[str, Callable[[], dict[str, Any]]] = {
        "stages": lambda: _stages(clip, repeats),
        "analyze": lambda: analyze_over_pose_loop(clip, runs),
        "jobs": lambda: jobs_speedup(clip, runs, jobs),
        "batch": lambda: batch_speedup(bench_clips(batch_clips, clip.parent), batch_runs, jobs),
        "memory": lambda: _memory(clip),
        "report": lambda: {"report_5000_reps_s": round(report_seconds(5000), 1)},
    }
    result: dict[str, Any] = {"clip": str(clip), "machine": machine()}
    for name in chosen:
        result[name] = section(work[name])
    result["self_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def section(measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A section's figures, with the machine before and after (load average, CPUs) and its
    seconds."""
    before, started = machine(), time.perf_counter()
    figures = measure()
    return {**figures, "machine": {"before": before, "after": machine()},
            "section_s": round(time.perf_counter() - started, 1)}


def segmentation_cost(video: Path, model: str = "full", max_frames: int = 240, block: int = 10) -> dict[str, float]:
    """Pose estimation with and without the silhouette profile on the same frames.

    Two estimators run side by side on alternating blocks of ``block`` frames (each block
    first by one, then by the other, the order swapping every block), so load from other
    processes hits both alike. The cost is given as process CPU time and wall time per frame
    over all blocks, and as the median over blocks of the with/without ratio (wall and CPU),
    which a burst of load on a shared machine cannot move much. Returns seconds per frame for
    each estimator and the added shares (0.05 = 5 % more time with the silhouette).
    """
    import statistics
    import time

    from hingecoach.io.video import iter_frames, probe
    from hingecoach.pose import get_backend

    info = probe(video)
    frames = [f for _, f in zip(range(max_frames), iter_frames(info), strict=False)]
    ests = {seg: get_backend("mediapipe", model, segmentation=seg) for seg in (False, True)}
    cpu = {False: 0.0, True: 0.0}
    wall = {False: 0.0, True: 0.0}
    ratios: dict[str, list[float]] = {"cpu": [], "wall": []}
    try:
        for est in ests.values():  # warm-up: graph start, first detections
            for f in frames[:10]:
                est.process(f.rgb, f.t_s)
        for i in range(0, len(frames), block):
            chunk = frames[i:i + block]
            c_blk, w_blk = {}, {}
            for seg in ((False, True) if (i // block) % 2 == 0 else (True, False)):
                c0, w0 = time.process_time(), time.perf_counter()
                for f in chunk:
                    ests[seg].process(f.rgb, f.t_s)
                c_blk[seg], w_blk[seg] = time.process_time() - c0, time.perf_counter() - w0
                cpu[seg] += c_blk[seg]
                wall[seg] += w_blk[seg]
            if c_blk[False] > 0 and w_blk[False] > 0:
                ratios["cpu"].append(c_blk[True] / c_blk[False])
                ratios["wall"].append(w_blk[True] / w_blk[False])
    finally:
        for est in ests.values():
            est.close()
    n = float(len(frames))
    return {"frames": n, "width": float(frames[0].rgb.shape[1]), "height": float(frames[0].rgb.shape[0]),
            "pose_cpu_s_per_frame": cpu[False] / n, "seg_cpu_s_per_frame": cpu[True] / n,
            "added_share_cpu": cpu[True] / cpu[False] - 1.0,
            "pose_wall_s_per_frame": wall[False] / n, "seg_wall_s_per_frame": wall[True] / n,
            "added_share_wall": wall[True] / wall[False] - 1.0,
            "added_share_cpu_median_block": statistics.median(ratios["cpu"]) - 1.0,
            "added_share_wall_median_block": statistics.median(ratios["wall"]) - 1.0}


def _load(sec: dict[str, Any]) -> str:
    m = sec.get("machine") or {}
    loads = [x for side in ("before", "after") for x in ((m.get(side) or {}).get("load") or [])[:1]]
    cpus = (m.get("before") or {}).get("cpus", "?")
    return f"    load average {' -> '.join(f'{x:.1f}' for x in loads)} (1 min, start -> end) on {cpus} CPUs"


def format_table(r: dict[str, Any]) -> list[str]:
    """The benchmark as the lines of a table, for the terminal (the sections that ran)."""
    lines: list[str] = [f"clip: {r['clip']}"]
    if (r.get("machine") or {}).get("autogroup"):
        lines.append("note: the kernel shares the CPUs by session (autogroup); on a busy machine speedups understate")
    if "stages" in r:
        s = r["stages"]
        lines.append(f"stages ({s['frames']} frames, in this process)")
        lines.append(f"  decode                      {s['decode_fps']:8.1f} frames/s")
        lines.append(f"  pose (BlazePose full)       {s['pose_fps']:8.1f} frames/s")
        lines.append(f"  pose + silhouette profile   {s['pose_with_silhouette_fps']:8.1f} frames/s "
                     f"({s['silhouette_cost_pct']:+}% time, {s['silhouette_cost_cpu_pct']:+}% CPU; medians of "
                     f"{len(s['silhouette_cost_pct_runs'])} runs each; goal <= 10%)")
        lines.append(f"    same frames interleaved   {s['silhouette_cost_interleaved_pct']:+8.1f}% wall, "
                     f"{s['silhouette_cost_interleaved_cpu_pct']:+.1f}% CPU (median over blocks of 10 frames)")
        lines.append(f"  analysis after pose         {s['analysis_fps']:8.0f} frames/s (goal >= 5000)")
        lines.append(f"  end to end                  {s['end_to_end_fps']:8.1f} frames/s = "
                     f"{s['end_to_end_over_pose']:.2f} x pose-only")
        lines.append(_load(s))
    if "analyze" in r:
        a = r["analyze"]
        lines.append(f"hinge analyze vs a plain pose loop, whole processes (medians of {len(a['analyze_runs_s'])})")
        lines.append(f"  hinge analyze --json        {a['analyze_s']:8.2f} s  {a['analyze_runs_s']}")
        lines.append(f"  decode + pose loop          {a['pose_loop_s']:8.2f} s  {a['pose_loop_runs_s']}")
        lines.append(f"  throughput ratio            {a['analyze_over_pose_loop']:8.3f}    (goal >= 0.95)")
        lines.append(_load(a))
    if "jobs" in r:
        j = r["jobs"]
        lines.append(f"one clip on {j['jobs']} cores: {j['clip']} ({j['video_s']} s, {j['reps']} reps; "
                     f"medians of {len(j['jobs_1_runs_s'])})")
        lines.append(f"  hinge analyze --jobs 1      {j['jobs_1_s']:8.2f} s  {j['jobs_1_runs_s']}")
        lines.append(f"  hinge analyze --jobs {j['jobs']}      {j['jobs_n_s']:8.2f} s  {j['jobs_n_runs_s']}")
        lines.append(f"  speedup                     {j['jobs_speedup']:8.3f} x  (goal >= 1.8); same reps and "
                     f"faults: {'yes' if j['same_reps_and_faults'] else 'NO'}")
        if "cpu_jobs_1_s" in j:
            lines.append(f"  CPU, all processes          {j['cpu_jobs_1_s']:8.2f} s (--jobs 1), {j['cpu_jobs_n_s']:.2f} s "
                         f"(--jobs {j['jobs']}); longest process {j['cpu_path_jobs_n_s']:.2f} s")
            lines.append(f"  speedup on free cores       {j['jobs_speedup_free_cores']:8.3f} x  (from CPU time: "
                         "what the wall speedup would be with a core per process)")
        lines.append(f"  peak RSS, hinge process     {j['peak_rss_mb_jobs_1']:8.1f} MB (--jobs 1), "
                     f"{j['peak_rss_mb_jobs_n']:.1f} MB (--jobs {j['jobs']}; each worker is smaller)")
        lines.append(_load(j))
    if "batch" in r:
        b = r["batch"]
        lines.append(f"hinge batch, {b['clips']} clips ({b['video_s']} s of video), {b['engine']} "
                     f"(medians of {len(b['workers_1_runs_s'])}; start and stop included)")
        lines.append(f"  1 worker                    {b['workers_1_s']:8.2f} s  {b['workers_1_runs_s']}")
        lines.append(f"  {b['workers']} workers                   {b['workers_n_s']:8.2f} s  {b['workers_n_runs_s']}")
        lines.append(f"  speedup                     {b['batch_speedup']:8.3f} x  (goal >= 1.8)")
        lines.append(_load(b))
    if "memory" in r:
        m = r["memory"]
        lines.append("peak memory, hinge analyze --back --out (fresh process)")
        lines.append(f"  clip once                   {m['peak_rss_mb_1x']:8.1f} MB")
        lines.append(f"  clip 3 times                {m['peak_rss_mb_3x']:8.1f} MB (flat when about equal; goal < 400 MB)")
        lines.append(_load(m))
    if "report" in r:
        lines.append(f"hinge report, 5,000 reps      {r['report']['report_5000_reps_s']:8.1f} s, no video (goal < 30 s)")
        lines.append(_load(r["report"]))
    if "server" in r:
        v = r["server"]
        lines.append(f"web app, {Path(v['clip']).name} ({v['frames']} frames), upload finished to report ready")
        lines.append(f"  first upload                {v['upload_to_report_s']:8.2f} s  (the worker's imports and model load)")
        if v.get("upload_to_report_warm_s") is not None:
            lines.append(f"  later uploads (median)      {v['upload_to_report_warm_s']:8.2f} s")
        lines.append(f"  hinge analyze --json        {v['cli_analyze_s']:8.2f} s  (whole process; no report)")
        lines.append(_load(v))
    if "live" in r:
        v = r["live"]
        lines.append(f"live socket, {v['clients']} athletes at {v['fps']:g} fps for {v['stream_s']} s "
                     f"(one server process; the clients share the machine)")
        lines.append(f"  server, message to events  p50 {v['server_ms']['p50']} ms, p95 {v['server_ms']['p95']} ms "
                     f"(goal p95 <= 5), max {v['server_ms']['max']} ms")
        lines.append(f"  round trip seen by clients  p50 {v['round_trip_ms']['p50']} ms, p95 {v['round_trip_ms']['p95']} ms")
        lines.append(f"  athletes with every rep     {v['clients_with_all_reps']} of {v['clients']}; server CPU "
                     f"{v['server_cpu_share_of_one_core']} of a core; frames sent late {v['frames_sent_late_share']}")
        lines.append(_load(v))
    return lines


def report_seconds(n_reps: int = 5000) -> float:
    """Wall seconds of ``hinge report analysis.json --no-video`` (a fresh process: start-up,
    reading, features, plots and page) on a generated set of ``n_reps`` one-second reps, a
    fault on every third rep. The set is made (and its analysis.json and track.npz written)
    before the clock starts. Goal: a 5,000-rep set in under 30 s."""
    import tempfile

    from hingecoach.core.reps.engine import analyze_track
    from hingecoach.core.results import Finding
    from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement
    from hingecoach.pipeline import Result, write_outputs

    track = fake_hinge_track(hinge_movement(n_reps=n_reps, rep_s=1.0, pause_s=0.2, lead_s=0.5, tail_s=0.5),
                             noise_px=1.0)
    analysis, tf = analyze_track(track)
    for k, rep in enumerate(analysis.reps):
        if k % 3 == 1:
            rep.faults = [Finding(id="squatted_hinge", value=45.0, threshold=35.0, unit="deg", severity="form",
                                  frames=(rep.bottom_frame - 3, rep.bottom_frame + 3), confidence=0.9,
                                  cue="Push your hips back; keep the knees where they are.")]
    analysis.drill = {"id": "romanian_deadlift", "confidence": 0.9, "source": "recognised"}
    with tempfile.TemporaryDirectory() as tmp:
        write_outputs(Result(analysis=analysis, features=tf, track=track, timings_s={}), tmp)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "hingecoach", "report", str(Path(tmp) / "analysis.json"), "--no-video"],
                       check=True, capture_output=True, text=True)
        return time.perf_counter() - started
