"""Plots (matplotlib, Agg): angles over time, per-rep small multiples, the bar path, history.

Pipeline position: report model → **plots** → PNG files and the HTML page. Each function
returns PNG bytes; figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot
state), so plotting is safe to run from a web worker too. Fault colours match the video's.
"""

from __future__ import annotations

import io
import math
from datetime import datetime
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from hingecoach.core.progression import Rules, load_rules
from hingecoach.report.annotators import SEVERITY_RGB
from hingecoach.report.model import ReportModel

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


def angles_png(model: ReportModel) -> bytes:
    """Hip flexion (with the target), knee flexion and trunk angle over time.

    Reps are shaded and numbered; each fault is a coloured span over its frames with its
    threshold drawn when it is in degrees.
    """
    time_s = model.time_s
    # Fixed margins: constrained layout costs more than the drawing (seconds per report).
    fig = Figure(figsize=(10, 5.2))
    fig.subplots_adjust(left=0.07, right=0.80, top=0.90, bottom=0.10, hspace=0.35)
    ax_hip, ax_low = fig.subplots(2, 1, sharex=True)
    ax_hip.plot(time_s, model.angles["hip"], color=ANGLE_COLOURS["hip"], lw=1.6, label="hip flexion")
    _target_line(ax_hip, model)
    ax_low.plot(time_s, model.angles["knee"], color=ANGLE_COLOURS["knee"], lw=1.4, label="knee flexion")
    ax_low.plot(time_s, model.angles["trunk"], color=ANGLE_COLOURS["trunk"], lw=1.4, label="trunk from vertical")
    for ax in (ax_hip, ax_low):
        for n, rep in enumerate(model.reps):
            s, e = rep["start_frame"] / model.fps, rep["end_frame"] / model.fps
            ax.axvspan(s, e, color="#888", alpha=0.10 if n % 2 == 0 else 0.18, lw=0)
        ax.grid(alpha=0.3)
        ax.set_ylabel("degrees")
    for rep in model.reps:
        mid = (rep["start_frame"] + rep["end_frame"]) / 2 / model.fps
        ax_hip.annotate(f"rep {rep['index']}", (mid, 1.0), xycoords=("data", "axes fraction"),
                        ha="center", va="bottom", fontsize=9, color="#444")
    seen: set[str] = set()
    for f in model.faults:
        colour = severity_colour(f.severity)
        s, e = f.first / model.fps, max(f.last, f.first + 1) / model.fps
        label = None if f.fault_id in seen else f"{f.title} ({f.severity})"
        seen.add(f.fault_id)
        for ax in (ax_hip, ax_low):
            ax.axvspan(s, e, color=colour, alpha=0.35, lw=0, label=label if ax is ax_low else None)
        if f.unit == "deg" and isinstance(f.threshold, int | float):
            ax_low.hlines(f.threshold, s, e, colors=colour, lw=2.0)
        if f.unit == "deg" and isinstance(f.value, int | float):
            ax_low.plot([(s + e) / 2], [f.value], marker="v", color=colour, ms=8, mec="black", mew=0.6)
    ax_hip.set_title("Hip flexion: how far you hinged", loc="left", fontsize=11, pad=16)
    ax_low.set_title("Knees and trunk (faults shaded, ▼ value, bar = threshold)", loc="left", fontsize=11)
    ax_low.set_xlabel("time (s)")
    ax_hip.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax_low.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return _png(fig)


def reps_png(model: ReportModel) -> bytes:
    """One small panel per rep: hip and knee against time from the rep's start."""
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
        faults = [f for f in model.faults if f.rep_index == rep["index"]]
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


def bar_path_png(model: ReportModel, background: np.ndarray | None) -> bytes:
    """The wrists (the bar) traced over a keyframe, one colour per rep."""
    wrist = model.joints.get("wrist")
    h, w = (background.shape[:2] if background is not None else
            ((model.image_size[1], model.image_size[0]) if model.image_size else (480, 640)))
    # Zoom to where the lifter moved over the whole clip (plus a margin), not the whole frame.
    pts = model.xy.reshape(-1, 2)
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
    if wrist is not None:
        spans = [(int(r["start_frame"]), int(r["end_frame"]), int(r["index"])) for r in model.reps] or \
            [(0, model.n_frames - 1, 0)]
        for n, (s, e, idx) in enumerate(spans):
            seg = wrist[s:e + 1]
            colour = REP_COLOURS[n % len(REP_COLOURS)]
            ax.plot(seg[:, 0], seg[:, 1], color=colour, lw=2.0, label=f"rep {idx}" if idx else "wrists")
            if len(seg) and np.all(np.isfinite(seg[0])):
                ax.plot(seg[0, 0], seg[0, 1], "o", color=colour, ms=5, mec="white")
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
