"""The desktop loop: frames → pose (the offline estimator, frame by frame) → the live session →
events to the terminal, the speaker and the window.

The pose estimator is the one ``hinge analyze`` runs (:func:`hingecoach.pose.get_backend`), fed
the same decoded frames, and its landmarks go to the session as the offline track stores them
(float32), so a video fed live is analysed exactly as offline: with the session's clock at the
file's own frame rate, every frame is one engine step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hingecoach.core.faults.reference import NeutralReference
from hingecoach.core.live import LiveError, LiveEvent, LiveSession
from hingecoach.core.results import Analysis
from hingecoach.core.settings import Settings, load_settings
from hingecoach.errors import HingeError
from hingecoach.live.events import spoken
from hingecoach.live.sources import CameraSource, VideoSource
from hingecoach.live.speaker import Speaker
from hingecoach.pipeline import Result


@dataclass
class LiveOptions:
    """What ``hinge live`` was asked for (the source is opened by the caller)."""

    drill: str | None = None
    model: str = "full"
    countdown_s: float = 0.0
    delay_s: float = 0.0
    window: bool = False
    #: The pose backend (:func:`hingecoach.pose.get_backend`): the offline one by default.
    backend: str = "mediapipe"
    #: The lifter's neutral set of the drill: each rep is read against it (None: packaged thresholds).
    reference: NeutralReference | None = None


@dataclass
class LiveRun:
    """A finished live set: its events (the summary last), the analysis (None: no frame), the
    :class:`~hingecoach.pipeline.Result` for ``write_outputs``, and what the loop measured."""

    events: list[LiveEvent]
    analysis: Analysis | None
    result: Result | None
    frames: int = 0
    refused: int = 0
    wall_s: float = 0.0
    pose_s: float = 0.0
    push_s: list[float] = field(default_factory=list)
    max_lag_s: float = 0.0
    skipped: int = 0
    ended_by: str = "end of video"


def _source_attrs(source: VideoSource | CameraSource, backend: str, model: str) -> dict[str, Any]:
    if isinstance(source, VideoSource):
        from hingecoach.pipeline import file_sha256

        src: dict[str, Any] = {"path": str(source.path), "device": "video", "width": source.info.width,
                               "height": source.info.height, "realtime": source.realtime}
        try:
            src["sha256"] = file_sha256(source.path)
        except OSError:
            pass
    else:
        src = {"device": "camera", "camera": source.index}
    return {"backend": backend, "model": model, "source": src}


def run_live(source: VideoSource | CameraSource, options: LiveOptions, speaker: Speaker,
             on_event: Callable[[dict[str, Any]], None], on_note: Callable[[str], None],
             settings: Settings | None = None) -> LiveRun:
    """Run one live set from ``source`` until it ends (the video's end; for a camera: q in the
    window, or Ctrl+C). ``on_event`` gets each event's message (``state`` ones included),
    ``on_note`` the loop's own one-line notes (countdown, refused frames)."""
    from hingecoach.core.drills import get_drill
    from hingecoach.pose import get_backend

    settings = settings or load_settings()
    if options.drill is not None:
        get_drill(options.drill)   # an unknown drill is one line before the camera starts
    estimator = get_backend(options.backend, options.model)
    window = mirror = None
    state = None
    if options.window:
        from hingecoach.live.window import Mirror, OverlayState, Window

        window, mirror, state = Window(), Mirror(options.delay_s), OverlayState()
    session: LiveSession | None = None
    events: list[LiveEvent] = []
    run = LiveRun(events=events, analysis=None, result=None,
                  ended_by="the camera stopped" if source.camera else "end of video")
    refused_note = False
    min_conf = float(settings.pose.min_confidence)

    def dispatch(evs: list[LiveEvent], t: float) -> None:
        for ev in evs:
            events.append(ev)
            msg = ev.message()
            on_event(msg)
            said = spoken(msg)
            if said is not None:
                speaker.say(*said)
            if state is not None and mirror is not None:
                if ev.type == "state":
                    state.depth_deg = msg.get("depth_deg")
                    state.count = int(msg.get("count") or state.count)
                elif ev.type == "rep":
                    state.count = int(msg.get("count") or state.count)
                    mirror.rep_ended(t)
                elif ev.type == "fault" and msg.get("primary"):
                    state.cue = str(msg.get("cue") or "")
                elif ev.type == "not_in_view":
                    state.banner, state.in_view = str(msg.get("message") or ""), False
                elif ev.type == "in_view":
                    state.banner, state.in_view = "", True

    started = time.perf_counter()
    countdown_end: float | None = None
    if options.countdown_s > 0:
        on_note(f"The set starts in {options.countdown_s:g} s: get into place.")
        speaker.say(f"Starting in {options.countdown_s:g} seconds", "info")
        countdown_end = time.monotonic() + options.countdown_s
        if window is None or not source.camera:
            # Nothing to watch (no window, or a video, whose frames all belong to the set): wait.
            time.sleep(options.countdown_s)
            speaker.say("Go", "info")
            on_note("Go!")
            countdown_end = None
    try:
        for t, rgb in source.frames():
            xy = conf = None
            if countdown_end is not None:
                left = countdown_end - time.monotonic()
                if left > 0:
                    if window is not None and state is not None:
                        from hingecoach.live.window import draw_overlay

                        state.banner = f"starting in {int(left) + 1}"
                        if not window.show(draw_overlay(rgb, None, None, (), state)):
                            run.ended_by = "window closed"
                            break
                    continue
                countdown_end = None
                speaker.say("Go", "info")
                on_note("Go!")
                if state is not None:
                    state.banner = ""
            p0 = time.perf_counter()
            fp = estimator.process(rgb, t)
            run.pose_s += time.perf_counter() - p0
            # As the offline track stores them (pose/chunks.py): float32, then float64.
            xy = fp.xy.astype(np.float32).astype(np.float64)
            conf = fp.confidence.astype(np.float32).astype(np.float64)
            if session is None:
                session = LiveSession(tuple(estimator.keypoints), drill=options.drill, fps=source.fps,
                                      image_size=(rgb.shape[1], rgb.shape[0]), settings=settings,
                                      reference=options.reference,
                                      attrs=_source_attrs(source, options.backend, estimator.model))
            p1 = time.perf_counter()
            try:
                evs = session.push(t, xy, conf)
            except LiveError as exc:
                if session.n_frames >= int(settings.live.max_set_s * float(session.fps or 1.0)):
                    on_note(str(exc))
                    run.ended_by = "the longest set was reached"
                    break
                run.refused += 1
                if not refused_note:
                    on_note(f"frame refused: {exc}")
                    refused_note = True
                continue
            run.push_s.append(time.perf_counter() - p1)
            run.frames += 1
            dispatch(evs, t)
            if window is not None and mirror is not None and state is not None:
                from hingecoach.live.window import draw_hud, mirror_panel, skeleton_panel

                base = skeleton_panel(rgb, xy, conf, tuple(estimator.keypoints), min_conf)
                mirror.add(t, base.copy())
                live = draw_hud(base, state)
                panel = mirror_panel(mirror.frame(t), live, mirror.delay_s)
                if not window.show(np.hstack([live, panel])):
                    run.ended_by = "window closed"
                    break
    except KeyboardInterrupt:
        run.ended_by = "interrupted"
    finally:
        estimator.close()
        source.close()
        if window is not None:
            window.close()
    run.wall_s = time.perf_counter() - started
    run.max_lag_s = source.max_lag_s
    run.skipped = getattr(source, "skipped", 0)
    if session is None:
        raise HingeError("no frame was analysed: the set is empty")
    final, analysis = session.finish()
    dispatch(final, final[-1].t_s if final else 0.0)
    run.analysis = analysis
    if analysis is not None:
        analysis.warnings.extend(w for w in source.warnings if w not in analysis.warnings)
        run.result = _result(session, analysis, settings, run)
    return run


def _result(session: LiveSession, analysis: Analysis, settings: Settings, run: LiveRun) -> Result:
    """The set as a pipeline :class:`Result` (track on the steady clock, its features)."""
    from hingecoach.core.reps.engine import analyze_track

    track = session.track()
    _, tf = analyze_track(track, settings)
    return Result(analysis=analysis, features=tf, track=track,
                  timings_s={"pose_s": run.pose_s, "analysis_s": float(sum(run.push_s))})


def write_events(events: list[LiveEvent], path: Path) -> Path:
    """The set's events as JSON lines (``state`` ones left out), beside ``analysis.json``."""
    from hingecoach.core.numeric import strict_json

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for ev in events:
            if ev.type != "state":
                fh.write(strict_json(ev.message(), indent=None) + "\n")
    return path
