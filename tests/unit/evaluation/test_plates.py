"""``hinge eval``'s plate section: a clip's plate figures from a plate track."""

from __future__ import annotations

import numpy as np

from hingecoach.evaluation.plates import plate_summary, render_plates


def test_the_bar_path_is_read_in_plate_diameters_toward_the_front() -> None:
    t = 10
    center = np.full((t, 2), np.nan)
    found = np.zeros(t, bool)
    found[2:8] = True
    # The plate (radius 20 px: a diameter of 40 px) moves 20 px to image-left over the lift.
    center[2:8, 0] = 100.0 - np.linspace(0.0, 20.0, 6)
    center[2:8, 1] = 300.0
    radius = np.where(found, 20.0, np.nan)
    facing_left = plate_summary(center, radius, found, leg_px=80.0, facing=-1)
    assert facing_left["found_pct"] == 60.0 and facing_left["radius_px"] == 20.0
    assert facing_left["radius_leg"] == 0.25
    assert facing_left["dx_range_d"] == 0.5 and facing_left["dx_p95_d"] > 0.4   # forward: the lifter faces left
    facing_right = plate_summary(center, radius, found, leg_px=80.0, facing=1)
    assert facing_right["dx_p5_d"] < -0.4


def test_no_plate_found_gives_only_the_share() -> None:
    t = 5
    row = plate_summary(np.full((t, 2), np.nan), np.full(t, np.nan), np.zeros(t, bool), 80.0, 1)
    assert row == {"found_pct": 0.0}
    lines = render_plates({"labelled": [{"clip": "a.mp4", "faults": "", **row}], "bench": []})
    assert any(line.startswith("| a.mp4 | good | 0.0 |") for line in lines)
