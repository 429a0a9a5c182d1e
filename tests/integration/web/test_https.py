"""``hinge serve --https``: a self-signed certificate is made at first run for this machine's
addresses and reused after; the app answers over TLS with Secure cookies; the live socket works
over wss. A half-given certificate is one error line."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

HINGE = [str(Path(sys.executable).with_name("hinge"))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    proc = subprocess.Popen([*HINGE, "serve", "--port", str(port), "--db", str(tmp_path / "hinge.db"),
                             "--data", str(tmp_path / "data"), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, port
        if proc.poll() is not None:
            raise AssertionError(proc.stdout.read() if proc.stdout else "server exited")
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("server did not start")


def stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    proc, port = start(tmp_path, "--https")
    try:
        yield port, tmp_path / "data" / "tls" / "cert.pem"
    finally:
        stop(proc)


def test_a_self_signed_certificate_is_made_and_trusted_by_its_fingerprint(https_server, tmp_path: Path) -> None:  # noqa: ANN001
    port, cert = https_server
    assert cert.is_file() and (cert.parent / "key.pem").stat().st_mode & 0o077 == 0
    ctx = ssl.create_default_context(cafile=str(cert))
    with httpx.Client(verify=ctx, base_url=f"https://127.0.0.1:{port}") as c:
        r = c.get("/login")
        assert r.status_code == 200 and "Secure" in r.headers["set-cookie"]
    with pytest.raises(httpx.ConnectError):   # not trusted without the certificate
        httpx.get(f"https://127.0.0.1:{port}/login")


def test_the_certificate_is_reused_at_the_next_start(tmp_path: Path) -> None:
    proc, _ = start(tmp_path, "--https")
    first_out = stop(proc)
    cert = tmp_path / "data" / "tls" / "cert.pem"
    first = cert.read_bytes()
    proc, _ = start(tmp_path, "--https")
    second_out = stop(proc)
    assert cert.read_bytes() == first
    assert "new self-signed" in first_out and "new self-signed" not in second_out
    assert "SHA-256 fingerprint" in second_out


def test_the_live_socket_works_over_wss(https_server) -> None:  # noqa: ANN001
    import asyncio
    import json

    import websockets

    port, cert = https_server
    ctx = ssl.create_default_context(cafile=str(cert))
    with httpx.Client(verify=ctx, base_url=f"https://127.0.0.1:{port}") as c:
        c.get("/login")
        r = c.post("/signup", data={"csrf": c.cookies["hinge_csrf"], "username": "ana",
                                    "password": "correct horse battery", "role": "athlete"})
        assert r.status_code in (200, 303)
        session = c.cookies["hinge_session"]

    async def talk() -> dict:
        async with websockets.connect(f"wss://127.0.0.1:{port}/live/ws", ssl=ctx,
                                      additional_headers={"Cookie": f"hinge_session={session}"}) as ws:
            await ws.send(json.dumps({"type": "start", "width": 640, "height": 480}))
            return json.loads(await ws.recv())

    assert asyncio.run(talk())["type"] == "ready"


def test_half_a_certificate_is_one_error_line(tmp_path: Path) -> None:
    r = subprocess.run([*HINGE, "serve", "--cert", str(tmp_path / "c.pem"), "--db", str(tmp_path / "h.db")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "--key" in r.stderr and "Traceback" not in r.stderr
    (tmp_path / "c.pem").write_text("nope")
    (tmp_path / "k.pem").write_text("nope")
    r = subprocess.run([*HINGE, "serve", "--cert", str(tmp_path / "c.pem"), "--key", str(tmp_path / "k.pem"),
                        "--db", str(tmp_path / "h.db")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
