"""A training log as an earlier version left it: the schema at an older Alembic revision, with
one athlete in it, so a test can check that today's code upgrades it and keeps what it holds."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from hingecoach.store.db import MIGRATIONS_DIR


def log_at_revision(tmp_path: Path, revision: str, athlete: str = "ana") -> str:
    """The URL of a new SQLite log at ``revision`` holding ``athlete``."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        conn.execute(text("INSERT INTO athletes (id, name, created_at) VALUES (1, :n, '2026-01-01 00:00:00')"),
                     {"n": athlete})
    engine.dispose()
    return url
