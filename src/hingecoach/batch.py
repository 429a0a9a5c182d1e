"""Many clips at once (``hinge batch``): one task per clip on a Ray cluster (or a local pool of
processes), results per clip in their own folder, resumable.

- **Input**: a folder (its videos, not recursive) or a manifest CSV with a ``path`` column
  (relative paths are read from the manifest's folder) and an optional ``athlete`` column.
- **Tasks**: one per clip, ``num_cpus=1``, each running the whole single-process pipeline
  (:func:`analyze_clip`; OpenCV held to one thread). The task reads the clip itself (a cluster
  needs the clips on storage every node sees); only the analysis document comes back through
  the object store, never frames. A failed clip comes back as its one-line error and the
  others go on; a crashed worker is reported the same way.
- **Hashing, once per clip**: the task hashes its clip (SHA-256, as it reads it) and sends the
  digest back with the analysis; the driver reads no clip's bytes. It only ``stat``s each clip
  and looks for an earlier result under ``<out>/<stem>-*/``: a marker of the same path, size and
  modification time is taken as it is; only when a marker exists whose file looks different
  (touched, moved, copied) does the driver hash the clip to compare.
- **Results**: the driver writes ``<out>/<stem>-<sha256[:8]>/analysis.json`` (atomically), logs
  the set into the training log when an athlete is given, and then writes ``done.json`` (the
  file's SHA-256, size and modification time, and the hingecoach version). A later run skips
  every clip whose ``done.json`` matches the file and this version, so an interrupted batch
  resumes where it stopped, and a changed clip or a new hingecoach is analysed again. A clip
  that failed gets a ``failed.json`` (hash, version, error) instead: a rerun reports it again
  without redoing it, unless asked to retry the failed ones.

Ray is imported only when a Ray batch starts. Without an address, a local Ray is started for
the batch (no dashboard, no usage reporting, workers' output not forwarded) and stopped after.
"""

from __future__ import annotations

import csv
import errno
import glob
import json
import logging
import os
import stat
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hingecoach import __version__
from hingecoach.errors import HingeError
from hingecoach.io.video import VIDEO_SUFFIXES

if TYPE_CHECKING:
    from hingecoach.core.faults.reference import NeutralReference

MARKER = "done.json"
#: Written instead when a clip fails, so a rerun does not redo it (``retry_failed`` does).
FAILED_MARKER = "failed.json"
ENGINES = ("ray", "local")


@dataclass(frozen=True)
class Clip:
    """One clip of a batch, under which folder its results go, and whose log it joins.

    ``sha256`` is known before the task only when the driver had to hash the clip (an earlier
    result to compare with); otherwise the task's digest names the folder (:meth:`out_dir_for`)."""

    path: Path
    out_root: Path
    athlete: str | None = None
    sha256: str | None = None
    size: int = -1
    mtime_ns: int = -1

    def out_dir_for(self, sha256: str) -> Path:
        """The clip's results folder, ``<out>/<stem>-<sha256[:8]>``."""
        return self.out_root / f"{self.path.stem}-{sha256[:8]}"


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


def _read_marker(out_dir: Path, name: str) -> dict[str, Any] | None:
    """A marker of this hingecoach version whose hash names its folder, or None."""
    try:
        marker = json.loads((out_dir / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("hingecoach") != __version__:
        return None
    sha = marker.get("sha256")
    if not isinstance(sha, str) or not out_dir.name.endswith(f"-{sha[:8]}") or len(sha) < 8:
        return None
    if name == MARKER and not (out_dir / "analysis.json").is_file():
        return None
    return marker


def _earlier(out: Path, path: Path, size: int, mtime_ns: int,
             names: tuple[str, ...]) -> tuple[list[tuple[Path, str, dict[str, Any]]], bool]:
    """This clip's markers (``names``) under ``<out>/<stem>-*/``, and whether one of them is
    known to be this very file (same path, size and modification time) without hashing it."""
    found: list[tuple[Path, str, dict[str, Any]]] = []
    try:
        folders = sorted(d for d in out.glob(f"{glob.escape(path.stem)}-*") if d.is_dir())
    except OSError:
        return [], False
    for folder in folders:
        if len(folder.name) != len(path.stem) + 9:   # <stem>-<8 hex digits>
            continue
        for name in names:
            marker = _read_marker(folder, name)
            if marker is not None:
                found.append((folder, name, marker))
    same = [f for f in found if f[2].get("source") == str(path) and f[2].get("size") == size
            and f[2].get("mtime_ns") == mtime_ns]
    return (same, True) if same else (found, False)


def plan_batch(source: str | Path, out: str | Path, athlete: str | None = None,
               retry_failed: bool = False) -> BatchPlan:
    """Find every clip, and sort out what is done already (and what failed before, unless
    ``retry_failed``) without reading the clips: a clip is hashed here only when an earlier
    result of its name exists that its size and modification time do not match."""
    from hingecoach.pipeline import file_sha256

    out = Path(out)
    todo: list[Clip] = []
    skipped: list[ClipOutcome] = []
    failed: list[ClipOutcome] = []
    seen: set[Path] = set()
    names = (MARKER,) if retry_failed else (MARKER, FAILED_MARKER)
    for path, who in read_sources(source):
        key = path.absolute()
        if key in seen:   # the same clip twice in a manifest
            continue
        seen.add(key)
        sha: str | None = None
        try:
            st = path.stat()
            if not stat.S_ISREG(st.st_mode):
                raise IsADirectoryError(errno.EISDIR, "not a file")
            markers, known = _earlier(out, path, st.st_size, st.st_mtime_ns, names)
            if markers and not known:   # an earlier result of this name: is it this content?
                sha = file_sha256(path)
                markers = [m for m in markers if m[2].get("sha256") == sha]
        except OSError as exc:
            failed.append(ClipOutcome(path, "failed", error=f"{path.name}: cannot read the file "
                                      f"({exc.strerror or exc.__class__.__name__})"))
            continue
        done = next((m for m in markers if m[1] == MARKER), None)
        failed_before = next((m for m in markers if m[1] == FAILED_MARKER), None)
        if done is not None:
            skipped.append(ClipOutcome(path, "skipped", out_dir=done[0]))
        elif failed_before is not None:
            failed.append(ClipOutcome(path, "failed", out_dir=failed_before[0], before=True,
                                      error=str(failed_before[2].get("error") or "failed before")))
        else:
            todo.append(Clip(path, out, who or athlete, sha, st.st_size, st.st_mtime_ns))
    return BatchPlan(todo, skipped, failed)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, HingeError):
        return str(exc)
    text = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {text[0] if text else ''}".rstrip(": ")


def _sha_or_none(path: str) -> str | None:
    from hingecoach.pipeline import file_sha256

    try:
        return file_sha256(Path(path))
    except OSError:
        return None


def analyze_clip(path: str, model: str = "full", drill: str | None = None,
                 out_dir: str | None = None,
                 references: Mapping[str, NeutralReference] | None = None) -> dict[str, Any]:
    """The task: one clip (a video or a keypoint file) through the single-process pipeline.

    Returns ``{"doc": analysis document, "sha256": the file's, "seconds": …}`` or
    ``{"error": one line, "internal": bool, "sha256": …}``: small, the analysis, never frames.
    The file is hashed once, as the pipeline reads it (``source.sha256``). ``drill`` names the
    drill as ``hinge analyze --drill`` does. ``out_dir`` (the web app's jobs): also write the
    outputs and the report (annotated video, plots, page) there, on storage the task can write.
    ``references`` (the web app's jobs): the athlete's neutral sets by drill
    (``pipeline.logged_references``, resolved where the database is); the set is read against
    the one of the drill it turns out to be."""
    started = time.perf_counter()
    try:
        import cv2

        cv2.setNumThreads(1)   # one core per task: the tasks are the parallelism
        from hingecoach.io.analysis_json import analysis_document
        from hingecoach.pipeline import analyze_path

        result = analyze_path(path, model=model, drill=drill, jobs=1,
                              rules_reference_for=references.get if references else None)
        doc = analysis_document(result.analysis)
        if out_dir is not None:
            from hingecoach.pipeline import write_outputs
            from hingecoach.report import write_report

            write_outputs(result, out_dir)
            write_report(result, Path(out_dir))
        sha = (doc.get("source") or {}).get("sha256") or _sha_or_none(path)
        return {"doc": doc, "sha256": sha, "seconds": time.perf_counter() - started}
    except Exception as exc:   # any failure of this clip is this clip's, reported in one line
        return {"error": _one_line(exc), "internal": not isinstance(exc, HingeError), "sha256": _sha_or_none(path),
                "seconds": time.perf_counter() - started}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def finish_clip(clip: Clip, result: dict[str, Any], db: str | None = None) -> ClipOutcome:
    """On the driver: write a task's analysis (then log it, then mark the clip done), in the
    folder the task's digest of the clip names."""
    seconds = float(result.get("seconds", 0.0))
    sha = result.get("sha256") or clip.sha256
    out_dir = clip.out_dir_for(sha) if sha else None
    stamp = {"sha256": sha, "hingecoach": __version__, "source": str(clip.path), "size": clip.size,
             "mtime_ns": clip.mtime_ns}
    if "error" in result:
        if out_dir is not None:
            try:
                out_dir.mkdir(parents=True, exist_ok=True)
                _write_json(out_dir / FAILED_MARKER, {
                    **stamp, "error": result["error"],
                    "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
            except OSError:
                pass   # the failure is still reported; only the rerun will try it again
        return ClipOutcome(clip.path, "failed", out_dir=out_dir, error=result["error"], seconds=seconds)
    from hingecoach.io.analysis_json import write_analysis

    doc = result["doc"]
    if out_dir is None:   # cannot happen: a task that analysed the clip has read and hashed it
        return ClipOutcome(clip.path, "failed", error=f"{clip.path.name}: no digest came back", seconds=seconds)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_analysis(doc, out_dir / "analysis.json")
        if clip.athlete:
            from hingecoach.store import log_analysis

            log_analysis(db, clip.athlete, doc)
        _write_json(out_dir / MARKER, {
            **stamp, "reps": len(doc.get("reps", [])), "athlete": clip.athlete, "seconds": round(seconds, 2),
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        (out_dir / FAILED_MARKER).unlink(missing_ok=True)
    except (OSError, HingeError) as exc:
        return ClipOutcome(clip.path, "failed", out_dir=out_dir, error=_one_line(exc), seconds=seconds)
    return ClipOutcome(clip.path, "done", out_dir=out_dir, reps=len(doc.get("reps", [])), seconds=seconds)


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


def connect_ray(address: str | None, cpus: int | None = None, hint: str = " (--engine local runs the batch "
                "without it)") -> bool:
    """Join the Ray cluster at ``address`` (``auto`` or ``ray://host:port``), or start a local
    Ray (``address`` None or ``local``: ``cpus`` CPUs, no dashboard, workers' output not
    forwarded); nothing when this process is connected already. True when it started one here
    (the caller then calls ``ray.shutdown()``). Bad addresses are a one-line HingeError."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")   # offline, and no reporting home
    try:
        import ray
    except ImportError:
        raise HingeError("Ray is not installed: .venv/bin/pip install -r requirements.lock" + hint) from None
    if ray.is_initialized():
        return False
    if address == "local":
        address = None
    try:
        quiet: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.ERROR}
        if address:
            ray.init(address=address, **quiet)
        else:
            ray.init(num_cpus=cpus, include_dashboard=False, **quiet)
    except Exception as exc:
        raise HingeError(f"could not start Ray{f' at {address}' if address else ''}: {_one_line(exc)}{hint}") from None
    return True


def clip_task() -> Any:
    """:func:`analyze_clip` as a Ray task (one CPU, no retry: a failure is the clip's)."""
    import ray

    return ray.remote(num_cpus=1, max_retries=0)(analyze_clip)


def _ray_results(clips: list[Clip], jobs: int | None, model: str,
                 address: str | None) -> Iterator[tuple[Clip, dict[str, Any]]]:
    started_here = connect_ray(address, jobs)
    import ray

    try:
        task = clip_task()
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
    """Analyse the plan's clips, the largest files first: outcomes as they finish (skipped and
    pre-failed ones first).

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
    # The largest files (about the longest clips) first: the last tasks to start are then the
    # short ones, and the workers finish together instead of one waiting on a long last clip.
    todo = sorted(plan.todo, key=lambda c: -c.size)
    if engine == "local":
        from hingecoach.pose.chunks import default_jobs

        results = _local_results(todo, jobs or default_jobs(), model)
    else:
        results = _ray_results(todo, jobs, model, address)
    written: set[Path] = set()
    for clip, result in results:
        sha = result.get("sha256") or clip.sha256
        if sha and "doc" in result and clip.out_dir_for(sha) in written:   # the same clip under two paths
            yield ClipOutcome(clip.path, "skipped", out_dir=clip.out_dir_for(sha))
            continue
        outcome = finish_clip(clip, result, db)
        if outcome.status == "done" and outcome.out_dir is not None:
            written.add(outcome.out_dir)
        yield outcome
