"""A set logged as the athlete's neutral back (``--neutral-back``) is the reference later sets of
its drill are read against; the schema change that records it upgrades an existing log."""

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


def with_bends(doc: dict, bends: list[float | None]) -> dict:
    return with_metric(doc, "back_outline_bend_deg", bends)


def test_the_latest_neutral_set_of_the_drill_is_the_reference(db_url: str) -> None:
    store.add_athlete(db_url, "ana")
    now = datetime.now(UTC)
    store.log_analysis(db_url, "ana", with_bends(make_analysis(depths_deg=[85.0] * 3), [1.0, 2.0, 3.0]),
                       back_neutral=True, performed_at=now - timedelta(days=3))
    newer = store.log_analysis(db_url, "ana", with_bends(make_analysis(depths_deg=[85.0] * 3), [-5.0, None, -7.0]),
                               back_neutral=True, performed_at=now - timedelta(days=1))
    # A later set that is not called neutral, and a neutral set of another drill, change nothing.
    store.log_analysis(db_url, "ana", with_bends(make_analysis(depths_deg=[85.0] * 3), [30.0, 31.0, 32.0]),
                       performed_at=now)
    store.log_analysis(db_url, "ana", with_bends(make_analysis("stiff_legged_deadlift", [95.0] * 2), [9.0, 9.0]),
                       back_neutral=True, performed_at=now)
    ref = store.back_reference(db_url, "ana", "romanian_deadlift")
    assert ref is not None and ref.bends == [-5.0, -7.0]
    assert ref.performed_at.date() == (now - timedelta(days=1)).date()
    assert store.back_reference_drills(db_url, "ana") == {"romanian_deadlift", "stiff_legged_deadlift"}
    assert store.back_reference(db_url, "ana", "cable_pull_through") is None
    assert store.back_reference(db_url, "nobody", "romanian_deadlift") is None
    assert store.back_reference_drills(db_url, "nobody") == set()
    assert newer.session_id > 0
    sets = [st for sess in store.export_data(db_url, "ana")[0]["sessions"] for st in sess["sets"]]
    assert [st["back_neutral"] for st in sets] == [True, True, False, True]   # the export says which


def test_a_set_without_the_silhouette_cannot_be_the_neutral_back(db_url: str) -> None:
    store.add_athlete(db_url, "ana")
    with pytest.raises(HingeError, match="no back silhouette"):
        store.log_analysis(db_url, "ana", make_analysis(depths_deg=[85.0] * 3), back_neutral=True)
    with pytest.raises(HingeError, match="no back silhouette"):
        store.log_analysis(db_url, "ana", with_bends(make_analysis(depths_deg=[85.0] * 2), [None, "x"]),
                           back_neutral=True)
    assert store.history(db_url, "ana")[1] == []   # nothing was stored


def test_a_log_made_before_the_neutral_back_upgrades_and_keeps_its_sets(tmp_path: Path) -> None:
    url = log_at_revision(tmp_path, "0001")
    store.log_analysis(url, "ana", make_analysis(depths_deg=[85.0] * 2))
    assert store.back_reference_drills(url, "ana") == set()
    with create_engine(url).connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() in schema_heads()
        assert conn.execute(text("SELECT back_neutral FROM analyses")).scalar() in (0, False)
