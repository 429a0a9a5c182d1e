"""Fake sets for the comparison's tests: a lifter of known angles (core fakes), analysed by the
engine, as the analysis document and the signals the comparison reads."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from hingecoach.core.compare import SetSignals
from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.track.fakes import Movement, fake_hinge_track, hinge_movement

FakeSet = tuple[dict, SetSignals]


def analysed(movement: Movement, *, yaw_deg: float = 0.0, fps: float = 30.0) -> FakeSet:
    """The analysis document and the signals of a fake set."""
    track = fake_hinge_track(movement, fps=fps, yaw_deg=yaw_deg)
    analysis, tf = analyze_track(track)
    f = tf.features
    signals = SetSignals(times_s=np.asarray(tf.track.timestamps_s, float), depth_deg=np.asarray(f.depth_deg, float),
                         fps=fps, angles={"hip": np.asarray(f.hip_flexion_deg, float),
                                          "knee": np.asarray(f.knee_flexion_deg, float),
                                          "trunk": np.asarray(f.trunk_inclination_deg, float)})
    return analysis.to_dict(), signals


@pytest.fixture(scope="session")
def fake_set() -> Callable[..., FakeSet]:
    """``fake_set(yaw_deg=..., **hinge_movement kwargs)`` → (document, signals), cached."""
    cache: dict[tuple, FakeSet] = {}

    def make(yaw_deg: float = 0.0, **kwargs: object) -> FakeSet:
        key = (yaw_deg, tuple(sorted(kwargs.items())))
        if key not in cache:
            cache[key] = analysed(hinge_movement(**kwargs), yaw_deg=yaw_deg)  # type: ignore[arg-type]
        return cache[key]

    return make
