"""Concurrency and crashes: two processes logging at once lose nothing, and a process killed
in the middle of a write leaves the database consistent. Runs on SQLite (WAL + busy timeout +
BEGIN IMMEDIATE) and PostgreSQL (row lock on the athlete)."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time

from sqlalchemy import func, select
from store_workers import SESSIONS_PER_PROCESS, _hold_a_write, _log_forever, _log_many

from hingecoach import store
from hingecoach.core.progression import load_rules, replay_sessions
from hingecoach.store.db import get_engine, read_session
from hingecoach.store.models import Athlete, ProgressionStateRecord, SetRecord, TrainingSession
from hingecoach.store.repository import _sessions_of, summarise


def assert_consistent(db: str) -> int:
    """Every session has its sets, and the stored plan is the replay of the stored history."""
    engine = get_engine(db)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    with read_session(db) as s:
        athlete = s.scalars(select(Athlete)).one()
        sessions = _sessions_of(s, athlete)
        assert all(ts.sets for ts in sessions)
        decisions = replay_sessions([summarise(ts) for ts in sessions], load_rules())
        assert [ts.decision_action for ts in sessions] == [d.action for d in decisions]
        state = s.get(ProgressionStateRecord, athlete.id)
        if sessions:
            assert state is not None and state.session_count == len(sessions)
            assert state.drill == decisions[-1].drill
        return len(sessions)


def test_two_processes_logging_at_once_lose_nothing(db_url: str) -> None:
    store.add_athlete(db_url, "ana")
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_log_many, args=(db_url, tag, start)) for tag in ("a", "b")]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(180)
        assert p.exitcode == 0
    with read_session(db_url) as s:
        notes = set(s.scalars(select(TrainingSession.notes)))
    assert notes == {f"{t}-{i}" for t in "ab" for i in range(SESSIONS_PER_PROCESS)}
    assert assert_consistent(db_url) == 2 * SESSIONS_PER_PROCESS


def test_a_process_killed_inside_a_transaction_leaves_nothing_behind(db_url: str) -> None:
    store.add_athlete(db_url, "ana")
    store.log_session(db_url, "ana", [store.NewSet("quadruped_sitback", 10, 10)])
    store.dispose_engines()
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    child = ctx.Process(target=_hold_a_write, args=(db_url, ready))
    child.start()
    assert ready.wait(60), "the child never got into its transaction"
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join(30)
    assert child.exitcode == -signal.SIGKILL
    assert assert_consistent(db_url) == 1
    with read_session(db_url) as s:
        assert s.scalar(select(func.count()).select_from(SetRecord)) == 1
    store.log_session(db_url, "ana", [store.NewSet("quadruped_sitback", 10, 10)])  # the lock is gone
    assert assert_consistent(db_url) == 2


def test_a_process_killed_at_a_random_moment_while_logging_leaves_the_database_consistent(
    db_url: str,
) -> None:
    store.add_athlete(db_url, "ana")
    ctx = mp.get_context("spawn")
    for delay_s in (0.7, 1.1, 1.5):
        ready = ctx.Event()
        child = ctx.Process(target=_log_forever, args=(db_url, ready))
        child.start()
        assert ready.wait(60)
        time.sleep(delay_s)
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(30)
        store.dispose_engines()
        assert_consistent(db_url)
    before = assert_consistent(db_url)
    store.log_session(db_url, "ana", [store.NewSet("quadruped_sitback", 10, 10)])
    assert assert_consistent(db_url) == before + 1
