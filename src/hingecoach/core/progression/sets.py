"""Sets logged by hand: the clean reps of a session spread over its sets.

Pipeline position: ``hinge log`` / a web form → **this** → store (one set record per set) →
progression engine. Pure: no files, no database.
"""

from __future__ import annotations

from hingecoach.errors import HingeError


def split_clean_reps(sets: int, reps: int, clean: int | None) -> list[int | None]:
    """The clean reps of each set, given the clean reps over all ``sets`` sets of ``reps``.

    Sets are filled in order: 27 clean of 3 × 10 is 10, 10, 7 (the last sets are the ones that
    broke down). ``clean`` None (not counted) gives None for every set. More clean reps than
    reps, or a negative count, is a HingeError.
    """
    if sets < 1 or reps < 0:
        raise HingeError(f"cannot log {sets} sets of {reps} reps")
    if clean is None:
        return [None] * sets
    if clean < 0:
        raise HingeError(f"--clean {clean} cannot be negative")
    if clean > sets * reps:
        raise HingeError(f"--clean {clean} is more than the {sets * reps} reps logged")
    split: list[int | None] = []
    remaining = clean
    for _ in range(sets):
        set_clean = min(reps, remaining)
        remaining -= set_clean
        split.append(set_clean)
    return split
