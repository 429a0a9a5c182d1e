"""Analysis settings as data: :func:`load_settings` reads ``analysis.toml`` from the package."""

from __future__ import annotations

import copy
import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Settings:
    """All engine settings, grouped as in ``analysis.toml``."""

    pose: dict[str, Any]
    smoothing: dict[str, Any]
    view: dict[str, Any]
    reps: dict[str, Any]
    scale: dict[str, Any]
    plausible: dict[str, list[float]]
    recognition: dict[str, Any]
    coaching: dict[str, float]
    source: str = "hingecoach/core/settings/analysis.toml"


@functools.cache
def _packaged() -> dict[str, Any]:
    """The packaged ``analysis.toml``, read and parsed once per process."""
    return tomllib.loads(resources.files(__package__).joinpath("analysis.toml").read_text())


def load_settings() -> Settings:
    """The packaged ``analysis.toml`` (a fresh copy: a caller may change its own settings)."""
    data = copy.deepcopy(_packaged())
    return Settings(**{k: data[k] for k in ("pose", "smoothing", "view", "reps", "scale", "plausible",
                                         "recognition", "coaching")})
