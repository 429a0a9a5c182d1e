"""Accounts and jobs at the library level, on SQLite always and on PostgreSQL when
``HINGE_TEST_PG_URL`` is set (migration 0003 runs on both)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import make_analysis
from pg_databases import fresh_pg_database
from sqlalchemy import select

from hingecoach import store
from hingecoach.errors import HingeError
from hingecoach.store import dispose_engines
from hingecoach.store.db import read_session
from hingecoach.store.models import SetRecord
from hingecoach.web import accounts
from hingecoach.web.jobs import (
    claim_next,
    delete_job,
    fail_job,
    finish_job,
    get_job,
    job_dir,
    keep_alive,
    new_job_id,
    queue_job,
    release_job,
    requeue_interrupted,
    set_progress,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hinge.db'}"
        dispose_engines()
        return
    yield from fresh_pg_database("hinge_w")


def test_accounts_sessions_rate_limit_and_coach_links(db: str) -> None:
    ana = accounts.sign_up(db, "ana", "long enough", "athlete")
    coach = accounts.sign_up(db, "carla", "long enough", "coach")
    assert ana.athlete_name == "ana" and coach.athlete_id is None
    assert [a.name for a in store.list_athletes(db)] == ["ana"]      # the log's athlete, made with the account
    with pytest.raises(HingeError, match="taken"):
        accounts.sign_up(db, "Ana", "long enough", "coach")
    token = accounts.new_session(db, ana.id)
    assert accounts.session_account(db, token) == ana
    accounts.end_session(db, token)
    assert accounts.session_account(db, token) is None
    for _ in range(3):
        with pytest.raises(HingeError, match="wrong username or password"):
            accounts.log_in(db, "ana", "nope", "10.0.0.1", max_failures=3)
    with pytest.raises(accounts.TooManyAttempts):
        accounts.log_in(db, "ana", "long enough", "10.0.0.1", max_failures=3)
    assert accounts.log_in(db, "ana", "long enough", "10.0.0.2", max_failures=3).id == ana.id
    assert not accounts.may_see(db, coach, ana.id)
    code = accounts.create_invite(db, coach.id)
    assert accounts.accept_invite(db, ana.id, code) == "carla"
    assert accounts.may_see(db, coach, ana.id) and accounts.athletes_of(db, coach.id)[0].username == "ana"
    with pytest.raises(HingeError, match="unknown, used or expired"):
        accounts.accept_invite(db, ana.id, code)


def test_jobs_queue_claim_requeue_and_delete(db: str, tmp_path: Path) -> None:
    ana = accounts.sign_up(db, "ana", "long enough", "athlete")
    first, second = new_job_id(), new_job_id()
    queue_job(db, first, ana.id, "a.mp4", None, 100)
    queue_job(db, second, ana.id, "b.mp4", "romanian_deadlift", 100)
    claimed = claim_next(db, "w1")
    assert claimed is not None and claimed.id == first and claimed.status == "running"
    assert claimed.claimed_by == "w1" and claimed.attempts == 1
    assert requeue_interrupted(db) == 0        # a live worker's job (fresh heartbeat) is left alone
    assert requeue_interrupted(db, ["w1"]) == 1   # its server saw the worker die: it runs again
    assert get_job(db, first).status == "queued"  # type: ignore[union-attr]
    claim_next(db)
    fail_job(db, first, "the video has no usable frame rate")
    assert get_job(db, first).error == "the video has no usable frame rate"  # type: ignore[union-attr]
    logged = store.log_analysis(db, "ana", make_analysis(depths_deg=[85.0] * 3), drill="romanian_deadlift")
    (job_dir(tmp_path, second) / "report").mkdir(parents=True)
    with read_session(db) as session:
        set_id = session.scalars(select(SetRecord.id).where(SetRecord.session_id == logged.session_id)).one()
    finish_job(db, second, set_id=set_id, session_id=logged.session_id, note=None)
    assert len(store.history(db, "ana")[1]) == 1
    delete_job(db, tmp_path, second)
    assert get_job(db, second) is None and not job_dir(tmp_path, second).exists()
    assert store.history(db, "ana")[1] == []
    assert store.today(db, "ana")[1].drill == "quadruped_sitback"


def test_concurrent_claims_give_each_job_to_one_worker(db: str) -> None:
    """Four workers (threads, each its own connection) drain one queue: no job is claimed twice."""
    ana = accounts.sign_up(db, "ana", "long enough", "athlete")
    ids = [new_job_id() for _ in range(24)]
    for job_id in ids:
        queue_job(db, job_id, ana.id, "a.mp4", None, 10)
    got: dict[str, list[str]] = {f"w{i}": [] for i in range(4)}
    start = threading.Barrier(4)

    def drain(worker: str) -> None:
        start.wait(30)
        while (job := claim_next(db, worker)) is not None:
            got[worker].append(job.id)

    threads = [threading.Thread(target=drain, args=(w,)) for w in got]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    claimed = [j for jobs in got.values() for j in jobs]
    assert sorted(claimed) == sorted(ids)     # every job once, none twice
    assert all(get_job(db, j).claimed_by in got and get_job(db, j).attempts == 1 for j in ids)  # type: ignore[union-attr]


def test_only_the_claiming_worker_records_a_job_and_a_stale_one_runs_again(db: str) -> None:
    ana = accounts.sign_up(db, "ana", "long enough", "athlete")
    job_id = new_job_id()
    queue_job(db, job_id, ana.id, "a.mp4", None, 10)
    job = claim_next(db, "w1")
    assert job is not None
    with keep_alive(db, job, every_s=0.05):
        set_progress(db, job_id, 5, 10, "w1")
    assert requeue_interrupted(db, stale_after_s=3600) == 0
    assert requeue_interrupted(db, stale_after_s=0) == 1   # its heartbeat stopped: its server is gone
    again = claim_next(db, "w2")
    assert again is not None and again.id == job_id and again.attempts == 2
    # the first worker comes back to life: nothing it writes counts any more
    set_progress(db, job_id, 9, 10, "w1")
    assert not finish_job(db, job_id, set_id=None, session_id=None, note=None, worker="w1")
    assert not fail_job(db, job_id, "late", "w1") and not release_job(db, job_id, "w1")
    info = get_job(db, job_id)
    assert info is not None and info.status == "running" and info.frames_done == 0 and info.claimed_by == "w2"
    assert release_job(db, job_id, "w2")    # w2's server stops: back to the queue, the attempt not counted
    info = get_job(db, job_id)
    assert info is not None and info.status == "queued" and info.attempts == 1 and info.claimed_by is None
    job = claim_next(db, "w3")
    assert job is not None and finish_job(db, job_id, set_id=None, session_id=None, note="n", worker="w3")
    assert get_job(db, job_id).status == "done"  # type: ignore[union-attr]
