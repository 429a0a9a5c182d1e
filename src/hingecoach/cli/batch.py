"""``hinge batch``: many clips, one task per clip, on a Ray cluster or a local pool; resumable."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from hingecoach.cli.app import app, err, out

#: Exit status when at least one clip failed and the others were analysed.
PARTIAL_FAILURE = 3


@app.command(epilog="Exit codes: 0 every clip analysed (or done before); 3 some clips failed (each listed with "
             "its one-line error; the rest were analysed); 2 bad input or usage; 1 internal error.")
def batch(
    source: Path = typer.Argument(..., help="A folder of videos, or a manifest .csv with a 'path' column (and an"
                                  " optional 'athlete' column)."),
    out_dir: Path = typer.Option(Path("batch-out"), "--out", help="Results: <out>/<clip>-<hash8>/analysis.json and"
                                 " done.json per clip."),
    address: str | None = typer.Option(None, "--address", help="A Ray cluster: 'auto' (the one this machine is in)"
                                       " or ray://host:10001. Default: a local Ray on this machine."),
    engine: str = typer.Option("ray", "--engine", help="ray, or local (a pool of processes here, no Ray)."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, help="Clips at once on this machine (default: every"
                                    " core); with --address, the tasks kept in flight are twice this."),
    log: str | None = typer.Option(None, "--log", help="Also store every set in this athlete's training log (a"
                                   " manifest's 'athlete' column wins)."),
    db: str | None = typer.Option(None, "--db", help="Training-log database URL (default: HINGE_DB or the user data folder)."),
    model: str = typer.Option("full", "--model", help="BlazePose model: lite, full or heavy."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Analyse again the clips that failed in an"
                                      " earlier run (by default they are reported again, not redone)."),
) -> None:
    """Analyse many clips, one task per clip (Ray); a second run skips the clips already done."""
    from hingecoach.batch import plan_batch, run_batch

    plan = plan_batch(source, out_dir, athlete=log, retry_failed=retry_failed)
    counts = {"done": 0, "skipped": 0, "failed": 0}
    failures: list[str] = []
    show = sys.stderr.isatty() and not os.environ.get("CI")
    with Progress(TextColumn("[bold]batch[/]"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("[green]{task.fields[done]} done[/] · {task.fields[skipped]} skipped · "
                             "[red]{task.fields[failed]} failed[/]"),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=err, disable=not show) as bar:
        task = bar.add_task("batch", total=plan.total, done=0, skipped=0, failed=0)
        for outcome in run_batch(plan, engine=engine, address=address, jobs=jobs, model=model, db=db):
            counts[outcome.status] += 1
            if outcome.error:
                failures.append(outcome.error if outcome.path.name in outcome.error
                                else f"{outcome.path.name}: {outcome.error}")
                before = " (before; --retry-failed redoes it)" if outcome.before else ""
                err.print(f"[red]failed:[/] {failures[-1]}{before}", highlight=False, soft_wrap=True)
            bar.update(task, advance=1, done=counts["done"], skipped=counts["skipped"], failed=counts["failed"])
    out.print(f"{plan.total} clips: {counts['done']} analysed, {counts['skipped']} done before, "
              f"{counts['failed']} failed; results in {out_dir}")
    if failures:
        raise typer.Exit(PARTIAL_FAILURE)
