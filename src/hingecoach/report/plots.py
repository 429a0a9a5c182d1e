"""Plots (matplotlib, Agg): angles over time, per-rep small multiples, the bar path, history.

Pipeline position: report model → **plots** → PNG files and the HTML page. Each function
returns PNG bytes; figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot
state), so plotting is safe to run from a web worker too. Fault colours match the video's.
"""

from __future__ import annotations

import io
import math
import warnings
from datetime import datetime
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from hingecoach.core.progression import Rules, load_rules
from hingecoach.report.annotators import SEVERITY_RGB
from hingecoach.report.model import SEVERITY_ORDER, ReportModel

DPI = 100
ANGLE_COLOURS = {"hip": "#1f77b4", "knee": "#d62728", "trunk": "#2ca02c"}
REP_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def severity_colour(severity: str) -> str:
    """Matplotlib colour of a fault severity."""
    return _hex(SEVERITY_RGB.get(severity, SEVERITY_RGB["form"]))


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _target_line(ax: Any, model: ReportModel) -> None:
    t = model.target
    if t is not None:
        label = f"{t.label} {t.deg:.0f}°"
        ax.axhline(t.deg, color="#e74c3c", lw=1.2, ls="--", label=label)


def _bands(ax: Any, spans: list[tuple[float, float]], colour: str, alpha: float) -> None:
    """Full-height bands over ``spans`` (data x), as one collection however many there are
    (one ``axvspan`` each costs seconds in a long set)."""
    if spans:
        verts = [[(s, 0.0), (s, 1.0), (e, 1.0), (e, 0.0)] for s, e in spans]
        ax.add_collection(PolyCollection(verts, facecolors=colour, alpha=alpha, linewidths=0,
                                         transform=ax.get_xaxis_transform()), autolim=False)


def _label_step(n: int, most: int = 15) -> int:
    """A round step (1, 2, 5, 10, 20, 50, ...) that labels at most ``most`` of ``n`` reps."""
    k = 0
    while n / ((1, 2, 5)[k % 3] * 10 ** (k // 3)) > most:
        k += 1
    return (1, 2, 5)[k % 3] * 10 ** (k // 3)


#: A series longer than this (frames; 11 minutes at 30 fps) is drawn as its min/max envelope
#: in :data:`ENVELOPE_POINTS` points: on a plot ~750 pixels wide it looks the same, drawn 50x faster.
MAX_LINE_POINTS = 20_000
ENVELOPE_POINTS = 4_000


def _envelope(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` as it is, or, when longer than :data:`MAX_LINE_POINTS`, the min and max of
    each of ``ENVELOPE_POINTS // 2`` consecutive stretches (NaN where a stretch has no value)."""
    n = len(y)
    if n <= MAX_LINE_POINTS:
        return x, y
    buckets = ENVELOPE_POINTS // 2
    edges = np.linspace(0, n, buckets + 1).astype(int)
    y = np.where(np.isfinite(y), y, np.nan)
    lo = np.fmin.reduceat(y, edges[:-1])   # fmin/fmax skip NaN, and warn about nothing
    hi = np.fmax.reduceat(y, edges[:-1])
    xs = np.repeat(x[edges[:-1]], 2)
    xs[1::2] = x[edges[1:] - 1]
    return xs, np.column_stack([lo, hi]).ravel()


def angles_png(model: ReportModel) -> bytes:
    """Hip flexion (with the target), knee flexion and trunk angle over time.

    Reps are shaded and numbered (in a long set, every few reps); each fault is a coloured span
    over its frames with its threshold drawn when it is in degrees.
    """
    time_s = model.time_s
    # Fixed margins: constrained layout costs more than the drawing (seconds per report).
    fig = Figure(figsize=(10, 5.2))
    fig.subplots_adjust(left=0.07, right=0.80, top=0.90, bottom=0.10, hspace=0.35)
    ax_hip, ax_low = fig.subplots(2, 1, sharex=True)
    ax_hip.plot(*_envelope(time_s, model.angles["hip"]), color=ANGLE_COLOURS["hip"], lw=1.6, label="hip flexion")
    _target_line(ax_hip, model)
    ax_low.plot(*_envelope(time_s, model.angles["knee"]), color=ANGLE_COLOURS["knee"], lw=1.4, label="knee flexion")
    ax_low.plot(*_envelope(time_s, model.angles["trunk"]), color=ANGLE_COLOURS["trunk"], lw=1.4,
                label="trunk from vertical")
    spans = [(rep["start_frame"] / model.fps, rep["end_frame"] / model.fps) for rep in model.reps]
    for ax in (ax_hip, ax_low):
        _bands(ax, spans[0::2], "#888", 0.10)
        _bands(ax, spans[1::2], "#888", 0.18)
        ax.grid(alpha=0.3)
        ax.set_ylabel("degrees")
    step = _label_step(model.n_reps) if model.summarised else 1
    for n, rep in enumerate(model.reps, start=1):
        if n % step and n != 1:
            continue
        mid = (rep["start_frame"] + rep["end_frame"]) / 2 / model.fps
        ax_hip.annotate(f"rep {rep['index']}", (mid, 1.0), xycoords=("data", "axes fraction"),
                        ha="center", va="bottom", fontsize=9, color="#444")
    # Faults: the bands as one collection per colour, the thresholds as one set of bars, the
    # values as one marker line per colour; the legend names each fault once.
    bands: dict[str, list[tuple[float, float]]] = {}
    values: dict[str, tuple[list[float], list[float]]] = {}
    bars: list[tuple[float, float, float, str]] = []
    legend: dict[str, Patch] = {}
    for f in model.faults:
        colour = severity_colour(f.severity)
        s, e = f.first / model.fps, max(f.last, f.first + 1) / model.fps
        bands.setdefault(colour, []).append((s, e))
        if f.fault_id not in legend:
            legend[f.fault_id] = Patch(facecolor=colour, alpha=0.35, lw=0, label=f"{f.title} ({f.severity})")
        if model.summarised:
            continue  # thousands of bars and markers would only hide the angles
        if f.unit == "deg" and isinstance(f.threshold, int | float):
            bars.append((float(f.threshold), s, e, colour))
        if f.unit == "deg" and isinstance(f.value, int | float):
            xs, ys = values.setdefault(colour, ([], []))
            xs.append((s + e) / 2)
            ys.append(float(f.value))
    for colour, fault_spans in bands.items():
        for ax in (ax_hip, ax_low):
            _bands(ax, fault_spans, colour, 0.35)
    if bars:
        y, x0, x1, colours = zip(*bars, strict=True)
        ax_low.hlines(y, x0, x1, colors=list(colours), lw=2.0)
    for colour, (xs, ys) in values.items():
        ax_low.plot(xs, ys, ls="none", marker="v", color=colour, ms=8, mec="black", mew=0.6)
    ax_hip.set_title("Hip flexion: how far you hinged", loc="left", fontsize=11, pad=16)
    ax_low.set_title("Knees and trunk (faults shaded)" if model.summarised else
                     "Knees and trunk (faults shaded, ▼ value, bar = threshold)", loc="left", fontsize=11)
    ax_low.set_xlabel("time (s)")
    ax_hip.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    handles, labels = ax_low.get_legend_handles_labels()
    ax_low.legend([*handles, *legend.values()], [*labels, *(h.get_label() for h in legend.values())],
                  loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return _png(fig)


#: Points per rep when reps are overlaid on one axis of 0-100 % of the rep.
REP_SAMPLES = 101


def _quiet_nanmedian(a: np.ndarray) -> np.ndarray:
    """Column medians ignoring NaN; an all-NaN column is NaN, without a RuntimeWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanmedian(a, axis=0)) if len(a) else np.full(a.shape[1:], np.nan)


def _rep_curves(model: ReportModel, key: str) -> np.ndarray:
    """(reps, :data:`REP_SAMPLES`): an angle over each rep, resampled to 0-100 % of the rep."""
    grid = np.linspace(0.0, 1.0, REP_SAMPLES)
    out = np.full((model.n_reps, REP_SAMPLES), np.nan)
    series = np.where(np.isfinite(model.angles[key]), model.angles[key], np.nan)
    for k, rep in enumerate(model.reps):
        seg = series[int(rep["start_frame"]):int(rep["end_frame"]) + 1]
        if len(seg) >= 2:
            out[k] = np.interp(grid, np.linspace(0.0, 1.0, len(seg)), seg)
    return out


def _curves(ax: Any, x: np.ndarray, rows: np.ndarray, colour: str, alpha: float, lw: float) -> None:
    """Many curves over the same ``x`` as one collection (one artist, not thousands; each curve
    is drawn on its own, so where many overlap the colour builds up)."""
    if len(rows):
        segments = np.stack([np.broadcast_to(x, rows.shape), rows], axis=-1)
        ax.add_collection(LineCollection(list(segments), colors=colour, alpha=alpha, linewidths=lw))


def _worst_severity(model: ReportModel, rep: dict[str, Any]) -> str | None:
    faults = model.faults_by_rep.get(int(rep["index"]))
    return min((f.severity for f in faults), key=lambda sev: SEVERITY_ORDER.get(sev, 9)) if faults else None


def _reps_summary_png(model: ReportModel) -> bytes:
    """A long set on one figure: every rep's hip flexion overlaid over 0-100 % of the rep (with
    the median hip and knee), and each rep's depth in order; coloured by the worst fault."""
    fig = Figure(figsize=(12.3, 4.8))
    fig.subplots_adjust(left=0.06, right=0.98, top=0.80, bottom=0.12, wspace=0.16)
    ax_all, ax_peak = fig.subplots(1, 2)
    pct = np.linspace(0.0, 100.0, REP_SAMPLES)
    hip, knee = _rep_curves(model, "hip"), _rep_curves(model, "knee")
    worst = [_worst_severity(model, r) for r in model.reps]
    groups: dict[str | None, list[int]] = {}
    for k, sev in enumerate(worst):
        groups.setdefault(sev, []).append(k)
    order = sorted(groups, key=lambda sev: -1 if sev is None else -SEVERITY_ORDER.get(sev, 9))  # clean underneath
    for sev in order:
        rows = groups[sev]
        colour = ANGLE_COLOURS["hip"] if sev is None else severity_colour(sev)
        _curves(ax_all, pct, hip[rows], colour, float(min(0.5, max(0.02, 6.0 / len(rows)))), 0.8)
        label = f"clean ({len(rows)})" if sev is None else f"{sev} fault ({len(rows)})"
        ax_all.plot([], [], color=colour, lw=2.0, label=label)
    ax_all.plot(pct, _quiet_nanmedian(hip), color="#0b3a66", lw=2.4, label="median hip")
    ax_all.plot(pct, _quiet_nanmedian(knee), color=ANGLE_COLOURS["knee"], lw=2.0, label="median knee")
    _target_line(ax_all, model)
    ax_all.set_xlim(0, 100)
    ax_all.autoscale_view(scalex=False)
    ax_all.set_xlabel("% of the rep (start → bottom → end)", fontsize=9)
    ax_all.set_ylabel("degrees", fontsize=9)
    ax_all.set_title("Hip flexion of every rep, overlaid", loc="left", fontsize=10)
    ax_all.legend(loc="upper right", fontsize=7, framealpha=0.85)
    index = np.array([float(r["index"]) for r in model.reps])
    peak = np.array([float(p) if isinstance(p := r["metrics"].get("hip_flexion_peak_deg"), int | float) else np.nan
                     for r in model.reps])
    colours = [ANGLE_COLOURS["hip"] if sev is None else severity_colour(sev) for sev in worst]
    if model.n_reps <= 200:  # joined while the dots are far enough apart to follow
        ax_peak.plot(index, peak, color="#bbb", lw=0.6, zorder=1)
    ax_peak.scatter(index, peak, c=colours, s=max(3.0, min(25.0, 3000.0 / model.n_reps)), lw=0, zorder=2)
    _target_line(ax_peak, model)
    ax_peak.set_xlabel("rep", fontsize=9)
    ax_peak.set_title("Depth of each rep (peak hip flexion; colour: worst fault)", loc="left", fontsize=10)
    if model.target is not None:
        ax_peak.legend(loc="lower right", fontsize=7, framealpha=0.85)
    for ax in (ax_all, ax_peak):
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    fig.suptitle(f"{model.n_reps} reps: too many for a panel each, so every rep is drawn together",
                 fontsize=11, x=0.06, ha="left")
    return _png(fig)


def reps_png(model: ReportModel) -> bytes:
    """One small panel per rep: hip and knee against time from the rep's start. A set of more
    than :data:`~hingecoach.report.model.DETAIL_REPS` reps gets one summary figure instead
    (every rep overlaid, and each rep's depth in order)."""
    if model.summarised:
        return _reps_summary_png(model)
    n = max(1, model.n_reps)
    cols = min(n, 5)
    rows = math.ceil(n / cols)
    width, height = 2.3 * cols + 0.8, 2.2 * rows + 0.6
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=0.6 / width, right=1 - 0.15 / width, top=1 - 0.55 / height, bottom=0.5 / height,
                        wspace=0.12, hspace=0.75)
    axes = np.atleast_1d(fig.subplots(rows, cols, sharey=True, squeeze=False)).ravel()
    if not model.reps:
        axes[0].text(0.5, 0.5, "no completed rep", ha="center", va="center")
        axes[0].set_axis_off()
        return _png(fig)
    for ax, rep in zip(axes, model.reps, strict=False):
        s, b, e = int(rep["start_frame"]), int(rep["bottom_frame"]), int(rep["end_frame"])
        t = (np.arange(s, e + 1) - s) / model.fps
        ax.plot(t, model.angles["hip"][s:e + 1], color=ANGLE_COLOURS["hip"], lw=1.5)
        ax.plot(t, model.angles["knee"][s:e + 1], color=ANGLE_COLOURS["knee"], lw=1.2)
        _target_line(ax, model)
        ax.axvline((b - s) / model.fps, color="#999", lw=0.8, ls=":")
        faults = model.faults_by_rep.get(int(rep["index"]), [])
        for f in faults:
            ax.axvspan((f.first - s) / model.fps, (max(f.last, f.first + 1) - s) / model.fps,
                       color=severity_colour(f.severity), alpha=0.3, lw=0)
        peak = rep["metrics"].get("hip_flexion_peak_deg")
        status = ", ".join(f.title.lower() for f in faults) or "clean"
        ax.set_title(f"Rep {rep['index']} · {peak:.0f}°\n{status}" if isinstance(peak, int | float)
                     else f"Rep {rep['index']}\n{status}", fontsize=9,
                     color="#b03a2e" if faults else "#1e8449")
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    for ax in axes[len(model.reps):]:
        ax.set_axis_off()
    fig.supxlabel("seconds from the start of the rep (blue hip, red knee)", fontsize=9, y=0.02)
    fig.supylabel("degrees", fontsize=9, x=0.01)
    return _png(fig)


#: The bar path's zoom is taken from at most this many keypoint positions.
MAX_ZOOM_POINTS = 500_000
#: A long set's bar paths are drawn in this many stretches of consecutive reps, one colour each.
BAR_PATH_STRETCHES = 8


def _bar_paths_by_stretch(ax: Any, model: ReportModel, wrist: np.ndarray) -> None:
    """A long set's wrist paths: consecutive reps grouped into :data:`BAR_PATH_STRETCHES`
    stretches, each one line in one colour (early reps dark, late reps light: drift shows)."""
    edges = np.linspace(0, model.n_reps, min(BAR_PATH_STRETCHES, model.n_reps) + 1).round().astype(int)
    cmap = colormaps["viridis"]
    for g, (a, b) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        reps = model.reps[a:b]
        if not reps:
            continue
        parts = []
        for r in reps:
            parts.append(wrist[int(r["start_frame"]):int(r["end_frame"]) + 1])
            parts.append(np.full((1, 2), np.nan))
        path = np.concatenate(parts)
        colour = cmap(g / max(len(edges) - 2, 1))
        ax.plot(path[:, 0], path[:, 1], color=colour, lw=1.2, alpha=0.7,
                label=f"reps {reps[0]['index']}–{reps[-1]['index']}")


def bar_path_png(model: ReportModel, background: np.ndarray | None) -> bytes:
    """The wrists (the bar) traced over a keyframe, one colour per rep (a long set: one colour
    per stretch of reps)."""
    wrist = model.joints.get("wrist")
    h, w = (background.shape[:2] if background is not None else
            ((model.image_size[1], model.image_size[0]) if model.image_size else (480, 640)))
    # Zoom to where the lifter moved over the whole clip (plus a margin), not the whole frame.
    pts = model.xy.reshape(-1, 2)
    if len(pts) > MAX_ZOOM_POINTS:  # a long set: a regular sample of its points gives the same zoom
        pts = pts[:: len(pts) // MAX_ZOOM_POINTS + 1]
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if len(pts):
        lo, hi = np.percentile(pts, 1, axis=0), np.percentile(pts, 99, axis=0)
        pad = 0.2 * float(max(hi - lo))
        x0, x1 = max(0.0, lo[0] - pad), min(float(w), hi[0] + pad)
        y0, y1 = max(0.0, lo[1] - pad), min(float(h), hi[1] + pad)
    else:
        x0, x1, y0, y1 = 0.0, float(w), 0.0, float(h)
    aspect = (y1 - y0) / max(x1 - x0, 1.0)
    height = min(8.0, 5.0 * aspect + 0.5)
    fig = Figure(figsize=(5.0, height))
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - 0.45 / height)
    ax = fig.subplots()
    if background is not None:
        ax.imshow(background)
    else:
        ax.set_facecolor("#303030")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y1, y0)
    if wrist is not None and model.summarised:
        _bar_paths_by_stretch(ax, model, wrist)
    elif wrist is not None:
        spans = [(int(r["start_frame"]), int(r["end_frame"]), int(r["index"])) for r in model.reps] or \
            [(0, model.n_frames - 1, 0)]
        for n, (s, e, idx) in enumerate(spans):
            seg = wrist[s:e + 1]
            colour = REP_COLOURS[n % len(REP_COLOURS)]
            ax.plot(seg[:, 0], seg[:, 1], color=colour, lw=2.0, label=f"rep {idx}" if idx else "wrists")
            if len(seg) and np.all(np.isfinite(seg[0])):
                ax.plot(seg[0, 0], seg[0, 1], "o", color=colour, ms=5, mec="white")
    if wrist is not None:
        ankle = model.joints.get("ankle")
        if ankle is not None and np.isfinite(ankle[:, 0]).any():
            x = float(np.nanmedian(ankle[:, 0]))
            ax.axvline(x, color="#222", lw=1.2, ls="--", alpha=0.8, label="over the ankles")
    ax.set_axis_off()
    ax.legend(loc="upper right", fontsize=8, framealpha=0.8)
    ax.set_title("Bar path (wrists): aim for a straight,\nvertical line close to the legs", fontsize=9)
    return _png(fig)


def history_png(sessions: list[dict[str, Any]]) -> bytes | None:
    """The athlete's past sessions: clean reps (%) and median depth, per session; None if empty."""
    rows = []
    for s in sessions:
        depths = [d for st in s.get("sets", []) for d in st.get("depths_deg", []) if isinstance(d, int | float)]
        reps = sum(int(st.get("reps") or 0) for st in s.get("sets", []))
        clean = sum(int(st.get("clean_reps") or 0) for st in s.get("sets", []) if st.get("clean_reps") is not None)
        known = any(st.get("clean_reps") is not None for st in s.get("sets", []))
        when = datetime.fromisoformat(s["performed_at"])
        rows.append((when, 100.0 * clean / reps if reps and known else math.nan,
                     float(np.median(depths)) if depths else math.nan))
    if not rows:
        return None
    fig = Figure(figsize=(8, 3.0))
    fig.subplots_adjust(left=0.08, right=0.90, top=0.88, bottom=0.15)
    ax = fig.subplots()
    x = np.arange(len(rows))
    ax.bar(x, [r[1] for r in rows], color="#82c785", label="clean reps (%)")
    ax.set_ylim(0, 105)
    ax.set_ylabel("clean reps (%)")
    ax.set_xticks(x, [r[0].strftime("%d %b") for r in rows], fontsize=8, rotation=0 if len(rows) < 12 else 60)
    ax2 = ax.twinx()
    ax2.plot(x, [r[2] for r in rows], "o-", color="#1f77b4", label="median depth (°)")
    ax2.set_ylabel("median hip flexion (°)")
    ax.set_title("Your training log", loc="left", fontsize=11)
    handles = ax.get_legend_handles_labels()
    handles2 = ax2.get_legend_handles_labels()
    ax.legend(handles[0] + handles2[0], handles[1] + handles2[1], loc="lower right", fontsize=8)
    return _png(fig)


def training_log_png(athlete: str, sessions: list[dict[str, Any]], rules: Rules | None = None) -> bytes:
    """``hinge history --chart``: clean-rep % per session, one line per ladder drill, and the load
    on a second axis (sessions as :func:`hingecoach.store.history` gives them, oldest first)."""
    rules = rules or load_rules()
    fig = Figure(figsize=(9, 4.5))
    FigureCanvasAgg(fig)  # tight_layout needs the renderer
    ax = fig.subplots()
    load_ax = ax.twinx()
    for drill_id in rules.ladder:
        xs, ys, loads_x, loads_y = [], [], [], []
        for n, s in enumerate(sessions, start=1):
            sets = [st for st in s["sets"] if st["drill"] == drill_id and st["clean_reps"] is not None]
            if sets:
                xs.append(n)
                ys.append(100.0 * sum(st["clean_reps"] for st in sets) / max(1, sum(st["reps"] for st in sets)))
            loads = [st["load_kg"] for st in s["sets"] if st["drill"] == drill_id and st["load_kg"] is not None]
            if loads:
                loads_x.append(n)
                loads_y.append(max(loads))
        if xs:
            ax.plot(xs, ys, "o-", label=rules.drills[drill_id].name)
        if loads_x:
            load_ax.plot(loads_x, loads_y, "s--", alpha=0.5, label=f"{rules.drills[drill_id].name} load")
    ax.set_xlabel("session")
    ax.set_ylabel("clean reps (%)")
    ax.set_ylim(-5, 105)
    load_ax.set_ylabel("load (kg)")
    ax.set_title(f"{athlete}: clean reps and load per session")
    handles = ax.get_legend_handles_labels()[0] + load_ax.get_legend_handles_labels()[0]
    if handles:
        ax.legend(handles=handles, loc="lower right", fontsize="small")
    fig.tight_layout()
    return _png(fig)
