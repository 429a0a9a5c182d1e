"""The web app without its worker: accounts, sessions and cookies, CSRF, the login rate limit,
uploads that are refused, and who may see what (athletes, coaches, logged out)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from webclient import PASSWORD, audio_only, csrf, log_in, log_out, short_clip, sign_up, upload

from hingecoach.web.app import SESSION_COOKIE, WebConfig, create_app
from hingecoach.web.jobs import REPORT_DIR, UPLOAD_NAME, finish_job, job_dir, new_job_id, queue_job

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "bench" / "clips" / "demo_rdl.mp4"

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def make_app(tmp_path: Path, **options: object):  # noqa: ANN201
    config = WebConfig(db=str(tmp_path / "hinge.db"), data_dir=tmp_path / "data", start_worker=False, **options)
    return create_app(config)


@pytest.fixture
def app(tmp_path: Path):  # noqa: ANN201
    return make_app(tmp_path)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # noqa: ANN001
    with TestClient(app) as c:
        yield c


def test_sign_up_log_out_and_in(client: TestClient) -> None:
    r = client.post("/signup", data={"csrf": csrf(client), "username": "ana", "password": PASSWORD,
                                     "role": "athlete"}, follow_redirects=False)
    assert r.status_code == 303
    cookie = next(v for v in r.headers.get_list("set-cookie") if v.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Secure" not in cookie
    home = client.get("/")
    assert home.status_code == 200 and "Today" in home.text and "Quadruped sitback" in home.text
    log_out(client)
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    assert log_in(client, "ana", "wrong password") == 400
    assert log_in(client, "ana") == 303
    assert "Log out (ana)" in client.get("/").text


def test_sign_up_refuses_a_taken_name_and_a_short_password(client: TestClient) -> None:
    sign_up(client, "ana")
    log_out(client)
    r = client.post("/signup", data={"csrf": csrf(client), "username": "ANA", "password": PASSWORD, "role": "coach"})
    assert r.status_code == 400 and "taken" in r.text
    r = client.post("/signup", data={"csrf": csrf(client), "username": "bo", "password": "short", "role": "athlete"})
    assert r.status_code == 400 and "at least 8" in r.text


def test_cookies_are_secure_behind_https(app) -> None:  # noqa: ANN001
    with TestClient(app, base_url="https://testserver") as c:
        r = c.get("/login")
        assert "Secure" in r.headers["set-cookie"]
        r = c.post("/signup", data={"csrf": c.cookies["hinge_csrf"], "username": "ana", "password": PASSWORD,
                                    "role": "athlete"}, follow_redirects=False)
        assert all("Secure" in v for v in r.headers.get_list("set-cookie"))


def test_a_post_without_its_csrf_token_is_refused(client: TestClient) -> None:
    r = client.post("/signup", data={"username": "ana", "password": PASSWORD, "role": "athlete"})
    assert r.status_code == 403
    csrf(client)
    r = client.post("/signup", data={"csrf": "forged", "username": "ana", "password": PASSWORD, "role": "athlete"})
    assert r.status_code == 403
    assert log_in(client, "ana") == 400   # no account was made
    sign_up(client, "ana")
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    r = client.post("/upload", files={"video": ("set.mp4", DEMO.read_bytes(), "video/mp4")})
    assert r.status_code == 403
    assert "Log out (ana)" in client.get("/").text   # still signed in


def test_login_is_rate_limited_per_account_and_address(client: TestClient) -> None:
    sign_up(client, "ana")
    sign_up(client, "bo")
    log_out(client)
    for _ in range(5):
        assert log_in(client, "ana", "wrong password") == 400
    assert log_in(client, "ana") == 429            # even the right password, for now
    assert log_in(client, "bo") == 303             # another account is not locked out


@pytest.fixture
def athlete(client: TestClient) -> TestClient:
    sign_up(client, "ana")
    return client


def _folders(tmp_path: Path) -> list[Path]:
    jobs = tmp_path / "data" / "jobs"
    return sorted(jobs.iterdir()) if jobs.is_dir() else []


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"just some text, not a video\n" * 20, "notes.mp4", "notes.mp4: not a video hingecoach can read"),
    (b"", "empty.mp4", "empty.mp4: the file is empty"),
    (DEMO.read_bytes()[:3000], "cut.mp4", "cut.mp4: not a video hingecoach can read"),
])
def test_a_file_that_is_not_a_video_is_refused_with_a_clear_message(athlete: TestClient, tmp_path: Path,
                                                                    content: bytes, name: str, message: str) -> None:
    r = upload(athlete, content, name)
    assert r.status_code == 400 and message in r.text
    assert _folders(tmp_path) == []   # nothing kept


def test_an_audio_only_file_is_refused(athlete: TestClient, tmp_path: Path) -> None:
    r = upload(athlete, audio_only(tmp_path / "voice.mp4"), "voice.mp4")
    assert r.status_code == 400 and "voice.mp4: has no video stream" in r.text


def test_the_senders_file_name_is_never_a_path(athlete: TestClient, tmp_path: Path) -> None:
    clip = short_clip(DEMO, tmp_path / "clip.mp4")
    r = upload(athlete, clip, "../../x.mp4")
    assert r.status_code == 303
    (folder,) = _folders(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == [UPLOAD_NAME]
    assert not list(tmp_path.rglob("x.mp4"))
    page = athlete.get(r.headers["location"])
    assert "x.mp4" in page.text and "../" not in page.text


def test_an_upload_over_the_size_cap_is_refused(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path, max_upload_bytes=20_000)) as c:
        sign_up(c, "ana")
        r = upload(c, DEMO, "big.mp4")
        assert r.status_code == 413 and "larger than the 0.02 MB limit" in r.text
        assert _folders(tmp_path) == []


def test_an_upload_over_the_duration_cap_is_refused(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path, max_duration_s=5.0)) as c:
        sign_up(c, "ana")
        r = upload(c, DEMO, "long.mp4")
        assert r.status_code == 400 and "the limit is 5 s" in r.text


def _done_job(db: str, data: Path, user_id: int) -> str:
    """A finished job with report files, made without running the worker."""
    job_id = new_job_id()
    out = job_dir(data, job_id) / REPORT_DIR
    out.mkdir(parents=True)
    (out / "annotated.mp4").write_bytes(bytes(range(256)) * 4)
    (out / "analysis.json").write_text(json.dumps({"drill": {"id": "romanian_deadlift", "name": "Romanian deadlift"},
                                                   "reps": [{"clean": True}, {"clean": False}],
                                                   "recommendation": {"primary_cue": "Push the hips back."}}))
    (job_dir(data, job_id) / UPLOAD_NAME).write_bytes(b"original")
    queue_job(db, job_id, user_id, "set.mp4", None, 10)
    finish_job(db, job_id, set_id=None, session_id=None, note=None)
    return job_id


def _user_id(db: str, name: str) -> int:
    with create_engine(f"sqlite:///{db}").connect() as conn:
        return int(conn.execute(text("SELECT id FROM users WHERE username = :n"), {"n": name}).scalar_one())


def test_who_may_see_a_set(app, tmp_path: Path) -> None:  # noqa: ANN001
    db, data = str(tmp_path / "hinge.db"), tmp_path / "data"
    with TestClient(app) as ana, TestClient(app) as bo, TestClient(app) as coach, TestClient(app) as other, \
            TestClient(app) as nobody:
        sign_up(ana, "ana")
        sign_up(bo, "bo")
        sign_up(coach, "carla", role="coach")
        sign_up(other, "otto", role="coach")
        job = _done_job(db, data, _user_id(db, "ana"))
        ana_id = _user_id(db, "ana")
        # the coach invites ana with a code; ana enters it
        r = coach.post("/invites", data={"csrf": csrf(coach)}, follow_redirects=False)
        code = r.headers["location"].split("code=")[1]
        assert code in coach.get(r.headers["location"]).text
        r = ana.post("/invites/accept", data={"csrf": csrf(ana), "code": code.lower()}, follow_redirects=False)
        assert r.status_code == 303
        assert bo.post("/invites/accept", data={"csrf": csrf(bo), "code": code}).status_code == 400   # used once

        urls = [f"/jobs/{job}", f"/jobs/{job}/status", f"/jobs/{job}/files/annotated.mp4", f"/athletes/{ana_id}"]
        for url in urls:
            assert ana.get(url).status_code == 200, url
            assert coach.get(url).status_code == 200, url
            for stranger in (bo, other, nobody):
                assert stranger.get(url, follow_redirects=False).status_code == 404, url
        assert ana.get(f"/jobs/{job}/files/upload").status_code == 404          # the original is never served
        assert ana.get(f"/jobs/{job}/files/..%2Fupload").status_code == 404
        assert ana.get("/jobs/../../etc/passwd").status_code == 404
        assert "ana" in coach.get("/").text

        ranged = ana.get(f"/jobs/{job}/files/annotated.mp4", headers={"Range": "bytes=0-99"})
        assert ranged.status_code == 206 and len(ranged.content) == 100
        assert ranged.headers["content-range"] == "bytes 0-99/1024"

        # a note: only a linked coach leaves one, and the athlete sees it
        assert bo.post(f"/jobs/{job}/notes", data={"csrf": csrf(bo), "text": "hi"}).status_code == 404
        assert ana.post(f"/jobs/{job}/notes", data={"csrf": csrf(ana), "text": "me"}).status_code == 404
        r = coach.post(f"/jobs/{job}/notes", data={"csrf": csrf(coach), "text": "Slow the lowering down."},
                       follow_redirects=False)
        assert r.status_code == 303
        page = ana.get(f"/jobs/{job}").text
        assert "Slow the lowering down." in page and "carla" in page
        assert page.index("Push the hips back.") < page.index("<video")   # cues first

        # only the athlete deletes the set; its files go with it
        assert coach.post(f"/jobs/{job}/delete", data={"csrf": csrf(coach)}).status_code == 404
        assert bo.post(f"/jobs/{job}/delete", data={"csrf": csrf(bo)}).status_code == 404
        assert ana.post(f"/jobs/{job}/delete", data={"csrf": csrf(ana)}, follow_redirects=False).status_code == 303
        assert not job_dir(data, job).exists()
        assert ana.get(f"/jobs/{job}").status_code == 404


def test_the_privacy_setting_is_saved(athlete: TestClient) -> None:
    r = athlete.post("/settings", data={"csrf": csrf(athlete), "keep_video": "discard"}, follow_redirects=False)
    assert r.status_code == 303
    page = athlete.get("/settings").text
    assert 'value="discard" checked' in page
