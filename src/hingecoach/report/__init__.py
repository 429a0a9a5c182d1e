"""Reports: what a lifter looks at — the annotated video, the plots and one HTML page.

Pipeline position: analysis (+ the track and features behind it) → **report**. Called by
``hinge analyze --out DIR`` after :func:`hingecoach.pipeline.write_outputs`, and by
``hinge report analysis.json`` (:func:`rebuild_report`) to rebuild the same outputs from a
saved analysis, the ``track.npz`` beside it and the source video it names.

Modules: :mod:`.model` (measuring: per-frame readouts, target range, faults), :mod:`.annotators`
(drawing on frames), :mod:`.video` (the encoding pass), :mod:`.keyframes`, :mod:`.plots`,
:mod:`.html` (Jinja2 page), :mod:`.history` (the training-log chart).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from hingecoach.core.reps.engine import TrackFeatures, track_features
from hingecoach.core.track.pose_track import PoseTrack
from hingecoach.errors import HingeError
from hingecoach.io.analysis_json import analysis_document, read_report_document
from hingecoach.pipeline import Result, file_sha256
from hingecoach.report.history import athlete_history
from hingecoach.report.html import page_context, write_html
from hingecoach.report.keyframes import KeyframeCollector
from hingecoach.report.model import build_model
from hingecoach.report.plots import angles_png, bar_path_png, history_png, reps_png
from hingecoach.report.video import render_video

VIDEO_NAME = "annotated.mp4"
HTML_NAME = "report.html"
PLOT_NAMES = {"angles": "angles.png", "reps": "reps.png", "bar_path": "bar_path.png"}

__all__ = ["HTML_NAME", "PLOT_NAMES", "VIDEO_NAME", "rebuild_report", "render_report", "write_report"]


@contextmanager
def quiet_numerics() -> Iterator[None]:
    """NumPy's floating-point warnings off (NaN and inf are expected in a track: a joint not
    found): a report never prints a ``RuntimeWarning``."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _source_video(doc: dict[str, Any]) -> Path | None:
    source = doc.get("source") or {}
    if source.get("kind") != "video" or not source.get("path"):
        return None
    return Path(str(source["path"]))


def _is_file(path: Path) -> bool:
    """``path.is_file()``, False where the path cannot name a file (a NUL byte, too long)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def render_report(doc: dict[str, Any], tf: TrackFeatures, out_dir: Path, *, source: Path | None,
                  video: bool = True, plots: bool = True, html: bool = True, db: str | None = None,
                  athlete: str | None = None) -> dict[str, Path]:
    """Write the report outputs for an analysis document and its track features.

    ``source`` is the analysed video (None for a keypoint file: no annotated video, and the
    keyframes are drawn on a plain canvas). Returns the written paths by kind.
    """
    with quiet_numerics():
        return _render_report(doc, tf, Path(out_dir), source=source, video=video, plots=plots, html=html,
                              db=db, athlete=athlete)


def _render_report(doc: dict[str, Any], tf: TrackFeatures, out_dir: Path, *, source: Path | None,
                   video: bool, plots: bool, html: bool, db: str | None, athlete: str | None) -> dict[str, Path]:
    if out_dir.exists() and not out_dir.is_dir():
        raise HingeError(f"{out_dir}: exists and is not a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    model = build_model(doc, tf)
    written: dict[str, Path] = {}
    if not (video or plots or html):
        return written
    collector = KeyframeCollector(model, background_frame=model.deepest_rep_bottom() if model.reps else 0)
    want_frames = plots or html
    if source is not None and (video or want_frames):
        out = out_dir / VIDEO_NAME if video else None
        render_video(source, model, out, visit=collector.visit if want_frames else None,
                     visit_frames=collector.frames if want_frames else ())
        if out is not None:
            written["video"] = out
    collector.fill_missing()
    if not want_frames:
        return written
    images = {"angles": angles_png(model), "reps": reps_png(model),
              "bar_path": bar_path_png(model, collector.background)}
    if plots:
        for key, name in PLOT_NAMES.items():
            path = out_dir / name
            path.write_bytes(images[key])
            written[f"plot_{key}"] = path
    if html:
        hist = athlete_history(db, athlete)
        hist_png = history_png(hist[1]) if hist else None
        video_name = VIDEO_NAME if (out_dir / VIDEO_NAME).is_file() else None
        context = page_context(model, images, collector.jpegs, video_name,
                               (hist[0], hist_png) if hist and hist_png else None)
        written["html"] = write_html(out_dir / HTML_NAME, context)
    return written


def write_report(result: Result, out_dir: Path, *, video: bool = True, plots: bool = True, html: bool = True,
                 db: str | None = None, athlete: str | None = None) -> dict[str, Path]:
    """Write the annotated video, plots and HTML page of an analysis into ``out_dir``.

    ``db`` (a training-log URL or SQLite path) adds the athlete's history chart when that log
    has sessions (``athlete`` names one when the log holds several).
    """
    doc = analysis_document(result.analysis)  # as analysis.json holds it (non-finite numbers null)
    return render_report(doc, result.features, Path(out_dir), source=_source_video(doc), video=video,
                         plots=plots, html=html, db=db, athlete=athlete)


def _find_source(doc: dict[str, Any], analysis_json: Path, override: Path | None) -> Path:
    recorded = _source_video(doc)
    candidates = [override] if override is not None else (
        [recorded, analysis_json.parent / recorded, analysis_json.parent / recorded.name] if recorded else [])
    for path in candidates:
        if path is not None and _is_file(path):
            expected = (doc.get("source") or {}).get("sha256")
            if expected and file_sha256(path) != expected:
                raise HingeError(f"{path}: is not the video that was analysed (its checksum differs)")
            return path
    shown = override or recorded
    raise HingeError(f"source video {shown} not found; pass --source PATH, or --no-video")


def rebuild_report(analysis_json: Path, out_dir: Path | None = None, *, video: bool = True, plots: bool = True,
                   html: bool = True, db: str | None = None, athlete: str | None = None,
                   source: Path | None = None) -> dict[str, Path]:
    """Rebuild the report from a saved ``analysis.json``, the ``track.npz`` beside it and its video.

    The features are recomputed from the saved track with the same engine (deterministic), the
    faults and recommendation are taken from the document as saved. ``out_dir`` defaults to the
    folder of ``analysis.json``; ``source`` overrides the video path recorded in it.
    """
    analysis_json = Path(analysis_json)
    if not _is_file(analysis_json):
        raise HingeError(f"{analysis_json}: no such analysis file")
    doc = read_report_document(analysis_json)  # checked field by field: a bad one is a one-line error
    track_path = analysis_json.parent / "track.npz"
    if not track_path.is_file():
        raise HingeError(f"{track_path}: missing; the report needs the track saved beside analysis.json")
    track = PoseTrack.load(track_path)
    if track.n_frames != doc["frames"]:
        raise HingeError(f"{analysis_json}: frames is {doc['frames']}, but {track_path.name} beside it has "
                         f"{track.n_frames} frames")
    needs_video = video or ((plots or html) and source is not None)
    video_path = _find_source(doc, analysis_json, source) if needs_video and (_source_video(doc) or source) else None
    if video and video_path is None:
        raise HingeError(f"{analysis_json.name}: was made from a keypoint file; there is no video to annotate "
                         "(use --no-video)")
    if video_path is None and (plots or html) and _source_video(doc):
        # Keyframes look better on the real frames; use the video when it is still there.
        try:
            video_path = _find_source(doc, analysis_json, None)
        except HingeError:
            video_path = None
    with quiet_numerics():
        tf = track_features(track)
    return render_report(doc, tf, Path(out_dir) if out_dir else analysis_json.parent, source=video_path,
                         video=video, plots=plots, html=html, db=db, athlete=athlete)
