"""The rules file: the packaged rules load, and a broken rules file is a one-line HingeError."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from hingecoach.core.progression import load_rules
from hingecoach.core.progression.rules import parse_rules
from hingecoach.errors import HingeError

DOC: dict[str, Any] = tomllib.loads(
    resources.files("hingecoach.core.progression").joinpath("rules.toml").read_text(encoding="utf-8")
)


def test_the_ladder_is_the_articles_five_drills_in_order_with_load_on_the_deadlifts() -> None:
    rules = load_rules()
    assert rules.ladder == (
        "quadruped_sitback",
        "tall_kneeling_hip_hinge",
        "cable_pull_through",
        "romanian_deadlift",
        "stiff_legged_deadlift",
    )
    assert [d for d in rules.ladder if rules.drills[d].barbell] == [
        "romanian_deadlift",
        "stiff_legged_deadlift",
    ]


@pytest.mark.parametrize(
    ("name", "drill"),
    [
        ("Romanian Deadlift (Barbell)", "romanian_deadlift"),
        ("Stiff Leg Deadlift", "stiff_legged_deadlift"),
        ("Cable Pull Through", "cable_pull_through"),
        ("Cable Pull-Through", "cable_pull_through"),
        ("romanian_deadlift", "romanian_deadlift"),
        ("Romanian Deadlift (Dumbbell)", None),
        ("Squat (Barbell)", None),
    ],
)
def test_exercise_names_map_to_drills(name: str, drill: str | None) -> None:
    assert load_rules().drill_for_exercise(name) == drill


def _broken(path: list[str], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(DOC)
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["advance"], KeyError, "missing table [advance]"),
        (["drills", "cable_pull_through"], KeyError, "has no [drills.cable_pull_through]"),
        (["scale", "shorten_on_severities"], ["fatal"], "unknown severity"),
        (["advance", "min_clean_pct"], True, "must not be true/false"),
        (["drills", "romanian_deadlift", "load_step_kg"], KeyError, "missing 'load_step_kg'"),
        (["scale", "step_deg"], 0, "must be positive"),
        (["ladder", "order"], ["quadruped_sitback", "quadruped_sitback"], "each drill once"),
    ],
)
def test_a_broken_rules_document_names_the_problem(path: list[str], value: Any, message: str) -> None:
    with pytest.raises(HingeError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_rules(_broken(path, value))


def test_a_rules_file_that_is_not_toml_is_a_hinge_error(tmp_path: Path) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text("[ladder\n")
    with pytest.raises(HingeError, match="not valid TOML"):
        load_rules(bad)


def test_unknown_drill_lists_the_valid_ones() -> None:
    with pytest.raises(HingeError, match="quadruped_sitback, tall_kneeling_hip_hinge"):
        load_rules().drill("deadlift")
