"""``hinge back calibrate|real|cost``: the back silhouette measured against ground truth, on the
labelled clips, and its cost (docs/back.md). Each prints JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from hingecoach.cli.app import app
from hingecoach.core.numeric import strict_json

back_app = typer.Typer(help="The back silhouette: calibration, real clips, cost (JSON; docs/back.md).",
                       no_args_is_help=True)
app.add_typer(back_app, name="back")


def _print(doc: dict[str, Any]) -> None:
    sys.stdout.write(strict_json(doc, indent=1) + "\n")


@back_app.command("calibrate")
def calibrate(
    gt_dir: list[Path] = typer.Option(..., "--gt-dir", help="A folder of rendered clips with *.gt.json (repeatable)."),
    cache: Path = typer.Option(Path(".cache/tracks"), "--cache", help="Reuse pose tracks cached here."),
    rows: bool = typer.Option(False, "--rows", help="Also print every rep."),
) -> None:
    """Estimate against commanded spinal flexion on rendered clips (summary and per drill)."""
    from hingecoach.evaluation.back_calibration import calibration_report

    _print(calibration_report(gt_dir, cache, rows=rows))


@back_app.command("real")
def real(
    labels: Path = typer.Option(Path("../shared/data/labels.csv"), "--labels", help="The labels CSV."),
    clips: Path | None = typer.Option(None, "--clips", help="Folder of the clips (default: the labels' folder/clips)."),
    cache: Path = typer.Option(Path(".cache/tracks"), "--cache", help="Reuse pose tracks cached here."),
    reference: str | None = typer.Option(None, "--reference", help="A labelled clip (as in the CSV) to read its"
                                         " folder's other clips against, as a neutral set."),
) -> None:
    """The rounded-back rule on the labelled clips: per clip, precision, recall, good clips flagged."""
    from hingecoach.evaluation.back_calibration import real_clip_report

    _print(real_clip_report(labels, clips or labels.parent / "clips", cache, reference=reference))


@back_app.command("cost")
def cost(
    video: Path = typer.Argument(..., help="A video to time pose estimation on."),
    model: str = typer.Option("full", "--model", help="BlazePose model: lite, full or heavy."),
) -> None:
    """Time pose estimation with and without the silhouette on the same frames."""
    from hingecoach.benchmark import segmentation_cost

    _print(segmentation_cost(video, model))
