"""``hinge bench`` (``make bench``): throughput of each stage, the figures of issue #20 (analyze
against a plain pose loop, ``--jobs 2`` against 1, ``hinge batch`` on 2 Ray workers against 1)
and peak memory, each with the machine's load. Speed goals live here, never in unit tests."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from hingecoach.cli.app import app, out
from hingecoach.core.numeric import strict_json


def _extra_sections(result: dict[str, Any], clip: Path, sections: list[str], live_athletes: int = 50) -> None:
    """Sections measured outside :mod:`hingecoach.benchmark` (which may not import the web app).

    ``server``: the web app's upload-to-report time against ``hinge analyze`` on the clip
    (:func:`hingecoach.web.bench.server_figures`, two uploads: the first pays the worker's start);
    ``live``: simulated athletes on the live socket (:func:`hingecoach.web.live_bench.live_figures`)."""
    from hingecoach.benchmark import section

    if "server" in sections:
        from hingecoach.web.bench import server_figures

        result["server"] = section(lambda: server_figures(clip, uploads=2))
    if "live" in sections:
        from hingecoach.web.live_bench import live_figures

        result["live"] = section(lambda: live_figures(clients=live_athletes, seconds=20.0))


@app.command("bench")
def bench(
    clip: Path = typer.Option(Path("bench/clips/demo_rdl.mp4"), "--clip", help="The clip to time."),
    json_out: bool = typer.Option(False, "--json", help="Print the measurements as JSON."),
    repeats: int = typer.Option(7, "--repeats", min=1, help="Pose runs with and without the silhouette (stages)."),
    only: str | None = typer.Option(None, "--only", help="Some sections, comma-separated: stages, analyze, jobs, "
                                    "batch, memory, report, server, live (default: all)."),
    runs: int = typer.Option(3, "--runs", min=1, help="Whole-process runs of each side, alternated (analyze, jobs)."),
    batch_runs: int = typer.Option(1, "--batch-runs", min=1, help="Runs of each side of the batch section."),
    batch_clips: int = typer.Option(8, "--batch-clips", min=1, help="Bench clips in the batch section."),
    jobs: int = typer.Option(2, "--jobs", min=2, help="Workers against one (jobs and batch sections)."),
    live_athletes: int = typer.Option(50, "--live-athletes", min=1, help="Simulated athletes on the live socket (live)."),
) -> None:
    """Time decoding, pose, analysis, --jobs, hinge batch; peak memory (several minutes; --only for some)."""
    from hingecoach.benchmark import format_table, parse_sections, run

    sections = parse_sections(only)
    result = run(clip, repeats, sections=sections, runs=runs, batch_clips=batch_clips, batch_runs=batch_runs,
                 jobs=jobs)
    _extra_sections(result, clip, sections, live_athletes)
    if json_out:
        sys.stdout.write(strict_json(result) + "\n")
        return
    out.print("\n".join(format_table(result)), markup=False, highlight=False, soft_wrap=True)
