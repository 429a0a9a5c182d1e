"""Analysis settings as typed data: :func:`load_settings` reads ``analysis.toml`` (packaged, or a
file given by path) into frozen dataclasses, one per table.

Every number has a name with its unit (``_deg``, ``_s``, ``_hz``, ``_leg``: leg lengths,
``_shank``: shank lengths, ``_ratio``/``_share``/``_fraction``: dimensionless) and, in the TOML,
the reason for its value. A key the schema does not know, a missing key or a value of the wrong
type is a one-line :class:`~hingecoach.errors.HingeError` naming the file and the key, so a typo
(``min_visbility``) cannot quietly fall back to a default and switch a gate off.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import tomllib
import typing
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from hingecoach.core.tables import check_keys
from hingecoach.errors import HingeError

PACKAGED = "hingecoach/core/settings/analysis.toml"


@dataclass(frozen=True)
class PoseSettings:
    """Which keypoints count as seen."""

    min_confidence: float


@dataclass(frozen=True)
class SmoothingSettings:
    """Gap filling and the Butterworth filters (offline zero-phase, live causal)."""

    butterworth_order: int
    cutoff_hz: float
    max_gap_s: float
    causal_cutoff_hz: float


@dataclass(frozen=True)
class ViewSettings:
    """Side, oblique or front, and a lifter who turns round."""

    side_max_width_ratio: float
    front_min_width_ratio: float
    turn_tip_deg: float
    turn_min_s: float
    front_run_s: float
    front_width_ratio: float
    turn_bound_min_tilt_deg: float
    turn_bound_min_frames: int
    rectify_min_yaw_deg: float
    rectify_max_yaw_deg: float
    rep_turn_deg: float


@dataclass(frozen=True)
class RepSettings:
    """The rep engine's (:class:`~hingecoach.core.reps.counter.RepCounter`) parameters."""

    hysteresis_deg: float
    min_range_deg: float
    completion_fraction: float
    top_tolerance_deg: float
    settle_tolerance_deg: float
    min_rep_s: float
    max_rep_s: float
    min_phase_s: float
    max_lost_s: float
    despike_s: float


@dataclass(frozen=True)
class ScaleSettings:
    """Reference lengths of the lifter's own body (a segment's length: this percentile of its 2D
    length over the clip), and the band (leg lengths) around the hands' height where the hands'
    gap from the legs is measured."""

    reference_percentile: float
    bar_contact_band_leg: float


@dataclass(frozen=True)
class PlausibleSettings:
    """Joint-angle ranges a human body can take, ``(low, high)`` degrees."""

    hip_flexion_deg: tuple[float, float]
    knee_flexion_deg: tuple[float, float]
    trunk_inclination_deg: tuple[float, float]

    def ranges(self) -> dict[str, tuple[float, float]]:
        """Angle name → (low, high)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class RecognitionSettings:
    """Posture, hand position and where the set-up knee is read, for drill recognition."""

    posture_level_trunk_deg: float
    posture_bent_knee_deg: float
    hands_behind_legs_leg: float
    hands_between_legs_above_shank: float
    hands_at_shoulders_leg: float
    hands_above_hips_leg: float
    top_window_s: float
    top_share: float
    hinged_share: float
    lockout_hip_deg: tuple[float, float]
    world_despike_s: float
    tie_margin: float
    #: Soft-range scale per unit (``deg``, ``s``, ``shank``) or per feature name.
    scale: dict[str, float]


@dataclass(frozen=True)
class CoachingSettings:
    """Range scaling: shorten the range where position was lost, reintroduce it when clean."""

    range_margin_deg: float
    reintroduce_step_deg: float
    min_range_deg: float
    watch_min_confidence: float
    reference_false_alarm: float
    reference_min_reps: int


@dataclass(frozen=True)
class LiveSettings:
    """Live coaching: the steady clock, when the lifter counts as out of view, stream limits."""

    fps: float
    max_gap_s: float
    lost_after_s: float
    found_after_s: float
    rate_after_count_s: float
    state_every_s: float
    max_set_s: float
    max_messages_per_s: float
    flood_burst_s: float
    countdown_s: int
    not_in_view_message: str


@dataclass(frozen=True)
class SpineSettings:
    """The back silhouette's geometry and fitted constants (:mod:`hingecoach.core.spine.outline`)."""

    #: Confidence factor per view (side, oblique, front).
    view_factor: dict[str, float]
    n_stations: int
    march_trunk: float
    mask_edge: float
    lower_t: tuple[float, float]
    middle_t: tuple[float, float]
    upper_t: tuple[float, float]
    outline_t: tuple[float, float]
    flexion_gain: float
    neutral_change_deg: float
    neutral_set_gain: float
    standing_share: float
    min_standing_frames: int
    plausible_max_deg: float
    bottom_half_s: float
    neutral_held_deg: float
    note_min_confidence: float
    turned_apart: float


@dataclass(frozen=True)
class Settings:
    """All engine settings, grouped as in ``analysis.toml``."""

    pose: PoseSettings
    smoothing: SmoothingSettings
    view: ViewSettings
    reps: RepSettings
    scale: ScaleSettings
    plausible: PlausibleSettings
    recognition: RecognitionSettings
    coaching: CoachingSettings
    live: LiveSettings
    spine: SpineSettings
    source: str = PACKAGED


def _value(kind: Any, value: Any, where: str) -> Any:
    """``value`` checked against the annotation ``kind`` (float, int, bool, str, a 2-tuple of
    floats, a dict of str → float)."""
    origin = typing.get_origin(kind)
    if kind is bool:
        if isinstance(value, bool):
            return value
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind is float:
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    elif kind is str:
        if isinstance(value, str):
            return value
    elif origin is tuple:
        if isinstance(value, list) and len(value) == len(typing.get_args(kind)):
            return tuple(_value(k, v, where) for k, v in zip(typing.get_args(kind), value, strict=True))
    elif origin is dict:
        if isinstance(value, dict):
            return {str(k): _value(typing.get_args(kind)[1], v, f"{where}.{k}") for k, v in value.items()}
    what = kind.__name__ if isinstance(kind, type) else str(kind).replace("typing.", "")
    raise HingeError(f"{where}: expected {what}, got {value!r}")


def build(cls: type[Any], table: Any, where: str) -> Any:
    """A settings dataclass from a TOML table: every field present with its type, no other key.

    ``where`` names the file and the table for the error message (``analysis.toml [reps]``).
    """
    fields = {f.name for f in dataclasses.fields(cls) if f.init and f.name != "source"}
    check_keys(table, fields, where, required=fields)
    hints = typing.get_type_hints(cls)
    values = {}
    for name in fields:
        kind = hints[name]
        if isinstance(kind, type) and dataclasses.is_dataclass(kind):
            values[name] = build(kind, table[name], f"{where}.{name}")
        else:
            values[name] = _value(kind, table[name], f"{where} {name}")
    return cls(**values)


def parse_settings(data: dict[str, Any], where: str) -> Settings:
    """Settings from a parsed ``analysis.toml`` (``where``: the file, for messages)."""
    tables = {f.name for f in dataclasses.fields(Settings) if f.name != "source"}
    check_keys(data, tables, where, required=tables, kind="table")
    hints = typing.get_type_hints(Settings)
    return Settings(**{name: build(hints[name], data[name], f"{where} [{name}]") for name in tables}, source=where)


@functools.cache
def _packaged() -> Settings:
    """The packaged ``analysis.toml``, read, checked and built once per process (frozen: shared)."""
    text = resources.files(__package__).joinpath("analysis.toml").read_text()
    return parse_settings(tomllib.loads(text), PACKAGED)


def load_settings(path: str | Path | None = None) -> Settings:
    """The packaged ``analysis.toml``, or one at ``path`` (a whole file with every table).

    The result is frozen; change a value with :func:`dataclasses.replace`.
    """
    if path is None:
        return _packaged()
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text())
    except OSError as exc:
        raise HingeError(f"{p}: cannot read settings ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise HingeError(f"{p}: not a settings file ({exc})") from None
    return parse_settings(data, str(p))


__all__ = ["CoachingSettings", "LiveSettings", "PlausibleSettings", "PoseSettings", "RecognitionSettings", "RepSettings",
           "ScaleSettings", "Settings", "SmoothingSettings", "SpineSettings", "ViewSettings", "build",
           "load_settings", "parse_settings"]
