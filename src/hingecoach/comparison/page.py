"""The comparison page (Jinja2): what changed in words first, the two sets side by side, then
the numbers, the faults, the curves and the pairing. Self-contained like the report: images are
inlined, the video sits beside the page and plays with controls; nothing from a CDN.

Pipeline position: ``comparison.json`` (as a document) + the curves + the poster frame →
**page** (``compare.html``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from hingecoach import __version__
from hingecoach.core.compare.changes import format_value
from hingecoach.report.html import data_uri

TEMPLATE = "compare.html.j2"
VERDICT_TEXT = {"better": "better", "worse": "worse", "same": "the same", "changed": "changed"}


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=PackageLoader("hingecoach.comparison", "templates"),
                       autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)


def _times(events: dict[str, Any]) -> str:
    return " · ".join(f"{float(events[k]):.2f}" for k in ("start_s", "bottom_s", "end_s"))


def page_context(doc: dict[str, Any], *, curves: bytes | None, poster: bytes | None, video_name: str | None,
                 no_video: str | None = None) -> dict[str, Any]:
    """What the template shows, from a ``comparison.json`` document."""
    metrics = []
    for m in doc["metrics"]:
        if m["key"] == "faulted_reps":
            metrics.append({"key": m["key"], "label": m["label"], "a": f"{m['a']} of {m['a_of']}",
                            "b": f"{m['b']} of {m['b_of']}", "difference": f"{m['difference']:+d}" if m["difference"] else "0",
                            "verdict": m["verdict"], "verdict_text": VERDICT_TEXT.get(m["verdict"], "")})
            continue
        metrics.append({"key": m["key"], "label": m["label"], "a": format_value(m["a"], m["unit"]),
                        "b": format_value(m["b"], m["unit"]), "difference": format_value(m["difference"], m["unit"], signed=True),
                        "verdict": m["verdict"], "verdict_text": VERDICT_TEXT.get(m["verdict"] or "", "")})
    faults = [{"name": f["id"].replace("_", " "), "a_reps": f["a_reps"], "b_reps": f["b_reps"], "status": f["status"],
               "css": "better" if f["status"] in ("gone", "fewer") else ("worse" if f["status"] in ("new", "more") else "same"),
               "cue": f["cue"]} for f in doc["faults"]]
    pairs = []
    for p in doc["pairs"]:
        speed = "–" if p["b_speed_down"] is None or p["b_speed_up"] is None else \
            f"{p['b_speed_down']:.2f} / {p['b_speed_up']:.2f}"
        pairs.append({"a_rep": p["a_rep"], "b_rep": p["b_rep"], "a_times": _times(p["a"]), "b_times": _times(p["b"]),
                      "speed": speed, "depth_rms": format_value(p["depth_rms_deg"], "deg"),
                      "shape_rms": f"{p['shape_rms_pct']:.0f}%" if p["shape_rms_pct"] is not None else "–"})
    unpaired = doc.get("unpaired") or {}
    left = [f"{'rep' if len(v) == 1 else 'reps'} {', '.join(map(str, v))} of {k.upper()}" for k, v in unpaired.items() if v]
    return {
        "version": __version__, "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "a": doc["a"], "b": doc["b"], "summary": doc["summary"], "selected_rep": doc["selection"]["rep"],
        "metrics": metrics, "faults": faults, "pairs": pairs,
        "unpaired": ("Not paired: " + "; ".join(left) + ".") if left else "",
        "curves": data_uri(curves, "image/png") if curves else None,
        "poster": data_uri(poster, "image/jpeg") if poster else None,
        "video": video_name, "no_video": no_video,
        "mirrored": bool(doc["a"].get("mirrored") or doc["b"].get("mirrored")),
        "warnings": doc.get("warnings") or [],
    }


def write_page(path: Path, context: dict[str, Any]) -> Path:
    """Render the page to ``path``."""
    html = _environment().get_template(TEMPLATE).render(**context)
    path.write_text(html, encoding="utf-8")
    return path
