"""Fixtures for the report tests: the generated source clip and one report written from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import Written, fake_result, hinge_clip_track, render_stick_video

from hingecoach.pipeline import write_outputs


@pytest.fixture(scope="session")
def source_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated source clip (~3 s, 320x240, 29.97 fps)."""
    folder = tmp_path_factory.mktemp("source")
    return render_stick_video(hinge_clip_track(), folder / "set.mp4")


@pytest.fixture(scope="session")
def written(source_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Written:
    """``write_outputs`` + ``write_report`` into a fresh folder, as ``hinge analyze --out`` does."""
    from hingecoach.report import write_report

    out = tmp_path_factory.mktemp("report")
    result = fake_result(source_video)
    write_outputs(result, out)
    paths = write_report(result, out)
    return Written(video=source_video, out=out, paths=paths, result=result)

