"""The phone's view, in headless Chromium (Playwright) at a phone's size: sign up, film a set
(the upload form, as a browser sends it), watch the progress page poll until the worker is done,
and play the annotated video. Skips without Chromium (tests/needs.py; under CI it fails)."""

from __future__ import annotations

from pathlib import Path

from needs import CHROMIUM_ARGS
from webclient import PASSWORD, short_clip

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "bench" / "clips" / "demo_rdl.mp4"


def test_film_a_set_on_a_phone(chromium: Path, server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    clip = short_clip(DEMO, tmp_path / "clip.mp4")
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.goto(f"{server}/signup")
            page.fill("#username", "ana")
            page.fill("#password", PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_url(f"{server}/")
            assert "Quadruped sitback" in page.locator("#today").inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390   # fits the phone
            page.click("text=Film a set >> nth=0")
            field = page.locator("input#video")
            assert field.get_attribute("accept") == "video/*" and field.get_attribute("capture") is not None
            field.set_input_files(str(clip))
            page.click("main button[type=submit]")
            page.wait_for_url("**/jobs/*")
            page.wait_for_selector("#cues", timeout=120_000)     # the page polled and reloaded itself
            duration = page.wait_for_function(
                "() => { const v = document.querySelector('video#video');"
                " return v && v.readyState >= 1 && v.duration > 0 ? v.duration : null; }", timeout=20_000).json_value()
            assert abs(float(duration) - 1.5) < 0.2
        finally:
            browser.close()
    assert not problems, problems
