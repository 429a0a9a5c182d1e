"""Fixtures of the tests that run ``hinge serve`` for real: the database (SQLite, and PostgreSQL
where ``HINGE_TEST_PG_URL`` names a server), a 3 s clip that a worker analyses in seconds, and
the app under uvicorn in this process (the browser tests)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_databases import fresh_pg_database
from webclient import short_clip

from hingecoach.store import dispose_engines
from hingecoach.web.app import WebConfig, create_app

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


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The app under uvicorn on a free loopback port, its worker running."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(WebConfig(db=str(tmp_path / "hinge.db"), data_dir=tmp_path / "data"))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(30)
