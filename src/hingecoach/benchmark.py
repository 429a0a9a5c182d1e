"""``make bench``: throughput of each stage and memory, on a 640x480 clip.

Stages: decode (PyAV, frames/s), pose (BlazePose on decoded frames, frames/s, with and without
the silhouette profile: ``--repeats`` alternating runs of each, medians, plus the same frames
interleaved in blocks, the median block ratio, which load from other processes on a shared
machine moves least), analysis after pose (features, reps, faults, coaching; frames/s on a
long generated track), and end to end (decode + pose + analysis, as ``hinge analyze`` runs it)
as a share of pose-only throughput. Memory: peak resident size of ``hinge analyze --back --out``
(everything, the report included) in a fresh process, on the clip and on the clip three times
over in one video, to show it does not grow with video length.
Speed goals live here, never in unit tests.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_CLIP = Path("bench/clips/demo_rdl.mp4")


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


def run(clip: Path = DEFAULT_CLIP, repeats: int = 7) -> dict[str, Any]:
    """All measurements as a dict."""

    decode, n = _decode_fps(clip)
    sil = _silhouette_cost(clip, repeats)
    pose, pose_seg = sil["pose_fps"], sil["pose_with_silhouette_fps"]
    blocks = segmentation_cost(clip)
    e2e = _end_to_end_fps(clip, segmentation=True)
    analysis = _analysis_fps()
    rss1, rss3 = _peak_rss_mb(clip, 1), _peak_rss_mb(clip, 3)
    report_5000 = report_seconds(5000)
    return {
        "clip": str(clip), "frames": n,
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
        "peak_rss_mb_1x": round(rss1, 1), "peak_rss_mb_3x": round(rss3, 1),
        "report_5000_reps_s": round(report_5000, 1),
        "self_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


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


def format_table(r: dict[str, Any]) -> list[str]:
    """The benchmark as the lines of a table, for the terminal."""
    lines: list[str] = []
    lines.append(f"clip: {r['clip']} ({r['frames']} frames)")
    lines.append(f"decode                      {r['decode_fps']:8.1f} frames/s")
    lines.append(f"pose (BlazePose full)       {r['pose_fps']:8.1f} frames/s")
    lines.append(f"pose + silhouette profile   {r['pose_with_silhouette_fps']:8.1f} frames/s "
          f"({r['silhouette_cost_pct']:+}% time, {r['silhouette_cost_cpu_pct']:+}% CPU; medians of "
          f"{len(r['silhouette_cost_pct_runs'])} runs each; goal <= 10%)")
    lines.append(f"  same frames interleaved   {r['silhouette_cost_interleaved_pct']:+8.1f}% wall, "
          f"{r['silhouette_cost_interleaved_cpu_pct']:+.1f}% CPU (median over blocks of 10 frames)")
    lines.append(f"analysis after pose         {r['analysis_fps']:8.0f} frames/s (goal >= 5000)")
    lines.append(f"end to end                  {r['end_to_end_fps']:8.1f} frames/s = "
          f"{r['end_to_end_over_pose']:.2f} x pose-only (goal >= 0.95)")
    lines.append(f"peak memory, clip once      {r['peak_rss_mb_1x']:8.1f} MB")
    lines.append(f"peak memory, clip 3 times   {r['peak_rss_mb_3x']:8.1f} MB (flat when about equal)")
    lines.append(f"hinge report, 5,000 reps    {r['report_5000_reps_s']:8.1f} s, no video (goal < 30 s)")
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
