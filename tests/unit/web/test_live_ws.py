"""The live page's WebSocket (web/live.py) on the real app: a recorded landmark stream gives the
offline events and lands in the log; bad messages get an error event and the connection and the
server go on; only a signed-in athlete of this site may connect."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from webclient import log_out, sign_up

from hingecoach.core.coach.coaching import coach_analysis
from hingecoach.core.reps.engine import analyze_track
from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement
from hingecoach.core.track.pose_track import PoseTrack
from hingecoach.core.track.skeletons import BLAZEPOSE33
from hingecoach.web.app import WebConfig, create_app
from hingecoach.web.jobs import LIVE_TRACK_NAME, claim_next, get_job, job_dir
from hingecoach.web.worker import run_job

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SIZE = (640, 480)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(WebConfig(db=str(tmp_path / "hinge.db"), data_dir=tmp_path / "data", start_worker=False))
    with TestClient(app) as c:
        yield c


def blazepose_stream(track: PoseTrack) -> list[dict[str, Any]]:
    """The track as the page sends it: BlazePose-33 landmarks normalised to the image."""
    std = track.standardized()
    frames = []
    w, h = SIZE
    for i in range(std.n_frames):
        marks = []
        for name in BLAZEPOSE33:
            if name in std.keypoints:
                j = std.keypoints.index(name)
                x, y = std.xy[i, j]
                c = float(std.confidence[i, j]) if np.isfinite(x) else 0.0
                marks.append([float(x) / w if np.isfinite(x) else 0.0, float(y) / h if np.isfinite(y) else 0.0, c])
            else:
                marks.append([0.0, 0.0, 0.0])
        frames.append({"type": "frame", "t": round(float(std.timestamps_s[i]), 6), "landmarks": marks})
    return frames


def receive_until(ws, kind: str, limit: int = 10_000) -> list[dict[str, Any]]:  # noqa: ANN001
    got = []
    for _ in range(limit):
        msg = ws.receive_json()
        got.append(msg)
        if msg["type"] == kind:
            return got
    raise AssertionError(f"no {kind} event")


def stream_set(client: TestClient, track: PoseTrack, drill: str) -> list[dict[str, Any]]:
    """A whole set sent as the live page sends it (start, every frame, end); the events up to the summary."""
    with client.websocket_connect("/live/ws") as ws:
        ws.send_json({"type": "start", "drill": drill, "width": SIZE[0], "height": SIZE[1], "fps": track.fps})
        assert ws.receive_json()["type"] == "ready"
        for frame in blazepose_stream(track):
            ws.send_text(json.dumps(frame))
        ws.send_json({"type": "end"})
        return receive_until(ws, "summary")


def test_a_recorded_stream_gives_the_offline_events_and_lands_in_the_log(client: TestClient, tmp_path: Path) -> None:
    sign_up(client, "ana")
    track = fake_hinge_track(hinge_movement(n_reps=3, knee_extra_deg=45.0), noise_px=1.0, image_size=SIZE)
    expected, tf = analyze_track(track)
    coach_analysis(expected, tf, drill_override="romanian_deadlift")
    assert any(r.faults for r in expected.reps)
    events = stream_set(client, track, "romanian_deadlift")
    assert not [e for e in events if e["type"] == "error"]
    assert [e["count"] for e in events if e["type"] == "rep"] == [1, 2, 3]
    for rep in expected.reps:
        said = {e["fault"] for e in events if e["type"] == "fault" and e["rep"] == rep.index}
        assert said == {f.id for f in rep.faults}
    summary = events[-1]
    assert summary["reps"] == 3 and summary["set_url"].startswith("/jobs/")
    # The set is queued like an upload; the worker analyses its landmarks and logs it.
    job_id = summary["set_url"].rsplit("/", 1)[1]
    assert (job_dir(client.app.state.data_dir, job_id) / LIVE_TRACK_NAME).is_file()
    db = client.app.state.db
    job = claim_next(db)
    assert job is not None and job.id == job_id
    run_job(db, client.app.state.data_dir, job)
    done = get_job(db, job_id)
    assert done is not None and done.status == "done", done
    page = client.get(summary["set_url"])
    assert page.status_code == 200 and "Romanian deadlift" in page.text
    assert "Knee" in page.text or "knee" in page.text


def test_bad_messages_get_an_error_and_the_connection_goes_on(client: TestClient) -> None:
    sign_up(client, "ana")
    track = fake_hinge_track(hinge_movement(n_reps=1), image_size=SIZE)
    stream = blazepose_stream(track)
    with client.websocket_connect("/live/ws") as ws:
        def error_for(text: str) -> str:
            ws.send_text(text)
            msg = ws.receive_json()
            assert msg["type"] == "error", msg
            return msg["message"]

        assert "start" in error_for(json.dumps(stream[0]))                 # a frame before start
        assert "JSON" in error_for("{not json")
        assert "type" in error_for("[1, 2]")
        assert "width" in error_for(json.dumps({"type": "start", "width": -1, "height": 10}))
        assert "drill" in error_for(json.dumps({"type": "start", "drill": "nope", "width": 10, "height": 10}))
        ws.send_json({"type": "start", "width": SIZE[0], "height": SIZE[1]})
        assert ws.receive_json()["type"] == "ready"
        assert "already" in error_for(json.dumps({"type": "start", "width": 10, "height": 10}))
        ws.send_text(json.dumps(stream[5]))
        receive_until(ws, "state")
        assert "not after" in error_for(json.dumps(stream[5]))             # repeated timestamp
        assert "not after" in error_for(json.dumps(stream[2]))             # out of order
        assert "33 landmarks" in error_for(json.dumps({**stream[6], "landmarks": [[0, 0, 1]] * 5}))
        assert "numbers" in error_for(json.dumps({**stream[6], "landmarks": [["a", 0, 1]] * 33}))
        assert "seconds" in error_for(json.dumps({"type": "frame", "landmarks": None}))
        assert "unknown message" in error_for(json.dumps({"type": "dance"}))
        assert "too large" in error_for("x" * 70_000)
        ws.send_text(json.dumps({**stream[6], "landmarks": None}))         # no pose found: fine
        ws.send_json({"type": "end"})
        assert receive_until(ws, "summary")[-1]["type"] == "summary"
    # The server still serves pages.
    assert client.get("/").status_code == 200


def test_a_flood_is_cut_down_with_one_error_a_second(client: TestClient) -> None:
    sign_up(client, "ana")
    with client.websocket_connect("/live/ws") as ws:
        ws.send_json({"type": "start", "width": SIZE[0], "height": SIZE[1]})
        ws.receive_json()
        for _ in range(2000):                                              # far more than 120 a second
            ws.send_text('{"type": "dance"}')
        ws.send_json({"type": "end"})
        msgs = []
        while True:
            m = ws.receive_json()
            msgs.append(m)
            if m["type"] == "summary" or len(msgs) > 1000:
                break
    floods = [m for m in msgs if m["type"] == "error" and "too many" in m["message"]]
    answered = [m for m in msgs if m["type"] == "error" and "unknown" in m["message"]]
    assert 1 <= len(floods) <= 3 and len(answered) < 2000
    assert client.get("/").status_code == 200


def test_only_a_signed_in_athlete_of_this_site_may_connect(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect) as logged_out, client.websocket_connect("/live/ws") as ws:
        ws.receive_json()
    assert logged_out.value.code == 1008
    sign_up(client, "coachy", role="coach")
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/live/ws") as ws:
        ws.receive_json()
    log_out(client)
    sign_up(client, "ana")
    with pytest.raises(WebSocketDisconnect), client.websocket_connect(
            "/live/ws", headers={"origin": "https://evil.example"}) as ws:
        ws.receive_json()
    assert client.get("/live").status_code == 200
    log_out(client)
    assert client.get("/live", follow_redirects=False).status_code == 303


def test_a_dropped_connection_keeps_a_set_with_reps(client: TestClient) -> None:
    sign_up(client, "ana")
    track = fake_hinge_track(hinge_movement(n_reps=2), image_size=SIZE)
    with client.websocket_connect("/live/ws") as ws:
        ws.send_json({"type": "start", "width": SIZE[0], "height": SIZE[1], "fps": track.fps})
        ws.receive_json()
        for frame in blazepose_stream(track):
            ws.send_text(json.dumps(frame))
        receive_until(ws, "rep")
        ws.close(1001)   # the phone lost the connection: no "end"
        db = client.app.state.db
        job = None
        for _ in range(100):
            job = claim_next(db)
            if job is not None:
                break
            time.sleep(0.05)
    assert job is not None and job.filename == "live set"   # the set is kept for the log


def test_the_athletes_logged_neutral_set_is_what_live_reads_each_rep_against(client: TestClient) -> None:
    from hingecoach import store

    sign_up(client, "ana")

    def track(seed: int, **knobs: float) -> PoseTrack:
        return fake_hinge_track(hinge_movement(n_reps=4, knee_deg=20.0, depth_deg=80.0, **knobs), noise_px=1.5,
                                seed=seed, image_size=SIZE)

    neutral, tf = analyze_track(track(3))
    coach_analysis(neutral, tf, drill_override="romanian_deadlift")
    store.log_analysis(client.app.state.db, "ana", neutral.to_dict(), neutral=True)
    squat = track(11, knee_extra_deg=25.0)
    events = stream_set(client, squat, "romanian_deadlift")
    assert {e["rep"] for e in events if e["type"] == "fault" and e["fault"] == "knee_dominant"} == {1, 2, 3, 4}
