"""Receiving a video from a phone: the multipart body streamed to disk in chunks, with a size cap,
the CSRF field checked before a byte of the file is written, then the content checked by probing
(``hingecoach.io.video.probe``) and a duration cap.

Pipeline position: web route → **uploads** → io.video. The sender's file name is kept for display
only (its last path component, shortened); the file is stored as ``<job folder>/upload``.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.multipart import MultipartParser, parse_options_header

from hingecoach.errors import HingeError
from hingecoach.io.video import VideoInfo, probe

FILE_FIELD = "video"
MAX_FIELD_BYTES = 10_000  # a text field of the upload form (the CSRF token, the drill)


class UploadRefused(HingeError):
    """The upload is refused; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Received:
    """What the form sent: its text fields, the file's display name and size."""

    fields: dict[str, str] = field(default_factory=dict)
    filename: str | None = None
    size: int = 0


@dataclass
class _Part:
    """The multipart part being read: its headers so far, its field name, a text field's bytes."""

    header: bytes = b""
    value: bytes = b""
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str | None = None
    buf: bytes = b""


def display_name(raw: str | None) -> str:
    """The sender's file name for display only: its last component, printable, at most 100 characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    return (name or "video")[:100]


def human_size(n: int) -> str:
    """Bytes in MB or GB, for messages."""
    return f"{n / 1e9:g} GB" if n >= 1e9 else f"{n / 1e6:g} MB"


async def receive_upload(stream: AsyncIterator[bytes], content_type: str, target: Path, *, max_bytes: int,
                         csrf_expected: str | None) -> Received:
    """Parse a ``multipart/form-data`` body from ``stream``, writing the ``video`` part to ``target``.

    Refused (:class:`UploadRefused`): not multipart; a text field over ``MAX_FIELD_BYTES``; the
    file before a valid ``csrf`` field (403); a file over ``max_bytes`` (413, the partial file
    deleted).
    """
    ctype, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise UploadRefused("send the video with the upload form")
    got = Received()
    part = _Part()
    out: list[IO[bytes]] = []
    problem: list[UploadRefused] = []

    def on_part_begin() -> None:
        part.header, part.value, part.headers, part.name, part.buf = b"", b"", {}, None, b""

    def on_header_field(data: bytes, start: int, end: int) -> None:
        part.header += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        part.value += data[start:end]

    def on_header_end() -> None:
        part.headers[part.header.lower()] = part.value
        part.header, part.value = b"", b""

    def on_headers_finished() -> None:
        _, disp = parse_options_header(part.headers.get(b"content-disposition", b""))
        part.name = disp.get(b"name", b"").decode("utf-8", "replace")
        if part.name == FILE_FIELD and not problem:
            token = got.fields.get("csrf", "")
            if csrf_expected is None or not hmac.compare_digest(token.encode(), csrf_expected.encode()):
                problem.append(UploadRefused("the form has expired; reload the page and send it again", 403))
                return
            got.filename = display_name(disp.get(b"filename", b"").decode("utf-8", "replace"))
            out.append(target.open("wb"))

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if problem:
            return
        chunk = data[start:end]
        if part.name == FILE_FIELD:
            if not out:
                return
            got.size += len(chunk)
            if got.size > max_bytes:
                problem.append(UploadRefused(f"the video is larger than the {human_size(max_bytes)} limit", 413))
                return
            out[-1].write(chunk)
        else:
            part.buf += chunk
            if len(part.buf) > MAX_FIELD_BYTES:
                problem.append(UploadRefused("a form field is too long"))

    def on_part_end() -> None:
        if part.name and part.name != FILE_FIELD and not problem:
            got.fields[part.name] = part.buf.decode("utf-8", "replace")

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
        "on_part_end": on_part_end})
    try:
        async for chunk in stream:
            parser.write(chunk)
            if problem:
                break
        else:
            parser.finalize()
    except UploadRefused:
        raise
    except Exception:
        problem.append(UploadRefused("the upload was malformed or cut off; send it again"))
    finally:
        for fh in out:
            fh.close()
    if problem:
        target.unlink(missing_ok=True)
        raise problem[0]
    return got


def check_video(path: Path, shown_name: str, *, max_duration_s: float) -> VideoInfo:
    """Probe the stored upload: a readable video with a picture, not longer than the cap.

    Raises :class:`UploadRefused` with a message that names the file as the sender called it.
    """
    try:
        info = probe(path)
    except HingeError as exc:
        reason = str(exc).split(": ", 1)[-1]
        raise UploadRefused(f"{shown_name}: {reason}") from None
    if info.duration_s > max_duration_s:
        raise UploadRefused(f"{shown_name}: the video is {info.duration_s:.0f} s long; the limit is "
                            f"{max_duration_s:.0f} s (film one set)")
    return info
