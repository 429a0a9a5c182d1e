"""The web app (``hinge serve``): film a set on a phone, get the coaching, share it with a coach.

FastAPI, server-rendered Jinja2 pages (no JavaScript build, no CDN; one small inline script polls
a job's progress), on the training log's database. Accounts, CSRF and sessions: :mod:`.accounts`
and the helpers below; uploads: :mod:`.uploads`; analysis in a worker process: :mod:`.worker`;
jobs in the database: :mod:`.jobs`. Authorisation: an athlete sees only their own data, a coach
only linked athletes'; anything else answers 404, as if it did not exist.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import os
import secrets
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import platformdirs
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from hingecoach.core.coach.sentences import describe_reference
from hingecoach.errors import HingeError
from hingecoach.store import history, mark_neutral, today
from hingecoach.store.db import get_engine, resolve_db_url
from hingecoach.web import accounts
from hingecoach.web.accounts import Account
from hingecoach.web.jobs import (
    REPORT_DIR,
    UPLOAD_NAME,
    JobInfo,
    add_note,
    delete_job,
    get_job,
    job_dir,
    jobs_of,
    neutral_state,
    new_job_id,
    notes_of,
    queue_job,
    requeue_interrupted,
)
from hingecoach.web.live import STATIC, LiveContext, add_live_routes
from hingecoach.web.uploads import UploadRefused, check_video, human_size, receive_upload
from hingecoach.web.worker import Worker

SESSION_COOKIE = "hinge_session"
CSRF_COOKIE = "hinge_csrf"
#: The report files a page may ask for, by name (nothing else in a job's folder is served).
REPORT_FILES = {"annotated.mp4": "video/mp4", "angles.png": "image/png", "reps.png": "image/png",
                "bar_path.png": "image/png", "report.html": "text/html; charset=utf-8"}
TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass
class WebConfig:
    """How the app runs. ``db``: the training log (None: ``$HINGE_DB`` or the default file);
    ``data_dir``: uploads and reports (None: ``$HINGE_WEB_DATA`` or ``<user data dir>/web``);
    ``secure_cookies``: None sets Secure when the request came over HTTPS (directly or, with
    ``--proxy-headers``, through a proxy)."""

    db: str | None = None
    data_dir: Path | None = None
    max_upload_bytes: int = 500 * 1000 * 1000
    max_duration_s: float = 300.0
    secure_cookies: bool | None = None
    start_worker: bool = True
    model: str = "full"
    login_max_failures: int = 5
    login_window_s: float = 300.0
    session_days: int = 30

    def resolved_data_dir(self) -> Path:
        """The data folder, created."""
        folder = self.data_dir or Path(os.environ.get("HINGE_WEB_DATA") or
                                       Path(platformdirs.user_data_dir("hingecoach")) / "web")
        folder = Path(folder).expanduser().resolve()
        folder.mkdir(parents=True, exist_ok=True)
        return folder


class JobStatus(BaseModel):
    """``GET /jobs/<id>/status``: what the job's page polls."""

    id: str
    status: Literal["queued", "running", "done", "failed"]
    frames_done: int
    frames_total: int
    percent: int
    error: str | None


class Problem(BaseModel):
    """A JSON route's refusal."""

    detail: str


class NotFound(Exception):
    """Answer 404 (unknown, or not yours: the same answer)."""


class CsrfRefused(Exception):
    """A form without a valid CSRF token."""


def _drills() -> list[tuple[str, str]]:
    from hingecoach.core.drills import load_drills

    return sorted(((d.id, d.name) for d in load_drills().values()), key=lambda x: x[1])


def create_app(config: WebConfig | None = None) -> FastAPI:
    """The app, on ``config``'s database and data folder; the worker starts with it."""
    cfg = config or WebConfig()
    db = resolve_db_url(cfg.db)
    data_dir = cfg.resolved_data_dir()
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]))
    worker = Worker(db, data_dir, cfg.model)
    drills = _drills()
    drill_ids = {d for d, _ in drills}

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(get_engine, db)   # creates or upgrades the schema
        await run_in_threadpool(requeue_interrupted, db)
        supervisor = None
        if cfg.start_worker:
            worker.start()

            async def supervise() -> None:   # a worker that died (a crash in native code) is replaced
                while True:
                    await asyncio.sleep(2.0)
                    if not worker.alive():   # its job runs again; other servers' running jobs are theirs
                        await run_in_threadpool(requeue_interrupted, db, [worker.worker_id or ""])
                        worker.start()

            supervisor = asyncio.create_task(supervise())
        try:
            yield
        finally:
            if supervisor is not None:
                supervisor.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await supervisor
            await run_in_threadpool(worker.stop)

    app = FastAPI(title="hingecoach", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.config, app.state.db, app.state.data_dir, app.state.worker = cfg, db, data_dir, worker

    # --- helpers ------------------------------------------------------------------------------
    def secure(request: Request) -> bool:
        return cfg.secure_cookies if cfg.secure_cookies is not None else request.url.scheme == "https"

    def csrf_of(request: Request) -> str:
        token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
        if not token:
            token = secrets.token_urlsafe(24)
            request.state.new_csrf = token
        return token

    def finish(request: Request, response: Response) -> Response:
        new = getattr(request.state, "new_csrf", None)
        if new:
            response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="lax", secure=secure(request), path="/")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    def page(request: Request, name: str, http_status: int = 200, **context: Any) -> Response:
        context.setdefault("user", getattr(request.state, "user", None))
        html = env.get_template(name).render(csrf=csrf_of(request), **context)
        response = HTMLResponse(html, status_code=http_status)
        response.headers["X-Frame-Options"] = "DENY"
        return finish(request, response)

    def redirect(url: str) -> Response:
        return RedirectResponse(url, status_code=303)

    async def form_of(request: Request) -> dict[str, str]:
        form = await request.form(max_files=0, max_fields=20)
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        expected = request.cookies.get(CSRF_COOKIE, "")
        if not expected or not hmac.compare_digest(values.get("csrf", "").encode(), expected.encode()):
            raise CsrfRefused
        return values

    def client_of(request: Request) -> str:
        return request.client.host if request.client else "?"

    async def current(request: Request) -> Account | None:
        user = await run_in_threadpool(accounts.session_account, db, request.cookies.get(SESSION_COOKIE))
        request.state.user = user
        return user

    async def visible_job(request: Request, job_id: str) -> tuple[Account, JobInfo]:
        user = await current(request)
        if user is None or len(job_id) != 32 or not all(c in "0123456789abcdef" for c in job_id):
            raise NotFound
        job = await run_in_threadpool(get_job, db, job_id)
        if job is None or not await run_in_threadpool(accounts.may_see, db, user, job.user_id):
            raise NotFound
        return user, job

    @app.exception_handler(NotFound)
    async def not_found(request: Request, _exc: NotFound) -> Response:
        return page(request, "message.html.j2", 404, title="Not found", message="There is nothing here.")

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _exc: CsrfRefused) -> Response:
        return page(request, "message.html.j2", 403, title="Form expired",
                    message="This form has expired or did not come from this site. Go back, reload the page and "
                            "send it again.")

    # --- accounts -----------------------------------------------------------------------------
    @app.get("/signup")
    async def signup_form(request: Request) -> Response:
        return page(request, "signup.html.j2", role="athlete", username="")

    @app.post("/signup")
    async def signup(request: Request) -> Response:
        form = await form_of(request)
        role = form.get("role", "athlete")
        try:
            user = await run_in_threadpool(accounts.sign_up, db, form.get("username", ""),
                                           form.get("password", ""), role)
        except HingeError as exc:
            return page(request, "signup.html.j2", 400, error=str(exc), role=role, username=form.get("username", ""))
        return await start_session(request, user)

    async def start_session(request: Request, user: Account) -> Response:
        token = await run_in_threadpool(accounts.new_session, db, user.id, cfg.session_days)
        response = redirect("/")
        response.set_cookie(SESSION_COOKIE, token, max_age=cfg.session_days * 86400, httponly=True,
                            samesite="lax", secure=secure(request), path="/")
        request.state.new_csrf = secrets.token_urlsafe(24)   # a fresh CSRF token with each login
        return finish(request, response)

    @app.get("/login")
    async def login_form(request: Request) -> Response:
        return page(request, "login.html.j2", username="")

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await form_of(request)
        username = form.get("username", "")
        try:
            user = await run_in_threadpool(lambda: accounts.log_in(
                db, username, form.get("password", ""), client_of(request),
                max_failures=cfg.login_max_failures, window_s=cfg.login_window_s))
        except accounts.TooManyAttempts as exc:
            return page(request, "login.html.j2", 429, error=str(exc), username=username)
        except HingeError as exc:
            return page(request, "login.html.j2", 400, error=str(exc), username=username)
        return await start_session(request, user)

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        await form_of(request)
        await run_in_threadpool(accounts.end_session, db, request.cookies.get(SESSION_COOKIE))
        response = redirect("/login")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return finish(request, response)

    # --- home, history, settings --------------------------------------------------------------
    def athlete_view(user: Account) -> dict[str, Any]:
        name = user.athlete_name
        assert name is not None
        _, plan = today(db, name)
        _, sessions = history(db, name)
        jobs = jobs_of(db, user.id)
        by_session = {j.session_id: j for j in jobs if j.session_id is not None}
        return {"plan": plan, "sessions": list(reversed(sessions)), "jobs": jobs, "by_session": by_session,
                "coaches": accounts.coaches_of(db, user.id)}

    @app.get("/")
    async def home(request: Request) -> Response:
        user = await current(request)
        if user is None:
            return redirect("/login")
        if user.role == "coach":
            athletes = await run_in_threadpool(accounts.athletes_of, db, user.id)
            return page(request, "coach.html.j2", athletes=athletes, code=request.query_params.get("code"))
        view = await run_in_threadpool(athlete_view, user)
        return page(request, "home.html.j2", athlete=user, own=True, **view)

    @app.get("/athletes/{user_id}")
    async def athlete_page(request: Request, user_id: int) -> Response:
        user = await current(request)
        if user is None:
            raise NotFound
        athlete = await run_in_threadpool(accounts.athlete_account, db, user_id)
        if athlete is None or not await run_in_threadpool(accounts.may_see, db, user, athlete.id):
            raise NotFound
        view = await run_in_threadpool(athlete_view, athlete)
        return page(request, "home.html.j2", athlete=athlete, own=user.id == athlete.id, **view)

    @app.get("/settings")
    async def settings_form(request: Request) -> Response:
        user = await current(request)
        if user is None:
            return redirect("/login")
        coaches = await run_in_threadpool(accounts.coaches_of, db, user.id) if user.role == "athlete" else []
        return page(request, "settings.html.j2", coaches=coaches, message=request.query_params.get("m"))

    @app.post("/settings")
    async def settings(request: Request) -> Response:
        form = await form_of(request)
        user = await current(request)
        if user is None or user.role != "athlete":
            return redirect("/login")
        await run_in_threadpool(accounts.set_keep_video, db, user.id, form.get("keep_video") == "keep")
        return redirect("/settings?m=saved")

    @app.post("/invites")
    async def invite(request: Request) -> Response:
        await form_of(request)
        user = await current(request)
        if user is None or user.role != "coach":
            raise NotFound
        code = await run_in_threadpool(accounts.create_invite, db, user.id)
        return redirect(f"/?code={code}")

    @app.post("/invites/accept")
    async def accept(request: Request) -> Response:
        form = await form_of(request)
        user = await current(request)
        if user is None or user.role != "athlete":
            raise NotFound
        try:
            coach = await run_in_threadpool(accounts.accept_invite, db, user.id, form.get("code", ""))
        except HingeError as exc:
            coaches = await run_in_threadpool(accounts.coaches_of, db, user.id)
            return page(request, "settings.html.j2", 400, coaches=coaches, error=str(exc))
        return redirect(f"/settings?m=linked+to+{coach}")

    # --- upload and jobs ----------------------------------------------------------------------
    @app.get("/upload")
    async def upload_form(request: Request) -> Response:
        user = await current(request)
        if user is None:
            return redirect("/login")
        if user.role != "athlete":
            raise NotFound
        return page(request, "upload.html.j2", drills=drills, limit=human_size(cfg.max_upload_bytes),
                    max_s=cfg.max_duration_s)

    @app.post("/upload")
    async def upload(request: Request) -> Response:
        user = await current(request)
        if user is None or user.role != "athlete":
            raise NotFound

        def refused(message: str, status: int) -> Response:
            return page(request, "upload.html.j2", status, drills=drills, error=message,
                        limit=human_size(cfg.max_upload_bytes), max_s=cfg.max_duration_s)

        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > cfg.max_upload_bytes + 64 * 1024:
            return refused(f"the video is larger than the {human_size(cfg.max_upload_bytes)} limit", 413)
        job_id = new_job_id()
        folder = job_dir(data_dir, job_id)
        folder.mkdir(parents=True)
        target = folder / UPLOAD_NAME
        try:
            got = await receive_upload(request.stream(), request.headers.get("content-type", ""), target,
                                       max_bytes=cfg.max_upload_bytes, csrf_expected=request.cookies.get(CSRF_COOKIE))
            if got.filename is None:
                raise UploadRefused("choose a video to send")
            drill = got.fields.get("drill") or None
            if drill is not None and drill not in drill_ids:
                raise UploadRefused("choose a drill from the list, or let hingecoach recognise it")
            info = await run_in_threadpool(check_video, target, got.filename, max_duration_s=cfg.max_duration_s)
            await run_in_threadpool(queue_job, db, job_id, user.id, got.filename, drill, info.frame_count)
        except UploadRefused as exc:
            shutil.rmtree(folder, ignore_errors=True)
            if exc.status == 403:
                raise CsrfRefused from None
            return refused(str(exc), exc.status)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return redirect(f"/jobs/{job_id}")

    def status_of(job: JobInfo) -> dict[str, Any]:
        total = max(job.frames_total, job.frames_done)
        return {"id": job.id, "status": job.status, "frames_done": job.frames_done, "frames_total": total,
                "percent": round(100.0 * job.frames_done / total) if total else 0, "error": job.error}

    @app.get("/jobs/{job_id}/status", responses={
        200: {"model": JobStatus, "description": "the job's state and progress"},
        404: {"model": Problem, "description": "no such job, not yours, or not signed in"}})
    async def job_status(request: Request, job_id: str) -> Response:
        try:
            _, job = await visible_job(request, job_id)
        except NotFound:   # JSON asked, JSON answered (the pages' 404 is HTML)
            return finish(request, JSONResponse({"detail": "not found"}, status_code=404))
        return finish(request, JSONResponse(status_of(job)))

    def report_of(job: JobInfo) -> dict[str, Any] | None:
        path = job_dir(data_dir, job.id) / REPORT_DIR / "analysis.json"
        if job.status != "done" or not path.is_file():
            return None
        doc = json.loads(path.read_text(encoding="utf-8"))
        reps = doc.get("reps") or []
        folder = path.parent
        return {"drill": (doc.get("drill") or {}).get("name"), "reps": len(reps),
                "clean": sum(1 for r in reps if r.get("clean")), "recommendation": doc.get("recommendation") or {},
                "warnings": doc.get("warnings") or [],
                "reference": describe_reference(doc) if isinstance(doc.get("provenance"), dict) else None,
                "files": {name for name in REPORT_FILES if (folder / name).is_file()}}

    @app.get("/jobs/{job_id}")
    async def job_page(request: Request, job_id: str) -> Response:
        user, job = await visible_job(request, job_id)
        report = await run_in_threadpool(report_of, job)
        notes = await run_in_threadpool(notes_of, db, job.id)
        neutral = await run_in_threadpool(neutral_state, db, job.set_id) if job.set_id is not None else None
        return page(request, "job.html.j2", job=job, status=status_of(job), report=report, notes=notes,
                    owner=user.id == job.user_id, neutral=neutral)

    @app.get("/jobs/{job_id}/files/{name}")
    async def job_file(request: Request, job_id: str, name: str) -> Response:
        _, job = await visible_job(request, job_id)
        path = job_dir(data_dir, job.id) / REPORT_DIR / name
        if name not in REPORT_FILES or not path.is_file():
            raise NotFound
        response = FileResponse(path, media_type=REPORT_FILES[name])
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.post("/jobs/{job_id}/notes")
    async def job_note(request: Request, job_id: str) -> Response:
        form = await form_of(request)
        user, job = await visible_job(request, job_id)
        text = form.get("text", "").strip()
        if user.role != "coach":
            raise NotFound
        if text:
            await run_in_threadpool(add_note, db, job.id, user.id, text[:4000])
        return redirect(f"/jobs/{job.id}")

    @app.post("/jobs/{job_id}/neutral")
    async def job_neutral(request: Request, job_id: str) -> Response:
        await form_of(request)
        _, job = await visible_job(request, job_id)   # the athlete, or a linked coach
        if job.status != "done" or job.set_id is None:
            message = ("This set is still being analysed; mark it when it is done." if job.status in ("queued", "running")
                       else "Only an analysed set in the training log can be the neutral set; this one is not in it.")
            return page(request, "message.html.j2", 409, title="Not a logged set", message=message)
        try:
            await run_in_threadpool(mark_neutral, db, job.set_id)
        except HingeError as exc:
            return page(request, "message.html.j2", 400, title="Not a neutral set",
                        message=f"This set cannot be the neutral set: {exc}.")
        return redirect(f"/jobs/{job.id}")

    @app.post("/jobs/{job_id}/delete")
    async def job_delete(request: Request, job_id: str) -> Response:
        await form_of(request)
        user, job = await visible_job(request, job_id)
        if user.id != job.user_id:
            raise NotFound
        if job.status in ("queued", "running"):
            return page(request, "message.html.j2", 409, title="Still analysing",
                        message="This set is still being analysed; delete it when it is done.")
        await run_in_threadpool(delete_job, db, data_dir, job.id)
        return redirect("/")

    # --- live coaching (web/live.py) and the page's scripts -------------------------------------
    add_live_routes(app, LiveContext(page=page, current=current, db=db, data_dir=data_dir, drills=drills))
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    return app
