"""A fresh training log per test, with one athlete (``ana``); the user's own database and data
folder out of reach (HINGE_DB and HINGE_ATHLETE unset, the data folder in tmp)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from hingecoach import store

    monkeypatch.delenv("HINGE_DB", raising=False)
    monkeypatch.delenv("HINGE_ATHLETE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    path = str(tmp_path / "hinge.db")
    store.add_athlete(path, "ana")
    yield path
    store.dispose_engines()
