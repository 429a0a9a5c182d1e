"""Repository functions on SQLite and PostgreSQL: athletes, logging, analyses, schema guard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fakes import make_analysis
from sqlalchemy import func, select, text

from hingecoach import store
from hingecoach.errors import HingeError
from hingecoach.store.db import get_engine, read_session
from hingecoach.store.models import FaultRecord, ProgressionStateRecord, RepRecord, TrainingSession


def count_sessions(db: str) -> int:
    with read_session(db) as s:
        return int(s.scalar(select(func.count()).select_from(TrainingSession)) or 0)


def test_athletes_are_added_listed_and_unique(db_url: str) -> None:
    store.add_athlete(db_url, "ana")
    store.add_athlete(db_url, "bo")
    with pytest.raises(HingeError, match="already an athlete named 'ana'"):
        store.add_athlete(db_url, "ana")
    assert [a.name for a in store.list_athletes(db_url)] == ["ana", "bo"]


def test_logging_stores_the_session_and_the_progression_state(db_url: str) -> None:
    store.add_athlete(db_url, "ana")
    for _ in range(3):
        result = store.log_session(db_url, "ana", [store.NewSet("quadruped_sitback", 10, 9, confidence=8)])
    assert result.decision.action == "advance"
    with read_session(db_url) as s:
        state = s.get(ProgressionStateRecord, 1)
        assert state is not None
        assert (state.drill, state.session_count, state.action) == ("tall_kneeling_hip_hinge", 3, "advance")
    name, plan = store.today(db_url, "ana")
    assert plan.drill == "tall_kneeling_hip_hinge" and plan.explanation.startswith(
        "Because your last 3 sessions"
    )


def test_log_analysis_keeps_reps_faults_and_the_document(db_url: str) -> None:
    store.add_athlete(db_url, "ana")
    doc = make_analysis(
        "quadruped_sitback", [115.0] * 6 + [110.0, 100.0], faults={7: [("knees_forward", "safety")]}
    )
    result = store.log_analysis(db_url, "ana", doc, confidence=6)
    assert result.decision.action == "shorten" and result.plan.range_limit_deg == 90.0
    with read_session(db_url) as s:
        assert s.scalar(select(func.count()).select_from(RepRecord)) == 8
        fault = s.scalars(select(FaultRecord)).one()
        assert (fault.fault_id, fault.severity, fault.depth_deg) == ("knees_forward", "safety", 100.0)
    exported = store.export_data(db_url, "ana")
    assert exported[0]["sessions"][0]["sets"][0]["analysis"]["schema_version"] == "1.0"
    name, plan = store.today(db_url, "ana")
    assert plan.cues[0] == "Push your hips back." and plan.range_limit_deg == 90.0


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"schema_version": "2.0", "reps": []}, "schema_version '2.0' is not supported"),
        ({"schema_version": "1.0", "reps": "many"}, "'reps' must be a list"),
        ({"schema_version": "1.0", "reps": [{"metrics": {}}]}, r"reps\[0\].clean must be true or false"),
        (
            {"schema_version": "1.0", "reps": [{"clean": False, "faults": [{"id": "x", "severity": "bad"}]}]},
            r"reps\[0\].faults\[0\].severity",
        ),
        (
            {"schema_version": "1.0", "drill": {"id": None}, "reps": [{"clean": True}]},
            "does not say which drill",
        ),
        ({"schema_version": "1.0", "drill": {"id": "rdl"}, "reps": [{"clean": True}]}, "unknown drill 'rdl'"),
        ({"schema_version": "1.0", "drill": {"id": "romanian_deadlift"}, "reps": []}, "found no reps"),
        ([1, 2], "must be a JSON object"),
    ],
)
def test_a_malformed_analysis_is_refused_and_changes_nothing(db_url: str, doc: object, message: str) -> None:
    store.add_athlete(db_url, "ana")
    with pytest.raises(HingeError, match=message):
        store.log_analysis(db_url, "ana", doc)  # type: ignore[arg-type]
    assert count_sessions(db_url) == 0


def test_an_invalid_set_in_a_session_writes_nothing(db_url: str) -> None:
    store.add_athlete(db_url, "ana")
    good = store.NewSet("quadruped_sitback", 10, 9)
    with pytest.raises(HingeError, match="clean reps"):
        store.log_session(db_url, "ana", [good, store.NewSet("quadruped_sitback", 10, 11)])
    with pytest.raises(HingeError, match="no athlete named 'zoe'"):
        store.log_session(db_url, "zoe", [good])
    assert count_sessions(db_url) == 0


def test_a_back_dated_session_replays_the_later_decisions(db_url: str) -> None:
    store.add_athlete(db_url, "ana")
    now = datetime.now(UTC)
    for days in (3, 2):
        store.log_session(
            db_url,
            "ana",
            [store.NewSet("quadruped_sitback", 10, 10)],
            performed_at=now - timedelta(days=days),
        )
    result = store.log_session(
        db_url, "ana", [store.NewSet("quadruped_sitback", 10, 10)], performed_at=now - timedelta(days=5)
    )
    assert result.decision.action == "stay"  # the oldest session: 1 of 3
    assert result.plan.drill == "tall_kneeling_hip_hinge"  # the newest session now completes the streak
    name, sessions = store.history(db_url, "ana")
    assert [s["decision"]["action"] for s in sessions] == ["stay", "stay", "advance"]


def test_a_database_from_a_newer_schema_is_refused_and_left_alone(db_url: str) -> None:
    store.add_athlete(db_url, "ana")
    with get_engine(db_url).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    store.dispose_engines()
    with pytest.raises(HingeError, match="newer hingecoach"):
        store.list_athletes(db_url)
    store.dispose_engines()
    from sqlalchemy import create_engine

    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999_future"
        assert conn.execute(text("SELECT count(*) FROM athletes")).scalar() == 1
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    db = str(tmp_path / "h.db")
    store.add_athlete(db, "ana")
    with get_engine(db).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_the_database_url_comes_from_the_option_then_env_then_the_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert store.resolve_db_url(None) == f"sqlite:///{tmp_path / 'xdg' / 'hingecoach' / 'hinge.db'}"
    monkeypatch.setenv("HINGE_DB", "postgresql://u:p@127.0.0.1/x")
    assert store.resolve_db_url(None) == "postgresql+psycopg://u:p@127.0.0.1/x"
    assert store.resolve_db_url(str(tmp_path / "a.db")) == f"sqlite:///{tmp_path / 'a.db'}"
    assert store.resolve_db_url("sqlite:///b.db") == "sqlite:///b.db"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nosuchdriver://x", "cannot use database"),
        ("sqlite:////no/such/folder/h.db", "folder /no/such/folder does not exist"),
    ],
)
def test_an_unusable_database_is_a_hinge_error(url: str, message: str) -> None:
    with pytest.raises(HingeError, match=message):
        store.list_athletes(url)


def test_a_file_that_is_not_a_database_is_a_hinge_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(HingeError, match="cannot open database"):
        store.list_athletes(str(junk))
