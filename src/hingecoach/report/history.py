"""The athlete's history for the report, read from the training log (optional), and the
``hinge history --chart`` PNG.

Pipeline position: **store** (:func:`hingecoach.store.history`) → report history chart. The
chart appears only when a database was named and it holds sessions; a missing, empty or
ambiguous log (several athletes and none named) is skipped, never an error: the report of this
set does not depend on it. :func:`write_history_chart` draws the training-log chart to a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hingecoach.errors import HingeError


def athlete_history(db: str | None, athlete: str | None = None) -> tuple[str, list[dict[str, Any]]] | None:
    """``(athlete name, sessions oldest first)``, or None when there is no log to show."""
    if not db:
        return None  # never create the default database just to draw a chart
    if "://" not in db and not Path(db).expanduser().exists():
        return None  # nor a new SQLite file
    from hingecoach.store import history

    try:
        name, sessions = history(db, athlete)
    except HingeError:
        return None
    return (name, sessions) if sessions else None


def write_history_chart(athlete: str, sessions: list[dict[str, Any]], path: Path) -> None:
    """Draw clean-rep % per session (one line per ladder drill) and load to a PNG at ``path``;
    a file that cannot be written is a HingeError."""
    from hingecoach.report.plots import training_log_png

    png = training_log_png(athlete, sessions)
    try:
        Path(path).write_bytes(png)
    except OSError as e:
        raise HingeError(f"cannot write the chart to {path}: {e.strerror or e}") from None
