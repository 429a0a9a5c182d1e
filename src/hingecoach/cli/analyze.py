"""``hinge analyze``: a set (video or keypoint file) → reps, metrics, faults and cues; optionally
its outputs, its report and a line in the training log."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from hingecoach.cli.app import app, err, out, print_warnings
from hingecoach.errors import HingeError

_METRIC_COLUMNS = [
    ("hip_flexion_peak_deg", "hip"), ("knee_flexion_start_deg", "knee0"),
    ("knee_flexion_bottom_deg", "knee"), ("trunk_inclination_bottom_deg", "trunk"),
    ("down_s", "down"), ("up_s", "up"),
]


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.1f}" if abs(v) < 100 else f"{v:.0f}"
    return str(v)


def print_analysis(doc: dict[str, Any], console: Console) -> None:
    """A rich summary of an analysis document."""
    drill = doc.get("drill") or {}
    view = doc.get("view") or {}
    console.print(f"[bold]{Path(doc['source'].get('path', '?')).name}[/]: {len(doc['reps'])} reps · "
                  f"view {view.get('label')} · facing {doc.get('facing')} · drill "
                  f"{drill.get('id') or 'unknown'} ({drill.get('confidence', 0):.0%})")
    table = Table(show_lines=False, box=None, pad_edge=False,
                  caption="angles in degrees at the bottom (knee0: at the start), times in seconds")
    table.add_column("rep", justify="right")
    table.add_column("start", justify="right")
    table.add_column("bottom", justify="right")
    table.add_column("end", justify="right")
    for _, title in _METRIC_COLUMNS:
        table.add_column(title, justify="right")
    table.add_column("faults", overflow="fold")
    for r in doc["reps"]:
        faults = ", ".join(f["id"] for f in r.get("faults", [])) or "[green]clean[/]"
        table.add_row(str(r["index"]), _fmt(r["start_s"]), _fmt(r["bottom_s"]), _fmt(r["end_s"]),
                      *[_fmt(r["metrics"].get(k)) for k, _ in _METRIC_COLUMNS], faults)
    if doc["reps"]:
        console.print(table)
    rec = doc.get("recommendation") or {}
    if rec.get("primary_cue"):
        console.print(f"[bold]Cue:[/] {rec['primary_cue']}")
    for cue in rec.get("secondary_cues") or []:
        console.print(f"  also: {cue}")
    if rec.get("summary"):
        console.print(rec["summary"])
    from hingecoach.core.coach.sentences import describe_back, describe_reference

    for sentence in (describe_reference(doc), describe_back(doc)):
        if sentence:
            console.print(sentence)
    watched: dict[str, list[str]] = {}
    for r in doc["reps"]:
        for f in r.get("watch") or []:
            watched.setdefault(f["id"], []).append(str(r["index"]))
    for fid, reps in watched.items():
        console.print(f"[dim]watch (not sure enough to coach): {fid} on rep{'s' if len(reps) > 1 else ''} "
                      f"{', '.join(reps)}[/]")
    print_warnings(doc, console)


@app.command()
def analyze(
    path: Path = typer.Argument(..., help="A video, or a keypoint file (.npz, OpenPose JSON or folder, "
                                "COCO-17 CSV, BlazePose-33 JSON)."),
    model: str = typer.Option("full", "--model", help="BlazePose model: lite, full or heavy."),
    json_out: bool = typer.Option(False, "--json", help="Print the analysis as JSON on stdout, nothing else."),
    out_dir: Path | None = typer.Option(None, "--out", help="Write analysis.json, the track, .trc and .mot here."),
    fmt: str | None = typer.Option(None, "--format", help="Keypoint file format (default: from the file)."),
    fps: float | None = typer.Option(None, "--fps", help="Frame rate for keypoint files that store none."),
    drill: str | None = typer.Option(None, "--drill", help="The drill, when recognition should be overridden."),
    back: bool = typer.Option(False, "--back", help="Also measure the back's silhouette (experimental rounded-back"
                              " check, reported under 'experimental'; about +4% pose time)."),
    back_reference: Path | None = typer.Option(
        None, "--back-reference", help="A set of the same lifter, filmed the same way, that you call neutral"
        " (a video, or its analysis.json or --out folder from --back --out): the back is read against its bottoms instead of"
        " standing (implies --back)."),
    neutral_back: bool = typer.Option(
        False, "--neutral-back", help="With --log: this set's back is neutral; the athlete's later sets of"
        " this drill are read against it (implies --back; so does --log once the athlete has one)."),
    reference: Path | None = typer.Option(
        None, "--reference", help="A set of several reps by the same lifter, filmed the same way, that you call"
        " neutral (a video, or its analysis.json or --out folder): the knee, lockout and bar rules read this set"
        " against it instead of their fixed thresholds, and the set is read as its drill (docs/accuracy.md); with"
        " --back, the back too (as --back-reference)."),
    neutral_set_flag: bool = typer.Option(
        False, "--neutral", help="With --log: the coach calls this set neutral; the athlete's later sets of this"
        " drill logged with --log are read against it by the knee, lockout and bar rules and, from its silhouette"
        " (measured, as --back), the back (it takes 3 reps or more)."),
    video: bool = typer.Option(True, "--video/--no-video", help="With --out: write the annotated video."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="With --out: write the angle plots."),
    html: bool = typer.Option(True, "--html/--no-html", help="With --out: write the HTML report."),
    log: str | None = typer.Option(None, "--log", help="Store the analysis in this athlete's training log."),
    db: str | None = typer.Option(None, "--db", help="Training-log database URL (default: HINGE_DB or the user data folder)."),
    jobs: int | None = typer.Option(
        None, "--jobs", "-j", min=1, help="Pose worker processes for one video (default: every core). A video of"
        " 20 s or more is cut into time chunks tracked in parallel and joined; a shorter one, or --jobs 1, runs in one"
        " process (docs/scale.md)."),
) -> None:
    """Analyse a set: count reps, measure each one, and coach the hinge."""
    from hingecoach.pipeline import analyze_path, write_outputs

    if neutral_back and not log:
        raise HingeError("--neutral-back marks the set in an athlete's training log: add --log NAME")
    if neutral_back and back_reference is not None:
        raise HingeError("--neutral-back and --back-reference do not go together: a neutral set is read"
                         " against standing")
    if neutral_set_flag and not log:
        raise HingeError("--neutral marks the set in an athlete's training log: add --log NAME")
    if neutral_set_flag and reference is not None:
        raise HingeError("--neutral and --reference do not go together: a neutral set is read against the packaged"
                         " thresholds")
    neutral = None
    if reference is not None:
        from hingecoach.pipeline import neutral_set

        neutral = neutral_set(reference, model=model, drill=drill)
    if reference is not None and back and back_reference is None:
        back_reference = reference   # with --back, the neutral set is the back's reference too
    reference_for = None
    if log and not neutral_back and not neutral_set_flag and back_reference is None:
        from hingecoach.pipeline import logged_back_reference

        reference_for = logged_back_reference(db, log)
    back = back or neutral_back or neutral_set_flag or reference_for is not None
    rules_reference_for = None
    if log and not neutral_set_flag and reference is None:
        from hingecoach.pipeline import logged_reference

        rules_reference_for = logged_reference(db, log)

    show_progress = not json_out and sys.stderr.isatty() and not os.environ.get("CI")
    with Progress(TextColumn("[bold]pose[/]"), BarColumn(), TextColumn("{task.completed}/{task.total} frames"),
                  TextColumn("{task.fields[fps]:.0f} fps"), TimeRemainingColumn(),
                  console=err, disable=not show_progress, transient=True) as bar:
        task = bar.add_task("pose", total=None, fps=0.0)

        def progress(done: int, total: int, elapsed: float) -> None:
            if done % 5 == 0 or done == total:
                bar.update(task, completed=done, total=total or None,
                           fps=done / elapsed if elapsed > 0 else 0.0)

        result = analyze_path(path, model=model, fmt=fmt, fps=fps, drill=drill, progress=progress,
                              segmentation=back, back_reference=back_reference, reference_for=reference_for,
                              jobs=jobs, reference=neutral, rules_reference_for=rules_reference_for)
    doc = result.analysis.to_dict()
    written: dict[str, Path] = {}
    logged = None
    if log:
        from hingecoach.store import log_analysis

        # A neutral set is the back's reference too, when its silhouette was measured.
        bends = any((r.get("metrics") or {}).get("back_outline_bend_deg") is not None for r in doc["reps"])
        logged = log_analysis(db, log, doc, drill=drill, back_neutral=neutral_back or (neutral_set_flag and bends),
                              neutral=neutral_set_flag)
    if out_dir is not None:
        written = write_outputs(result, out_dir)
        if video or plots or html:
            from hingecoach.report import write_report

            # After logging, so the report's history chart includes this set.
            written.update(write_report(result, out_dir, video=video, plots=plots, html=html, db=db,
                                        athlete=log))
    if json_out:
        from hingecoach.core.numeric import strict_json

        sys.stdout.write(strict_json(doc) + "\n")  # strict JSON: a non-finite number is null, never NaN
        return
    print_analysis(doc, out)
    if written:
        out.print("Wrote " + ", ".join(str(p) for p in written.values()))
    if logged is not None:
        # What this set led to (a set off the plan's drill leaves it unchanged, and says so).
        out.print(f"Logged for {logged.athlete}. {logged.decision.explanation}")
