"""Readers for other apps' workout exports (Strong and Hevy CSV) into importable workouts.

Pipeline position: a foreign CSV → **this reader** → store (:func:`hingecoach.store.import_workouts`).
Exercise names that mean a ladder drill (``aliases`` in the progression rules, e.g. "Romanian
Deadlift (Barbell)" → ``romanian_deadlift``) are mapped to it; every other exercise is kept as
it was named. Loads are converted to kg. Imported sets have no clean-rep count, so they are
history only: they never move the progression.

A value that cannot be a training fact (``inf``, ``nan``, ``1e309``, a negative weight, an RPE
outside 1-10, more than :data:`~hingecoach.store.values.MAX_REPS` reps) refuses the whole file
with one line naming the file, the line and the column: nothing of it is stored.

A workout is known by its app, start time and title (``external_ref``) and by what it holds
(:attr:`ImportedWorkout.content_sha256`): the same workout again is skipped; a corrected export
of it (same start and title, other sets or notes) replaces the earlier import.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from hingecoach.core.progression.rules import Rules
from hingecoach.errors import HingeError
from hingecoach.store.values import MAX_LOAD_KG, MAX_REPS, RATING_MAX, RATING_MIN

Format = Literal["auto", "strong", "hevy"]
KG_PER_LB = 0.45359237
STRONG_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")
HEVY_DATE_FORMATS = ("%d %b %Y, %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z")
STRONG_SET_KINDS = {"W": "warm-up", "D": "drop set", "F": "failure"}


@dataclass
class ImportedSet:
    """One set of an imported workout."""

    exercise: str
    drill: str | None
    reps: int
    load_kg: float | None
    rpe: float | None
    notes: str | None


@dataclass
class ImportedWorkout:
    """One workout of an export: ``external_ref`` (app, start time, title) says which workout it
    is, :attr:`content_sha256` what it holds."""

    external_ref: str
    performed_at: datetime
    title: str
    notes: str | None
    sets: list[ImportedSet] = field(default_factory=list)

    @property
    def session_notes(self) -> str:
        """The notes of the stored session: the title, then the workout's notes."""
        return " — ".join(x for x in (self.title, self.notes) if x)

    @property
    def content_sha256(self) -> str:
        """A hash of what the workout holds (see :func:`workout_sha256`)."""
        return workout_sha256(
            self.session_notes, ((s.exercise, s.reps, s.load_kg, s.rpe, s.notes) for s in self.sets)
        )


def workout_sha256(
    session_notes: str | None, sets: Iterable[tuple[str, int, float | None, float | None, str | None]]
) -> str:
    """The hash of a workout's normalised content: its notes and, in order, each set's exercise,
    reps, load (kg, to the gram), RPE and notes. The drill an exercise maps to is left out (it
    follows the rules, not the file). Computed the same way from a stored session, so an import
    can tell an identical workout from a corrected one."""

    def num(x: float | None) -> str | None:
        return None if x is None else f"{x:.3f}"

    rows = [[exercise.strip(), int(reps), num(load), num(rpe), (notes or "").strip()]
            for exercise, reps, load, rpe, notes in sets]
    text = json.dumps([(session_notes or "").strip(), rows], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _parse_date(value: str, formats: Iterable[str], where: str) -> datetime:
    for fmt in formats:
        try:
            parsed = datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise HingeError(f"{where}: cannot read the date {value!r}")


def _number(value: str | None, where: str, column: str) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        n = float(value.strip().replace(",", "."))
    except ValueError:
        raise HingeError(f"{where}: {column} is not a number ({value!r})") from None
    if not math.isfinite(n):  # "inf", "nan", "1e309"
        raise HingeError(f"{where}: {column} is not a finite number ({value.strip()!r})")
    return n


def _reps(value: str | None, where: str) -> int:
    n = _number(value, where, "reps")
    if n is None:
        return 0
    if n < 0 or n != int(n):
        raise HingeError(f"{where}: reps must be a whole number, not {value!r}")
    if n > MAX_REPS:
        raise HingeError(f"{where}: reps {(value or '').strip()!r} is implausible (at most {MAX_REPS} in a set)")
    return int(n)


def _load_kg(value: str | None, where: str, column: str, lb: bool) -> float | None:
    """A weight cell in kg: empty is None; negative, non-finite or implausible is refused."""
    weight = _number(value, where, column)
    if weight is None:
        return None
    if weight < 0:
        raise HingeError(f"{where}: {column} cannot be negative ({value!r})")
    kg = round(weight * KG_PER_LB, 2) if lb else weight
    if kg > MAX_LOAD_KG:
        raise HingeError(f"{where}: {column} {value!r} is implausible (more than {MAX_LOAD_KG:g} kg)")
    return kg


def _rpe(value: str | None, where: str, column: str) -> float | None:
    rpe = _number(value, where, column)
    if rpe is not None and not RATING_MIN <= rpe <= RATING_MAX:
        raise HingeError(f"{where}: {column} must be {RATING_MIN:g} to {RATING_MAX:g}, not {value!r}")
    return rpe


def _require(header: list[str], columns: Iterable[str], fmt: str, path: Path) -> None:
    missing = [c for c in columns if c not in header]
    if missing:
        raise HingeError(f"{path}: not a {fmt} export (missing column {', '.join(repr(c) for c in missing)})")


def _workout(workouts: dict[str, ImportedWorkout], row: dict[str, str], where: str, app: str,
             date_formats: Iterable[str], *, start: str, title: str, notes: str) -> ImportedWorkout:
    """The workout a row's set belongs to, known by the app, its start time and its title (read
    from the columns ``start``, ``title`` and ``notes``); added to ``workouts`` at its first row."""
    date = _parse_date(row.get(start) or "", date_formats, where)
    name = (row.get(title) or "").strip() or "Workout"
    ref = f"{app}:{date.isoformat()}:{name}"
    return workouts.setdefault(ref, ImportedWorkout(ref, date, name, (row.get(notes) or "").strip() or None))


def _exercise(value: str | None, where: str) -> str:
    exercise = (value or "").strip()
    if not exercise:
        raise HingeError(f"{where}: the exercise has no name")
    return exercise


def _imported_set(rules: Rules, exercise: str, reps: int, load_kg: float | None, rpe: float | None,
                  kind: str | None, note: str | None) -> ImportedSet:
    """One set, its exercise mapped to a drill where the rules name one; its notes are the kind
    of set (warm-up, drop set, ...) and then its own note."""
    notes = "; ".join(x for x in (kind, (note or "").strip()) if x) or None
    return ImportedSet(exercise=exercise, drill=rules.drill_for_exercise(exercise), reps=reps, load_kg=load_kg,
                       rpe=rpe, notes=notes)


def _read_strong(
    rows: list[dict[str, str]], header: list[str], rules: Rules, path: Path, lb: bool
) -> list[ImportedWorkout]:
    _require(header, ("Date", "Workout Name", "Exercise Name", "Set Order", "Reps"), "Strong", path)
    weight_col = next((c for c in header if c.startswith("Weight")), None)
    if weight_col is not None and "lb" in weight_col.lower():
        lb = True
    elif weight_col is not None and "kg" in weight_col.lower():
        lb = False
    workouts: dict[str, ImportedWorkout] = {}
    for line, row in enumerate(rows, start=2):
        where = f"{path}, line {line}"
        order = (row.get("Set Order") or "").strip()
        if order.lower() == "rest timer":
            continue
        if not order.isdigit() and order.upper() not in STRONG_SET_KINDS:
            raise HingeError(f"{where}: Set Order {order!r} is not a set number")
        workout = _workout(workouts, row, where, "strong", STRONG_DATE_FORMATS,
                           start="Date", title="Workout Name", notes="Workout Notes")
        load_kg = _load_kg(row.get(weight_col) if weight_col else None, where, "weight", lb)
        exercise = _exercise(row.get("Exercise Name"), where)
        kind = STRONG_SET_KINDS.get(order.upper())
        workout.sets.append(_imported_set(rules, exercise, _reps(row.get("Reps"), where), load_kg,
                                          _rpe(row.get("RPE"), where, "RPE"), kind, row.get("Notes")))
    return list(workouts.values())


def _read_hevy(
    rows: list[dict[str, str]], header: list[str], rules: Rules, path: Path
) -> list[ImportedWorkout]:
    _require(header, ("title", "start_time", "exercise_title", "reps"), "Hevy", path)
    lb = "weight_lbs" in header and "weight_kg" not in header
    weight_col = "weight_lbs" if lb else "weight_kg"
    workouts: dict[str, ImportedWorkout] = {}
    for line, row in enumerate(rows, start=2):
        where = f"{path}, line {line}"
        workout = _workout(workouts, row, where, "hevy", HEVY_DATE_FORMATS,
                           start="start_time", title="title", notes="description")
        exercise = _exercise(row.get("exercise_title"), where)
        load_kg = _load_kg(row.get(weight_col), where, weight_col, lb)
        kind = (row.get("set_type") or "").strip()
        workout.sets.append(_imported_set(rules, exercise, _reps(row.get("reps"), where), load_kg,
                                          _rpe(row.get("rpe"), where, "rpe"), kind if kind != "normal" else None,
                                          row.get("exercise_notes")))
    return list(workouts.values())


def read_workout_csv(
    path: str | Path, rules: Rules, fmt: Format = "auto", weight_unit: str = "kg"
) -> list[ImportedWorkout]:
    """Read a Strong or Hevy CSV export; ``fmt="auto"`` tells them apart by their columns.

    ``weight_unit`` ("kg" or "lb") applies to Strong files whose weight column does not say.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise HingeError(f"cannot read {p}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise HingeError(f"{p} is not a UTF-8 CSV file") from None
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise HingeError(f"{p} is empty")
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        header = [h.strip() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        rows = list(reader)
    except csv.Error as e:
        raise HingeError(f"{p}: not a readable CSV file ({e})") from None
    for line, row in enumerate(rows, start=2):
        if None in row:
            raise HingeError(f"{p}, line {line}: more fields than the header has")
    if fmt == "auto":
        if "Exercise Name" in header:
            fmt = "strong"
        elif "exercise_title" in header:
            fmt = "hevy"
        else:
            raise HingeError(
                f"{p}: not a Strong or Hevy export (no 'Exercise Name' or 'exercise_title' column)"
            )
    if weight_unit not in ("kg", "lb"):
        raise HingeError(f"unknown weight unit {weight_unit!r} (use kg or lb)")
    if fmt == "strong":
        return _read_strong(rows, header, rules, p, weight_unit == "lb")
    if fmt == "hevy":
        return _read_hevy(rows, header, rules, p)
    raise HingeError(f"unknown import format {fmt!r} (use auto, strong or hevy)")
