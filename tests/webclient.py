"""Helpers for the web app's tests: a TestClient's CSRF token, sign-up, login and upload."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from hingecoach.web.app import CSRF_COOKIE

PASSWORD = "correct horse battery"


def csrf(client: TestClient) -> str:
    """The client's CSRF token (a page visit sets it)."""
    if CSRF_COOKIE not in client.cookies:
        client.get("/login")
    return client.cookies[CSRF_COOKIE]


def sign_up(client: TestClient, name: str, role: str = "athlete", password: str = PASSWORD) -> None:
    """Create an account and stay signed in as it."""
    r = client.post("/signup", data={"csrf": csrf(client), "username": name, "password": password, "role": role},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


def log_in(client: TestClient, name: str, password: str = PASSWORD) -> int:
    """Log in; the status code (303 when it worked)."""
    r = client.post("/login", data={"csrf": csrf(client), "username": name, "password": password},
                    follow_redirects=False)
    return r.status_code


def log_out(client: TestClient) -> None:
    """Log out."""
    r = client.post("/logout", data={"csrf": csrf(client)}, follow_redirects=False)
    assert r.status_code == 303


def upload(client: TestClient, content: bytes | Path, filename: str = "set.mp4", drill: str = ""):  # noqa: ANN201
    """Send a video with the upload form; the response (not followed)."""
    body = content.read_bytes() if isinstance(content, Path) else content
    return client.post("/upload", data={"csrf": csrf(client), "drill": drill},
                       files={"video": (filename, body, "video/mp4")}, follow_redirects=False)


def short_clip(source: Path, target: Path, frames: int = 45, width: int = 320) -> Path:
    """The first ``frames`` frames of a video, scaled down to ``width`` px, as H.264 MP4 (a quick job)."""
    import av

    with av.open(str(source)) as src, av.open(str(target), "w") as dst:
        stream_in = src.streams.video[0]
        height = int(round(stream_in.codec_context.height * width / stream_in.codec_context.width / 2)) * 2
        out = dst.add_stream("libx264", rate=30)
        out.width, out.height, out.pix_fmt = width, height, "yuv420p"
        for i, frame in enumerate(src.decode(stream_in)):
            if i >= frames:
                break
            for packet in out.encode(frame.reformat(width=width, height=height, format="yuv420p")):
                dst.mux(packet)
        for packet in out.encode():
            dst.mux(packet)
    return target


def audio_only(target: Path) -> Path:
    """A short MP4 holding only an AAC audio track (no picture)."""
    import av
    import numpy as np

    with av.open(str(target), "w") as dst:
        out = dst.add_stream("aac", rate=44100)
        samples = np.zeros((1, 1024), dtype=np.float32)
        for i in range(20):
            frame = av.AudioFrame.from_ndarray(samples, format="flt", layout="mono")
            frame.sample_rate, frame.pts = 44100, i * 1024
            for packet in out.encode(frame):
                dst.mux(packet)
        for packet in out.encode():
            dst.mux(packet)
    return target
