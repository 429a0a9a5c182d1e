"""The curves of both sets on one rep-normalised time base (matplotlib, Agg).

Pipeline position: the compared sets' signals + the comparison's pairs → **curves**
(``curves.png``). Each paired rep is drawn from its start (0) through its bottom (1) to its end
(2), so reps of different speeds lie on top of each other: hip flexion, knee flexion and the
trunk's angle, A in blue and B in orange, each rep thin and the set's mean bold.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from hingecoach.comparison.sources import ComparedSet
from hingecoach.core.compare import PHASE_GRID, Comparison, rep_curve

A_COLOUR = "#1f77b4"
B_COLOUR = "#e67e22"
PANELS = (("hip", "Hip flexion"), ("knee", "Knee flexion"), ("trunk", "Trunk from vertical"))
DPI = 110


def curves_png(comparison: Comparison, a: ComparedSet, b: ComparedSet) -> bytes:
    """PNG bytes of the curves (the selected pairs); both sets need their tracks."""
    sa, sb = a.signals(), b.signals()
    if sa is None or sb is None:
        raise ValueError("the curves need both pose tracks")
    pairs = comparison.selected_pairs
    fig = Figure(figsize=(12, 4.0))
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.06, right=0.99, top=0.80, bottom=0.14, wspace=0.22)
    axes = fig.subplots(1, 3)
    for ax, (key, title) in zip(axes, PANELS, strict=True):
        for signals, colour, who in ((sa, A_COLOUR, "a"), (sb, B_COLOUR, "b")):
            values = signals.angles.get(key)
            if values is None:
                continue
            curves = np.array([rep_curve(signals.times_s, values, p.a if who == "a" else p.b) for p in pairs])
            thin = len(pairs) > 1
            if thin:
                for c in curves:
                    ax.plot(PHASE_GRID, c, color=colour, lw=0.8, alpha=0.35)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a phase with no value in any rep
                mean = np.nanmean(curves, axis=0) if len(curves) else np.full(PHASE_GRID.shape, np.nan)
            label = (a.label if who == "a" else b.label)
            ax.plot(PHASE_GRID, mean, color=colour, lw=2.2, label=f"{who.upper()}: {label}" + (" (mean)" if thin else ""))
        ax.set_title(f"{title} (°)", loc="left", fontsize=10)
        ax.set_xticks([0.0, 1.0, 2.0], ["start", "bottom", "end"])
        ax.axvline(1.0, color="#999", lw=0.8, ls=":")
        ax.set_xlim(0.0, 2.0)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    shown = ", ".join(f"{p.a.index}↔{p.b.index}" for p in pairs)
    fig.suptitle(f"A against B, rep by rep (reps of A↔B: {shown}), on a common time base: each rep from its start "
                 "through its bottom to its end", fontsize=10, x=0.06, ha="left")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", fontsize=9, ncol=2, frameon=False, bbox_to_anchor=(0.99, 0.93))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()
