"""A set logged as the athlete's neutral set (``--neutral``) is what the rules read later sets of
its drill against; a set that cannot serve is refused with nothing stored; the schema change
upgrades an existing log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fakes import make_analysis, with_metric
from old_logs import log_at_revision
from sqlalchemy import create_engine, text

from hingecoach import store
from hingecoach.errors import HingeError
from hingecoach.store.db import schema_heads


def with_measures(doc: dict, ratios: list[float]) -> dict:
    return with_metric(doc, "measure_knee_dominant", ratios)


def test_the_latest_neutral_set_of_the_drill_is_the_reference(db_url: str) -> None:
    store.add_athlete(db_url, "ana")
    now = datetime.now(UTC)
    store.log_analysis(db_url, "ana", with_measures(make_analysis(depths_deg=[85.0] * 3), [0.1, 0.2, 0.3]),
                       neutral=True, performed_at=now - timedelta(days=3))
    store.log_analysis(db_url, "ana", with_measures(make_analysis(depths_deg=[85.0] * 4), [0.2, 0.25, 0.3, 0.2]),
                       neutral=True, performed_at=now - timedelta(days=1))
    # a later set not called neutral, and a neutral set of another drill, change nothing
    store.log_analysis(db_url, "ana", with_measures(make_analysis(depths_deg=[85.0] * 3), [0.9] * 3), performed_at=now)
    store.log_analysis(db_url, "ana", with_measures(make_analysis("stiff_legged_deadlift", [95.0] * 3), [0.5] * 3),
                       neutral=True, performed_at=now)
    found = store.neutral_set(db_url, "ana", "romanian_deadlift")
    assert found is not None
    assert [m["measure_knee_dominant"] for m in found.rep_metrics] == [0.2, 0.25, 0.3, 0.2]
    assert found.performed_at.date() == (now - timedelta(days=1)).date()
    assert store.neutral_set_drills(db_url, "ana") == {"romanian_deadlift", "stiff_legged_deadlift"}
    assert store.neutral_set(db_url, "ana", "cable_pull_through") is None
    assert store.neutral_set(db_url, "nobody", "romanian_deadlift") is None
    sets = [st for sess in store.export_data(db_url, "ana")[0]["sessions"] for st in sess["sets"]]
    assert [st["neutral"] for st in sets] == [True, True, False, True]


def test_a_set_that_cannot_be_the_neutral_set_is_refused_and_nothing_stored(db_url: str) -> None:
    store.add_athlete(db_url, "ana")
    with pytest.raises(HingeError, match="has 0"):
        store.log_analysis(db_url, "ana", make_analysis(depths_deg=[85.0] * 3), neutral=True)
    with pytest.raises(HingeError, match="takes 3 reps or more"):
        store.log_analysis(db_url, "ana", with_measures(make_analysis(depths_deg=[85.0] * 2), [0.2, 0.2]), neutral=True)
    assert store.history(db_url, "ana")[1] == []


def test_a_log_made_before_the_neutral_set_upgrades_and_keeps_its_sets(tmp_path: Path) -> None:
    url = log_at_revision(tmp_path, "0004")
    store.log_analysis(url, "ana", with_measures(make_analysis(depths_deg=[85.0] * 3), [0.2] * 3), neutral=True)
    assert store.neutral_set_drills(url, "ana") == {"romanian_deadlift"}
    with create_engine(url).connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() in schema_heads()
