"""Child-process bodies for the storage concurrency tests (tests/unit/store/test_concurrency.py).

They live in a module of their own on the test path: a spawned child imports its target by
module name, which a test file collected by path does not have.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from hingecoach import store
from hingecoach.store.db import run_in_transaction
from hingecoach.store.models import Athlete, SetRecord, TrainingSession, utcnow

SESSIONS_PER_PROCESS = 20


def _log_many(db: str, tag: str, start: Any) -> None:
    start.wait(30)
    for i in range(SESSIONS_PER_PROCESS):
        store.log_session(db, "ana", [store.NewSet("quadruped_sitback", 10, i % 11)], notes=f"{tag}-{i}")


def _log_forever(db: str, ready: Any) -> None:
    ready.set()
    i = 0
    while True:
        store.log_session(db, "ana", [store.NewSet("quadruped_sitback", 10, i % 11)] * 3, notes=f"k-{i}")
        i += 1


def _hold_a_write(db: str, ready: Any) -> None:
    def work(session: Any) -> None:
        athlete = session.scalars(select(Athlete)).one()
        ts = TrainingSession(
            athlete_id=athlete.id, source="manual", performed_at=utcnow(), created_at=utcnow()
        )
        ts.sets.append(SetRecord(position=1, drill="quadruped_sitback", exercise="x", reps=10, clean_reps=10))
        session.add(ts)
        session.flush()  # the rows are in the database's transaction now, not committed
        ready.set()
        time.sleep(120)

    run_in_transaction(db, work)
