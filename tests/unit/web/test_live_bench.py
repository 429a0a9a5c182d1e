"""The live socket's load bench (hinge bench's live section) on a real server with two athletes:
its figures are measured, not made up (no timing thresholds here; speed goals live in make bench)."""

from __future__ import annotations

import pytest

from hingecoach.web.live_bench import landmark_stream, live_figures

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_the_stream_is_blazepose_33_normalised() -> None:
    frames, reps = landmark_stream(10.0, 30.0)
    assert reps == 2 and len(frames[0]) == 33
    assert all(0.0 <= v <= 1.0 for f in frames for x, y, _ in f for v in (x, y))


def test_two_athletes_at_once() -> None:
    fig = live_figures(clients=2, seconds=7.0, fps=30.0)
    assert fig["clients"] == 2 and fig["clients_with_all_reps"] == 2
    assert fig["messages"] == 2 * fig["frames_per_client"]
    assert fig["server_ms"]["p50"] is not None and fig["server_ms"]["p50"] <= fig["server_ms"]["max"]
    assert fig["round_trip_ms"]["p95"] is not None
