"""``hinge eval``: measured accuracy on the labelled clips and the synthetic bench."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from hingecoach.cli.app import app, err, out
from hingecoach.core.numeric import strict_json


@app.command("eval")
def eval_cmd(
    labels: Path | None = typer.Option(None, "--labels", help="A labels CSV shaped like ../shared/data/labels.csv."),
    clips_root: Path | None = typer.Option(None, "--clips", help="Folder the CSV's clip paths are relative to."),
    bench: Path | None = typer.Option(None, "--bench", help="Synthetic bench folder with *.gt.json (default: bench/clips)."),
    json_out: bool = typer.Option(False, "--json", help="Print the results as JSON."),
    write: Path | None = typer.Option(None, "--write", help="Write the markdown report here (e.g. docs/accuracy.md)."),
    cache: Path | None = typer.Option(Path(".cache/tracks"), "--cache", help="Reuse pose tracks cached here."),
    calibration: bool = typer.Option(True, "--calibration/--no-calibration",
                                     help="Also score the rules on the generated calibration set (about a minute)."),
    plates: bool = typer.Option(True, "--plates/--no-plates",
                                help="Also measure the barbell plate tracker on side-view barbell clips (decodes each clip)."),
) -> None:
    """Measure hingecoach against labelled clips and the synthetic bench."""
    from hingecoach.evaluation.scoring import evaluate, render_markdown

    report = evaluate(labels=labels, clips_root=clips_root, bench=bench, cache=cache, calibration=calibration, plates=plates,
                      progress=None if json_out else lambda msg: err.print(msg, highlight=False))
    if write is not None:
        write.parent.mkdir(parents=True, exist_ok=True)
        write.write_text(render_markdown(report))
    if json_out:
        sys.stdout.write(strict_json(report) + "\n")
    else:
        out.print(render_markdown(report), markup=False, highlight=False)
