"""Two ``hinge serve`` processes on one database and one data folder (SQLite and PostgreSQL), as
behind a load balancer: the second starts while the first's worker is analysing (it must not
queue that job again), both take uploads and both workers take jobs, then the first is stopped
in the middle of a job (which goes back to the queue for the second). Every job runs to one
report and one set in the training log; none is claimed twice."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hingecoach import store
from hingecoach.web.bench import WebClient, running_server
from hingecoach.web.jobs import REPORT_DIR, JobInfo, get_job, job_dir

DRILL = "romanian_deadlift"
PER_SERVER = 4

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def wait_for(what: str, ok: Callable[[], bool], timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not ok():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout_s:.0f} s for {what}")
        time.sleep(0.25)


def test_two_servers_on_one_database_run_each_job_once(server_db: str, three_second_clip: Path,
                                                       tmp_path: Path) -> None:
    data = tmp_path / "data"

    def job(path: str) -> JobInfo:
        info = get_job(server_db, path.rsplit("/", 1)[1])
        assert info is not None, path
        return info

    with contextlib.ExitStack() as stack:
        first = stack.enter_context(running_server(server_db, data, log=tmp_path / "first.log"))
        ana = WebClient(first.url)
        ana.sign_up("ana")
        ana_jobs = [ana.upload(three_second_clip, f"a{i}.mp4", drill=DRILL) for i in range(PER_SERVER)]
        wait_for("the first server's worker to take a job", lambda: job(ana_jobs[0]).status != "queued")
        first_worker = job(ana_jobs[0]).claimed_by
        assert first_worker is not None

        with running_server(server_db, data, log=tmp_path / "second.log") as second:
            bo = WebClient(second.url)
            bo.sign_up("bo")
            bo_jobs = [bo.upload(three_second_clip, f"b{i}.mp4", drill=DRILL) for i in range(PER_SERVER)]
            assert bo.status(bo_jobs[0])["status"] in ("queued", "running", "done")
            # once the first server's worker has finished a job and is in the middle of another, stop it
            def first_is_busy_again() -> bool:
                by_first = [j.status for j in map(job, ana_jobs + bo_jobs) if j.claimed_by == first_worker]
                return "done" in by_first and "running" in by_first

            wait_for("the first server's worker to finish a job and start another", first_is_busy_again)
            stack.close()
            assert first.process.returncode is not None
            everything = ana_jobs + bo_jobs
            wait_for("every job to finish", lambda: all(job(p).status in ("done", "failed") for p in everything))
            second_log = second.output()
        first_log = first.output()

    jobs = [job(p) for p in everything]
    assert [j.status for j in jobs] == ["done"] * len(jobs), [(j.status, j.error) for j in jobs]
    assert all(j.attempts == 1 for j in jobs), [(j.id, j.attempts) for j in jobs]   # none claimed twice
    workers = {j.claimed_by for j in jobs}
    assert len(workers) == 2 and first_worker in workers, workers   # both servers' workers took jobs
    for j in jobs:
        assert (job_dir(data, j.id) / REPORT_DIR / "report.html").is_file()
    set_ids = [j.set_id for j in jobs]
    assert None not in set_ids and len(set(set_ids)) == len(jobs)
    for name in ("ana", "bo"):   # each upload is one set in its athlete's log, none logged twice
        sets = [s for session in store.history(server_db, name)[1] for s in session["sets"]]
        assert len(sets) == PER_SERVER, (name, sets)
    for log in (first_log, second_log):
        assert "database is locked" not in log and "Traceback" not in log and '" 500' not in log
