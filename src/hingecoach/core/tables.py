"""Checking a parsed TOML table (settings, drill files) against the keys its schema knows: a
typo is a one-line error naming the file and the key, never a silent fallback to a default."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from hingecoach.errors import HingeError


def check_keys(table: Any, known: Collection[str], where: str, *, required: Collection[str] = (),
               kind: str = "key") -> dict[str, Any]:
    """``table`` itself when it is a table whose keys are all ``known`` and hold every
    ``required`` one; otherwise a :class:`HingeError` naming ``where`` and the first offender
    (``kind``: what a key is called in the message, "key" or "table")."""
    if not isinstance(table, dict):
        raise HingeError(f"{where}: expected a table, got {table!r}")
    unknown = sorted(set(table) - set(known))
    if unknown:
        shown = f"[{unknown[0]}]" if kind == "table" else repr(unknown[0])
        raise HingeError(f"{where}: unknown {kind} {shown} (known: {', '.join(sorted(known))})")
    missing = sorted(set(required) - set(table))
    if missing:
        shown = f"[{missing[0]}]" if kind == "table" else repr(missing[0])
        raise HingeError(f"{where}: missing {kind} {shown}")
    return table
