"""``hingecoach.web.bench.server_figures``: a real ``hinge serve`` takes the upload of a short
clip to a report, and ``hinge analyze --json`` runs on the same clip; the figures say how long
each took. No timing thresholds: the structure and its sanity. Bad input is one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from webclient import short_clip

from hingecoach.errors import HingeError
from hingecoach.web.bench import server_figures

CLIP = Path(__file__).resolve().parents[3] / "bench" / "clips" / "rdl_good_side.mp4"

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_server_figures_time_an_upload_to_its_report_beside_hinge_analyze(tmp_path: Path) -> None:
    clip = short_clip(CLIP, tmp_path / "clip.mp4")     # 45 frames: the cheapest job
    figures = server_figures(clip, workdir=tmp_path / "work")
    assert set(figures) == {"clip", "model", "frames", "status", "uploads", "upload_to_report_s",
                            "upload_to_report_warm_s", "cli_analyze_s", "ratio"}
    assert figures["clip"] == "clip.mp4" and figures["model"] == "full" and figures["uploads"] == 1
    assert figures["status"] == "done" and figures["frames"] == 45
    assert figures["upload_to_report_s"] > 0 and figures["cli_analyze_s"] > 0
    assert figures["upload_to_report_warm_s"] is None
    assert figures["ratio"] == pytest.approx(figures["upload_to_report_s"] / figures["cli_analyze_s"], rel=0.01)
    assert (tmp_path / "work" / "serve.log").is_file()     # the server's own output, kept with workdir


@pytest.mark.parametrize(("make", "message"), [
    (lambda tmp: tmp / "missing.mp4", "no such video"),
    (lambda tmp: (tmp / "notes.mp4").write_text("not a video") and tmp / "notes.mp4", "the server refused notes.mp4"),
])
def test_bad_input_is_one_line(tmp_path: Path, make, message: str) -> None:  # noqa: ANN001
    with pytest.raises(HingeError, match=message) as err:
        server_figures(make(tmp_path), workdir=tmp_path / "work")
    assert "\n" not in str(err.value)
