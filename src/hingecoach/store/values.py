"""What a stored number may be: the plausible range of loads, reps and ratings, and strict JSON.

Pipeline position: imports (Strong / Hevy CSV) and hand logging → **these checks** → store;
store → :func:`~hingecoach.core.numeric.json_safe` → export. A value outside these ranges is a typo or a broken export
(``inf``, ``1e309``, a weight of -20 kg, an RPE of 99), never a training fact, so it is refused
before anything is written; the export never writes ``NaN`` or ``Infinity`` (not JSON).
"""

from __future__ import annotations

import math

#: The heaviest load a set may carry, in kg: twice the deadlift world record, and then some.
MAX_LOAD_KG = 1000.0
#: The most reps one set may have.
MAX_REPS = 1000
#: Confidence and RPE are rated on this scale.
RATING_MIN, RATING_MAX = 1.0, 10.0


def load_problem(load_kg: float | None) -> str | None:
    """Why ``load_kg`` cannot be stored (a phrase), or None when it can."""
    if load_kg is None:
        return None
    if not math.isfinite(load_kg):
        return f"is not a finite number ({load_kg!r})"
    if load_kg < 0:
        return f"cannot be negative ({load_kg:g} kg)"
    if load_kg > MAX_LOAD_KG:
        return f"is implausible ({load_kg:g} kg; at most {MAX_LOAD_KG:g} kg)"
    return None


def reps_problem(reps: int) -> str | None:
    """Why a set's ``reps`` cannot be stored (a phrase), or None when it can."""
    if reps < 0:
        return f"cannot be negative ({reps})"
    if reps > MAX_REPS:
        return f"is implausible ({reps}; at most {MAX_REPS} in a set)"
    return None


def rating_problem(value: float | None) -> str | None:
    """Why an RPE or confidence rating cannot be stored (a phrase), or None when it can."""
    if value is None:
        return None
    if not math.isfinite(value) or not RATING_MIN <= value <= RATING_MAX:
        return f"must be {RATING_MIN:g} to {RATING_MAX:g}, not {value!r}"
    return None


