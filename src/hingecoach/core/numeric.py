"""NaN-aware reductions shared by the core's stages: a missing value (NaN) is left out, and a
series with no value at all gives NaN instead of a RuntimeWarning on the user's terminal."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np


def nanmax(a: np.ndarray) -> float:
    """The largest finite-or-inf value, ignoring NaN; NaN when no value is finite."""
    return float(np.nanmax(a)) if np.isfinite(a).any() else math.nan


def nanmin(a: np.ndarray) -> float:
    """The smallest value, ignoring NaN; NaN when no value is finite."""
    return float(np.nanmin(a)) if np.isfinite(a).any() else math.nan


def nanmedian(a: np.ndarray) -> float:
    """The median, ignoring NaN; NaN when no value is finite."""
    return float(np.nanmedian(a)) if np.isfinite(a).any() else math.nan


def finite_median(values: Iterable[float | None]) -> float:
    """The median of the finite values of any iterable (None, NaN and ±inf left out); NaN when
    there are none."""
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    return float(np.median(finite)) if finite else math.nan
