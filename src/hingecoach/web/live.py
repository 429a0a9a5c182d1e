"""Live coaching in the web app: the ``/live`` page and its WebSocket, ``/live/ws``.

The page runs BlazePose in the browser (video never leaves the device) and sends each frame's
landmarks; here a :class:`~hingecoach.core.live.LiveSession` (the same engine and fault rules as
``hinge analyze``) turns them into events the page draws and speaks. At the end of the set its
landmarks are stored in a job folder and queued like an upload, so the worker writes the same
report and logs the set. Protocol (JSON text messages) in ``docs/web.md``:

client → server
    ``{"type": "start", "drill": id|null, "width": px, "height": px, "skeleton": "blazepose33"}``,
    then ``{"type": "frame", "t": s, "landmarks": [[x, y, visibility] × 33] | null}`` (x, y
    normalised to the image, as MediaPipe gives them), then ``{"type": "end"}``.
server → client
    ``ready``, ``state``, ``rep``, ``fault``, ``not_in_view``, ``in_view``, ``summary`` (the
    :class:`~hingecoach.core.live.LiveEvent` types) and ``error`` (a message refused; the
    connection stays open).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hingecoach.core.live import LiveError, LiveEvent, LiveSession
from hingecoach.core.settings import load_settings
from hingecoach.core.track.pose_track import MAX_IMAGE_PX
from hingecoach.core.track.skeletons import SKELETONS
from hingecoach.errors import HingeError
from hingecoach.web import accounts
from hingecoach.web.accounts import Account
from hingecoach.web.jobs import LIVE_TRACK_NAME, job_dir, new_job_id, queue_job

SESSION_COOKIE = "hinge_session"
#: Largest message a client may send (a frame of 33 landmarks is about 2 kB).
MAX_MESSAGE_BYTES = 64 * 1024
STATIC = Path(__file__).resolve().parent / "static"
VENDOR_POSE = STATIC / "vendor" / "mediapipe-pose"
#: A set with fewer frames than this (on the steady clock) is not stored.
MIN_FRAMES_TO_KEEP = 2


@dataclass
class LiveStats:
    """Server-side cost of each frame message (received → its events sent), for ``hinge bench``."""

    seconds: list[float] = field(default_factory=list)
    open_sockets: int = 0
    max_kept: int = 200_000

    def add(self, s: float) -> None:
        if len(self.seconds) < self.max_kept:
            self.seconds.append(s)

    def summary(self) -> dict[str, Any]:
        """Messages measured and their cost in milliseconds (median, p95, max)."""
        xs = sorted(self.seconds)

        def pct(q: float) -> float | None:
            return round(1000.0 * xs[min(len(xs) - 1, int(q * len(xs)))], 3) if xs else None

        return {"messages": len(xs), "p50_ms": pct(0.5), "p95_ms": pct(0.95), "max_ms": pct(1.0),
                "open_sockets": self.open_sockets}


@dataclass(frozen=True)
class LiveContext:
    """What the live routes need from the app (its helpers are closures of ``create_app``)."""

    page: Callable[..., Response]
    current: Callable[[Request], Awaitable[Account | None]]
    db: str
    data_dir: Path
    drills: list[tuple[str, str]]


class Refused(Exception):
    """A client message the server refuses: told to the client as an ``error`` event."""


def _landmarks(value: Any, k: int, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Normalised [[x, y, visibility], …] → pixel positions (k, 2) and confidences (k,)
    (missing: NaN, 0)."""
    if value is None or value == []:
        return np.full((k, 2), np.nan), np.zeros(k)
    if not isinstance(value, list) or len(value) != k:
        raise Refused(f"a frame needs {k} landmarks (or null when no pose was found)")
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise Refused("each landmark must be [x, y, visibility] numbers") from None
    if arr.ndim != 2 or arr.shape[1] not in (3, 4):
        raise Refused("each landmark must be [x, y, visibility] numbers")
    xy = arr[:, :2] * np.array(size, dtype=float)
    ok = np.isfinite(xy).all(axis=1)
    conf = np.where(ok & np.isfinite(arr[:, 2]), arr[:, 2], 0.0)
    xy[~ok] = np.nan
    return xy, conf


def _is_end(text: str) -> bool:
    """Whether a (short) message is the end of the set."""
    if len(text) > 200:
        return False
    try:
        msg = json.loads(text)
    except ValueError:
        return False
    return isinstance(msg, dict) and msg.get("type") == "end"


class LiveConnection:
    """One athlete's socket: parses messages, runs the session, stores the set at the end."""

    def __init__(self, ws: WebSocket, ctx: LiveContext, user: Account, stats: LiveStats) -> None:
        self.ws, self.ctx, self.user, self.stats = ws, ctx, user, stats
        self.live = load_settings().live
        self.session: LiveSession | None = None
        self.size = (1, 1)
        self.rating: asyncio.Task[None] | None = None
        self.stored = False
        self._bucket_max = float(self.live.max_messages_per_s * self.live.flood_burst_s)
        self._bucket = self._bucket_max
        self._bucket_t = time.monotonic()
        self._dropped = 0
        self._last_flood_note = 0.0

    async def send(self, events: list[LiveEvent]) -> None:
        for ev in events:
            await self.ws.send_json(ev.message())

    async def error(self, message: str) -> None:
        await self.ws.send_json({"type": "error", "message": message})

    def _allowed(self) -> bool:
        """Token bucket: ``max_messages_per_s`` a second, ``flood_burst_s`` seconds' worth of burst."""
        now = time.monotonic()
        rate = float(self.live.max_messages_per_s)
        self._bucket = min(self._bucket_max, self._bucket + (now - self._bucket_t) * rate)
        self._bucket_t = now
        if self._bucket >= 1.0:
            self._bucket -= 1.0
            return True
        return False

    async def run(self) -> None:
        try:
            while True:
                text = await self.ws.receive_text()
                received = time.perf_counter()
                if not self._allowed() and not _is_end(text):   # "end" is never dropped: the set would be lost
                    self._dropped += 1
                    if received - self._last_flood_note >= 1.0:
                        self._last_flood_note = received
                        await self.error(f"too many messages: more than {self.live.max_messages_per_s:.0f} a "
                                         f"second; {self._dropped} dropped so far")
                    continue
                try:
                    done = await self.handle(text)
                except Refused as exc:
                    await self.error(str(exc))
                    continue
                except (LiveError, HingeError) as exc:
                    await self.error(str(exc))
                    continue
                if done == "frame":
                    self.stats.add(time.perf_counter() - received)
                elif done == "end":
                    return
        except (WebSocketDisconnect, RuntimeError):   # closed (RuntimeError: receive on a closed socket)
            # shielded: a server shutting down still stores what was done
            await asyncio.shield(self.store_if_any())

    async def handle(self, text: str) -> str:
        if len(text) > MAX_MESSAGE_BYTES:
            raise Refused(f"message too large ({len(text)} bytes; at most {MAX_MESSAGE_BYTES})")
        try:
            msg = json.loads(text)
        except ValueError:
            raise Refused("not JSON: each message is one JSON object") from None
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
            raise Refused('each message is a JSON object with a "type"')
        kind = msg["type"]
        if kind == "start":
            await self.start(msg)
            return "start"
        if self.session is None:
            raise Refused('send {"type": "start", ...} first')
        if kind == "frame":
            t = msg.get("t")
            if not isinstance(t, int | float) or isinstance(t, bool):
                raise Refused('a frame needs "t", its time in seconds')
            xy, conf = _landmarks(msg.get("landmarks"), len(self.session.keypoints), self.size)
            world = msg.get("world")
            if world is not None and not isinstance(world, list):
                raise Refused('"world" must be a list of [x, y, z] in metres, or null')
            events = self.session.push(float(t), xy, conf, world=world or None)
            await self.send(events)
            if self.session.has_pending and (self.rating is None or self.rating.done()):
                self.rating = asyncio.create_task(self.rate())
            return "frame"
        if kind == "end":
            await self.end()
            return "end"
        raise Refused(f"unknown message type {kind!r} (start, frame, end)")

    async def start(self, msg: dict[str, Any]) -> None:
        if self.session is not None:
            raise Refused("the set has already started")
        skeleton = msg.get("skeleton", "blazepose33")
        if skeleton not in SKELETONS:
            raise Refused(f"unknown skeleton {skeleton!r} (e.g. blazepose33)")
        drill = msg.get("drill") or None
        if drill is not None and drill not in {d for d, _ in self.ctx.drills}:
            raise Refused(f"unknown drill {drill!r}")
        w, h = msg.get("width"), msg.get("height")
        if not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_IMAGE_PX for v in (w, h)):
            raise Refused('"width" and "height" must be the camera image size in pixels')
        fps = msg.get("fps")
        if fps is not None and (not isinstance(fps, int | float) or isinstance(fps, bool)):
            raise Refused('"fps" must be a number of frames per second')
        assert isinstance(w, int) and isinstance(h, int)
        self.size = (w, h)
        reference = None
        if drill is not None and self.user.athlete_name is not None:
            # the athlete's logged neutral set of the drill, as the worker reads the uploaded set
            from hingecoach.pipeline import logged_reference

            lookup = await run_in_threadpool(logged_reference, self.ctx.db, self.user.athlete_name)
            reference = await run_in_threadpool(lookup, drill) if lookup is not None else None
        self.session = LiveSession(keypoints=SKELETONS[skeleton], drill=drill, image_size=(w, h),
                                   fps=float(fps) if fps else None, defer_rating=True, reference=reference,
                                   attrs={"backend": "browser", "model": msg.get("model") or "full",
                                          "source": {"athlete": self.user.athlete_name}})
        await self.ws.send_json({"type": "ready", "fps": self.session.fps, "countdown_s": self.live.countdown_s})

    async def rate(self) -> None:
        assert self.session is not None
        while self.session.has_pending:
            events = await run_in_threadpool(self.session.rate_pending)
            await self.send(events)

    async def end(self) -> None:
        assert self.session is not None
        if self.rating is not None:
            await self.rating
        events, _analysis = await run_in_threadpool(self.session.finish)
        set_url = await self.store()
        if events and events[-1].type == "summary":
            events[-1].data["set_url"] = set_url
        await self.send(events)

    async def store_if_any(self) -> None:
        """The connection dropped mid-set: keep what was done (a set with a counted rep)."""
        if self.session is None or self.stored or self.session.reps == 0:
            return
        if self.rating is not None:
            await self.rating
        if not self.session.finished:
            await run_in_threadpool(self.session.finish)
        await self.store()

    async def store(self) -> str | None:
        """The set's landmarks into a job folder, queued for the worker: the same report and
        training-log entry as an uploaded video. Returns the set's page."""
        assert self.session is not None
        if self.stored or self.session.n_frames < MIN_FRAMES_TO_KEEP:
            return None
        self.stored = True
        job_id = new_job_id()
        folder = job_dir(self.ctx.data_dir, job_id)
        session = self.session

        def write() -> None:
            folder.mkdir(parents=True)
            session.track().save(folder / LIVE_TRACK_NAME)
            queue_job(self.ctx.db, job_id, self.user.id, "live set", session.drill, session.n_frames)

        await run_in_threadpool(write)
        return f"/jobs/{job_id}"


def add_live_routes(app: FastAPI, ctx: LiveContext) -> LiveStats:
    """The live page and its socket on ``app``; returns the socket's cost figures."""
    stats = LiveStats()
    app.state.live_stats = stats

    @app.get("/live")
    async def live_page(request: Request) -> Response:
        user = await ctx.current(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        if user.role != "athlete":
            return ctx.page(request, "message.html.j2", 404, title="Not found", message="There is nothing here.")
        return ctx.page(request, "live.html.j2", drills=ctx.drills, countdown_s=load_settings().live.countdown_s,
                        vendor_ready=(VENDOR_POSE / "pose.js").is_file())

    @app.get("/live/stats")
    async def live_stats(request: Request) -> Response:
        """The socket's cost per frame message (received → its events sent), for ``hinge bench``."""
        if await ctx.current(request) is None:
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        return JSONResponse(stats.summary())

    @app.websocket("/live/ws")
    async def live_socket(ws: WebSocket) -> None:
        origin = ws.headers.get("origin")
        host = ws.headers.get("host")
        if origin is not None and host is not None and origin.split("://", 1)[-1] != host:
            await ws.close(code=1008)   # another site's page may not drive a signed-in athlete's socket
            return
        user = await run_in_threadpool(accounts.session_account, ctx.db, ws.cookies.get(SESSION_COOKIE))
        if user is None or user.role != "athlete":
            await ws.close(code=1008)
            return
        await ws.accept()
        stats.open_sockets += 1
        try:
            await LiveConnection(ws, ctx, user, stats).run()
        finally:
            stats.open_sockets -= 1
        try:
            await ws.close()
        except RuntimeError:
            pass   # already closed by the client

    return stats
