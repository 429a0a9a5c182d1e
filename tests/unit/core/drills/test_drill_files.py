"""Drill files: a misspelled key anywhere (a fault rule's parameter, a recognition hint, the
drill itself) is a one-line error naming the file and the key; every packaged drill loads; the
recognition hints a file may give are the features the coach computes."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from hingecoach.core.coach.coaching import set_features
from hingecoach.core.drills import RECOGNITION_KEYS, common_faults, load_drills, parse_drill
from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement
from hingecoach.errors import HingeError

RDL = resources.files("hingecoach.core.drills").joinpath("data", "4_romanian_deadlift.toml").read_text()


def test_every_packaged_drill_loads() -> None:
    assert {"romanian_deadlift", "stiff_legged_deadlift", "kettlebell_deadlift"} <= set(load_drills())


@pytest.mark.parametrize(("old", "new", "message"), [
    ("suppressed_by", "supressed_by", "]: unknown key 'supressed_by'"),
    ("[recognition]\n", "[recognition]\nhip_flexion_peek_deg = [1, 2]\n", "[recognition]: unknown key 'hip_flexion_peek_deg'"),
    ("ladder_order", "ladder_ordr", "unknown key 'ladder_ordr'"),
])
def test_a_typo_in_a_drill_file_is_a_one_line_error(old: str, new: str, message: str) -> None:
    assert old in RDL
    data = tomllib.loads(RDL.replace(old, new, 1))
    with pytest.raises(HingeError) as info:
        parse_drill(data, common_faults(), "drills/mine.toml")
    assert "\n" not in str(info.value) and "drills/mine.toml" in str(info.value) and message in str(info.value)


def test_a_typo_in_a_coachs_drill_folder_is_caught(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(RDL.replace('id = "romanian_deadlift"', 'id = "my_rdl"', 1)
                                        .replace("[recognition]\n", "[recognition]\nmin_visbility = 0.8\n", 1))
    with pytest.raises(HingeError, match="unknown key 'min_visbility'"):
        load_drills(tmp_path)


def test_the_coach_computes_only_features_a_drill_file_may_name() -> None:
    analysis, tf = analyze_track(fake_hinge_track(hinge_movement(n_reps=3)))
    sf = set_features(analysis, tf)
    assert sf.values and (set(sf.values) | set(sf.flags)) <= RECOGNITION_KEYS
