"""The HTML report and the rebuild path: self-contained page, flags, `hinge report`, history."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fakes import CUE, PRIMARY, Written, fake_result
from typer.testing import CliRunner

from hingecoach.errors import HingeError
from hingecoach.pipeline import write_outputs
from hingecoach.report import HTML_NAME, PLOT_NAMES, VIDEO_NAME, rebuild_report, write_report


def _html(folder: Path) -> str:
    return (folder / HTML_NAME).read_text(encoding="utf-8")


def test_page_is_self_contained(written: Written) -> None:
    """Every image is a data URI; the only file reference is the video beside the page."""
    page = _html(written.out)
    srcs = re.findall(r'\bsrc="([^"]+)"', page)
    assert srcs, "the page shows no image or video"
    assert all(s.startswith("data:image/") or s == VIDEO_NAME for s in srcs), srcs
    assert not re.search(r'(href|src)="(https?:)?//', page), "the page must not load anything from the network"
    assert f'src="{VIDEO_NAME}"' in page and (written.out / VIDEO_NAME).is_file()


def test_page_leads_with_verdict_and_recommendation(written: Written) -> None:
    """Verdict, rep count and primary cue come before the rep table; each fault has its cue."""
    page = _html(written.out)
    assert re.search(r'id="rep-count">2<', page)
    assert page.index(PRIMARY) < page.index('id="reps"')
    assert "1 of 2 reps clean" in page
    assert page.count(CUE) >= 2  # as a secondary cue and under the faulty rep
    assert "Squatted hinge" in page and "limit 70°" in page
    assert page.count('alt="Rep ') == 2  # a keyframe at the bottom of each rep


def test_plots_written(written: Written) -> None:
    for name in PLOT_NAMES.values():
        data = (written.out / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5_000


@pytest.mark.parametrize(("flags", "present", "absent"), [
    ({"video": False}, {HTML_NAME, *PLOT_NAMES.values()}, {VIDEO_NAME}),
    ({"plots": False, "video": False}, {HTML_NAME}, {VIDEO_NAME, *PLOT_NAMES.values()}),
    ({"html": False, "video": False}, set(PLOT_NAMES.values()), {HTML_NAME, VIDEO_NAME}),
    ({"video": False, "plots": False, "html": False}, set(), {HTML_NAME, VIDEO_NAME, *PLOT_NAMES.values()}),
])
def test_flags_turn_outputs_off(source_video: Path, tmp_path: Path, flags: dict[str, bool],
                                present: set[str], absent: set[str]) -> None:
    result = fake_result(source_video)
    paths = write_report(result, tmp_path, **flags)
    names = {p.name for p in paths.values()}
    assert present <= names and not (absent & {p.name for p in tmp_path.iterdir()})
    if HTML_NAME in present and VIDEO_NAME in absent:
        assert "<video" not in _html(tmp_path)


def test_keypoint_file_analysis_still_gets_a_page(tmp_path: Path) -> None:
    """Without a source video: no video element, keyframes drawn on a plain canvas."""
    result = fake_result(None, recommendation=False)
    paths = write_report(result, tmp_path)
    assert "video" not in paths
    page = _html(tmp_path)
    assert "<video" not in page and 'id="no-recommendation"' in page and page.count('alt="Rep ') == 2


def test_rebuild_from_saved_analysis(written: Written, tmp_path: Path) -> None:
    """`rebuild_report` reads analysis.json + track.npz + the recorded video and writes it all again."""
    paths = rebuild_report(written.out / "analysis.json", tmp_path / "again")
    assert {p.name for p in paths.values()} == {VIDEO_NAME, HTML_NAME, *PLOT_NAMES.values()}
    page = _html(tmp_path / "again")
    assert PRIMARY in page and re.search(r'id="rep-count">2<', page)


def _saved(written: Written, tmp_path: Path) -> Path:
    folder = tmp_path / "saved"
    folder.mkdir()
    for name in ("analysis.json", "track.npz"):
        shutil.copy(written.out / name, folder / name)
    return folder / "analysis.json"


@pytest.mark.parametrize(("breakage", "message"), [
    ("no_track", "track.npz: missing"),
    ("no_video", "source video"),
    ("other_video", "not the video that was analysed"),
    ("bad_json", "is not valid JSON"),
    ("no_file", "no such analysis file"),
])
def test_rebuild_errors_are_one_line(written: Written, tmp_path: Path, breakage: str, message: str) -> None:
    analysis = _saved(written, tmp_path)
    kwargs: dict[str, object] = {}
    if breakage == "no_track":
        (analysis.parent / "track.npz").unlink()
    elif breakage == "no_video":
        kwargs["source"] = tmp_path / "moved.mp4"
    elif breakage == "other_video":
        other = tmp_path / "other.mp4"
        other.write_bytes(written.video.read_bytes() + b"\0")
        kwargs["source"] = other
    elif breakage == "bad_json":
        analysis.write_text("{not json")
    elif breakage == "no_file":
        analysis = tmp_path / "nope.json"
    with pytest.raises(HingeError, match=re.escape(message)) as info:
        rebuild_report(analysis, tmp_path / "out", **kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


def test_hinge_report_command(written: Written, tmp_path: Path) -> None:
    """`hinge report analysis.json --out DIR --no-video` is wired into the CLI."""
    from hingecoach.cli import app

    out = tmp_path / "cli"
    res = CliRunner().invoke(app, ["report", str(written.out / "analysis.json"), "--out", str(out), "--no-video"])
    assert res.exit_code == 0, res.output
    assert (out / HTML_NAME).is_file() and not (out / VIDEO_NAME).exists()


def test_history_chart_when_a_log_exists(source_video: Path, tmp_path: Path) -> None:
    """With --db and a logged session the page charts the history; without a log it is skipped."""
    from hingecoach.store import add_athlete, dispose_engines, log_analysis

    result = fake_result(source_video)
    db = str(tmp_path / "log.db")
    try:
        add_athlete(db, "sam")
        log_analysis(db, "sam", result.analysis.to_dict())
        write_report(result, tmp_path / "with", video=False, plots=False, db=db)
        assert 'id="history"' in _html(tmp_path / "with") and "sam" in _html(tmp_path / "with")
    finally:
        dispose_engines()
    write_report(result, tmp_path / "without", video=False, plots=False, db=str(tmp_path / "absent.db"))
    assert 'id="history"' not in _html(tmp_path / "without")
    assert not (tmp_path / "absent.db").exists()


def test_analyze_out_writes_report(source_video: Path, tmp_path: Path) -> None:
    """What `hinge analyze --out` does: write_outputs then write_report, into one folder."""
    result = fake_result(source_video)
    write_outputs(result, tmp_path)
    write_report(result, tmp_path, video=False)
    assert {"analysis.json", "track.npz", HTML_NAME} <= {p.name for p in tmp_path.iterdir()}
