"""Many clips at once (``hinge batch``): one task per clip on a Ray cluster (or a local pool of
processes), results per clip in their own folder, resumable.

- **Input**: a folder (its videos, not recursive) or a manifest CSV with a ``path`` column
  (relative paths are read from the manifest's folder) and an optional ``athlete`` column.
- **Tasks**: one per clip, ``num_cpus=1``, each running the whole single-process pipeline
  (:func:`analyze_clip`; OpenCV held to one thread). The task reads the clip itself (a cluster
  needs the clips on storage every node sees); only the analysis document comes back through
  the object store, never frames. A failed clip comes back as its one-line error and the
  others go on; a crashed worker is reported the same way.
- **Results**: the driver writes ``<out>/<stem>-<sha256[:8]>/analysis.json`` (atomically), logs
  the set into the training log when an athlete is given, and then writes ``done.json`` (the
  file's SHA-256 and the hingecoach version). A later run skips every clip whose ``done.json``
  matches the file's hash and this version, so an interrupted batch resumes where it stopped,
  and a changed clip or a new hingecoach is analysed again. A clip that failed gets a
  ``failed.json`` (hash, version, error) instead: a rerun reports it again without redoing it,
  unless asked to retry the failed ones.

Ray is imported only when a Ray batch starts. Without an address, a local Ray is started for
the batch (no dashboard, no usage reporting, workers' output not forwarded) and stopped after.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hingecoach import __version__
from hingecoach.errors import HingeError
from hingecoach.io.video import VIDEO_SUFFIXES

MARKER = "done.json"
#: Written instead when a clip fails, so a rerun does not redo it (``retry_failed`` does).
FAILED_MARKER = "failed.json"
ENGINES = ("ray", "local")


@dataclass(frozen=True)
class Clip:
    """One clip of a batch, where its results go, and whose log it joins."""

    path: Path
    sha256: str
    out_dir: Path
    athlete: str | None = None


@dataclass(frozen=True)
class ClipOutcome:
    """What became of one clip: ``done``, ``skipped`` (done before) or ``failed``."""

    path: Path
    status: str
    out_dir: Path | None = None
    error: str | None = None
    reps: int | None = None
    seconds: float = 0.0
    #: A failure found in a previous run's ``failed.json`` (not redone).
    before: bool = False


@dataclass
class BatchPlan:
    """The clips to analyse, those already done, and those that failed before any task (a
    missing or unreadable file)."""

    todo: list[Clip]
    skipped: list[ClipOutcome]
    failed: list[ClipOutcome]

    @property
    def total(self) -> int:
        return len(self.todo) + len(self.skipped) + len(self.failed)


def read_sources(source: str | Path) -> list[tuple[Path, str | None]]:
    """The clips of a folder (its videos, sorted) or of a manifest CSV (``path``, optional
    ``athlete``), each with its athlete or None."""
    source = Path(source)
    if source.is_dir():
        return [(p, None) for p in sorted(source.iterdir())
                if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in VIDEO_SUFFIXES]
    if source.is_file() and source.suffix.lower() == ".csv":
        with source.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        if not rows or "path" not in rows[0]:
            raise HingeError(f"{source.name}: a manifest needs a 'path' column (and may have 'athlete')")
        found: list[tuple[Path, str | None]] = []
        for n, row in enumerate(rows, start=2):
            raw = (row.get("path") or "").strip()
            if not raw:
                raise HingeError(f"{source.name}: line {n} has no path")
            p = Path(raw).expanduser()
            found.append((p if p.is_absolute() else source.parent / p, (row.get("athlete") or "").strip() or None))
        return found
    if not source.exists():
        raise HingeError(f"{source}: no such folder or manifest")
    raise HingeError(f"{source}: give a folder of videos or a manifest .csv")


def _marker(out_dir: Path, name: str, sha256: str) -> dict[str, Any] | None:
    """A marker of this file's hash and this hingecoach version, or None."""
    try:
        marker = json.loads((out_dir / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(marker, dict) and marker.get("sha256") == sha256 and marker.get("hingecoach") == __version__:
        return marker
    return None


def plan_batch(source: str | Path, out: str | Path, athlete: str | None = None,
               retry_failed: bool = False) -> BatchPlan:
    """Hash every clip, give it its folder under ``out``, and sort out what is done already
    (and what failed before, unless ``retry_failed``)."""
    from hingecoach.pipeline import file_sha256

    out = Path(out)
    todo: list[Clip] = []
    skipped: list[ClipOutcome] = []
    failed: list[ClipOutcome] = []
    seen: set[Path] = set()
    for path, who in read_sources(source):
        try:
            sha = file_sha256(path)
        except OSError as exc:
            failed.append(ClipOutcome(path, "failed", error=f"{path.name}: cannot read the file "
                                      f"({exc.strerror or exc.__class__.__name__})"))
            continue
        out_dir = out / f"{path.stem}-{sha[:8]}"
        if out_dir in seen:   # the same clip twice (same name and content)
            continue
        seen.add(out_dir)
        failed_before = None if retry_failed else _marker(out_dir, FAILED_MARKER, sha)
        if _marker(out_dir, MARKER, sha) is not None and (out_dir / "analysis.json").is_file():
            skipped.append(ClipOutcome(path, "skipped", out_dir=out_dir))
        elif failed_before is not None:
            failed.append(ClipOutcome(path, "failed", out_dir=out_dir, before=True,
                                      error=str(failed_before.get("error") or "failed before")))
        else:
            todo.append(Clip(path, sha, out_dir, who or athlete))
    return BatchPlan(todo, skipped, failed)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, HingeError):
        return str(exc)
    text = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {text[0] if text else ''}".rstrip(": ")


def analyze_clip(path: str, model: str = "full") -> dict[str, Any]:
    """The task: one clip through the single-process pipeline. Returns ``{"doc": analysis}``
    or ``{"error": one line}`` (small: the analysis, never frames)."""
    started = time.perf_counter()
    try:
        import cv2

        cv2.setNumThreads(1)   # one core per task: the tasks are the parallelism
        from hingecoach.pipeline import analyze_path

        result = analyze_path(path, model=model, jobs=1)
        return {"doc": result.analysis.to_dict(), "seconds": time.perf_counter() - started}
    except Exception as exc:   # any failure of this clip is this clip's, reported in one line
        return {"error": _one_line(exc), "seconds": time.perf_counter() - started}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def finish_clip(clip: Clip, result: dict[str, Any], db: str | None = None) -> ClipOutcome:
    """On the driver: write a task's analysis (then log it, then mark the clip done)."""
    seconds = float(result.get("seconds", 0.0))
    if "error" in result:
        try:
            clip.out_dir.mkdir(parents=True, exist_ok=True)
            _write_json(clip.out_dir / FAILED_MARKER, {
                "sha256": clip.sha256, "hingecoach": __version__, "source": str(clip.path),
                "error": result["error"], "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        except OSError:
            pass   # the failure is still reported; only the rerun will try it again
        return ClipOutcome(clip.path, "failed", out_dir=clip.out_dir, error=result["error"], seconds=seconds)
    from hingecoach.io.analysis_json import write_analysis

    doc = result["doc"]
    try:
        clip.out_dir.mkdir(parents=True, exist_ok=True)
        write_analysis(doc, clip.out_dir / "analysis.json")
        if clip.athlete:
            from hingecoach.store import log_analysis

            log_analysis(db, clip.athlete, doc)
        _write_json(clip.out_dir / MARKER, {
            "sha256": clip.sha256, "hingecoach": __version__, "source": str(clip.path),
            "reps": len(doc.get("reps", [])), "athlete": clip.athlete, "seconds": round(seconds, 2),
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        (clip.out_dir / FAILED_MARKER).unlink(missing_ok=True)
    except (OSError, HingeError) as exc:
        return ClipOutcome(clip.path, "failed", out_dir=clip.out_dir, error=_one_line(exc), seconds=seconds)
    return ClipOutcome(clip.path, "done", out_dir=clip.out_dir, reps=len(doc.get("reps", [])), seconds=seconds)


def _init_local_worker() -> None:
    import cv2

    cv2.setNumThreads(1)


def _local_results(clips: list[Clip], jobs: int, model: str) -> Iterator[tuple[Clip, dict[str, Any]]]:
    import multiprocessing as mp

    with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn"),
                             initializer=_init_local_worker) as pool:
        futures: dict[Future[dict[str, Any]], Clip] = {
            pool.submit(analyze_clip, str(c.path), model): c for c in clips}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in finished:
                try:
                    yield futures[f], f.result()
                except Exception as exc:   # a worker that died (the pool is then broken: all fail)
                    yield futures[f], {"error": f"the worker stopped: {_one_line(exc)}"}


def _ray_results(clips: list[Clip], jobs: int | None, model: str,
                 address: str | None) -> Iterator[tuple[Clip, dict[str, Any]]]:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")   # offline, and no reporting home
    try:
        import ray
    except ImportError:
        raise HingeError("hinge batch on Ray needs ray: .venv/bin/pip install -r requirements.lock "
                         "(or --engine local)") from None
    started_here = False
    if not ray.is_initialized():
        try:
            quiet: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.ERROR}
            if address:
                ray.init(address=address, **quiet)
            else:
                ray.init(num_cpus=jobs, include_dashboard=False, **quiet)
        except Exception as exc:
            raise HingeError(f"could not start Ray{f' at {address}' if address else ''}: {_one_line(exc)}"
                             " (--engine local runs the batch without it)") from None
        started_here = True
    try:
        task = ray.remote(num_cpus=1, max_retries=0)(analyze_clip)
        capacity = jobs or max(1, int(ray.available_resources().get("CPU", 1)))
        window = max(2, 2 * capacity)   # tasks in flight: enough to keep every CPU busy, not the whole list
        queue = list(clips)
        in_flight: dict[Any, Clip] = {}
        while queue or in_flight:
            while queue and len(in_flight) < window:
                clip = queue.pop(0)
                in_flight[task.remote(str(clip.path), model)] = clip
            ready, _ = ray.wait(list(in_flight), num_returns=1)
            for ref in ready:
                clip = in_flight.pop(ref)
                try:
                    yield clip, ray.get(ref)
                except Exception as exc:   # the worker crashed (a native fault), or Ray lost it
                    yield clip, {"error": f"{clip.path.name}: the task failed: {_one_line(exc)}"}
    finally:
        if started_here:
            ray.shutdown()


def run_batch(plan: BatchPlan, *, engine: str = "ray", address: str | None = None, jobs: int | None = None,
              model: str = "full", db: str | None = None) -> Iterator[ClipOutcome]:
    """Analyse the plan's clips: outcomes as they finish (skipped and pre-failed ones first).

    ``engine``: ``ray`` (a local Ray, or the cluster at ``address``: ``auto`` or ``ray://…``) or
    ``local`` (a pool of ``jobs`` processes here, same results). ``jobs``: CPUs of the local Ray,
    or processes of the pool (default: every core)."""
    if engine not in ENGINES:
        raise HingeError(f"unknown engine {engine!r}: {' or '.join(ENGINES)}")
    if address and engine != "ray":
        raise HingeError("--address is a Ray cluster's: it needs --engine ray")
    yield from plan.skipped
    yield from plan.failed
    if not plan.todo:
        return
    if engine == "local":
        from hingecoach.pose.chunks import default_jobs

        results = _local_results(plan.todo, jobs or default_jobs(), model)
    else:
        results = _ray_results(plan.todo, jobs, model, address)
    for clip, result in results:
        yield finish_clip(clip, result, db)
