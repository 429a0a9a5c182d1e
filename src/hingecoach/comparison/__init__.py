"""Comparing two sets (week 1 against week 4): ``comparison.json``, the side-by-side video, the
curves on one rep time base and a page, like the report.

Pipeline position: two sets (videos, keypoint files, ``analysis.json`` files, ``--out``
folders or logged sets: :mod:`.sources`) → the pure comparison (:mod:`hingecoach.core.compare`:
pairing, time warp, differences, sentences) → **outputs** (:mod:`.video`, :mod:`.plot`,
:mod:`.page`). ``hinge compare`` calls :func:`run_compare`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hingecoach.comparison.sources import ComparedSet, first_and_last, load_set
from hingecoach.comparison.video import mirror_side
from hingecoach.core.compare import Comparison, compare_sets
from hingecoach.core.numeric import strict_json
from hingecoach.errors import HingeError

COMPARISON_NAME = "comparison.json"
VIDEO_NAME = "side_by_side.mp4"
CURVES_NAME = "curves.png"
HTML_NAME = "compare.html"

__all__ = ["COMPARISON_NAME", "CURVES_NAME", "HTML_NAME", "VIDEO_NAME", "CompareRun", "ComparedSet", "compare",
           "load_set", "run_compare", "write_comparison"]


@dataclass
class CompareRun:
    """Two sets compared: the sets, the comparison, its document and what was written."""

    a: ComparedSet
    b: ComparedSet
    comparison: Comparison
    document: dict[str, Any]
    written: dict[str, Path] = field(default_factory=dict)
    #: Things to tell the lifter that are not warnings about the numbers (what was not drawn, and why).
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        """``comparison.json`` as text (strict JSON: no NaN)."""
        return strict_json(self.document)




def _full_range(doc: dict[str, Any]) -> float | None:
    from hingecoach.report.model import drill_full_range

    full = drill_full_range((doc.get("drill") or {}).get("id"))
    return full[0] if full else None


def compare(a: ComparedSet, b: ComparedSet, *, rep: int | None = None) -> CompareRun:
    """Compare two loaded sets (A before, B now); ``rep``: only rep ``rep`` of A and its partner."""
    comparison = compare_sets(a.doc, b.doc, a.signals(), b.signals(), rep=rep, full_range_deg=_full_range(b.doc),
                              names=(f"A ({a.label})", f"B ({b.label})"))
    mirror = mirror_side(a, b) if a.features is not None and b.features is not None else None  # only drawn sets
    body = comparison.to_dict()
    document = {"schema_version": body.pop("schema_version"),
                "a": {**a.describe(), "mirrored": mirror == "a"}, "b": {**b.describe(), "mirrored": mirror == "b"},
                **body, "outputs": {}}
    notes = [f"{s.label}: {s.no_track}" for s in (a, b) if s.no_track]
    return CompareRun(a=a, b=b, comparison=comparison, document=document, notes=notes)


def _save_fresh(s: ComparedSet, folder: Path) -> dict[str, Path]:
    """A set analysed now is saved (analysis.json + track.npz), so it need not be analysed again."""
    if s.result is None:
        return {}
    folder.mkdir(parents=True, exist_ok=True)
    from hingecoach.io.analysis_json import write_analysis

    return {"analysis": write_analysis(s.result.analysis, folder / "analysis.json"),
            "track": s.result.track.save(folder / "track.npz")}


def write_comparison(run: CompareRun, out_dir: Path, *, video: bool | None = None, plots: bool = True,
                     html: bool = True) -> dict[str, Path]:
    """Write ``comparison.json`` and (by default) the side-by-side video, the curves and the page.

    ``video``: None writes it when both pose tracks are at hand (and says why not otherwise);
    True insists (a set without its track is then an error); False leaves it out.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise HingeError(f"{out_dir}: exists and is not a folder")
    a, b = run.a, run.b
    missing = next((s for s in (a, b) if s.features is None), None)
    if video and missing is not None:
        raise HingeError(f"{missing.label}: there is no pose track for the side-by-side video: {missing.no_track}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for side, s in (("a", a), ("b", b)):
        for kind, path in _save_fresh(s, out_dir / side).items():
            written[f"{side}_{kind}"] = path
    poster: bytes | None = None
    no_video = None
    if missing is not None:
        no_video = f"No side-by-side video or curves: {missing.label}: {missing.no_track}."
    if video is not False and missing is None:
        import cv2

        from hingecoach.comparison.video import render_side_by_side

        stats = render_side_by_side(a, b, run.comparison, out_dir / VIDEO_NAME)
        written["video"] = out_dir / VIDEO_NAME
        if stats.poster is not None:
            ok, buf = cv2.imencode(".jpg", cv2.cvtColor(stats.poster, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
            poster = bytes(buf) if ok else None
    curves: bytes | None = None
    if (plots or html) and missing is None:
        from hingecoach.comparison.plot import curves_png

        curves = curves_png(run.comparison, a, b)
        if plots:
            (out_dir / CURVES_NAME).write_bytes(curves)
            written["curves"] = out_dir / CURVES_NAME
    run.document["outputs"] = {k: p.name if p.parent == out_dir else str(p.relative_to(out_dir)) for k, p in written.items()}
    if html:
        run.document["outputs"]["html"] = HTML_NAME
    run.document["outputs"]["comparison"] = COMPARISON_NAME
    (out_dir / COMPARISON_NAME).write_text(run.to_json() + "\n", encoding="utf-8")
    written["comparison"] = out_dir / COMPARISON_NAME
    if html:
        from hingecoach.comparison.page import page_context, write_page

        context = page_context(run.document, curves=curves, poster=poster,
                               video_name=VIDEO_NAME if "video" in written else None, no_video=no_video)
        written["html"] = write_page(out_dir / HTML_NAME, context)
    run.written = written
    return written


def run_compare(a: str, b: str | None = None, *, out_dir: Path | None = None, rep: int | None = None,
                video: bool | None = None, plots: bool = True, html: bool = True, db: str | None = None,
                model: str = "full", drill: str | None = None, first: bool = False, last: bool = False) -> CompareRun:
    """``hinge compare``: load the two sets, compare them, write the outputs when ``out_dir`` is given.

    With ``b`` None, ``a`` is an athlete and ``drill`` a drill: their first and latest analysed
    sets of it in the training log (``first`` and ``last``, both implied) are compared.
    """
    if b is None:
        if not drill:
            raise HingeError("give two sets to compare, or an athlete with --drill DRILL --first --last")
        if (first or last) and not (first and last):
            raise HingeError("--first and --last go together: the first set against the latest")
        set_a, set_b = first_and_last(a, drill, db)
    else:
        if first or last:
            raise HingeError("--first and --last pick two sets from the log: give the athlete alone, with --drill")
        set_a = load_set(a, db=db, model=model, drill=drill)
        set_b = load_set(b, db=db, model=model, drill=drill)
    run = compare(set_a, set_b, rep=rep)
    if out_dir is not None:
        write_comparison(run, out_dir, video=video, plots=plots, html=html)
    elif video:
        raise HingeError("--video writes a file: add --out DIR")
    return run
