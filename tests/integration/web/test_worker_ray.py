"""The web app's job runner with ``HINGE_RAY_ADDRESS`` set: a job's analysis runs as a Ray task
(``hingecoach.batch.analyze_clip``, the function ``hinge batch`` runs), which writes the report;
the worker logs the set and marks the job done. One short bench clip on a local Ray of one CPU."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from hingecoach import store
from hingecoach.web import accounts
from hingecoach.web.jobs import REPORT_DIR, UPLOAD_NAME, claim_next, get_job, job_dir, new_job_id, queue_job
from hingecoach.web.worker import RAY_ADDRESS_ENV, run_job

CLIP = Path(__file__).resolve().parents[3] / "bench" / "clips" / "rdl_good_side.mp4"


def test_a_job_runs_as_a_ray_task_when_the_address_is_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray = pytest.importorskip("ray")
    try:
        ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    except Exception as exc:   # no Ray on this machine (no shared memory, no ports): nothing to test
        pytest.skip(f"a local Ray could not start: {exc.__class__.__name__}: {exc}")
    try:
        import hingecoach.pipeline

        def not_here(*_a: object, **_k: object) -> None:
            raise AssertionError("the job was analysed in the worker's own process, not on Ray")

        monkeypatch.setattr(hingecoach.pipeline, "analyze_path", not_here)   # this process only
        monkeypatch.setenv(RAY_ADDRESS_ENV, "local")   # Ray is up already: the worker uses it
        db, data = f"sqlite:///{tmp_path / 'hinge.db'}", tmp_path / "data"
        ana = accounts.sign_up(db, "ana", "long enough", "athlete")
        job_id = new_job_id()
        folder = job_dir(data, job_id)
        folder.mkdir(parents=True)
        shutil.copy(CLIP, folder / UPLOAD_NAME)
        queue_job(db, job_id, ana.id, "IMG_0001.MOV", None, 240)
        job = claim_next(db)
        assert job is not None
        run_job(db, data, job)
        done = get_job(db, job_id)
        assert done is not None and done.status == "done", done
        assert done.set_id is not None and len(store.history(db, "ana")[1]) == 1
        for name in ("analysis.json", "report.html", "annotated.mp4"):
            assert (folder / REPORT_DIR / name).is_file(), name
    finally:
        ray.shutdown()
        store.dispose_engines()
