"""Sentences about an analysis for the terminal and the report: words in one module, apart
from measuring."""

from __future__ import annotations

from typing import Any


def _reps_text(indices: Any) -> str:
    """``rep 2`` or ``reps 1, 3, 4``."""
    ids = [str(i) for i in indices]
    return ("rep " if len(ids) == 1 else "reps ") + ", ".join(ids)


def describe_reference(doc: dict[str, Any]) -> str | None:
    """One sentence on the neutral set an ``analysis.json`` document was coached against (the
    terminal and the report); None when it was coached against the packaged thresholds."""
    ref = (doc.get("provenance") or {}).get("reference")
    if not ref:
        return None
    where = f"the neutral set logged {str(ref.get('performed_at'))[:10]}" if "logged_set" in ref \
        else f"the neutral set {ref.get('path')}"
    reps = max((int(m.get("reps", 0)) for m in (ref.get("measures") or {}).values()), default=0)
    rules = ", ".join(sorted(ref.get("measures") or {})).replace("_", " ")
    return f"Read against {where} ({reps} reps): {rules} judged by how far each rep is from it."


def describe_back(doc: dict[str, Any]) -> str | None:
    """One sentence on the experimental back reading of an ``analysis.json`` document, for the
    terminal and the report: what it was read against and which reps read rounded or neutral.
    None when the silhouette was not measured."""
    reps = doc.get("reps") or []
    if not any((r.get("metrics") or {}).get("back_outline_bend_deg") is not None for r in reps):
        return None
    ref = (doc.get("provenance") or {}).get("back_reference")
    against = "standing" if not ref else (
        f"the neutral set logged {str(ref.get('performed_at'))[:10]}" if "logged_set" in ref else str(ref.get("path")))
    rounded = [e for e in doc.get("experimental") or [] if e.get("id") == "rounded_back"]
    # against a neutral set of enough reps the back is coached: its findings are among the rep's faults
    coached = [{**f, "rep": r.get("index")} for r in reps for f in r.get("faults") or [] if f.get("id") == "rounded_back"]
    neutral = [n for n in doc.get("experimental_notes") or [] if n.get("id") == "neutral_back"]
    parts = []
    if rounded or coached:
        found = rounded + coached
        parts.append(f"rounded on {_reps_text(e['rep'] for e in found)} "
                     f"(up to {max(e['value'] for e in found):.0f}°)")
    if neutral:
        parts.append(f"neutral on {_reps_text(n['rep'] for n in neutral)}")
    said = "; ".join(parts) or "no rep read clearly rounded or neutral"
    from hingecoach.core.faults.rounded_back import coached_against
    from hingecoach.core.settings import load_settings

    how = "coached" if coached_against(ref, load_settings().coaching.reference_min_reps) else "experimental, not coached"
    return f"Back ({how}; against {against}): {said}."
