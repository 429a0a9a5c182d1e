"""How well ``hinge compare`` synchronises and measures, on the synthetic bench (docs/compare.md).

``python -m hingecoach.comparison.bench`` prints the table of docs/compare.md: for pairs of bench
clips of one drill (good against cut short or faulted, a clip against itself played 1.5 times
slower or faster, sets of other rep counts), the synchronisation error and the error of the
differences, against the clips' ground truth (``*.gt.json``). Pose tracks come from the cache
(``.cache/tracks``, as ``hinge eval``), so a rerun takes seconds.

- Synchronisation: the ground truth says when each rep was 25, 50 and 75 % of the way down and up
  (its commanded progress) and the middle of its hold at the bottom. Each such moment of A, carried
  through the warp, should land on the same moment of B; the error is the distance, in ms.
- Differences: B − A of the metric against B − A of the same metric read off the ground truth's
  sagittal angles at the frames the analysis found (so only the angles' error counts).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from hingecoach.comparison import compare
from hingecoach.comparison.sources import ComparedSet
from hingecoach.core.coach.coaching import coach_analysis
from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.track.pose_track import PoseTrack
from hingecoach.evaluation.clips import cached_track

BENCH = Path("bench/clips")
CACHE = Path(".cache/tracks")
#: (A, B, how many times slower B is played than recorded).
PAIRS: tuple[tuple[str, str, float], ...] = (
    ("rdl_good_side", "rdl_good_side", 1.0),
    ("rdl_good_side", "rdl_good_side", 1.5),
    ("rdl_good_side", "rdl_good_side", 0.75),
    ("rdl_good_side", "rdl_partial_side", 1.0),
    ("rdl_good_side", "rdl_knee_dominant_side", 1.0),
    ("rdl_good_side", "rdl_knees_forward_side", 1.0),
    ("rdl_good_side", "rdl_bar_drift_side", 1.0),
    ("rdl_good_side", "rdl_hips_rise_first_side", 1.0),
    ("rdl_good_side", "rdl_knee_rebend_side", 1.0),
    ("demo_rdl", "rdl_good_side", 1.0),
    ("sldl_good_side", "sldl_knee_dominant_side", 1.0),
    ("sldl_good_side", "sldl_good_side_far", 1.0),
    ("cpt_good_side", "cpt_knee_dominant_side", 1.0),
    ("tkhh_good_side", "tkhh_knee_dominant_side", 1.0),
    ("quad_good_side", "quad_partial_side", 1.0),
)
MOMENT_LEVELS = (0.25, 0.5, 0.75)
METRIC_KEYS = ("hip_flexion_peak_deg", "knee_flexion_start_deg", "knee_flexion_bottom_deg")


def slowed(track: PoseTrack, factor: float) -> PoseTrack:
    """The same lifter ``factor`` times slower (keypoints interpolated in time, same frame rate)."""
    n = track.n_frames
    m = int(round(n * factor))
    t_new = np.arange(m) / track.fps
    t_src = np.minimum(t_new / factor, (n - 1) / track.fps)
    t = np.arange(n) / track.fps
    xy = np.empty((m, *track.xy.shape[1:]))
    for j in range(track.xy.shape[1]):
        for c in range(2):
            xy[:, j, c] = np.interp(t_src, t, track.xy[:, j, c])
    nearest = np.clip(np.round(t_src * track.fps).astype(int), 0, n - 1)
    return PoseTrack(xy=xy, confidence=track.confidence[nearest], fps=track.fps, keypoints=track.keypoints,
                     timestamps_s=t_new, image_size=track.image_size,
                     attrs={"source": {"path": f"{track.attrs.get('source', {}).get('path', 'track')} x{factor:g}",
                                       "kind": "keypoints"}})


def bench_set(name: str, factor: float = 1.0, bench: Path = BENCH, cache: Path = CACHE) -> ComparedSet:
    """A bench clip analysed from its cached pose track (``factor`` > 1: played slower)."""
    track = cached_track(bench / f"{name}.mp4", cache, segmentation=False)
    if factor != 1.0:
        track = slowed(track, factor)
    analysis, tf = analyze_track(track)
    coach_analysis(analysis, tf)
    label = name if factor == 1.0 else f"{name} ×{factor:g} slower" if factor > 1 else f"{name} ×{1 / factor:.2g} faster"
    return ComparedSet(spec=name, label=label, kind="keypoints" if factor != 1.0 else "analysis",
                       doc=analysis.to_dict(), features=tf)


def truth_moments(truth: dict[str, Any], rep: int, factor: float = 1.0) -> dict[str, float]:
    """When the true rep was 25/50/75 % of the way down and up, and mid-hold at the bottom (s)."""
    r = truth["reps"][rep - 1]
    s, e = r["start_frame"], r["end_frame"]
    x = np.asarray(truth["depth"][s:e + 1], float)
    x = x / x.max()
    t = np.arange(s, e + 1) / truth["fps"]
    hold = np.flatnonzero(x >= 0.999)
    out = {"bottom": float(t[hold].mean())}
    for level in MOMENT_LEVELS:
        out[f"down {level:.0%}"] = float(np.interp(level, x[:hold[0] + 1], t[:hold[0] + 1]))
        out[f"up {level:.0%}"] = float(np.interp(level, x[hold[-1]:][::-1], t[hold[-1]:][::-1]))
    return {k: v * factor for k, v in out.items()}


def truth_metric(truth: dict[str, Any], doc: dict[str, Any], key: str, factor: float = 1.0) -> float:
    """A metric's median over the analysis's reps, read off the true sagittal angles at its frames."""
    hip = np.asarray(truth["angles_sagittal"]["hip_flexion_deg"], float)
    knee = np.asarray(truth["angles_sagittal"]["knee_flexion_deg"], float)
    values = []
    for r in doc["reps"]:
        s, b, e = (min(len(hip) - 1, int(round(r[f] / factor))) for f in ("start_frame", "bottom_frame", "end_frame"))
        values.append({"hip_flexion_peak_deg": hip[s:e + 1].max(), "knee_flexion_start_deg": knee[s],
                       "knee_flexion_bottom_deg": knee[b]}[key])
    return float(np.median(values))


def measure_pair(a_name: str, b_name: str, factor: float = 1.0, bench: Path = BENCH,
                 cache: Path = CACHE) -> dict[str, Any]:
    """One pair: synchronisation errors (s), the tool's own fit, and found/true differences."""
    a, b = bench_set(a_name, 1.0, bench, cache), bench_set(b_name, factor, bench, cache)
    run = compare(a, b)
    c = run.comparison
    ta = json.loads((bench / f"{a_name}.gt.json").read_text())
    tb = json.loads((bench / f"{b_name}.gt.json").read_text())
    errors: list[float] = []
    for p in c.pairs:
        ma, mb = truth_moments(ta, p.a.index), truth_moments(tb, p.b.index, factor)
        errors += [float(c.warp.to_b(ma[k])) - mb[k] for k in ma]
    by = {ch.key: ch for ch in c.changes}
    diffs = {k: (by[k].difference, truth_metric(tb, b.doc, k, factor) - truth_metric(ta, a.doc, k)) for k in METRIC_KEYS}
    fits = [p.fit for p in c.pairs if p.fit is not None]
    return {"a": a.label, "b": b.label, "pairs": len(c.pairs), "sync_errors_s": errors, "differences": diffs,
            "depth_rms_deg": float(np.median([f.depth_rms_deg for f in fits if f.depth_rms_deg is not None])),
            "shape_rms_pct": float(np.median([f.shape_rms_pct for f in fits if f.shape_rms_pct is not None])),
            "residual_lag_s": float(np.median([abs(f.residual_lag_s) for f in fits if f.residual_lag_s is not None]))}


def report(pairs: tuple[tuple[str, str, float], ...] = PAIRS) -> str:
    """The markdown table and summary of docs/compare.md."""
    rows = ["| A | B | pairs | sync error mean / max (ms) | depth RMS (°) | shape RMS (%) | residual lag (ms) "
            "| hip reached B−A: found / true | knee at start | knee at bottom |", "|" + "---|" * 10]
    sync: list[float] = []
    sync_rebend_out: list[float] = []
    errs: dict[str, list[float]] = {k: [] for k in METRIC_KEYS}
    for a_name, b_name, factor in pairs:
        m = measure_pair(a_name, b_name, factor)
        e = np.abs(m["sync_errors_s"]) * 1000
        sync += list(e)
        if "rebend" not in b_name:
            sync_rebend_out += list(e)
        cells = []
        for k in METRIC_KEYS:
            found, true = m["differences"][k]
            errs[k].append(abs(found - true))
            cells.append(f"{found:+.1f} / {true:+.1f}")
        rows.append(f"| {m['a']} | {m['b']} | {m['pairs']} | {e.mean():.0f} / {e.max():.0f} | {m['depth_rms_deg']:.1f} | "
                    f"{m['shape_rms_pct']:.1f} | {m['residual_lag_s'] * 1000:.0f} | " + " | ".join(cells) + " |")
    s, r = np.asarray(sync), np.asarray(sync_rebend_out)
    lines = rows + ["", f"Synchronisation, all {len(pairs)} pairs ({s.size} moments): mean {s.mean():.0f} ms, "
                    f"p95 {np.percentile(s, 95):.0f} ms, max {s.max():.0f} ms; without the knee re-bend pair: mean "
                    f"{r.mean():.0f} ms, p95 {np.percentile(r, 95):.0f} ms, max {r.max():.0f} ms.", ""]
    names = {"hip_flexion_peak_deg": "hip flexion reached", "knee_flexion_start_deg": "knee bend at the start",
             "knee_flexion_bottom_deg": "knee bend at the bottom"}
    for k in METRIC_KEYS:
        v = np.asarray(errs[k])
        lines.append(f"- {names[k]}: error of B − A mean {v.mean():.1f}°, p95 {np.percentile(v, 95):.1f}°, max {v.max():.1f}°")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - a measuring script
    print(report())
