"""Drills as data: the hinge ladder and the hinge family, loaded from TOML files in ``data/``.

A drill file holds the article's knowledge: purpose, equipment, set-up, cues, the full range
with landmarks a lifter understands, recognition hints, and faults (what is measured, the
threshold and why, severity, the cue). Faults listed in a drill's ``common_faults`` come from
``common.toml``; a drill may override any of them with its own ``[faults.<id>]`` table.
A coach adds a drill by adding a file — no code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from hingecoach.core.tables import check_keys
from hingecoach.errors import HingeError

_FAULT_KEYS = {"detector", "threshold", "unit", "severity", "views", "cue", "why"}
#: A rule's own parameters, read by its detector (core/faults); any other key in a fault table is
#: a typo and an error. Units are in the names, as everywhere.
FAULT_PARAMS = frozenset({
    "angle", "bottom_depth_share", "bottom_half_s", "coached_with_neutral_set", "experimental", "half_window_s",
    "hinged_share", "knee_seen_visibility", "lockout_hip_deg", "lockout_seen_s", "lookback_s", "metric",
    "min_confidence", "min_knee_range_deg", "min_seen", "min_trunk_deg", "min_visibility", "neutral_max_deg",
    "not_coached", "occluded_trunk_share", "onset_leg", "phase", "relative_params", "relative_threshold",
    "scales_range", "seen_joints", "setup_s", "smooth_s", "standing_s", "still_deg", "still_s", "suppressed_by",
    "sustain_s", "top_share", "top_window_s",
})
#: The recognition hints a drill may give: ``[low, high]`` ranges of the set's features and
#: yes/no flags (core/coach ``set_features`` computes them), the posture and a prior.
RECOGNITION_KEYS = frozenset({
    "posture", "prior", "hip_flexion_peak_deg", "knee_flexion_start_deg", "knee_flexion_set_deg",
    "knee_flexion_range_deg", "knee_flexion_bottom_deg", "knee_flexion_median_deg", "down_s", "up_s",
    "hand_depth_shank", "hands_between_legs", "hands_at_shoulders", "hands_above_hips_at_top",
})
_DRILL_KEYS = frozenset({"id", "name", "pattern", "posture", "purpose", "setup", "cues", "praise", "full_range",
                         "recognition", "faults", "common_faults", "equipment", "ladder_order"})
_FULL_RANGE_KEYS = frozenset({"hip_flexion_deg", "landmarks"})
_LANDMARK_KEYS = frozenset({"hip_flexion_deg", "text"})
SEVERITY_ORDER = {"safety": 0, "form": 1, "minor": 2}


@dataclass(frozen=True)
class FaultSpec:
    """One fault rule of a drill: which detector measures it, against what, and the cue."""

    id: str
    detector: str
    threshold: float
    unit: str
    severity: str
    cue: str
    why: str
    views: tuple[str, ...] = ("side",)
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Drill:
    """A drill: the article's description plus measurable recognition and faults."""

    id: str
    name: str
    pattern: str
    posture: str
    purpose: str
    setup: str
    cues: tuple[str, ...]
    praise: str
    full_range_deg: float
    landmarks: tuple[Landmark, ...]
    recognition: dict[str, Any]
    faults: tuple[FaultSpec, ...]
    equipment: tuple[str, ...] = ()
    ladder_order: int | None = None
    source: str = ""

    def landmark_for(self, hip_flexion_deg: float) -> str:
        """The deepest landmark not deeper than ``hip_flexion_deg`` (the first one if none)."""
        chosen = self.landmarks[0].text if self.landmarks else f"about {hip_flexion_deg:.0f}° of hip flexion"
        for lm in self.landmarks:
            if lm.hip_flexion_deg <= hip_flexion_deg + 1e-9:
                chosen = lm.text
        return chosen


@dataclass(frozen=True)
class Landmark:
    """A depth a lifter understands ("stop with the bar just below the knees")."""

    hip_flexion_deg: float
    text: str


def _fault(fid: str, table: dict[str, Any], where: str) -> FaultSpec:
    check_keys(table, _FAULT_KEYS | FAULT_PARAMS, f"{where} [faults.{fid}]")
    check_keys(table.get("relative_params", {}), FAULT_PARAMS - {"relative_params", "relative_threshold"},
               f"{where} [faults.{fid}.relative_params]")
    missing = {"detector", "threshold", "severity", "cue"} - set(table)
    if missing:
        raise HingeError(f"{where}: fault {fid!r} lacks {', '.join(sorted(missing))}")
    if table["severity"] not in SEVERITY_ORDER:
        raise HingeError(f"{where}: fault {fid!r} has unknown severity {table['severity']!r}")
    return FaultSpec(
        id=fid, detector=str(table["detector"]), threshold=float(table["threshold"]),
        unit=str(table.get("unit", "")), severity=str(table["severity"]), cue=str(table["cue"]),
        why=str(table.get("why", "")), views=tuple(table.get("views", ["side"])),
        params={k: v for k, v in table.items() if k not in _FAULT_KEYS},
    )


def parse_drill(data: dict[str, Any], common: dict[str, Any], where: str) -> Drill:
    """Build a :class:`Drill` from a parsed drill file."""
    check_keys(data, _DRILL_KEYS, where)
    check_keys(data.get("recognition", {}), RECOGNITION_KEYS, f"{where} [recognition]")
    check_keys(data.get("full_range", {}), _FULL_RANGE_KEYS, f"{where} [full_range]")
    for lm in data.get("full_range", {}).get("landmarks", []):
        check_keys(lm, _LANDMARK_KEYS, f"{where} [full_range] landmarks")
    try:
        faults: dict[str, FaultSpec] = {}
        for fid in data.get("common_faults", []):
            if fid not in common:
                raise HingeError(f"{where}: common fault {fid!r} is not in common.toml")
            faults[fid] = _fault(fid, common[fid], where)
        for fid, table in (data.get("faults") or {}).items():
            faults[fid] = _fault(fid, {**common.get(fid, {}), **table}, where)
        full = data["full_range"]
        landmarks = tuple(sorted((Landmark(float(lm["hip_flexion_deg"]), str(lm["text"]))
                                  for lm in full.get("landmarks", [])), key=lambda x: x.hip_flexion_deg))
        return Drill(
            id=str(data["id"]), name=str(data["name"]), pattern=str(data.get("pattern", "hinge")),
            posture=str(data.get("posture", "standing")), purpose=str(data.get("purpose", "")),
            setup=str(data.get("setup", "")), cues=tuple(data.get("cues", [])),
            praise=str(data.get("praise", "Clean reps.")), full_range_deg=float(full["hip_flexion_deg"]),
            landmarks=landmarks, recognition=dict(data.get("recognition", {})),
            faults=tuple(faults.values()), equipment=tuple(data.get("equipment", [])),
            ladder_order=data.get("ladder_order"), source=where,
        )
    except KeyError as exc:
        raise HingeError(f"{where}: missing {exc.args[0]!r}") from None


@cache
def common_faults() -> dict[str, Any]:
    """The shared fault rules of ``common.toml`` as written (id → table)."""
    text = resources.files(__package__).joinpath("data", "common.toml").read_text()
    return dict(tomllib.loads(text).get("faults", {}))


@cache
def _packaged() -> tuple[Drill, ...]:
    root = resources.files(__package__).joinpath("data")
    common = common_faults()
    drills = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml") and entry.name not in {"common.toml", "patterns.toml"}:
            drills.append(parse_drill(tomllib.loads(entry.read_text()), common, f"drills/{entry.name}"))
    return tuple(drills)


def load_drills(extra_dir: Path | None = None) -> dict[str, Drill]:
    """All drills by id: the packaged ones, plus a coach's own files from ``extra_dir``."""
    drills = {d.id: d for d in _packaged()}
    if extra_dir is not None:
        common = common_faults()
        for path in sorted(Path(extra_dir).glob("*.toml")):
            try:
                data = tomllib.loads(path.read_text())
            except tomllib.TOMLDecodeError as exc:
                raise HingeError(f"{path.name}: not valid TOML ({exc})") from None
            d = parse_drill(data, common, path.name)
            drills[d.id] = d
    return drills


def ladder() -> list[Drill]:
    """The five ladder drills in order."""
    return sorted((d for d in _packaged() if d.ladder_order is not None), key=lambda d: d.ladder_order or 0)


def get_drill(drill_id: str) -> Drill:
    """A drill by id; an unknown id lists the known ones."""
    drills = load_drills()
    if drill_id not in drills:
        raise HingeError(f"unknown drill {drill_id!r}; known drills: {', '.join(sorted(drills))}")
    return drills[drill_id]


def patterns() -> list[dict[str, Any]]:
    """The six movement patterns."""
    text = resources.files(__package__).joinpath("data", "patterns.toml").read_text()
    return list(tomllib.loads(text)["patterns"])
