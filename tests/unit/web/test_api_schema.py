"""Schemathesis over the app's OpenAPI schema (``create_app(...).openapi()``), signed in as an
athlete who has one analysed set: generated requests to every route never get a 5xx, and the
JSON routes (a job's status, the live socket's figures) answer as their schema says, in status
code, content type and body. The app runs in this process without its worker (ASGI)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from webclient import sign_up

from hingecoach.store import dispose_engines
from hingecoach.web import accounts
from hingecoach.web.app import CSRF_COOKIE, SESSION_COOKIE, WebConfig, create_app
from hingecoach.web.jobs import REPORT_DIR, finish_job, job_dir, new_job_id, queue_job

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

#: The routes that answer JSON: checked against their schema, not only for 5xx.
JSON_ROUTES = r"^/(jobs/\{job_id\}/status|live/stats)$"
EXAMPLES = 30   # per route: the whole file runs in well under a minute on one core


class Api:
    """The app, its schema, and the cookies of its signed-in athlete."""

    def __init__(self, tmp: Path) -> None:
        db = str(tmp / "hinge.db")
        self.app = create_app(WebConfig(db=db, data_dir=tmp / "data", start_worker=False))
        with TestClient(self.app) as client:
            sign_up(client, "ana")
            self.cookies = {SESSION_COOKIE: client.cookies[SESSION_COOKIE], CSRF_COOKIE: client.cookies[CSRF_COOKIE]}
        athlete = accounts.session_account(db, self.cookies[SESSION_COOKIE])
        assert athlete is not None
        self.job_id = new_job_id()
        (job_dir(tmp / "data", self.job_id) / REPORT_DIR).mkdir(parents=True)
        queue_job(db, self.job_id, athlete.id, "set.mp4", None, 10)
        finish_job(db, self.job_id, set_id=None, session_id=None, note=None)
        schema = schemathesis.openapi.from_dict(self.app.openapi())
        schema.app = self.app
        self.schema = schema


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    yield Api(tmp_path_factory.mktemp("api"))
    dispose_engines()


common = settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def explore(api: Api, path_regex: str, checks: list | None = None) -> list[str]:  # type: ignore[type-arg]
    """Generated requests to each matching route (schemathesis' hypothesis strategies, driven
    here: its pytest plugin predates pytest 9); the failures, one line each."""
    failures: list[str] = []
    operations = [r.ok() for r in api.schema.include(path_regex=path_regex).get_all_operations()]
    assert operations, path_regex
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @given(case=operation.as_strategy(generation_mode=mode))
            @common
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(cookies=api.cookies, checks=checks)

            try:
                run()
            except Unsatisfiable:   # nothing to get wrong: a route without parameters has no negative case
                continue
            except Exception as exc:   # noqa: BLE001 - every route is tried; all failures are shown
                failures.append(f"{operation.label} ({mode.value}): {str(exc).strip().splitlines()[0]}")
    return failures


def test_no_route_answers_a_server_error(api: Api) -> None:
    assert explore(api, ".*", [not_a_server_error]) == []


def test_the_json_routes_answer_as_their_schema_says(api: Api) -> None:
    assert explore(api, JSON_ROUTES) == []


def test_a_real_jobs_status_conforms_to_its_schema(api: Api) -> None:
    """The generated job ids are never a real one: this one is."""
    operation = api.schema["/jobs/{job_id}/status"]["GET"]
    case = operation.Case(path_parameters={"job_id": api.job_id})
    response = case.call_and_validate(cookies=api.cookies)
    assert response.status_code == 200 and response.json()["status"] == "done"


@pytest.mark.parametrize("url", ["/athletes/99999999999999999999", "/athletes/2147483648", "/athletes/-1"])
def test_an_athlete_id_past_the_databases_integers_is_not_found(api: Api, url: str) -> None:
    """Schemathesis found it: a 20-digit id was a 500 (SQLite cannot bind it; PostgreSQL's
    INTEGER stops at 2**31 - 1)."""
    with TestClient(api.app, cookies=api.cookies) as client:
        assert client.get(url).status_code == 404


def test_a_jobs_status_that_is_not_there_is_json(api: Api) -> None:
    with TestClient(api.app, cookies=api.cookies) as client:
        r = client.get("/jobs/" + "0" * 32 + "/status")
        assert r.status_code == 404 and r.json() == {"detail": "not found"}
