"""Analysis jobs in the database: queue, claim, progress, finish, fail, requeue, delete.

Pipeline position: web routes (queue, read) and the worker process (claim, progress, finish)
→ **jobs** → the training log's database. A job's files live in ``<data>/jobs/<id>/``: the
upload as ``upload`` (the sender's file name is never used as a path) and the report outputs
in ``report/``.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hingecoach.store.db import read_session, run_in_transaction
from hingecoach.store.models import utcnow
from hingecoach.store.repository import remove_set
from hingecoach.web.models import Job, SetNote, User

UPLOAD_NAME = "upload"
#: A live set's landmarks (the web app's live page), analysed in place of an uploaded video.
LIVE_TRACK_NAME = "live.npz"
MAX_ATTEMPTS = 3  # a job that stopped the worker this many times fails instead of running again
REPORT_DIR = "report"


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


def _info(job: Job) -> JobInfo:
    return JobInfo(job.id, job.user_id, job.status, job.drill, job.filename, job.frames_done, job.frames_total,
                   job.error, job.note, job.set_id, job.session_id, job.created_at)


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


def requeue_interrupted(db: str | None) -> int:
    """At start-up: jobs left ``running`` by a server that was stopped or killed run again."""
    def work(session: Session) -> int:
        session.execute(update(Job).where(Job.status == "running", Job.attempts >= MAX_ATTEMPTS).values(
            status="failed", updated_at=utcnow(),
            error=f"the analysis stopped {MAX_ATTEMPTS} times before it could finish; try a shorter video"))
        result = session.execute(update(Job).where(Job.status == "running")
                                 .values(status="queued", frames_done=0, updated_at=utcnow()))
        return int(getattr(result, "rowcount", 0) or 0)

    return run_in_transaction(db, work)


def claim_next(db: str | None) -> JobInfo | None:
    """Take the oldest queued job and mark it running (one worker gets each job)."""
    def work(session: Session) -> JobInfo | None:
        query = select(Job).where(Job.status == "queued").order_by(Job.created_at).limit(1)
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        job = session.scalars(query).first()
        if job is None:
            return None
        job.status, job.attempts, job.frames_done, job.updated_at = "running", job.attempts + 1, 0, utcnow()
        return _info(job)

    return run_in_transaction(db, work)


def set_progress(db: str | None, job_id: str, done: int, total: int) -> None:
    """Frames analysed so far, and of how many."""
    run_in_transaction(db, lambda s: s.execute(update(Job).where(Job.id == job_id).values(
        frames_done=done, frames_total=total, updated_at=utcnow())))


def finish_job(db: str | None, job_id: str, *, set_id: int | None, session_id: int | None, note: str | None) -> None:
    """The analysis is done (and logged as ``set_id`` when it could be)."""
    def work(session: Session) -> None:
        job = session.get(Job, job_id)
        if job is not None:
            job.status, job.set_id, job.session_id, job.note, job.error = "done", set_id, session_id, note, None
            job.frames_done = max(job.frames_done, job.frames_total)
            job.updated_at = utcnow()

    run_in_transaction(db, work)


def fail_job(db: str | None, job_id: str, error: str) -> None:
    """The analysis failed; ``error`` says why, in words for the athlete."""
    run_in_transaction(db, lambda s: s.execute(update(Job).where(Job.id == job_id).values(
        status="failed", error=error, updated_at=utcnow())))


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
