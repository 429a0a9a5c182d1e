"""A short scenario for the renderer tests (tests/integration/synth/render): one rep at a quick
tempo, so a test renders in seconds."""

from __future__ import annotations

from typing import Any

SHORT = {"lead_in_s": 0.2, "descent_s": 0.5, "bottom_s": 0.1, "ascent_s": 0.4, "top_s": 0.2}


def scenario(**kw: Any) -> dict[str, Any]:
    """A one-rep Romanian deadlift scenario at the short tempo, with ``kw`` laid over it."""
    s: dict[str, Any] = {"name": "t", "drill": "romanian_deadlift", "reps": 1, "seed": 7, "tempo": SHORT}
    s.update(kw)
    return s
