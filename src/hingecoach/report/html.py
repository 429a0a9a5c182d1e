"""The self-contained HTML report (Jinja2): verdict and recommendation first, then the detail.

Pipeline position: report model + plots + keyframes → **HTML** (``report.html``). Images are
inlined as data URIs; the annotated video sits beside the page and is referenced relatively,
so the folder can be moved, zipped or served as it is. The template lives in
``report/templates/``.
"""

from __future__ import annotations

import base64
import math
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from hingecoach import __version__
from hingecoach.core.coach.sentences import describe_back, describe_reference
from hingecoach.report.model import ReportModel, humanize, verdict
from hingecoach.report.plots import severity_colour

TEMPLATE = "report.html.j2"


def data_uri(data: bytes, mime: str) -> str:
    """``data:`` URI of some bytes."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _num(v: Any, digits: int = 0, unit: str = "") -> str:
    if not isinstance(v, int | float) or not math.isfinite(v):
        return "–"
    return f"{v:.{digits}f}{unit}"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("hingecoach.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = _num
    env.filters["human"] = humanize
    env.filters["severity_colour"] = severity_colour
    return env


def _cards_note(n_reps: int, n_faulty: int, cards: list[dict[str, Any]]) -> str:
    """What a long set's cards leave out, in words."""
    shown_faulty = sum(1 for c in cards if c["faults"])
    if n_faulty > shown_faulty:
        which = f"{shown_faulty} of the {n_faulty:,} faulty reps, the most serious first, then in rep order"
    elif n_faulty:
        which = f"every faulty rep ({n_faulty:,}) and clean reps spread over the set"
    else:
        which = "clean reps spread over the set"
    return f"{len(cards)} of {n_reps:,} reps shown here: {which}. The table above lists every rep."


def page_context(model: ReportModel, images: dict[str, bytes], keyframes: dict[int, bytes],
                 video_name: str | None, history: tuple[str, bytes] | None) -> dict[str, Any]:
    """Everything the template shows, as plain values."""
    doc = model.doc
    rec = doc.get("recommendation") or None
    target = model.target
    scale = max([target.deg if target else 0.0] + [
        float(r["metrics"]["hip_flexion_peak_deg"]) for r in model.reps
        if isinstance(r["metrics"].get("hip_flexion_peak_deg"), int | float)] + [1.0]) * 1.1
    reps = []
    for r in model.reps:
        m = r["metrics"]
        peak = m.get("hip_flexion_peak_deg")
        faults = model.faults_by_rep.get(int(r["index"]), [])
        reps.append({
            "index": r["index"], "start_s": r["start_s"], "end_s": r["end_s"], "bottom_s": r["bottom_s"],
            "peak": peak, "peak_pct": 100.0 * float(peak) / scale if isinstance(peak, int | float) else 0.0,
            "knee": m.get("knee_flexion_bottom_deg"), "trunk": m.get("trunk_inclination_bottom_deg"),
            "down_s": m.get("down_s"), "up_s": m.get("up_s"), "faults": faults,
            "keyframe": data_uri(keyframes[r["index"]], "image/jpeg") if r["index"] in keyframes else None,
        })
    source = doc.get("source") or {}
    drill = doc.get("drill") or {}
    featured = {int(r["index"]) for r in model.featured_reps()}
    cards = [r for r in reps if int(r["index"]) in featured]
    faulty = [r for r in reps if r["faults"]]
    return {
        "title": Path(str(source.get("path") or "set")).name,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__,
        "verdict": verdict(model),
        "n_reps": model.n_reps,
        "rec": rec,
        "drill": (drill.get("name") or humanize(drill["id"])) if drill.get("id") else None,
        "view": (doc.get("view") or {}).get("label"),
        "duration_s": doc.get("duration_s"),
        "target": target,
        "target_pct": 100.0 * target.deg / scale if target else None,
        "reps": reps,
        "faulty_reps": faulty,
        "cards": cards,
        "summarised": model.summarised,
        "cards_note": _cards_note(len(reps), len(faulty), cards) if model.summarised else None,
        "video": video_name,
        "images": {k: data_uri(v, "image/png") for k, v in images.items()},
        "history": {"athlete": history[0], "image": data_uri(history[1], "image/png")} if history else None,
        "warnings": doc.get("warnings") or [],
        "back_outline": bool(model.dorsal),
        "back_summary": describe_back(doc),
        "reference_summary": describe_reference(doc),
    }


def render_html(context: dict[str, Any]) -> str:
    """The page as text."""
    return _environment().get_template(TEMPLATE).render(**context)


def write_html(path: Path, context: dict[str, Any]) -> Path:
    """Write the page (atomically)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(render_html(context), encoding="utf-8")
    tmp.replace(path)
    return path
