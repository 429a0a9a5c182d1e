"""Storage fixtures: a fresh database per test, on SQLite always and PostgreSQL when
``HINGE_TEST_PG_URL`` is set (CI sets it; elsewhere the PostgreSQL cases skip, tests/needs.py)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from needs import requires
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from hingecoach.store import dispose_engines

PG_URL = os.environ.get("HINGE_TEST_PG_URL")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test may touch the user's own database: HINGE_DB unset, data folder in tmp."""
    monkeypatch.delenv("HINGE_DB", raising=False)
    monkeypatch.delenv("HINGE_ATHLETE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    yield
    dispose_engines()


def _fresh_pg_database() -> Iterator[str]:
    requires("a PostgreSQL server (HINGE_TEST_PG_URL is unset)", bool(PG_URL),
             "apt-get install postgresql; `source .ci/setup.d/20-postgres.sh` (as root) starts it and sets the URL")
    base = make_url(PG_URL)
    name = f"hinge_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        dispose_engines()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hinge.db'}"
    else:
        yield from _fresh_pg_database()
