"""Shared fixtures: where the real data lives (tests that need it skip when it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data``; skips the test when it is not beside the checkout."""
    if not (SHARED_DATA / "labels.csv").exists():
        pytest.skip("../shared/data is not available")
    return SHARED_DATA
