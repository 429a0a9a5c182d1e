"""Pairing reps: in order, as many pairs as the shorter set has, the odd rep out left unpaired."""

from __future__ import annotations

from hingecoach.core.compare.pairing import RepEvents, RepPair, pair_reps, rep_events


def reps(*specs: tuple[float, float, float | None]) -> list[RepEvents]:
    """Reps from (start, duration, depth), the bottom halfway."""
    return [RepEvents(i, s, s + d / 2, s + d, depth) for i, (s, d, depth) in enumerate(specs, start=1)]


def test_equal_counts_pair_rep_by_rep() -> None:
    a = reps((0, 3, 80), (4, 3, 82), (8, 3, 79))
    b = reps((1, 4, 60), (6, 4, 58), (11, 4, 61))  # shallower and slower throughout
    assert pair_reps(a, b) == [RepPair(1, 1), RepPair(2, 2), RepPair(3, 3)]


def test_a_warm_up_rep_is_left_out() -> None:
    a = reps((0, 3, 85), (4, 3, 86), (8, 3, 84))
    b = reps((0, 1.5, 30), (3, 3, 85), (7, 3, 86), (11, 3, 84))  # a short, shallow rep first
    assert pair_reps(a, b) == [RepPair(1, 2), RepPair(2, 3), RepPair(3, 4)]


def test_a_set_down_at_the_end_is_left_out_of_a() -> None:
    a = reps((0, 3, 85), (4, 3, 86), (8, 3, 84), (12, 6, 40))
    b = reps((0, 3, 85), (4, 3, 84), (8, 3, 85))
    assert pair_reps(a, b) == [RepPair(1, 1), RepPair(2, 2), RepPair(3, 3)]


def test_alike_reps_pair_from_the_start() -> None:
    a = reps((0, 3, 80), (4, 3, 80))
    b = reps((0, 3, 80), (4, 3, 80), (8, 3, 80))
    assert pair_reps(a, b) == [RepPair(1, 1), RepPair(2, 2)]


def test_no_rep_no_pair() -> None:
    assert pair_reps([], reps((0, 3, 80))) == []
    assert pair_reps(reps((0, 3, 80)), []) == []


def test_unknown_depths_still_pair() -> None:
    a = reps((0, 3, None), (4, 3, None))
    b = reps((0, 3, None), (4, 3, None))
    assert pair_reps(a, b) == [RepPair(1, 1), RepPair(2, 2)]


def test_rep_events_from_a_document() -> None:
    doc = {"reps": [
        {"index": 1, "start_s": 0.5, "bottom_s": 1.5, "end_s": 2.3, "metrics": {"hip_flexion_peak_deg": 88.0}},
        {"index": 2, "start_s": 3.0, "bottom_s": None, "end_s": 4.0, "metrics": {}},   # no bottom: left out
        {"index": 3, "start_s": 5.0, "bottom_s": 6.0, "end_s": 7.0, "metrics": {"depth_range_deg": 40.0}},
    ]}
    events = rep_events(doc)
    assert [e.index for e in events] == [1, 3]
    assert events[0].depth_deg == 88.0 and events[1].depth_deg == 40.0
    assert events[0].down_s == 1.0 and abs(events[0].up_s - 0.8) < 1e-9
