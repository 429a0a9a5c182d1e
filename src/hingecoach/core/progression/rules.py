"""The progression rules as data: loads ``rules.toml`` into typed, validated objects.

Pipeline position: training history (``hingecoach.store``) → **rules** → engine
(:mod:`hingecoach.core.progression.planner`) → decision. Nothing here decides anything; it only
reads the numbers a coach can edit and checks that they make sense.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from hingecoach.core.drills import load_drills
from hingecoach.errors import HingeError

SEVERITIES = ("safety", "form", "minor")


@dataclass(frozen=True)
class DrillRule:
    """One rung of the ladder: prescription, full-range reference and the names it goes by."""

    id: str
    name: str
    barbell: bool
    sets: int
    reps: int
    full_range_deg: float
    full_range_landmark: str
    cues: tuple[str, ...]
    aliases: tuple[str, ...]
    start_load_kg: float | None = None
    load_step_kg: float | None = None


@dataclass(frozen=True)
class Rules:
    """All progression rules; see ``rules.toml`` for the meaning and reason of each number."""

    ladder: tuple[str, ...]
    drills: dict[str, DrillRule]
    advance_sessions: int
    advance_min_clean_pct: float
    advance_full_range_fraction: float
    advance_min_confidence: float
    shorten_on_severities: tuple[str, ...]
    fault_depth_fraction: float
    step_deg: float
    min_limit_deg: float
    reintroduce_min_clean_pct: float
    step_back_failed_sessions: int
    fail_below_clean_pct: float
    load_require_all_clean: bool
    source: str
    #: The other drills the analysis can recognise (the hinge family: id → name). Their sets are
    #: logged as accessory sets: kept in the history and the export, never moving the ladder.
    accessories: dict[str, str] = field(default_factory=dict)

    def drill(self, drill_id: str) -> DrillRule:
        """The rule for the ladder drill ``drill_id``; an unknown id raises an error listing the valid ones."""
        try:
            return self.drills[drill_id]
        except KeyError:
            raise HingeError(
                f"unknown drill {drill_id!r}; the drills are: {', '.join(self.ladder)}"
            ) from None

    def is_accessory(self, drill_id: str | None) -> bool:
        """Whether ``drill_id`` is a drill off the ladder (logged, but never moving the plan)."""
        return drill_id is not None and drill_id not in self.drills and drill_id in self.accessories

    def loggable(self, drill_id: str) -> str:
        """The name of a drill a set can be logged as: a ladder drill or an accessory drill.

        An unknown id raises an error listing both kinds.
        """
        if drill_id in self.drills:
            return self.drills[drill_id].name
        if drill_id in self.accessories:
            return self.accessories[drill_id]
        others = f"; accessory drills (logged, off the ladder): {', '.join(self.accessories)}" if self.accessories else ""
        raise HingeError(f"unknown drill {drill_id!r}; the drills are: {', '.join(self.ladder)}{others}")

    def index(self, drill_id: str) -> int:
        """The drill's position on the ladder (0 = first)."""
        self.drill(drill_id)
        return self.ladder.index(drill_id)

    def drill_for_exercise(self, exercise_name: str) -> str | None:
        """The drill an exercise name (e.g. from a Strong or Hevy export) maps to, or None."""
        key = normalise_exercise_name(exercise_name)
        for drill_id in self.ladder:
            if key in self.drills[drill_id].aliases or key == drill_id.replace("_", " "):
                return drill_id
        return None


def normalise_exercise_name(name: str) -> str:
    """Lower-case, hyphens and underscores to spaces, single spaces: 'Stiff-Leg  Deadlift'."""
    name = name.strip().lower().replace("-", " ").replace("_", " ")
    return re.sub(r"\s+", " ", name)


def _get(table: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in table:
        raise HingeError(f"{where}: missing {key!r}")
    value = table[key]
    # TOML booleans are Python ints; a number field must not accept `true`.
    if isinstance(value, bool) and kind is not bool:
        raise HingeError(f"{where}: {key!r} must not be true/false")
    if not isinstance(value, kind):
        raise HingeError(f"{where}: {key!r} has the wrong type ({value!r})")
    return value


def parse_rules(doc: dict[str, Any], source: str = "<rules>") -> Rules:
    """Validate a parsed rules document and build :class:`Rules`; errors name the bad key."""
    num = (int, float)
    where = source
    try:
        ladder = tuple(_get(doc["ladder"], "order", list, f"{where} [ladder]"))
        drill_tables = doc["drills"]
        adv, scale, back, load = doc["advance"], doc["scale"], doc["step_back"], doc["load"]
    except KeyError as e:
        raise HingeError(f"{where}: missing table [{e.args[0]}]") from None
    if not ladder or len(set(ladder)) != len(ladder):
        raise HingeError(f"{where}: [ladder] order must list each drill once")
    drills: dict[str, DrillRule] = {}
    for drill_id in ladder:
        if drill_id not in drill_tables:
            raise HingeError(f"{where}: drill {drill_id!r} is on the ladder but has no [drills.{drill_id}]")
        t = drill_tables[drill_id]
        w = f"{where} [drills.{drill_id}]"
        barbell = bool(_get(t, "barbell", bool, w))
        # Name, full range, its landmark and the cues are the drill's own (drills/data): the
        # rules file may override them, but need not repeat them.
        known = load_drills().get(drill_id)
        drill = DrillRule(
            id=drill_id,
            name=str(t["name"]) if "name" in t else (known.name if known else str(_get(t, "name", str, w))),
            barbell=barbell,
            sets=int(_get(t, "sets", int, w)),
            reps=int(_get(t, "reps", int, w)),
            full_range_deg=float(_get(t, "full_range_deg", num, w)) if "full_range_deg" in t or known is None
            else known.full_range_deg,
            full_range_landmark=str(t.get("full_range_landmark", known.landmarks[-1].text if known and known.landmarks
                                          else "full range")),
            cues=tuple(str(c) for c in t.get("cues", known.cues if known else [])),
            aliases=tuple(normalise_exercise_name(a) for a in t.get("aliases", [])),
            start_load_kg=float(_get(t, "start_load_kg", num, w)) if barbell else None,
            load_step_kg=float(_get(t, "load_step_kg", num, w)) if barbell else None,
        )
        if drill.full_range_deg <= 0 or drill.sets < 1 or drill.reps < 1:
            raise HingeError(f"{w}: full_range_deg, sets and reps must be positive")
        drills[drill_id] = drill
    severities = tuple(_get(scale, "shorten_on_severities", list, f"{where} [scale]"))
    for s in severities:
        if s not in SEVERITIES:
            raise HingeError(f"{where} [scale]: unknown severity {s!r} (use {', '.join(SEVERITIES)})")
    rules = Rules(
        ladder=ladder,
        drills=drills,
        advance_sessions=int(_get(adv, "consecutive_sessions", int, f"{where} [advance]")),
        advance_min_clean_pct=float(_get(adv, "min_clean_pct", num, f"{where} [advance]")),
        advance_full_range_fraction=float(_get(adv, "full_range_fraction", num, f"{where} [advance]")),
        advance_min_confidence=float(_get(adv, "min_confidence", num, f"{where} [advance]")),
        shorten_on_severities=severities,
        fault_depth_fraction=float(_get(scale, "fault_depth_fraction", num, f"{where} [scale]")),
        step_deg=float(_get(scale, "step_deg", num, f"{where} [scale]")),
        min_limit_deg=float(_get(scale, "min_limit_deg", num, f"{where} [scale]")),
        reintroduce_min_clean_pct=float(_get(scale, "reintroduce_min_clean_pct", num, f"{where} [scale]")),
        step_back_failed_sessions=int(_get(back, "failed_sessions", int, f"{where} [step_back]")),
        fail_below_clean_pct=float(_get(back, "fail_below_clean_pct", num, f"{where} [step_back]")),
        load_require_all_clean=bool(_get(load, "require_all_clean", bool, f"{where} [load]")),
        source=source,
        accessories={d.id: d.name for d in load_drills().values() if d.id not in drills},
    )
    if rules.step_deg <= 0 or rules.advance_sessions < 1 or rules.step_back_failed_sessions < 1:
        raise HingeError(f"{where}: step_deg, consecutive_sessions and failed_sessions must be positive")
    return rules


def load_rules(path: str | Path | None = None) -> Rules:
    """Load the rules from ``path``, or the packaged ``rules.toml`` when None."""
    if path is None:
        return _default_rules()
    p = Path(path)
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise HingeError(f"cannot read rules file {p}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise HingeError(f"rules file {p} is not valid TOML: {e}") from None
    return parse_rules(doc, str(p))


@lru_cache(maxsize=1)
def _default_rules() -> Rules:
    text = resources.files("hingecoach.core.progression").joinpath("rules.toml").read_text(encoding="utf-8")
    return parse_rules(tomllib.loads(text), "hingecoach/progression/rules.toml")
