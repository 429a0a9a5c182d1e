"""Analysis jobs in the database: queue, claim, progress, finish, fail, requeue, delete.

Pipeline position: web routes (queue, read) and the worker process (claim, progress, finish)
→ **jobs** → the training log's database. A job's files live in ``<data>/jobs/<id>/``: the
upload as ``upload`` (the sender's file name is never used as a path) and the report outputs
in ``report/``.

Several servers (or workers) may share one database. A claim is one conditional ``UPDATE``
(queued → running, checked by its row count; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write
lock of ``BEGIN IMMEDIATE`` on SQLite), so each job goes to one worker. The claim names the
worker (``claimed_by``); while it runs the job it refreshes ``updated_at`` every
:data:`HEARTBEAT_S` (:func:`keep_alive`), and only it may record the outcome. A job runs again
only when its worker is known to be gone: its server saw it die, it let the job go on the way
out (:func:`release_job`), or its heartbeat is older than :data:`STALE_AFTER_S`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import threading
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hingecoach.store.db import read_session, run_in_transaction
from hingecoach.store.models import AnalysisRecord, Athlete, SetRecord, TrainingSession, utcnow
from hingecoach.store.repository import neutral_set, remove_set
from hingecoach.web.models import Job, SetNote, User

UPLOAD_NAME = "upload"
#: A live set's landmarks (the web app's live page), analysed in place of an uploaded video.
LIVE_TRACK_NAME = "live.npz"
MAX_ATTEMPTS = 3  # a job that stopped the worker this many times fails instead of running again
REPORT_DIR = "report"
HEARTBEAT_S = 5.0  # a running job's worker refreshes its updated_at this often
#: A running job whose heartbeat is older than this has lost its worker (killed with its server,
#: or its machine gone): any server queues it again. Servers sharing a database need clocks that
#: agree to well within this.
STALE_AFTER_S = 60.0


@dataclass(frozen=True)
class JobInfo:
    """A job as pages and the worker see it."""

    id: str
    user_id: int
    status: str
    drill: str | None
    filename: str
    frames_done: int
    frames_total: int
    error: str | None
    note: str | None
    set_id: int | None
    session_id: int | None
    created_at: datetime
    attempts: int = 0
    claimed_by: str | None = None


def _info(job: Job) -> JobInfo:
    return JobInfo(job.id, job.user_id, job.status, job.drill, job.filename, job.frames_done, job.frames_total,
                   job.error, job.note, job.set_id, job.session_id, job.created_at, job.attempts, job.claimed_by)


def new_worker_id() -> str:
    """A name for one worker process, unique across machines and restarts: ``host:pid:random``."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def job_dir(data_dir: Path, job_id: str) -> Path:
    """The folder of a job's files (``job_id`` is always our own hex id)."""
    return Path(data_dir) / "jobs" / job_id


def new_job_id() -> str:
    """A random id for a job and its folder."""
    return secrets.token_hex(16)


def queue_job(db: str | None, job_id: str, user_id: int, filename: str, drill: str | None, frames_total: int) -> None:
    """Queue an uploaded video (already stored in its folder) for analysis."""
    def work(session: Session) -> None:
        session.add(Job(id=job_id, user_id=user_id, status="queued", drill=drill, filename=filename[:200],
                        frames_done=0, frames_total=frames_total, attempts=0, created_at=utcnow(),
                        updated_at=utcnow()))

    run_in_transaction(db, work)


def get_job(db: str | None, job_id: str) -> JobInfo | None:
    """A job by id, None when there is none."""
    with read_session(db) as session:
        job = session.get(Job, job_id)
        return _info(job) if job is not None else None


def jobs_of(db: str | None, user_id: int, limit: int = 50) -> list[JobInfo]:
    """An athlete's jobs, newest first."""
    with read_session(db) as session:
        rows = session.scalars(select(Job).where(Job.user_id == user_id)
                               .order_by(Job.created_at.desc()).limit(limit)).all()
        return [_info(j) for j in rows]


def requeue_interrupted(db: str | None, dead_workers: Collection[str] = (),
                        stale_after_s: float = STALE_AFTER_S) -> int:
    """Running jobs whose worker is gone run again; how many were queued again.

    Gone: one of ``dead_workers`` (a server passes the worker it saw die), a heartbeat older than
    ``stale_after_s`` (killed with its server), or no claimant (claimed before migration 0004).
    A job that stopped its worker :data:`MAX_ATTEMPTS` times fails instead. Jobs that another
    live server's worker is running are left alone, so a server may start beside others.
    """
    def work(session: Session) -> int:
        orphaned = or_(Job.claimed_by.is_(None), Job.updated_at < utcnow() - timedelta(seconds=stale_after_s))
        if dead_workers:
            orphaned = or_(orphaned, Job.claimed_by.in_(list(dead_workers)))
        session.execute(update(Job).where(Job.status == "running", orphaned, Job.attempts >= MAX_ATTEMPTS).values(
            status="failed", updated_at=utcnow(), claimed_by=None,
            error=f"the analysis stopped {MAX_ATTEMPTS} times before it could finish; try a shorter video"))
        result = session.execute(update(Job).where(Job.status == "running", orphaned)
                                 .values(status="queued", frames_done=0, claimed_by=None, updated_at=utcnow()))
        return _rowcount(result)

    return run_in_transaction(db, work)


def claim_next(db: str | None, worker: str | None = None) -> JobInfo | None:
    """Take the oldest queued job and mark it running, claimed by ``worker`` (default: a new
    worker id); None when nothing is queued. Each job goes to one worker, however many servers
    and workers share the database: the claim is a conditional UPDATE whose row count is checked.
    """
    claimant = worker or new_worker_id()

    def work(session: Session) -> JobInfo | None:
        query = select(Job.id).where(Job.status == "queued").order_by(Job.created_at, Job.id).limit(1)
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        job_id = session.scalars(query).first()
        if job_id is None:
            return None
        claimed = session.execute(update(Job).where(Job.id == job_id, Job.status == "queued").values(
            status="running", attempts=Job.attempts + 1, frames_done=0, claimed_by=claimant, updated_at=utcnow()))
        if _rowcount(claimed) != 1:
            return None   # another worker took it between the two statements: the next poll tries again
        job = session.get(Job, job_id, populate_existing=True)
        return _info(job) if job is not None else None

    return run_in_transaction(db, work)


def _running_by(job_id: str, worker: str | None) -> list[ColumnElement[bool]]:
    """The conditions of a write by a job's worker: still running, still its claim."""
    conditions: list[ColumnElement[bool]] = [Job.id == job_id]
    if worker is not None:
        conditions += [Job.status == "running", Job.claimed_by == worker]
    return conditions


def set_progress(db: str | None, job_id: str, done: int, total: int, worker: str | None = None) -> None:
    """Frames analysed so far, and of how many (by ``worker``: only while its claim holds)."""
    run_in_transaction(db, lambda s: s.execute(update(Job).where(*_running_by(job_id, worker)).values(
        frames_done=done, frames_total=total, updated_at=utcnow())))


def touch_job(db: str | None, job_id: str, worker: str) -> bool:
    """The heartbeat of a running job: whether ``worker`` still holds it."""
    return run_in_transaction(db, lambda s: _rowcount(s.execute(
        update(Job).where(*_running_by(job_id, worker)).values(updated_at=utcnow())))) == 1


def release_job(db: str | None, job_id: str, worker: str) -> bool:
    """A worker stopping (its server shut down) gives its job back to the queue, to run again at
    once elsewhere or at the next start; the attempt is not counted (it did not crash)."""
    return run_in_transaction(db, lambda s: _rowcount(s.execute(
        update(Job).where(*_running_by(job_id, worker)).values(
            status="queued", frames_done=0, claimed_by=None, attempts=Job.attempts - 1, updated_at=utcnow())))) == 1


@contextlib.contextmanager
def keep_alive(db: str | None, job: JobInfo, every_s: float = HEARTBEAT_S) -> Iterator[None]:
    """Refresh the job's heartbeat from a background thread while the block runs it."""
    if job.claimed_by is None:
        yield
        return
    worker = job.claimed_by
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every_s):
            with contextlib.suppress(Exception):   # a busy database: the next beat tries again
                touch_job(db, job.id, worker)

    thread = threading.Thread(target=beat, name=f"heartbeat-{job.id[:8]}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(every_s + 1.0)


def finish_job(db: str | None, job_id: str, *, set_id: int | None, session_id: int | None, note: str | None,
               worker: str | None = None) -> bool:
    """The analysis is done (and logged as ``set_id`` when it could be). Given ``worker``, only
    while its claim holds; whether the job was recorded done."""
    def work(session: Session) -> bool:
        result = session.execute(update(Job).where(*_running_by(job_id, worker)).values(
            status="done", set_id=set_id, session_id=session_id, note=note, error=None,
            frames_done=case((Job.frames_done > Job.frames_total, Job.frames_done), else_=Job.frames_total), updated_at=utcnow()))
        return _rowcount(result) == 1

    return run_in_transaction(db, work)


def fail_job(db: str | None, job_id: str, error: str, worker: str | None = None) -> bool:
    """The analysis failed; ``error`` says why, in words for the athlete. Given ``worker``, only
    while its claim holds; whether the job was recorded failed."""
    return run_in_transaction(db, lambda s: _rowcount(s.execute(update(Job).where(*_running_by(job_id, worker)).values(
        status="failed", error=error, updated_at=utcnow())))) == 1


def add_note(db: str | None, job_id: str, author_id: int, text: str) -> None:
    """A coach's note on a set."""
    def work(session: Session) -> None:
        session.add(SetNote(job_id=job_id, author_id=author_id, text=text, created_at=utcnow()))

    run_in_transaction(db, work)


def notes_of(db: str | None, job_id: str) -> list[tuple[str, str, datetime]]:
    """The notes on a set: (author, text, when), oldest first."""
    with read_session(db) as session:
        rows = session.execute(select(User.username, SetNote.text, SetNote.created_at)
                               .join(User, User.id == SetNote.author_id)
                               .where(SetNote.job_id == job_id).order_by(SetNote.created_at, SetNote.id)).all()
        return [(r[0], r[1], r[2]) for r in rows]


def neutral_state(db: str | None, set_id: int) -> Literal["current", "earlier"] | None:
    """Whether a logged set is marked as its athlete's neutral set: ``current`` when it is the one
    later sets of its drill are read against, ``earlier`` when a later neutral set of the drill
    is; None when it is not marked (or not in the log)."""
    with read_session(db) as session:
        row = session.execute(select(SetRecord.drill, Athlete.name)
                              .join(AnalysisRecord, AnalysisRecord.set_id == SetRecord.id)
                              .join(TrainingSession, SetRecord.session_id == TrainingSession.id)
                              .join(Athlete, TrainingSession.athlete_id == Athlete.id)
                              .where(SetRecord.id == set_id, AnalysisRecord.neutral.is_(True))).first()
    if row is None or row[0] is None:
        return None
    latest = neutral_set(db, row[1], row[0])
    return "current" if latest is not None and latest.set_id == set_id else "earlier"


def delete_job(db: str | None, data_dir: Path, job_id: str) -> None:
    """Delete a set: its files, the job and its notes, and its set in the training log (the
    session too when that was its only set; the plan is recomputed without it)."""
    def work(session: Session) -> None:
        job = session.get(Job, job_id)
        if job is None:
            return
        user = session.get(User, job.user_id)
        set_id = job.set_id
        session.delete(job)
        session.flush()
        if set_id is None or user is None or user.athlete_id is None:
            return
        remove_set(session, set_id, user.athlete_id)

    run_in_transaction(db, work)
    shutil.rmtree(job_dir(data_dir, job_id), ignore_errors=True)
