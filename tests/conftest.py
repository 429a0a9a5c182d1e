"""Shared fixtures, and the one skip policy (:func:`needs.requires`): a test that needs what a
fresh machine may lack (../shared/data, Debian's chromium, a PostgreSQL server, OSMesa) skips
with a one-line reason naming it and how to install it; under ``CI=true`` it fails instead.

Parallel runs (``make unit``: pytest-xdist, ``--dist loadgroup``): tests go to whichever worker
is free, except the files that run pose estimation on whole clips (:data:`POSE_TRACK_GROUPS`),
each group on one worker.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from needs import CHROMIUM, SHARED_DATA, has_module, requires


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``, the real clips and their labels (skip or, in CI, fail without them)."""
    requires("../shared/data (the real clips and labels.csv)", (SHARED_DATA / "labels.csv").exists(),
             "put the shared data folder beside the checkout, as ../shared/data (CI has it)")
    return SHARED_DATA


#: Test files (as in test ids) that share pose tracks: BlazePose over whole clips, cached in
#: .cache/tracks by hingecoach.evaluation.clips.cached_track. Under xdist a group runs on one
#: worker, so no track is computed twice at once and the real clips' module fixture runs once.
POSE_TRACK_GROUPS = {
    "tests/integration/test_real_clips.py": "real-clips",
    "tests/integration/synth/test_bench_analysis.py": "bench-clips",
    "tests/integration/synth/test_bench_detection.py": "bench-clips",
    "tests/integration/synth/test_bench_eval.py": "bench-clips",
    "tests/integration/test_compare.py": "bench-clips",
    # the live page's browser runs pose on bench clips: not beside another pose-heavy file
    "tests/integration/web/test_live_browser.py": "bench-clips",
}


@pytest.hookimpl(optionalhook=True)  # an xdist hook: .venv-synth has no xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """``--dist loadgroup`` with the groups of :data:`POSE_TRACK_GROUPS`; any other test goes to
    whichever worker is free. (xdist's own ``xdist_group`` marks do not group under pytest 9:
    xdist renames ``item._nodeid``, which pytest 9 no longer reads.)"""
    if config.getoption("dist", "no") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class PoseTrackScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            group = POSE_TRACK_GROUPS.get(nodeid.split("::", 1)[0])
            return group or super()._split_scope(nodeid)

    return PoseTrackScheduling(config, log)


@pytest.fixture
def chromium() -> Path:
    """Debian's Chromium, and Playwright to drive it (the browser tests; Playwright's own
    Chromium cannot play H.264)."""
    requires(f"Chromium ({CHROMIUM})", CHROMIUM.exists(), "apt-get install chromium")
    requires("Playwright for Python", has_module("playwright"), "pip install -r requirements.lock (make venv)")
    return CHROMIUM
