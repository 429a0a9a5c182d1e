"""A fresh PostgreSQL database per test, created on the server named by ``HINGE_TEST_PG_URL`` and
dropped after (CI starts the server: .ci/setup.d/20-postgres.sh; elsewhere the test skips,
tests/needs.py). Used by the storage and the web-account tests."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

from needs import requires
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ProgrammingError

from hingecoach.store import dispose_engines

PG_URL = os.environ.get("HINGE_TEST_PG_URL")


def fresh_pg_database(prefix: str = "hinge_t") -> Iterator[str]:
    """Yield the URL of a new, empty database; drop it (and the engines on it) afterwards."""
    requires("a PostgreSQL server (HINGE_TEST_PG_URL is unset)", bool(PG_URL),
             "apt-get install postgresql; `source .ci/setup.d/20-postgres.sh` (as root) starts it and sets the URL")
    base = make_url(PG_URL)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        dispose_engines()
        _drop(admin, name)
        admin.dispose()


def _drop(admin: Engine, name: str, tries: int = 20) -> None:
    """Drop a test database. ``WITH (FORCE)`` ends our own sessions on it, but an autovacuum
    worker that the server started on the new database belongs to the superuser, and ending it
    needs ``pg_signal_backend`` (CI grants it): without, wait for the worker to finish."""
    for attempt in range(tries):
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except ProgrammingError as exc:
            if "pg_signal_backend" not in str(exc) or attempt == tries - 1:
                raise
            time.sleep(0.25)
