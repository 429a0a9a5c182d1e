"""``hinge report``: rebuild the annotated video, plots and HTML page from a saved analysis.

The command parses its options and calls :func:`hingecoach.report.rebuild_report`; nothing else.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

out = Console()


def report(
    analysis_json: Path = typer.Argument(..., help="An analysis.json from `hinge analyze --out DIR` (track.npz beside it)."),
    out_dir: Path | None = typer.Option(None, "--out", help="Write the report here (default: the folder of analysis.json)."),
    source: Path | None = typer.Option(None, "--source", help="The analysed video, when it has moved since the analysis."),
    video: bool = typer.Option(True, "--video/--no-video", help="Write the annotated video."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write the angle plots."),
    html: bool = typer.Option(True, "--html/--no-html", help="Write the HTML report."),
    db: str | None = typer.Option(None, "--db", help="Training-log database: adds the athlete's history chart."),
    athlete: str | None = typer.Option(None, "--athlete", help="Whose history to chart, when the log holds several."),
) -> None:
    """Rebuild the report (annotated video, plots, HTML) from a saved analysis."""
    from hingecoach.report import rebuild_report

    written = rebuild_report(analysis_json, out_dir, video=video, plots=plots, html=html, db=db,
                             athlete=athlete, source=source)
    out.print("Wrote " + (", ".join(str(p) for p in written.values()) or "nothing"))


def register(app: typer.Typer) -> None:
    """Add ``hinge report`` to the ``hinge`` command line."""
    app.command("report")(report)
