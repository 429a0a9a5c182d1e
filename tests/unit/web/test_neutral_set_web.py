"""The neutral set in the web app: a logged set marked "Use as neutral set" on its page (by the
athlete or a linked coach; strangers see nothing, a set that cannot serve is refused and stays
unmarked), and the worker reading each upload against the athlete's neutral set of its drill, in
its own process and as a Ray task (``hingecoach.batch.analyze_clip``, which has no database).
The store and the routes run on SQLite always and on PostgreSQL when ``HINGE_TEST_PG_URL`` is set."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fakes import make_analysis, with_metric
from fastapi.testclient import TestClient
from pg_databases import fresh_pg_database
from sqlalchemy import select
from webclient import csrf, sign_up

from hingecoach import batch, store
from hingecoach.core.track.fakes import fake_hinge_track, hinge_movement
from hingecoach.errors import HingeError
from hingecoach.io.analysis_json import analysis_document
from hingecoach.pipeline import analyze_path, logged_reference, logged_references, neutral_set
from hingecoach.store import dispose_engines
from hingecoach.store.db import read_session
from hingecoach.store.models import SetRecord
from hingecoach.web import accounts
from hingecoach.web.app import SESSION_COOKIE, WebConfig, create_app
from hingecoach.web.jobs import (
    LIVE_TRACK_NAME,
    REPORT_DIR,
    claim_next,
    finish_job,
    get_job,
    job_dir,
    neutral_state,
    new_job_id,
    queue_job,
)
from hingecoach.web.worker import RAY_ADDRESS_ENV, run_job

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
RDL = "romanian_deadlift"
BUTTON = "Use as neutral set"
EXPLAINED = "Later sets of this drill are read against this one: the knee, lockout and bar rules judge how far each rep is"


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty training log of each backend."""
    if request.param == "postgresql":
        yield from fresh_pg_database("hinge_n")
    else:
        yield f"sqlite:///{tmp_path / 'hinge.db'}"
        dispose_engines()


def measured(reps: int, measured_reps: int | None = None) -> dict[str, Any]:
    """An analysis of ``reps`` reps of which the first ``measured_reps`` (all by default) carry the
    knee rule's measure."""
    n = reps if measured_reps is None else measured_reps
    doc = make_analysis(depths_deg=[85.0] * reps)
    with_metric({"reps": doc["reps"][:n]}, "measure_knee_dominant", [round(0.2 + 0.01 * i, 2) for i in range(n)])
    return doc


def logged_set(db: str, athlete: str, doc: dict[str, Any], **options: Any) -> int:
    """Log ``doc`` as a session of its one set; the set's id."""
    session_id = store.log_analysis(db, athlete, doc, **options).session_id
    with read_session(db) as session:
        return int(session.scalars(select(SetRecord.id).where(SetRecord.session_id == session_id)).one())


def done_job(db: str, data: Path, user_id: int, set_id: int | None, provenance: dict[str, Any] | None = None) -> str:
    """A finished job of ``set_id`` with its report's analysis, made without the worker."""
    job_id = new_job_id()
    out = job_dir(data, job_id) / REPORT_DIR
    out.mkdir(parents=True)
    (out / "analysis.json").write_text(json.dumps({"drill": {"id": RDL, "name": "Romanian deadlift"},
                                                   "reps": [{"clean": True}] * 3, "recommendation": {},
                                                   "provenance": provenance or {}}))
    queue_job(db, job_id, user_id, "set.mp4", None, 10)
    finish_job(db, job_id, set_id=set_id, session_id=None, note=None)
    return job_id


def user_id(client: TestClient, db: str) -> int:
    account = accounts.session_account(db, client.cookies[SESSION_COOKIE])
    assert account is not None
    return account.id


# --- the store -----------------------------------------------------------------------------------

def test_mark_neutral_marks_a_logged_set_and_refuses_one_that_cannot_serve(db: str) -> None:
    store.add_athlete(db, "ana")
    set_id = logged_set(db, "ana", measured(3))
    assert store.neutral_set(db, "ana", RDL) is None and neutral_state(db, set_id) is None
    assert store.mark_neutral(db, set_id) == RDL
    found = store.neutral_set(db, "ana", RDL)
    assert found is not None and found.set_id == set_id and neutral_state(db, set_id) == "current"
    assert [m["measure_knee_dominant"] for m in found.rep_metrics] == [0.2, 0.21, 0.22]

    few = logged_set(db, "ana", measured(4, measured_reps=2))
    with pytest.raises(HingeError, match=f"takes 3 reps or more .*; set {few} has 2$"):
        store.mark_neutral(db, few)
    manual = store.log_session(db, "ana", [store.NewSet(drill=RDL, reps=5, clean_reps=5)]).session_id
    with read_session(db) as session:
        manual_set = session.scalars(select(SetRecord.id).where(SetRecord.session_id == manual)).one()
    with pytest.raises(HingeError, match=f"set {manual_set} has no analysis"):
        store.mark_neutral(db, manual_set)
    with pytest.raises(HingeError, match="there is no set 99999 in the training log"):
        store.mark_neutral(db, 99999)
    assert neutral_state(db, few) is None and store.neutral_set_drills(db, "ana") == {RDL}
    found = store.neutral_set(db, "ana", RDL)
    assert found is not None and found.set_id == set_id   # nothing refused was marked


def test_an_older_set_marked_after_a_later_neutral_one_is_not_the_reference(db: str) -> None:
    store.add_athlete(db, "ana")
    now = datetime.now(UTC)
    older = logged_set(db, "ana", measured(3), performed_at=now - timedelta(days=2))
    later = logged_set(db, "ana", measured(3), performed_at=now, neutral=True)
    store.mark_neutral(db, older)
    assert neutral_state(db, older) == "earlier" and neutral_state(db, later) == "current"


# --- the page and its route ----------------------------------------------------------------------

@pytest.fixture
def app(db: str, tmp_path: Path) -> Iterator[Any]:
    yield create_app(WebConfig(db=db, data_dir=tmp_path / "data", start_worker=False))
    dispose_engines()


def test_the_athlete_marks_a_logged_set_as_neutral_and_the_page_says_so(app: Any, db: str, tmp_path: Path) -> None:
    with TestClient(app) as ana, TestClient(app) as bo:
        sign_up(ana, "ana")
        sign_up(bo, "bo")
        set_id = logged_set(db, "ana", measured(3))
        job = done_job(db, tmp_path / "data", user_id(ana, db), set_id)
        page = ana.get(f"/jobs/{job}").text
        assert BUTTON in page and EXPLAINED in page and "This is the neutral set" not in page

        assert ana.post(f"/jobs/{job}/neutral", data={}).status_code == 403                      # no CSRF token
        assert ana.post(f"/jobs/{job}/neutral", data={"csrf": "forged"}).status_code == 403
        assert bo.post(f"/jobs/{job}/neutral", data={"csrf": csrf(bo)}).status_code == 404      # a stranger
        assert store.neutral_set(db, "ana", RDL) is None

        r = ana.post(f"/jobs/{job}/neutral", data={"csrf": csrf(ana)}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/jobs/{job}"
        page = ana.get(f"/jobs/{job}").text
        assert "This is the neutral set for Romanian deadlift." in page and BUTTON not in page
        found = store.neutral_set(db, "ana", RDL)
        assert found is not None and found.set_id == set_id


def test_the_page_of_a_set_read_against_a_neutral_set_says_which(app: Any, db: str, tmp_path: Path) -> None:
    with TestClient(app) as ana:
        sign_up(ana, "ana")
        reference = {"logged_set": 7, "performed_at": "2026-12-01T10:00:00+00:00",
                     "measures": {"knee_dominant": {"median": 0.3, "spread": 0.01, "reps": 4}}}
        against = done_job(db, tmp_path / "data", user_id(ana, db), None, {"reference": reference})
        plain = done_job(db, tmp_path / "data", user_id(ana, db), None)
        page = ana.get(f"/jobs/{against}").text
        assert 'id="reference"' in page and "Read against the neutral set logged 2026-12-01 (4 reps)" in page
        assert 'id="reference"' not in ana.get(f"/jobs/{plain}").text


def test_a_linked_coach_may_mark_the_set(app: Any, db: str, tmp_path: Path) -> None:
    with TestClient(app) as ana, TestClient(app) as coach:
        sign_up(ana, "ana")
        sign_up(coach, "carla", role="coach")
        job = done_job(db, tmp_path / "data", user_id(ana, db), logged_set(db, "ana", measured(4)))
        assert coach.post(f"/jobs/{job}/neutral", data={"csrf": csrf(coach)}).status_code == 404   # not linked yet
        accounts.accept_invite(db, user_id(ana, db), accounts.create_invite(db, user_id(coach, db)))
        assert BUTTON in coach.get(f"/jobs/{job}").text
        r = coach.post(f"/jobs/{job}/neutral", data={"csrf": csrf(coach)}, follow_redirects=False)
        assert r.status_code == 303
        assert "This is the neutral set for Romanian deadlift." in ana.get(f"/jobs/{job}").text


def test_a_set_with_too_few_measured_reps_is_refused_and_stays_unmarked(app: Any, db: str, tmp_path: Path) -> None:
    with TestClient(app) as ana:
        sign_up(ana, "ana")
        job = done_job(db, tmp_path / "data", user_id(ana, db), logged_set(db, "ana", measured(5, measured_reps=2)))
        r = ana.post(f"/jobs/{job}/neutral", data={"csrf": csrf(ana)})
        assert r.status_code == 400
        assert "a neutral set takes 3 reps or more with the rules&#39; measures" in r.text and "has 2" in r.text
        assert "Traceback" not in r.text
        assert store.neutral_set(db, "ana", RDL) is None and BUTTON in ana.get(f"/jobs/{job}").text


def test_a_set_not_in_the_log_or_still_analysing_is_a_conflict(app: Any, db: str, tmp_path: Path) -> None:
    with TestClient(app) as ana:
        sign_up(ana, "ana")
        job = done_job(db, tmp_path / "data", user_id(ana, db), None)
        assert BUTTON not in ana.get(f"/jobs/{job}").text
        r = ana.post(f"/jobs/{job}/neutral", data={"csrf": csrf(ana)})
        assert r.status_code == 409 and "not in it" in r.text
        queued = new_job_id()
        queue_job(db, queued, user_id(ana, db), "set.mp4", None, 10)
        r = ana.post(f"/jobs/{queued}/neutral", data={"csrf": csrf(ana)})
        assert r.status_code == 409 and "still being analysed" in r.text
        assert store.neutral_set_drills(db, "ana") == set()


# --- the worker and the Ray task -----------------------------------------------------------------

@pytest.fixture(scope="module")
def tracks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Keypoint files of the same lifter: a neutral set, and a set bending the knees 25° more."""
    folder = tmp_path_factory.mktemp("tracks")
    fake_hinge_track(hinge_movement(n_reps=4, knee_deg=20.0, depth_deg=80.0), noise_px=1.5,
                     seed=3).save(folder / "neutral.npz")
    fake_hinge_track(hinge_movement(n_reps=4, knee_deg=20.0, depth_deg=80.0, knee_extra_deg=25.0), noise_px=1.5,
                     seed=11).save(folder / "kneeing.npz")
    return {"neutral": folder / "neutral.npz", "kneeing": folder / "kneeing.npz"}


def fault_ids(doc: dict[str, Any]) -> list[set[str]]:
    return [{f["id"] for f in rep["faults"]} for rep in doc["reps"]]


class FakeRay:
    """``ray`` and ``clip_task()`` as the worker uses them, running the task here, with what it was sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[Any, ...]] = []
        self.module = SimpleNamespace(wait=lambda refs, timeout: (refs, []), get=lambda ref: ref)

    def remote(self, *args: Any) -> dict[str, Any]:
        self.sent.append(args)
        return batch.analyze_clip(*args)


@pytest.mark.parametrize(("on_ray", "with_neutral"), [(False, True), (True, True), (False, False), (True, False)])
def test_the_worker_reads_an_upload_against_the_athletes_neutral_set(
        tracks: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, on_ray: bool, with_neutral: bool,
) -> None:
    db, data = f"sqlite:///{tmp_path / 'hinge.db'}", tmp_path / "data"
    ana = accounts.sign_up(db, "ana", "long enough", "athlete")
    neutral_id = None
    if with_neutral:
        neutral_doc = analysis_document(analyze_path(tracks["neutral"], drill=RDL).analysis)
        neutral_id = logged_set(db, "ana", neutral_doc, neutral=True)
    fake = FakeRay()
    if on_ray:
        monkeypatch.setenv(RAY_ADDRESS_ENV, "local")
        monkeypatch.setattr(batch, "connect_ray", lambda *_a, **_k: False)
        monkeypatch.setattr(batch, "clip_task", lambda: fake)
        monkeypatch.setitem(sys.modules, "ray", fake.module)
    else:
        monkeypatch.delenv(RAY_ADDRESS_ENV, raising=False)
    job_id = new_job_id()
    job_dir(data, job_id).mkdir(parents=True)
    (job_dir(data, job_id) / LIVE_TRACK_NAME).write_bytes(tracks["kneeing"].read_bytes())
    queue_job(db, job_id, ana.id, "live set", None, 0)
    job = claim_next(db)
    assert job is not None
    try:
        run_job(db, data, job)
    finally:
        dispose_engines()
    done = get_job(db, job_id)
    assert done is not None and done.status == "done", done
    doc = json.loads((job_dir(data, job_id) / REPORT_DIR / "analysis.json").read_text(encoding="utf-8"))
    assert doc["drill"]["id"] == RDL
    if on_ray:   # the Ray path ran, and the task got the references as plain data
        (args,) = fake.sent
        assert (args[4] is not None) == with_neutral
        assert args[4] is None or set(args[4]) == {RDL}
    if with_neutral:
        assert doc["provenance"]["reference"]["logged_set"] == neutral_id
        assert all("knee_dominant" in ids for ids in fault_ids(doc))
    else:
        assert "reference" not in doc["provenance"]
        assert not any("knee_dominant" in ids for ids in fault_ids(doc))


def test_analyze_clip_reads_the_clip_against_the_reference_of_its_drill(tracks: dict[str, Path]) -> None:
    reference = neutral_set(tracks["neutral"], drill=RDL)
    with_it = batch.analyze_clip(str(tracks["kneeing"]), drill=RDL, references={RDL: reference})
    assert with_it["doc"]["provenance"]["reference"]["measures"]["knee_dominant"]["reps"] == 4
    assert all("knee_dominant" in ids for ids in fault_ids(with_it["doc"]))
    for references in (None, {}, {"stiff_legged_deadlift": reference}):   # none of its drill: the packaged rules
        without = batch.analyze_clip(str(tracks["kneeing"]), drill=RDL, references=references)
        assert "error" not in without and "reference" not in without["doc"]["provenance"]
        assert not any("knee_dominant" in ids for ids in fault_ids(without["doc"]))


def test_logged_reference_is_the_lookup_of_logged_references(db: str, tracks: dict[str, Path]) -> None:
    store.add_athlete(db, "ana")
    assert logged_references(db, "ana") == {} and logged_reference(db, "ana") is None
    set_id = logged_set(db, "ana", analysis_document(analyze_path(tracks["neutral"], drill=RDL).analysis),
                        neutral=True)
    references = logged_references(db, "ana")
    lookup = logged_reference(db, "ana")
    assert set(references) == {RDL} and lookup is not None
    assert lookup(RDL) == references[RDL] and lookup("stiff_legged_deadlift") is None
    assert references[RDL].provenance["logged_set"] == set_id and references[RDL].reps == 4
