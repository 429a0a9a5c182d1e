"""Fixtures of the tests that run ``hinge serve`` for real: the database (SQLite, and PostgreSQL
where ``HINGE_TEST_PG_URL`` names a server) and a 3 s clip that a worker analyses in seconds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_databases import fresh_pg_database
from webclient import short_clip

from hingecoach.store import dispose_engines

ROOT = Path(__file__).resolve().parents[3]
#: The shortest bench clips are 7.3 s; the first 3 s of this one hold one Romanian deadlift.
BENCH_CLIP = ROOT / "bench" / "clips" / "rdl_good_side.mp4"


@pytest.fixture(scope="session")
def three_second_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 90 frames (3 s) of a bench clip at 320 px: one rep, a job of a few seconds."""
    return short_clip(BENCH_CLIP, tmp_path_factory.mktemp("clip") / "rdl_3s.mp4", frames=90)


@pytest.fixture(params=["sqlite", "postgresql"])
def server_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database for the servers of one test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hinge.db'}"
        dispose_engines()
        return
    yield from fresh_pg_database("hinge_srv")
