"""Accounts and jobs at the library level, on SQLite always and on PostgreSQL when
``HINGE_TEST_PG_URL`` is set (migration 0003 runs on both)."""

from __future__ import annotations

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
    new_job_id,
    queue_job,
    requeue_interrupted,
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
    claimed = claim_next(db)
    assert claimed is not None and claimed.id == first and claimed.status == "running"
    assert requeue_interrupted(db) == 1        # the server died: it runs again
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
