"""``hinge bench`` (``make bench``): throughput of each stage and peak memory. Speed goals live
here, never in unit tests."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from hingecoach.cli.app import app, out
from hingecoach.core.numeric import strict_json


@app.command("bench")
def bench(
    clip: Path = typer.Option(Path("bench/clips/demo_rdl.mp4"), "--clip", help="The clip to time."),
    json_out: bool = typer.Option(False, "--json", help="Print the measurements as JSON."),
    repeats: int = typer.Option(7, "--repeats", min=1, help="Pose runs with and without the silhouette."),
) -> None:
    """Time decoding, pose, analysis and the whole command; peak memory (several minutes)."""
    from hingecoach.benchmark import format_table, run

    result = run(clip, repeats)
    if json_out:
        sys.stdout.write(strict_json(result) + "\n")
        return
    out.print("\n".join(format_table(result)), markup=False, highlight=False)
