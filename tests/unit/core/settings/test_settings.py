"""Typed settings: the packaged file builds; a typo, a missing key or a wrong type in a settings
file is a one-line error naming the file and the key (never a silent fallback)."""

from __future__ import annotations

import dataclasses
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from hingecoach.core.settings import RecognitionSettings, load_settings
from hingecoach.errors import HingeError

PACKAGED = resources.files("hingecoach.core.settings").joinpath("analysis.toml").read_text()


def test_the_packaged_settings_are_typed() -> None:
    s = load_settings()
    assert isinstance(s.recognition, RecognitionSettings)
    assert s.reps.min_range_deg == 25.0 and s.smoothing.butterworth_order == 4
    assert s.recognition.lockout_hip_deg == (-7.0, 18.0)
    assert s.spine.view_factor["front"] == 0.1
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.reps.min_range_deg = 1.0  # type: ignore[misc]


def test_a_whole_file_by_path_reads_the_same(tmp_path: Path) -> None:
    f = tmp_path / "analysis.toml"
    f.write_text(PACKAGED)
    s = load_settings(f)
    assert dataclasses.replace(s, source="x") == dataclasses.replace(load_settings(), source="x")
    assert s.source == str(f)


@pytest.mark.parametrize(("edit", "message"), [
    (("min_confidence = 0.3", "min_confidense = 0.3"), "[pose]: unknown key 'min_confidense'"),
    (("hysteresis_deg = 12.0", "hysteresis_deg = \"twelve\""), "[reps] hysteresis_deg: expected float"),
    (("max_gap_s = 0.5\n", ""), "[smoothing]: missing key 'max_gap_s'"),
    (("lockout_hip_deg = [-7.0, 18.0]", "lockout_hip_deg = [-7.0]"), "lockout_hip_deg: expected"),
    (("[coaching]", "[coachin]"), "unknown table [coachin]"),
    (("butterworth_order = 4", "butterworth_order = 4.5"), "butterworth_order: expected int"),
    (("cutoff_hz = 6.0", "cutoff_hz = inf"), "cutoff_hz: expected float"),
])
def test_a_bad_settings_file_names_the_file_and_the_key(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    old, new = edit
    assert old in PACKAGED
    f = tmp_path / "mine.toml"
    f.write_text(PACKAGED.replace(old, new, 1))
    with pytest.raises(HingeError) as info:
        load_settings(f)
    text = str(info.value)
    assert "\n" not in text and str(f) in text and message in text


def test_an_unreadable_settings_file_is_one_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text("[pose\n")
    with pytest.raises(HingeError, match="not a settings file"):
        load_settings(f)
    with pytest.raises(HingeError, match="cannot read settings"):
        load_settings(tmp_path / "absent.toml")


def test_every_table_of_the_file_has_a_type() -> None:
    assert set(tomllib.loads(PACKAGED)) == {f.name for f in dataclasses.fields(load_settings())} - {"source"}
