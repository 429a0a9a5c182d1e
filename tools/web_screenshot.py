"""Take docs/web.png: the set page of the web app at a phone's width, after a real upload of the
demo clip (headless Debian chromium, Playwright). Run: .venv/bin/python tools/web_screenshot.py"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from hingecoach.web.app import WebConfig, create_app

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main(out: Path = ROOT / "docs" / "web.png") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        app = create_app(WebConfig(db=str(Path(tmp) / "hinge.db"), data_dir=Path(tmp) / "data"))
        srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=srv.run, daemon=True).start()
        while not srv.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True,
                                        has_touch=True, device_scale_factor=1)
                page.goto(f"{base}/signup")
                page.fill("#username", "ana")
                page.fill("#password", "a long enough passphrase")
                page.click("main button[type=submit]")
                page.wait_for_url(f"{base}/")
                page.click("text=Film a set >> nth=0")
                page.locator("input#video").set_input_files(str(ROOT / "bench" / "clips" / "demo_rdl.mp4"))
                page.click("main button[type=submit]")
                page.wait_for_url("**/jobs/*")
                page.wait_for_selector("#cues", timeout=300_000)
                page.wait_for_function("() => { const v = document.querySelector('video#video');"
                                       " return v && v.readyState >= 2; }", timeout=30_000)
                page.screenshot(path=str(out), full_page=False)
                browser.close()
        finally:
            srv.should_exit = True
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "web.png")
