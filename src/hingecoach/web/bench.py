"""The web app's figures for the benchmark: how long a phone's upload takes to become a report on
a real ``hinge serve``, beside ``hinge analyze CLIP --json`` on the same clip.

Pipeline position: benchmark (``hinge bench``) → **web.bench** → a ``hinge serve`` process and a
``hinge analyze`` process, both run as a user would. Also the harness the web app's load and
multi-server tests start their servers with (:func:`running_server`, :class:`WebClient`): the
standard library only, so it needs nothing the app does not.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

from hingecoach.errors import HingeError

#: ``hinge`` as this Python runs it (the same as the installed ``hinge`` script).
HINGE = (sys.executable, "-m", "hingecoach")
POLL_S = 0.1  # how often a waiting client asks for a job's status
BENCH_PASSWORD = "bench-password-1"


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServerProcess:
    """A running ``hinge serve``: its process, its base URL and the file its output goes to."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def output(self) -> str:
        """Everything the server (and its worker) printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.is_file() else ""


@contextlib.contextmanager
def running_server(db: str, data_dir: Path, *, log: Path, model: str = "full", extra: Sequence[str] = (),
                   env: dict[str, str] | None = None, start_timeout_s: float = 120.0) -> Iterator[ServerProcess]:
    """``hinge serve`` on ``db`` and ``data_dir`` at a free loopback port, its worker running;
    stopped (SIGTERM, as Ctrl-C would) when the block ends. Its output goes to ``log`` (a file,
    not a pipe, which a chatty server could fill and block on)."""
    port = free_port()
    args = [*HINGE, "serve", "--port", str(port), "--db", db, "--data", str(data_dir), "--model", model, *extra]
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"})
    server = ServerProcess(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_listening(server, start_timeout_s)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_listening(server: ServerProcess, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            lines = server.output().strip().splitlines()
            raise HingeError(f"hinge serve stopped at start: {lines[-1] if lines else 'no output'}")
        with contextlib.suppress(OSError, urllib.error.URLError):
            with urllib.request.urlopen(server.url + "/login", timeout=5) as r:
                if r.status == 200:
                    return
        time.sleep(0.2)
    raise HingeError(f"hinge serve did not answer within {timeout_s:.0f} s")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None   # a 303 comes back as it is: its Location is the job's page


@dataclass(frozen=True)
class Reply:
    """One HTTP answer."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class WebClient:
    """A browser as far as the app cares: cookies (session, CSRF), forms, the upload form."""

    def __init__(self, base_url: str, timeout_s: float = 120.0) -> None:
        self.base_url, self.timeout_s = base_url.rstrip("/"), timeout_s
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None) -> Reply:
        """Send one request; any status comes back as a :class:`Reply` (redirects are not followed)."""
        req = urllib.request.Request(self.base_url + path, data=body, method=method)
        if content_type:
            req.add_header("Content-Type", content_type)
        try:
            with self._opener.open(req, timeout=self.timeout_s) as r:
                return Reply(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
        except urllib.error.HTTPError as e:
            return Reply(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def csrf(self) -> str:
        """The CSRF token (a page visit sets its cookie)."""
        for _ in range(2):
            token = next((c.value for c in self.cookies if c.name == "hinge_csrf"), None)
            if token:
                return token
            self.get("/login")
        raise HingeError("the server set no CSRF cookie")

    def post_form(self, path: str, fields: dict[str, str]) -> Reply:
        body = urllib.parse.urlencode({"csrf": self.csrf(), **fields}).encode()
        return self.request("POST", path, body, "application/x-www-form-urlencoded")

    def sign_up(self, username: str, password: str = BENCH_PASSWORD, role: str = "athlete") -> None:
        """Make an account and stay signed in as it."""
        r = self.post_form("/signup", {"username": username, "password": password, "role": role})
        if r.status != 303:
            raise HingeError(f"sign-up as {username} was refused (HTTP {r.status}{_page_error(r.body)})")

    def upload(self, video: Path, filename: str | None = None, drill: str = "") -> str:
        """Send a video through the upload form; the job's path (``/jobs/<id>``)."""
        boundary = secrets.token_hex(16)
        parts = [_form_part(boundary, "csrf", self.csrf().encode()), _form_part(boundary, "drill", drill.encode()),
                 _form_part(boundary, "video", Path(video).read_bytes(), filename or Path(video).name)]
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        r = self.request("POST", "/upload", body, f"multipart/form-data; boundary={boundary}")
        location = r.headers.get("location", "")
        if r.status != 303 or not location.startswith("/jobs/"):
            raise HingeError(f"the server refused {Path(video).name} (HTTP {r.status}{_page_error(r.body)})")
        return location

    def status(self, job_path: str) -> dict[str, Any]:
        """The job's status document (``/jobs/<id>/status``)."""
        r = self.get(job_path + "/status")
        if r.status != 200:
            raise HingeError(f"the job's status answered HTTP {r.status}")
        doc: dict[str, Any] = r.json()
        return doc

    def wait(self, job_path: str, timeout_s: float = 600.0, poll_s: float = POLL_S) -> dict[str, Any]:
        """Poll until the job is done or failed; its last status."""
        deadline = time.monotonic() + timeout_s
        while True:
            doc = self.status(job_path)
            if doc["status"] in ("done", "failed"):
                return doc
            if time.monotonic() > deadline:
                raise HingeError(f"the job was still {doc['status']} after {timeout_s:.0f} s")
            time.sleep(poll_s)


def _form_part(boundary: str, name: str, value: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
    if filename:
        head += "Content-Type: video/mp4\r\n"
    return head.encode() + b"\r\n" + value + b"\r\n"


def _page_error(body: bytes) -> str:
    """The page's error line (``<p class="error">``), as ``: <message>``, or nothing."""
    found = re.search(rb'class="error"[^>]*>([^<]+)<', body)
    return ": " + unescape(found.group(1).decode("utf-8", "replace")).strip() if found else ""


def server_figures(clip: Path, *, model: str = "full", uploads: int = 1, timeout_s: float = 600.0,
                   workdir: Path | None = None) -> dict[str, Any]:
    """Upload ``clip`` to a real ``hinge serve`` (a new SQLite database and data folder) and time
    each upload until its report is ready, then time ``hinge analyze CLIP --json`` as a whole
    process on the same clip (after the server has stopped, so the two never share the CPUs).

    Returns ``clip``, ``model``, ``frames`` (of the clip, as the server counted them), ``status``
    of the job, ``upload_to_report_s`` (the first upload: POST of the video until the status says
    done, with the worker's imports and model load, as ``hinge analyze`` pays them),
    ``upload_to_report_warm_s`` (the median of uploads after the first; None with one upload),
    ``cli_analyze_s`` and ``ratio`` (``upload_to_report_s / cli_analyze_s``).
    Bad input (no such clip, a file the server refuses or cannot analyse) raises HingeError.
    """
    clip = Path(clip)
    if not clip.is_file():
        raise HingeError(f"{clip}: no such video")
    if uploads < 1:
        raise HingeError("uploads must be at least 1")
    with contextlib.ExitStack() as stack:
        root = Path(workdir) if workdir is not None else Path(stack.enter_context(tempfile.TemporaryDirectory()))
        root.mkdir(parents=True, exist_ok=True)
        seconds: list[float] = []
        doc: dict[str, Any] = {}
        with running_server(f"sqlite:///{root / 'hinge.db'}", root / "data", log=root / "serve.log",
                            model=model) as server:
            client = WebClient(server.url)
            client.sign_up("bench")
            for _ in range(uploads):
                start = time.perf_counter()
                job = client.upload(clip, clip.name)
                doc = client.wait(job, timeout_s)
                seconds.append(time.perf_counter() - start)
                if doc["status"] != "done":
                    raise HingeError(f"the server could not analyse {clip.name}: {doc.get('error')}")
        start = time.perf_counter()
        run = subprocess.run([*HINGE, "analyze", str(clip), "--json", "--model", model], capture_output=True,
                             stdin=subprocess.DEVNULL, timeout=timeout_s)
        cli_s = time.perf_counter() - start
    if run.returncode != 0:
        lines = run.stderr.decode("utf-8", "replace").strip().splitlines()
        raise HingeError(f"hinge analyze {clip.name} failed: {lines[-1] if lines else f'exit {run.returncode}'}")
    json.loads(run.stdout)   # it printed the analysis, nothing else
    return {
        "clip": clip.name,
        "model": model,
        "frames": int(doc.get("frames_total") or 0),
        "status": doc.get("status"),
        "uploads": uploads,
        "upload_to_report_s": round(seconds[0], 3),
        "upload_to_report_warm_s": round(statistics.median(seconds[1:]), 3) if len(seconds) > 1 else None,
        "cli_analyze_s": round(cli_s, 3),
        "ratio": round(seconds[0] / cli_s, 3) if cli_s > 0 else None,
    }
