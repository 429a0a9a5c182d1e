"""``hinge batch`` (hingecoach.batch): a folder of three bench clips and a corrupt file, on one
local Ray session for the module (starting Ray costs several seconds) and once on the local
process pool: every good clip analysed, written and logged, the corrupt one reported in one line
(exit 3, the documented partial failure), and a second run redoes nothing."""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hingecoach import store
from hingecoach.batch import FAILED_MARKER, MARKER, plan_batch, run_batch
from hingecoach.cli import app
from hingecoach.cli.batch import PARTIAL_FAILURE

CLIPS = Path(__file__).resolve().parents[2] / "bench" / "clips"
GOOD = ["rdl_good_side.mp4", "cpt_good_side.mp4", "sldl_good_side.mp4"]


def _folder(root: Path, names: list[str]) -> Path:
    folder = root / "clips"
    folder.mkdir()
    for name in names:
        shutil.copy(CLIPS / name, folder / name)
    (folder / "corrupt.mp4").write_bytes((CLIPS / "quad_good_side.mp4").read_bytes()[:20000])
    return folder


@pytest.fixture(scope="module")
def ray_session() -> Iterator[None]:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")   # offline: no usage report
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    yield
    ray.shutdown()


def test_a_folder_on_ray_then_a_rerun_that_redoes_nothing(ray_session: None, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    db = str(tmp_path / "hinge.db")
    store.add_athlete(db, "ana")
    folder, out = _folder(tmp_path, GOOD), tmp_path / "out"
    runner = CliRunner()
    res = runner.invoke(app, ["batch", str(folder), "--out", str(out), "--log", "ana", "--db", db])
    assert res.exit_code == PARTIAL_FAILURE, res.output
    assert "4 clips: 3 analysed, 0 done before, 1 failed" in res.stdout
    assert "failed: corrupt.mp4: not a video hingecoach can read" in res.stderr
    done = sorted(out.glob(f"*/{MARKER}"))
    assert sorted(p.parent.name.rsplit("-", 1)[0] for p in done) == sorted(Path(n).stem for n in GOOD)
    for marker in done:
        doc = json.loads((marker.parent / "analysis.json").read_text())
        assert len(doc["reps"]) >= 1 and json.loads(marker.read_text())["reps"] == len(doc["reps"])
    assert len(store.history(db, "ana")[1]) == 3          # every good set in ana's training log
    stamps = {p: p.stat().st_mtime_ns for p in out.glob("*/*.json")}

    again = runner.invoke(app, ["batch", str(folder), "--out", str(out), "--log", "ana", "--db", db])
    assert again.exit_code == PARTIAL_FAILURE, again.output
    assert "4 clips: 0 analysed, 3 done before, 1 failed" in again.stdout
    assert "corrupt.mp4: not a video hingecoach can read (before; --retry-failed redoes it)" in again.stderr
    assert {p: p.stat().st_mtime_ns for p in out.glob("*/*.json")} == stamps   # nothing rewritten
    assert len(store.history(db, "ana")[1]) == 3
    store.dispose_engines()


def test_the_local_pool_gives_the_same_interface_and_retries_failures_on_request(tmp_path: Path) -> None:
    folder, out = _folder(tmp_path, GOOD[:1]), tmp_path / "out"
    outcomes = {o.path.name: o for o in run_batch(plan_batch(folder, out), engine="local", jobs=2)}
    assert outcomes["rdl_good_side.mp4"].status == "done" and outcomes["rdl_good_side.mp4"].reps == 3
    assert outcomes["corrupt.mp4"].status == "failed" and "not a video" in (outcomes["corrupt.mp4"].error or "")
    assert (outcomes["corrupt.mp4"].out_dir or tmp_path) .joinpath(FAILED_MARKER).is_file()
    plan = plan_batch(folder, out)
    assert not plan.todo and [o.path.name for o in plan.skipped] == ["rdl_good_side.mp4"]
    assert [o.before for o in plan.failed] == [True]
    assert [c.path.name for c in plan_batch(folder, out, retry_failed=True).todo] == ["corrupt.mp4"]
