"""Storage fixtures: a fresh database per test, on SQLite always and PostgreSQL when
``HINGE_TEST_PG_URL`` is set (CI sets it; elsewhere the PostgreSQL cases skip, tests/needs.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_databases import fresh_pg_database

from hingecoach.store import dispose_engines


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test may touch the user's own database: HINGE_DB unset, data folder in tmp."""
    monkeypatch.delenv("HINGE_DB", raising=False)
    monkeypatch.delenv("HINGE_ATHLETE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    yield
    dispose_engines()


def _fresh_pg_database() -> Iterator[str]:
    yield from fresh_pg_database("hinge_t")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hinge.db'}"
    else:
        yield from _fresh_pg_database()
