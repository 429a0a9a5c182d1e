"""The offline pipeline: a video or keypoint file → pose track → analysis → output files.

This is the library entry point the CLI (and later the web app) calls; it holds no printing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from hingecoach.core.reps.engine import TrackFeatures, analyze_track
from hingecoach.core.results import Analysis
from hingecoach.core.settings import Settings, load_settings
from hingecoach.core.track.pose_track import PoseTrack
from hingecoach.errors import HingeError
from hingecoach.io.keypoint_files import read_track, write_mot, write_trc
from hingecoach.io.video import VIDEO_SUFFIXES, VideoInfo, probe

if TYPE_CHECKING:
    from hingecoach.core.faults.reference import NeutralReference

_T = TypeVar("_T")

#: progress(frames_done, frames_total_or_0, elapsed_s)
Progress = Callable[[int, int, float], None]


@dataclass
class Result:
    """An analysis with the track and features behind it (for plots, reports, faults)."""

    analysis: Analysis
    features: TrackFeatures
    track: PoseTrack
    timings_s: dict[str, float]


def is_video(path: Path) -> bool:
    """True when the path looks like a video (by suffix)."""
    return path.is_file() and path.suffix.lower() in VIDEO_SUFFIXES


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes (read in chunks), hex."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def track_from_video(info: VideoInfo, model: str = "full", backend: str = "mediapipe",
                     progress: Progress | None = None, segmentation: bool = False,
                     jobs: int | None = 1, chunk_s: float | None = None) -> PoseTrack:
    """Run pose estimation over a probed video, frame by frame, streaming the frames.

    With ``segmentation`` the backend also reduces each frame's person mask to a trunk profile
    (``PoseTrack.profiles``, for the back measurement); the masks themselves are not kept.

    ``jobs``: worker processes for one clip (None: every core). A clip of at least
    :data:`hingecoach.pose.chunks.MIN_PARALLEL_S` seconds (or any clip, with ``chunk_s``: chunks
    of that many seconds) is split into time chunks tracked in parallel, each worker decoding its
    own range, and joined into one track (:mod:`hingecoach.pose.chunks`); ``attrs["chunks"]``
    then lists them. Otherwise one process tracks the whole clip.
    """
    from hingecoach.pose.chunks import WHOLE, default_jobs, join_chunks, plan_chunks, pose_chunk, pose_chunks, should_split

    if should_split(info, jobs, chunk_s):
        n_jobs = default_jobs() if jobs is None else jobs
        parts = pose_chunks(info, plan_chunks(info.duration_s, n_jobs, chunk_s), n_jobs, model=model, backend=backend,
                            segmentation=segmentation, progress=progress)
    else:
        parts = [pose_chunk(info, WHOLE, model=model, backend=backend, segmentation=segmentation, progress=progress)]
    joined = join_chunks(parts, info.path.name)
    xy_a, conf_a, world_a = joined["xy"], joined["confidence"], joined["world"]
    timestamps, size, profiles = joined["timestamps_s"], joined["size"], joined["profiles"]
    warnings: list[str] = joined["warnings"]  # the decoder's, when the video is damaged or cut short
    chunk_info = joined["chunks"] if len(parts) > 1 else None
    keypoints, skeleton, model_name = joined["keypoints"], joined["skeleton"], joined["model"]
    if len(timestamps) > 2:
        dt = np.diff(timestamps)
        if np.all(dt > 0) and np.std(dt) > 0.25 * np.median(dt):
            warnings.append("the video has a variable frame rate; times follow the container's timestamps")
    scale = size[0] / info.width if size else 1.0
    attrs = {
        "backend": backend, "model": model_name, "skeleton": skeleton,
        "source": {"path": str(info.path), "kind": "video", "width": info.width,
                   "height": info.height, "analysed_scale": round(scale, 4),
                   "rotation_ccw_deg": info.rotation_ccw_deg},
        "warnings": warnings, "segmentation": segmentation,
    }
    if chunk_info is not None:
        attrs["chunks"] = chunk_info
    prof = None
    if segmentation and profiles is not None:
        p = next((q.shape[0] for q in profiles if q is not None), 0)
        prof = np.stack([q.astype(np.float32) if q is not None else np.full((p, 2), np.nan, np.float32)
                         for q in profiles]).astype(np.float64)
    return PoseTrack(xy=xy_a.astype(np.float64), confidence=conf_a.astype(np.float64),
                     fps=info.fps, keypoints=keypoints, timestamps_s=timestamps,
                     image_size=size, world=world_a.astype(np.float64), attrs=attrs,
                     profiles=prof)


def load_any(path: str | Path, model: str = "full", fmt: str | None = None, fps: float | None = None,
             progress: Progress | None = None, segmentation: bool = False,
             jobs: int | None = 1, chunk_s: float | None = None) -> tuple[PoseTrack, float]:
    """A pose track from a video (pose estimation) or a keypoint file; and the seconds it took.

    ``segmentation`` (videos only): also measure the trunk's silhouette profile per frame.
    ``jobs`` / ``chunk_s`` (videos only): worker processes for the clip, as in :func:`track_from_video`.
    """
    path = Path(path)
    started = time.perf_counter()
    if not path.exists():
        raise HingeError(f"{path}: no such file")
    if fmt is None and is_video(path):
        track = track_from_video(probe(path), model=model, progress=progress,
                                 segmentation=segmentation, jobs=jobs, chunk_s=chunk_s)
    elif fmt is None and path.is_file() and path.suffix.lower() not in {".npz", ".csv", ".json"}:
        # Unknown suffix: try it as a video (probe gives the one-line error if it is not).
        track = track_from_video(probe(path), model=model, progress=progress,
                                 segmentation=segmentation, jobs=jobs, chunk_s=chunk_s)
    else:
        track = read_track(path, fmt=fmt, fps=fps)
    source = dict(track.attrs.get("source", {}))
    source["path"] = str(path)
    if path.is_file():
        try:
            source["sha256"] = file_sha256(path)
        except OSError as exc:
            raise HingeError(f"{path.name}: cannot read the file ({exc.__class__.__name__})") from None
    attrs = dict(track.attrs)
    attrs["source"] = source
    return track.with_step("load", attrs=attrs), time.perf_counter() - started


#: A neutral back reference: ((outline bend, spread), provenance) for TrackFeatures.back_neutral.
BackReference = tuple[tuple[float, float], dict[str, Any]]


def back_reference_from_bends(bends: Sequence[float | None], provenance: dict[str, Any]) -> BackReference:
    """A neutral reference from the per-rep bottom bends of a set the coach calls neutral."""
    from hingecoach.core.spine.outline import reference_from_bends

    ref = reference_from_bends(bends)
    if ref is None:
        raise HingeError(f"{provenance.get('path', 'that set')}: no neutral back reference in it: it takes "
                         "a set analysed with the silhouette (--back) and at least one rep")
    bend, spread, reps = ref
    return (bend, spread), {**provenance, "outline_bend_deg": round(bend, 2), "spread_deg": round(spread, 2),
                            "reps": reps}


def _logged_lookup(drills: set[str], fetch: Callable[[str], Any], build: Callable[[str, Any, dict[str, Any]], _T],
                   ) -> Callable[[str], _T | None] | None:
    """A lookup by drill of what the training log holds for one athlete: ``fetch`` the logged set
    of a drill in ``drills`` and ``build`` the reference from it with where it came from (its set
    id, when, its source); None when ``drills`` is empty."""
    if not drills:
        return None

    def lookup(drill_id: str) -> _T | None:
        found = fetch(drill_id) if drill_id in drills else None
        return None if found is None else _from_logged(drill_id, found, build)

    return lookup


def _from_logged(drill_id: str, found: Any, build: Callable[[str, Any, dict[str, Any]], _T]) -> _T:
    """``build`` the reference of ``drill_id`` from its logged set, with where it came from."""
    return build(drill_id, found, {"logged_set": found.set_id, "performed_at": found.performed_at.isoformat(),
                                   "path": found.source_path})


def logged_back_reference(db: str | None, athlete: str) -> Callable[[str], BackReference | None] | None:
    """The athlete's neutral-back sets in the training log as a lookup by drill, for
    :func:`analyze_path` ``reference_for``; None when the athlete has none (the back is then
    measured only when asked, against standing)."""
    from hingecoach.store import back_reference, back_reference_drills

    return _logged_lookup(back_reference_drills(db, athlete), lambda d: back_reference(db, athlete, d),
                          lambda _, ref, where: back_reference_from_bends(ref.bends, where))


def logged_references(db: str | None, athlete: str) -> dict[str, NeutralReference]:
    """The athlete's neutral sets in the training log (``--neutral``), one reference per drill:
    plain data, for a task that has no database (``hingecoach.batch.analyze_clip``)."""
    from hingecoach.core.faults.reference import reference_from_metrics
    from hingecoach.store import neutral_set, neutral_set_drills

    def build(drill_id: str, logged: Any, where: dict[str, Any]) -> NeutralReference:
        return reference_from_metrics(logged.rep_metrics, drill_id, where)

    found = ((d, neutral_set(db, athlete, d)) for d in sorted(neutral_set_drills(db, athlete)))
    return {d: _from_logged(d, logged, build) for d, logged in found if logged is not None}


def logged_reference(db: str | None, athlete: str) -> Callable[[str], NeutralReference | None] | None:
    """The athlete's neutral sets in the training log (``--neutral``) as a lookup by drill, for
    :func:`analyze_path` ``rules_reference_for``; None when the athlete has none."""
    references = logged_references(db, athlete)
    return references.get if references else None


def back_neutral(path: str | Path, model: str = "full", settings: Settings | None = None) -> BackReference:
    """The back's neutral reference from a set the coach calls neutral (same lifter, same
    camera): a video, or the ``analysis.json`` of one analysed with the silhouette (no second
    pose run). Returns (bend, spread) for :attr:`TrackFeatures.back_neutral`, and its provenance."""
    path = Path(path)
    if path.is_dir() and (path / "analysis.json").is_file():   # a folder written by --out
        path = path / "analysis.json"
    if path.suffix.lower() == ".json":
        from hingecoach.store import read_analysis_file

        parsed = read_analysis_file(path)
        bends = [r.metrics.get("back_outline_bend_deg") for r in parsed.reps]
        return back_reference_from_bends(bends, {"path": str(path)})
    track, _ = load_any(path, model=model, segmentation=True)
    _, tf = analyze_track(track, settings)
    from hingecoach.core.spine.outline import bottom_bends

    return back_reference_from_bends(list(bottom_bends(tf) or []), {"path": str(path)})


def neutral_set(path: str | Path, model: str = "full", settings: Settings | None = None,
                drill: str | None = None) -> NeutralReference:
    """The lifter's neutral set, for reading a set against it (:mod:`hingecoach.core.faults.reference`):
    a video or keypoint file of a set the coach calls neutral (same lifter, same camera), or its
    ``analysis.json`` (or ``--out`` folder), whose reps carry every rule's measure. ``drill``
    names the drill when recognition should not decide it."""
    from hingecoach.core.coach.coaching import coach_analysis
    from hingecoach.core.faults.reference import reference_from_metrics

    path = Path(path)
    if path.is_dir() and (path / "analysis.json").is_file():   # a folder written by --out
        path = path / "analysis.json"
    if path.suffix.lower() == ".json":
        from hingecoach.store import read_analysis_file

        parsed = read_analysis_file(path)
        metrics, found = [dict(r.metrics) for r in parsed.reps], drill or parsed.drill
    else:
        track, _ = load_any(path, model=model)
        analysis, tf = analyze_track(track, settings)
        coach_analysis(analysis, tf, drill_override=drill)
        metrics, found = [r.metrics for r in analysis.reps], analysis.drill.get("id")
    reference = reference_from_metrics(metrics, found, {"path": str(path)})
    if not reference.measures:
        raise HingeError(f"{path}: no rule measures in it to read a set against: it takes a set with reps,"
                         " analysed by this version (analysis.json reps[].metrics measure_*)")
    return reference


def analyze_path(path: str | Path, model: str = "full", fmt: str | None = None,
                 fps: float | None = None, drill: str | None = None,
                 settings: Settings | None = None, progress: Progress | None = None,
                 segmentation: bool = False, back_reference: str | Path | None = None,
                 reference_for: Callable[[str], BackReference | None] | None = None,
                 jobs: int | None = 1, chunk_s: float | None = None,
                 reference: NeutralReference | None = None,
                 rules_reference_for: Callable[[str], NeutralReference | None] | None = None) -> Result:
    """Analyse a video or keypoint file: reps, metrics, and (with the ladder) faults and cues.

    ``back_reference``: a set of the same lifter, filmed the same way, that the coach calls
    neutral (a video, or its ``analysis.json``); the back is then read against its bottoms
    (implies ``segmentation``). ``reference_for``: otherwise, a lookup of such a reference by
    the drill the set turns out to be (the training log's, for one athlete); the set is then
    coached again against it. ``reference``: the lifter's neutral set (:func:`neutral_set`), which
    the rules with a relative threshold read the set against; ``rules_reference_for``: otherwise,
    a lookup of such a set by the drill the set turns out to be (the training log's, for one
    athlete: :func:`logged_reference`).

    ``jobs`` / ``chunk_s``: one video over several worker processes (None: every core), as in
    :func:`track_from_video`; the engine still runs once over the joined track."""
    settings = settings or load_settings()
    neutral = back_neutral(back_reference, model, settings) if back_reference is not None else None
    track, pose_s = load_any(path, model=model, fmt=fmt, fps=fps, progress=progress,
                             segmentation=segmentation or neutral is not None, jobs=jobs, chunk_s=chunk_s)
    started = time.perf_counter()
    from hingecoach.core.coach.coaching import coach_analysis  # the ladder: drill, faults, cues, recommendation

    analysis, tf = analyze_track(track, settings)
    want_back = neutral is None and reference_for is not None and track.profiles is not None
    want_rules = reference is None and rules_reference_for is not None
    if want_back or want_rules:
        # The drill decides which logged reference applies: coach once to learn it, then afresh.
        coach_analysis(analysis, tf, drill_override=drill, reference=reference)
        drill_id = analysis.drill.get("id")
        found_back = reference_for(drill_id) if want_back and reference_for is not None and drill_id else None
        found_rules = rules_reference_for(drill_id) if want_rules and rules_reference_for is not None and drill_id \
            else None
        if found_back is None and found_rules is None:
            return Result(analysis=analysis, features=tf, track=track,
                          timings_s={"pose_s": pose_s, "analysis_s": time.perf_counter() - started})
        neutral = neutral if found_back is None else found_back
        reference = reference if found_rules is None else found_rules
        analysis, tf = analyze_track(track, settings)   # coached afresh against the reference
    if neutral is not None:
        tf.back_neutral = neutral[0]
        analysis.provenance["back_reference"] = neutral[1]
    coach_analysis(analysis, tf, drill_override=drill, reference=reference)
    return Result(analysis=analysis, features=tf, track=track,
                  timings_s={"pose_s": pose_s, "analysis_s": time.perf_counter() - started})


def write_outputs(result: Result, out_dir: str | Path) -> dict[str, Path]:
    """Write ``analysis.json``, the pose track (.npz), and .trc / .mot files into ``out_dir``.

    ``analysis.json`` is strict JSON (:func:`hingecoach.io.analysis_json.write_analysis`: a
    non-finite number is written as null)."""
    from hingecoach.io.analysis_json import write_analysis

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise HingeError(f"{out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    f = result.features.features
    paths = {
        "analysis": write_analysis(result.analysis, out / "analysis.json"),
        "track": result.track.save(out / "track.npz"),
        "trc": write_trc(result.track.standardized(), out / "markers.trc"),
        "mot": write_mot(result.track.timestamps_s, {
            "hip_flexion": f.hip_flexion_deg, "knee_flexion": f.knee_flexion_deg,
            "trunk_inclination": f.trunk_inclination_deg, "shin_angle": f.shin_angle_deg,
            "thigh_angle": f.thigh_angle_deg}, out / "angles.mot"),
    }
    return paths
