"""NaN-aware helpers shared by the stages: reductions that leave a missing value (NaN) out and
give NaN, not a RuntimeWarning on the user's terminal, for a series with no value; and strict
JSON (non-finite numbers as null) for every document the project writes."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Any

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


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON data: non-finite floats become None, tuples lists, NumPy scalars
    and arrays Python numbers and lists, paths text. Anything else is left for ``json`` to refuse
    (a bug, not a user's error)."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.generic):
        return json_safe(value.item())
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, Mapping):
        return {(k.item() if isinstance(k, np.generic) else k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, PurePath):
        return str(value)
    return value


def strict_json(value: Any, *, indent: int | None = 2) -> str:
    """Strict JSON text of ``value`` (non-finite numbers as ``null``; never NaN or Infinity)."""
    return json.dumps(json_safe(value), indent=indent, allow_nan=False)
