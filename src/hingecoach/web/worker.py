"""The analysis worker: a process started with the web app that takes queued jobs from the
database one at a time, analyses the upload (pose, reps, faults, cues), writes the report
(``report.write_report``), logs the set in the athlete's training log, and records the outcome.

Pipeline position: web app (starts it) → **worker** → pipeline, report, store. It runs off the
request path in its own process (``python -m hingecoach.web.worker``), so a crash in native code takes down
the worker, never the server; a job it was running is queued again (``requeue_interrupted``).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hingecoach.errors import HingeError
from hingecoach.web.jobs import (
    LIVE_TRACK_NAME,
    REPORT_DIR,
    UPLOAD_NAME,
    JobInfo,
    claim_next,
    fail_job,
    finish_job,
    job_dir,
    keep_alive,
    new_worker_id,
    release_job,
    set_progress,
    touch_job,
)

if TYPE_CHECKING:
    from hingecoach.core.faults.reference import NeutralReference

PROGRESS_EVERY_S = 0.5  # at most two progress writes a second
#: When set, each job's analysis runs as a Ray task (``hingecoach.batch.analyze_clip``, as
#: ``hinge batch`` runs it): ``local`` (a Ray started in the worker), ``auto`` or ``ray://host:port``.
RAY_ADDRESS_ENV = "HINGE_RAY_ADDRESS"


def _analyze_on_ray(address: str, upload: Path, model: str, drill: str | None, out: Path,
                    on_progress: Callable[[], None] | None,
                    references: dict[str, NeutralReference] | None = None) -> dict[str, Any]:
    """One job's analysis as a Ray task that also writes the outputs and report into ``out``
    (on a cluster, the data folder must be on storage every node sees); its analysis document.
    ``references``: the athlete's neutral sets by drill, resolved here (the task has no database)."""
    from hingecoach.batch import clip_task, connect_ray

    connect_ray(address, hint=f" ({RAY_ADDRESS_ENV}={address})")   # once; the worker keeps it
    import ray

    ref = clip_task().remote(str(upload), model, drill, str(out), references or None)
    while not ray.wait([ref], timeout=0.5)[0]:
        if on_progress is not None:
            on_progress()   # the server is still there
    result: dict[str, Any] = ray.get(ref)
    if "error" in result:
        if result.get("internal"):
            raise RuntimeError(result["error"])
        raise HingeError(result["error"])
    doc: dict[str, Any] = result["doc"]
    return doc


def _readable(message: str) -> str:
    """A HingeError about the stored upload, said about "the video" (its folder is ours, not theirs)."""
    for prefix in (f"{UPLOAD_NAME}: ", "upload: "):
        if message.startswith(prefix):
            return "the video " + message[len(prefix):].removeprefix("the video ").removeprefix("the file ")
    return message


def run_job(db: str | None, data_dir: Path, job: JobInfo, model: str = "full",
            on_progress: Callable[[], None] | None = None) -> None:
    """Analyse one claimed job to the end: done (report written, set logged) or failed (why).

    The set is read against the athlete's neutral set of its drill, when one is in the log."""
    from sqlalchemy import select

    from hingecoach.io.analysis_json import analysis_document
    from hingecoach.pipeline import analyze_path, logged_reference, logged_references, write_outputs
    from hingecoach.report import write_report
    from hingecoach.store import log_analysis
    from hingecoach.store.db import read_session
    from hingecoach.store.models import SetRecord
    from hingecoach.web.accounts import athlete_account

    folder = job_dir(data_dir, job.id)
    upload = folder / UPLOAD_NAME
    live = folder / LIVE_TRACK_NAME   # a live set: its landmarks, no video
    if live.is_file():
        upload = live
    try:
        if not upload.is_file():
            raise HingeError("the uploaded video is no longer on the server; upload it again")
        account = athlete_account(db, job.user_id)
        if account is None or account.athlete_name is None:
            raise HingeError("the account that uploaded this video is gone")
        last = [0.0]

        def progress(done: int, total: int, _elapsed: float) -> None:
            now = time.monotonic()
            if on_progress is not None:
                on_progress()
            if now - last[0] >= PROGRESS_EVERY_S:
                last[0] = now
                set_progress(db, job.id, done, max(total, done), job.claimed_by)

        out = folder / REPORT_DIR
        if os.environ.get(RAY_ADDRESS_ENV):   # the analysis as a Ray task, as hinge batch runs it
            doc = _analyze_on_ray(os.environ[RAY_ADDRESS_ENV], upload, model, job.drill, out, on_progress,
                                  logged_references(db, account.athlete_name))
        else:
            result = analyze_path(upload, model=model, drill=job.drill, progress=progress,
                                  rules_reference_for=logged_reference(db, account.athlete_name))
            write_outputs(result, out)
            write_report(result, out)
            doc = analysis_document(result.analysis)
        note = None
        set_id = session_id = None
        try:
            if job.claimed_by is not None and not touch_job(db, job.id, job.claimed_by):
                return   # the claim was lost (this worker stalled past the heartbeat): not logged twice
            logged = log_analysis(db, account.athlete_name, doc, drill=job.drill)
            session_id = logged.session_id
            with read_session(db) as session:
                set_id = session.scalars(select(SetRecord.id).where(SetRecord.session_id == session_id)).first()
        except HingeError as exc:
            note = f"Not added to your training log: {exc}."
        if not account.keep_video and upload.name == UPLOAD_NAME:
            upload.unlink(missing_ok=True)
        finish_job(db, job.id, set_id=set_id, session_id=session_id, note=note, worker=job.claimed_by)
    except HingeError as exc:
        fail_job(db, job.id, _readable(str(exc)), job.claimed_by)
    except ParentGone:
        raise
    except Exception as exc:  # a bug: the job says so instead of staying "running" forever
        fail_job(db, job.id, f"internal error while analysing ({exc.__class__.__name__}: {exc})", job.claimed_by)


class ParentGone(Exception):
    """The server that started this worker is gone: stop (its job goes back to the queue)."""


def _check_parent(parent: int) -> None:
    if os.getppid() != parent:
        raise ParentGone


def worker_main(db: str | None, data_dir: Path, model: str = "full", poll_s: float = 0.5,
                worker_id: str | None = None) -> None:
    """The worker process: claim and run queued jobs until the server that started it is gone
    (or it is terminated)."""
    parent = os.getppid()
    worker = worker_id or new_worker_id()
    try:
        while True:
            _check_parent(parent)
            try:
                job = claim_next(db, worker)
            except HingeError:
                job = None  # the database is busy: try again shortly
            if job is None:
                time.sleep(poll_s)
                continue
            try:
                with keep_alive(db, job):   # the heartbeat: other servers leave this job alone
                    run_job(db, data_dir, job, model, on_progress=lambda: _check_parent(parent))
            except (ParentGone, SystemExit, KeyboardInterrupt):   # stopping: the job goes back to the queue
                release_job(db, job.id, worker)
                raise
    except ParentGone:
        return


class Worker:
    """The worker process (``python -m hingecoach.web.worker``), as the app holds it."""

    def __init__(self, db: str | None, data_dir: Path, model: str = "full") -> None:
        self.db, self.data_dir, self.model = db, data_dir, model
        self.worker_id: str | None = None   # the running process's id in jobs.claimed_by
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start (or restart) the process."""
        self.worker_id = new_worker_id()
        args = [sys.executable, "-m", "hingecoach.web.worker", "--data", str(self.data_dir), "--model", self.model,
                "--worker-id", self.worker_id]
        if self.db:
            args += ["--db", self.db]
        self._process = subprocess.Popen(args, stdin=subprocess.DEVNULL)

    def alive(self) -> bool:
        """Whether the process is running."""
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """Stop it now; a job it was running runs again at the next start."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10.0)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None


def main(argv: list[str] | None = None) -> None:
    """``python -m hingecoach.web.worker --data DIR [--db URL] [--model M]``."""
    parser = argparse.ArgumentParser(description="hingecoach web analysis worker")
    parser.add_argument("--data", required=True)
    parser.add_argument("--db", default=None)
    parser.add_argument("--model", default="full")
    parser.add_argument("--worker-id", default=None)
    ns = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    worker_main(ns.db, Path(ns.data), ns.model, worker_id=ns.worker_id)


if __name__ == "__main__":
    main()
