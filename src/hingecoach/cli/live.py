"""``hinge live``: coaching while you lift, on a laptop — a webcam (or a video fed as if live),
the same engine as ``hinge analyze``, cues spoken offline, a window with the delayed mirror.

Everything heavy (OpenCV, mediapipe, pyttsx3) is imported when the command runs, so
``hinge --help`` stays lean."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from hingecoach.cli.app import app, err, out
from hingecoach.errors import HingeError


@app.command()
def live(
    camera: int | None = typer.Option(None, "--camera", help="Webcam index (0: the built-in camera) to coach from."),
    video: Path | None = typer.Option(None, "--video", help="A video file fed as if it were the camera (for tests"
                                      " and demos); analysed frame for frame as `hinge analyze` does."),
    realtime: bool = typer.Option(False, "--realtime", help="With --video: feed it at its own frame rate (wall"
                                  " clock), not as fast as pose estimation goes."),
    drill: str | None = typer.Option(None, "--drill", help="The drill you are doing (default: recognised from"
                                     " the movement)."),
    model: str = typer.Option("full", "--model", help="BlazePose model: lite, full or heavy."),
    countdown: float | None = typer.Option(None, "--countdown", min=0, help="Seconds before the set starts, to get"
                                           " into place (default: 5 for a camera, analysis.toml live.countdown_s; 0 for"
                                           " a video)."),
    delay: float = typer.Option(0.0, "--delay", min=0, max=10, help="Mirror delay in seconds (0: replay each rep"
                                " after it ends)."),
    window: bool = typer.Option(True, "--window/--no-window", help="Show the window (camera, skeleton, depth bar,"
                                " rep count, last cue, mirror); off by itself when there is no display."),
    mute: bool = typer.Option(False, "--mute", help="Do not speak the cues."),
    out_dir: Path | None = typer.Option(None, "--out", help="Write analysis.json, the track, .trc, .mot, the"
                                        " live events (events.jsonl) and the report (plots, page; the annotated"
                                        " video with --video) here."),
    log: str | None = typer.Option(None, "--log", help="Store the set in this athlete's training log (with --drill,"
                                   " it is read against the athlete's logged neutral set of that drill, if any)."),
    reference: Path | None = typer.Option(
        None, "--reference", help="A neutral set of the same lifter, filmed the same way (a video, or its"
        " analysis.json or --out folder): each rep is read against it, as `hinge analyze --reference` does."),
    db: str | None = typer.Option(None, "--db", help="Training-log database URL (default: HINGE_DB or the user"
                                  " data folder)."),
    json_out: bool = typer.Option(False, "--json", help="Print the final analysis as JSON on stdout (the events go"
                                  " to stderr)."),
) -> None:
    """Coach a set live from a webcam (or a video fed as if live): reps counted, cues spoken."""
    from hingecoach.core.settings import load_settings
    from hingecoach.live.events import event_line
    from hingecoach.live.loop import LiveOptions, run_live, write_events
    from hingecoach.live.sources import open_source
    from hingecoach.live.speaker import SilentSpeaker, Speaker
    from hingecoach.live.window import have_display
    from hingecoach.pose.mediapipe_backend import MODELS

    settings = load_settings()
    if model not in MODELS:
        raise HingeError(f"unknown model {model!r}; choose one of: {', '.join(MODELS)}")
    if drill is not None:
        from hingecoach.core.drills import get_drill

        get_drill(drill)
    if log:
        from hingecoach.store import list_athletes

        if log not in {a.name for a in list_athletes(db)}:
            raise HingeError(f"no athlete named {log!r}; add one with `hinge athlete add {log}`")
    neutral = None
    if reference is not None:
        from hingecoach.pipeline import neutral_set

        neutral = neutral_set(reference, model=model, drill=drill)
    elif log and drill is not None:
        from hingecoach.pipeline import logged_reference

        lookup = logged_reference(db, log)
        neutral = lookup(drill) if lookup is not None else None
    source = open_source(camera, video, realtime)
    console = err if json_out else out
    show = window and have_display()
    if window and not show:
        console.print("[dim]no display: running without a window[/]")
    speaker = SilentSpeaker() if mute else Speaker()
    warning = speaker.start()
    if warning:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    wait = countdown if countdown is not None else (float(settings.live.countdown_s) if source.camera else 0.0)
    options = LiveOptions(drill=drill, model=model, countdown_s=wait, delay_s=delay, window=show, reference=neutral)
    if neutral is not None:
        from hingecoach.core.coach.sentences import describe_reference

        said = describe_reference({"provenance": {"reference": neutral.describe()}})
        console.print(f"[dim]{said}[/]", highlight=False, soft_wrap=True)
    what = f"camera {camera}" if source.camera else str(video)
    console.print(f"[bold]hinge live[/] · {what} · "
                  + ("q in the window or Ctrl+C ends the set" if source.camera else "the set ends with the video"),
                  highlight=False, soft_wrap=True)

    def on_event(msg: dict[str, object]) -> None:
        line = event_line(msg)
        if line is not None:
            console.print(line, highlight=False, soft_wrap=True)

    try:
        run = run_live(source, options, speaker, on_event, lambda note: console.print(note, highlight=False),
                       settings=settings)
    finally:
        speaker.close(drain_s=8.0)
    if run.analysis is None or run.result is None:
        raise HingeError("no frame was analysed: the set is empty")
    doc = run.analysis.to_dict()
    written: dict[str, Path] = {}
    logged = None
    if log:
        from hingecoach.store import log_analysis

        logged = log_analysis(db, log, doc, drill=drill)
    if out_dir is not None:
        from hingecoach.io.analysis_json import analysis_document
        from hingecoach.pipeline import write_outputs
        from hingecoach.report import render_report

        written = write_outputs(run.result, out_dir)
        written["events"] = write_events(run.events, Path(out_dir) / "events.jsonl")
        # The same report as `hinge analyze --out`: plots and page; the annotated video when a
        # video was fed (the steady clock runs at its frame rate, so frames and landmarks align).
        written.update(render_report(analysis_document(run.result.analysis), run.result.features, Path(out_dir), source=video,
                                     db=db if log else None, athlete=log))
    pose_fps = run.frames / run.pose_s if run.pose_s > 0 else 0.0
    push_ms = 1000 * max(run.push_s) if run.push_s else 0.0
    console.print(f"[dim]{run.frames} frames in {run.wall_s:.1f} s ({run.ended_by}); pose {pose_fps:.0f} fps;"
                  f" session ≤ {push_ms:.0f} ms a frame"
                  + (f"; at most {run.max_lag_s:.2f} s behind the video's clock" if realtime else "")
                  + (f"; {run.skipped} camera frames skipped" if run.skipped else "") + "[/]",
                  highlight=False, soft_wrap=True)
    if json_out:
        from hingecoach.core.numeric import strict_json

        sys.stdout.write(strict_json(doc) + "\n")
    if written:
        console.print("Wrote " + ", ".join(str(p) for p in written.values()), highlight=False, soft_wrap=True)
    if logged is not None:
        console.print(f"Logged for {logged.athlete}. {logged.decision.explanation}")
