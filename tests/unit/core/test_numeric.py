"""Shared numeric helpers: NaN-aware reductions that never warn, and strict JSON."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np

from hingecoach.core.numeric import finite_median, json_safe, nanmax, nanmedian, nanmin, strict_json


def test_json_safe_turns_non_finite_numbers_into_null() -> None:
    data = {"a": math.inf, "b": [1.0, math.nan, {"c": -math.inf}], "d": (2, "x"), "e": None,
            "f": np.float32("nan"), "g": np.arange(2), "h": Path("x/y")}
    assert json.dumps(json_safe(data), allow_nan=False) == \
        '{"a": null, "b": [1.0, null, {"c": null}], "d": [2, "x"], "e": null, "f": null, "g": [0, 1], "h": "x/y"}'
    assert json.loads(strict_json({"x": math.nan})) == {"x": None}


def test_reductions_of_nothing_are_nan_without_a_warning() -> None:
    empty = np.array([np.nan, np.nan])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert all(math.isnan(f(empty)) for f in (nanmax, nanmin, nanmedian))
        assert math.isnan(finite_median([None, math.inf, math.nan]))
    assert nanmedian(np.array([1.0, np.nan, 3.0])) == 2.0
    assert finite_median([1.0, None, math.inf, 5.0]) == 3.0
