"""The report in a real browser: headless Debian Chromium, driven by Playwright for Python.

The page is served over http from 127.0.0.1 (as a lifter would open it from a folder, but
with range requests so the video can seek). It must load without console errors, show the rep
count and the primary cue, and its <video> must load metadata with a duration > 0: the
annotated mp4 really decodes in Chromium. Skips when Chromium (or Playwright) is absent; under
CI=true a missing browser fails (tests/needs.py).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import PRIMARY, Written
from needs import CHROMIUM_ARGS


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture
def served(written: Written, tmp_path: Path) -> Iterator[str]:
    """The report folder over http://127.0.0.1 (threading server, random port)."""
    folder = tmp_path / "site"
    shutil.copytree(written.out, folder)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/report.html"
    finally:
        server.shutdown()
        server.server_close()


def test_report_opens_and_video_plays_in_chromium(chromium: Path, served: str, written: Written) -> None:
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
            response = page.goto(served, wait_until="load")
            assert response is not None and response.ok
            assert page.locator("#rep-count").inner_text() == str(len(written.result.analysis.reps))
            assert page.locator("#primary-cue").inner_text() == PRIMARY
            duration = page.wait_for_function(
                "() => { const v = document.querySelector('video#annotated');"
                " return v && v.readyState >= 1 && v.duration > 0 ? v.duration : null; }", timeout=20_000).json_value()
            expected = written.result.track.n_frames / written.result.track.fps
            assert abs(float(duration) - expected) < 0.2
            error = page.evaluate("document.querySelector('video#annotated').error")
            assert error is None
            # It decodes, not only parses: seek into the clip and get a painted frame.
            page.evaluate("""() => new Promise(done => { const v = document.querySelector('video#annotated');
                v.addEventListener('seeked', () => done(), {once: true}); v.currentTime = 1.0; })""")
            assert page.evaluate("document.querySelector('video#annotated').videoWidth") > 0
        finally:
            browser.close()
    assert not problems, problems
