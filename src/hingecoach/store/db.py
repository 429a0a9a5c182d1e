"""Database connections: which database, how to open it, and keeping its schema current.

Pipeline position: the edge of **store** — every repository function gets its engine here.
``--db URL`` beats ``$HINGE_DB`` beats the default SQLite file in the user's data folder
(``platformdirs.user_data_dir("hingecoach")/hinge.db``). SQLite runs in WAL mode with a busy
timeout, and every transaction starts with ``BEGIN IMMEDIATE`` so two writers queue instead of
failing half-way; PostgreSQL (``postgresql+psycopg://``) serialises writers per athlete with row
locks. Opening a database upgrades its schema with the packaged Alembic migrations, inside one
locked transaction; a database from a newer hingecoach is refused and left untouched.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session

from hingecoach.errors import HingeError

ENV_VAR = "HINGE_DB"
SQLITE_BUSY_TIMEOUT_MS = 30_000  # a writer waits this long for another before giving up
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATION_LOCK = 0x48494E47  # "HING": advisory lock id that serialises schema upgrades

T = TypeVar("T")
_engines: dict[str, Engine] = {}


def default_db_path() -> Path:
    """The default SQLite file: ``<user data dir>/hingecoach/hinge.db``."""
    return Path(platformdirs.user_data_dir("hingecoach")) / "hinge.db"


def resolve_db_url(db: str | None = None) -> str:
    """The database URL to use: ``db``, else ``$HINGE_DB``, else the default SQLite file.

    A value without ``://`` is taken as a SQLite file path; ``postgresql://`` and
    ``postgres://`` are given the psycopg (v3) driver.
    """
    value = db or os.environ.get(ENV_VAR) or ""
    if not value:
        path = default_db_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    for prefix in ("postgresql://", "postgres://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix) :]
    return value


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's implicit BEGIN is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(
                "PRAGMA synchronous = NORMAL"
            )  # WAL + NORMAL: durable at checkpoints, never corrupt
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Take the write lock up front: a deferred transaction that later upgrades to a writer
        # can fail with SQLITE_BUSY immediately, whatever the busy timeout.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def get_engine(db: str | None = None) -> Engine:
    """An engine for ``db`` (see :func:`resolve_db_url`) whose schema is current.

    Engines are cached per URL for the life of the process.
    """
    url = resolve_db_url(db)
    engine = _engines.get(url)
    if engine is not None:
        return engine
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise HingeError(
            f"not a database URL: {url!r} (use a file path, sqlite:///PATH or postgresql://...)"
        ) from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        folder = Path(parsed.database or "").expanduser().resolve().parent
        if not folder.is_dir():
            raise HingeError(f"cannot create the database: folder {folder} does not exist")
    try:
        engine = create_engine(url, pool_pre_ping=parsed.get_backend_name() != "sqlite")
    except (ArgumentError, ImportError) as e:
        raise HingeError(f"cannot use database {parsed.render_as_string(hide_password=True)}: {e}") from None
    if engine.dialect.name == "sqlite":
        _sqlite_setup(engine)
    try:
        upgrade_schema(engine)
    except DBAPIError as e:
        engine.dispose()
        raise HingeError(
            f"cannot open database {engine.url.render_as_string(hide_password=True)}: {_reason(e)}"
        ) from None
    except BaseException:
        engine.dispose()
        raise
    _engines[url] = engine
    return engine


def _reason(e: DBAPIError) -> str:
    return str(e.orig).strip().splitlines()[0] if e.orig is not None else str(e)


def dispose_engines() -> None:
    """Close every cached engine (tests call this before dropping a database)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def schema_heads() -> set[str]:
    """The revisions this hingecoach knows how to upgrade to (normally one)."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return set(script.get_heads())


def current_revisions(connection: Connection) -> set[str]:
    """The schema revisions recorded in the database (empty for a new database)."""
    return set(MigrationContext.configure(connection).get_current_heads())


def upgrade_schema(engine: Engine) -> None:
    """Bring the schema to the latest revision; refuse a database from a newer hingecoach.

    Runs inside one transaction holding the write lock (SQLite ``BEGIN IMMEDIATE``, a
    PostgreSQL advisory lock), so two processes opening a new database do not race.
    """
    heads = schema_heads()
    known = {rev.revision for rev in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}
    with engine.connect() as probe:
        current = current_revisions(probe)
        probe.rollback()
    _refuse_unknown(current, known)
    if current == heads:
        return
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        current = current_revisions(connection)  # re-read under the lock: another process may have won
        _refuse_unknown(current, known)
        if current != heads:
            command.upgrade(_alembic_config(connection), "head")


def _refuse_unknown(current: set[str], known: set[str]) -> None:
    unknown = current - known
    if unknown:
        raise HingeError(
            f"this database was written by a newer hingecoach (schema {', '.join(sorted(unknown))}); "
            "upgrade hingecoach to use it"
        )


def _is_retryable(e: DBAPIError) -> bool:
    msg = str(e.orig).lower() if e.orig is not None else ""
    pgcode = getattr(e.orig, "sqlstate", None)
    return "database is locked" in msg or "database is busy" in msg or pgcode in ("40001", "40P01")


def run_in_transaction(db: str | None, work: Callable[[Session], T], attempts: int = 5) -> T:
    """Run ``work(session)`` in one transaction and commit; retry when the database is busy.

    Either everything ``work`` wrote is committed or nothing is: a HingeError raised inside
    rolls the transaction back and propagates unchanged.
    """
    engine = get_engine(db)
    for attempt in range(1, attempts + 1):
        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                return work(session)
        except OperationalError as e:
            if not _is_retryable(e) or attempt == attempts:
                raise HingeError(f"the database is busy or unavailable: {_reason(e)}") from None
        except DBAPIError as e:
            if not _is_retryable(e) or attempt == attempts:
                raise
        time.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")


@contextmanager
def read_session(db: str | None) -> Iterator[Session]:
    """A session for reading; it is rolled back at the end."""
    engine = get_engine(db)
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
        finally:
            session.rollback()
