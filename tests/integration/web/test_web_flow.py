"""The web app with its worker process running for real: a phone's upload of the bench demo clip
→ a queued job → progress → done → the report page, the annotated video with HTTP Range, the set
in the athlete's training log; the privacy setting; deleting the set; and a job that was running
when the server was killed runs again at the next start."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from webclient import csrf, short_clip, sign_up, upload

from hingecoach import store
from hingecoach.web.app import WebConfig, create_app
from hingecoach.web.jobs import REPORT_DIR, UPLOAD_NAME, job_dir

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "bench" / "clips" / "demo_rdl.mp4"

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def wait_done(client: TestClient, job_url: str, timeout_s: float = 180.0) -> dict:
    seen = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = client.get(job_url + "/status").json()
        seen.append(status["status"])
        if status["status"] in ("done", "failed"):
            status["seen"] = seen
            return status
        time.sleep(0.3)
    raise AssertionError(f"the job did not finish in {timeout_s} s: {seen[-5:]}")


@dataclass
class Analysed:
    client: TestClient
    db: str
    data: Path
    job_url: str
    status: dict


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Analysed]:
    """ana (who keeps no original videos) uploads the demo clip; the worker analyses it."""
    tmp = tmp_path_factory.mktemp("web")
    db, data = str(tmp / "hinge.db"), tmp / "data"
    with TestClient(create_app(WebConfig(db=db, data_dir=data))) as client:
        sign_up(client, "ana")
        client.post("/settings", data={"csrf": csrf(client), "keep_video": "discard"})
        r = upload(client, DEMO, "IMG_0042.MOV")
        assert r.status_code == 303, r.text
        job_url = r.headers["location"]
        assert 'id="bar"' in client.get(job_url).text     # the progress page, polling
        yield Analysed(client, db, data, job_url, wait_done(client, job_url))


def test_the_job_runs_to_done_with_progress(analysed: Analysed) -> None:
    assert analysed.status["status"] == "done", analysed.status
    assert analysed.status["frames_done"] == analysed.status["frames_total"] == 405


def test_the_report_page_shows_the_cues_first_then_the_video_and_plots(analysed: Analysed) -> None:
    page = analysed.client.get(analysed.job_url).text
    assert "Romanian deadlift" in page and "reps clean" in page
    assert 'id="primary-cue"' in page
    assert page.index('id="primary-cue"') < page.index("<video") < page.index("angles.png")
    for name, kind in [("angles.png", "image/png"), ("reps.png", "image/png"), ("report.html", "text/html")]:
        r = analysed.client.get(f"{analysed.job_url}/files/{name}")
        assert r.status_code == 200 and r.headers["content-type"].startswith(kind)
    assert 'src="annotated.mp4"' in analysed.client.get(f"{analysed.job_url}/files/report.html").text


def test_the_annotated_video_is_served_with_range(analysed: Analysed) -> None:
    url = f"{analysed.job_url}/files/annotated.mp4"
    whole = analysed.client.get(url)
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    part = analysed.client.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.content == whole.content[:100]
    assert part.headers["content-range"] == f"bytes 0-99/{len(whole.content)}"


def test_the_set_is_in_the_training_log_and_on_the_home_page(analysed: Analysed) -> None:
    _, sessions = store.history(analysed.db, "ana")
    assert [s["sets"][0]["drill"] for s in sessions] == ["romanian_deadlift"]
    home = analysed.client.get("/").text
    assert "Today" in home and analysed.job_url in home and "romanian_deadlift" in home


def test_the_original_video_is_discarded_when_the_athlete_asks(analysed: Analysed) -> None:
    folder = job_dir(analysed.data, analysed.job_url.rsplit("/", 1)[1])
    assert not (folder / UPLOAD_NAME).exists()
    assert (folder / REPORT_DIR / "annotated.mp4").is_file()


def test_deleting_the_set_deletes_its_files_and_its_log_entry(analysed: Analysed) -> None:
    job_id = analysed.job_url.rsplit("/", 1)[1]
    r = analysed.client.post(f"{analysed.job_url}/delete", data={"csrf": csrf(analysed.client)},
                             follow_redirects=False)
    assert r.status_code == 303
    assert not job_dir(analysed.data, job_id).exists()
    assert store.history(analysed.db, "ana")[1] == []
    assert analysed.client.get(analysed.job_url).status_code == 404


def test_a_job_running_when_the_server_died_runs_again_and_a_failed_one_says_why(tmp_path: Path) -> None:
    db, data = str(tmp_path / "hinge.db"), tmp_path / "data"
    clip = short_clip(DEMO, tmp_path / "clip.mp4")
    with TestClient(create_app(WebConfig(db=db, data_dir=data, start_worker=False))) as first:
        sign_up(first, "ana")
        interrupted = upload(first, clip, "a.mp4").headers["location"]
        lost = upload(first, clip, "b.mp4").headers["location"]
    # the first server was killed while analysing one job; the other's upload has gone missing
    with create_engine(f"sqlite:///{db}").begin() as conn:
        conn.execute(text("UPDATE jobs SET status = 'running', frames_done = 7, attempts = 1 WHERE id = :i"),
                     {"i": interrupted.rsplit("/", 1)[1]})
    (job_dir(data, lost.rsplit("/", 1)[1]) / UPLOAD_NAME).unlink()
    with TestClient(create_app(WebConfig(db=db, data_dir=data))) as second:
        sign_up_again = second.post("/login", data={"csrf": csrf(second), "username": "ana",
                                                    "password": "correct horse battery"}, follow_redirects=False)
        assert sign_up_again.status_code == 303
        assert wait_done(second, interrupted)["status"] == "done"
        failed = wait_done(second, lost)
        assert failed["status"] == "failed" and "no longer on the server" in failed["error"]
        assert "no longer on the server" in second.get(lost).text
        assert second.get(f"{interrupted}/files/report.html").status_code == 200
