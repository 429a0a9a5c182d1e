"""Training-log commands: ``athlete``, ``today``, ``log``, ``history``, ``export``, ``import``.

Pipeline position: the CLI face of :mod:`hingecoach.store` and :mod:`hingecoach.core.progression`;
commands parse options, call the library and print (a rich table, or JSON with ``--json``).
``hingecoach.cli.app`` adds them to the ``hinge`` app with :func:`register`. Every command takes
``--db URL`` (else ``$HINGE_DB``, else the default SQLite file); a HingeError becomes one line
``error: ...`` on stderr and exit code 2, with the database unchanged.
"""

from __future__ import annotations

import csv
import functools
import io
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from hingecoach.core.numeric import strict_json
from hingecoach.core.progression import load_rules
from hingecoach.core.progression.planner import Decision, Prescription
from hingecoach.errors import HingeError

P = ParamSpec("P")
R = TypeVar("R")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL or SQLite file (default: $HINGE_DB, else the file in your data folder)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
AthleteArg = Annotated[
    str | None,
    typer.Argument(
        help="Athlete name (default: $HINGE_ATHLETE, or the only athlete).",
        envvar="HINGE_ATHLETE",
        show_default=False,
    ),
]
SEVERITIES = ("safety", "form", "minor")


def friendly(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn a HingeError (or a database failure) into ``error: ...`` on stderr and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from sqlalchemy.exc import SQLAlchemyError  # here, not at import: `hinge --help` loads no database

        try:
            return fn(*args, **kwargs)
        except HingeError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(2) from None
        except SQLAlchemyError as e:
            reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
            typer.echo(f"error: database error: {reason}", err=True)
            raise typer.Exit(2) from None

    return wrapper


def _json_text(data: Any) -> str:
    """Strict JSON: a non-finite number (NaN, ±inf) is written as null, never as NaN/Infinity."""
    return strict_json(data)


def _print_json(data: Any) -> None:
    typer.echo(_json_text(data))


def _console() -> Console:
    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def _decision_dict(d: Decision) -> dict[str, Any]:
    return {
        "action": d.action,
        "drill": d.drill,
        "range_limit_deg": d.range_limit_deg,
        "load_kg": d.load_kg,
        "explanation": d.explanation,
    }


def _prescription_dict(athlete: str, p: Prescription) -> dict[str, Any]:
    return {
        "athlete": athlete,
        "drill": p.drill,
        "name": p.name,
        "sets": p.sets,
        "reps": p.reps,
        "load_kg": p.load_kg,
        "range_limit_deg": p.range_limit_deg,
        "range": p.range_text,
        "cues": list(p.cues),
        "action": p.action,
        "explanation": p.explanation,
    }


def _parse_date(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise HingeError(f"cannot read the date {value!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from None
    return parsed.astimezone(UTC)  # a date without a zone is local time


def _parse_fault(text: str) -> tuple[str, str]:
    fault_id, _, severity = text.partition(":")
    severity = severity or "form"
    if not fault_id or severity not in SEVERITIES:
        raise HingeError(
            f"--fault {text!r}: use ID or ID:SEVERITY with SEVERITY one of {', '.join(SEVERITIES)}"
        )
    return fault_id, severity


def athlete_add(name: str, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Add an athlete."""
    from hingecoach import store  # imported by the commands that use it: a lean start
    info = store.add_athlete(db, name)
    if as_json:
        _print_json({"id": info.id, "name": info.name, "created_at": info.created_at.isoformat()})
    else:
        typer.echo(f"added athlete {info.name}; see the first session with `hinge today {info.name}`")


def athlete_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the athletes."""
    from hingecoach import store  # imported by the commands that use it: a lean start
    athletes = store.list_athletes(db)
    if as_json:
        _print_json(
            [
                {"id": a.id, "name": a.name, "created_at": a.created_at.isoformat(), "sessions": a.sessions}
                for a in athletes
            ]
        )
        return
    table = Table("athlete", "sessions", "since")
    for a in athletes:
        table.add_row(a.name, str(a.sessions), a.created_at.date().isoformat())
    _console().print(table)


def today_cmd(athlete: AthleteArg = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Today's session: drill, sets x reps, load, range, the top cues, and why."""
    from hingecoach import store  # imported by the commands that use it: a lean start
    name, p = store.today(db, athlete)
    if as_json:
        _print_json(_prescription_dict(name, p))
        return
    console = _console()
    load = f" at {p.load_kg:g} kg" if p.load_kg is not None else ""
    console.print(f"[bold]{name}[/bold] — today: [bold]{p.name}[/bold] ({p.drill})")
    console.print(f"  {p.sets} × {p.reps}{load}")
    console.print(f"  range: {p.range_text}")
    for cue in p.cues:
        console.print(f"  • {cue}")
    console.print(f"  why: {p.explanation}")


def log_cmd(
    athlete: AthleteArg = None,
    drill: Annotated[
        str | None, typer.Option(help="Drill id (default: the analysis's drill, else today's drill).")
    ] = None,
    exercise: Annotated[
        str | None, typer.Option(help="Log another exercise (not a ladder drill) by name.")
    ] = None,
    sets: Annotated[int, typer.Option(min=1, help="Number of sets (by hand).")] = 1,
    reps: Annotated[int | None, typer.Option(min=0, help="Reps per set (by hand).")] = None,
    clean: Annotated[int | None, typer.Option(min=0, help="Clean reps over all the sets (by hand).")] = None,
    load: Annotated[float | None, typer.Option("--load", help="Load in kg.")] = None,
    range_deg: Annotated[
        float | None,
        typer.Option("--range-deg", help="Range limit used, degrees of hip flexion (default: today's)."),
    ] = None,
    full_range: Annotated[bool, typer.Option("--full-range", help="The sets were at full range.")] = False,
    confidence: Annotated[float | None, typer.Option(help="How confident you felt, 1-10.")] = None,
    rpe: Annotated[float | None, typer.Option(help="Rate of perceived exertion, 1-10.")] = None,
    fault: Annotated[
        list[str] | None,
        typer.Option(
            "--fault", help="A fault you noticed: ID or ID:SEVERITY (safety|form|minor). Repeatable."
        ),
    ] = None,
    notes: Annotated[str | None, typer.Option(help="Notes for the session.")] = None,
    date: Annotated[str | None, typer.Option(help="When (YYYY-MM-DD or ISO time; default now).")] = None,
    from_: Annotated[
        list[Path] | None, typer.Option("--from", help="An analysis.json to log as a set. Repeatable.")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Log a session by hand, or from analysis.json files, and show the decision it leads to."""
    from hingecoach import store  # imported by the commands that use it: a lean start
    performed_at = _parse_date(date)
    if range_deg is not None and full_range:
        raise HingeError("give --range-deg or --full-range, not both")
    faults = tuple(_parse_fault(f) for f in fault or [])
    request = store.LogRequest(
        drill=drill,
        exercise=exercise,
        sets=sets,
        reps=reps,
        clean=clean,
        load_kg=load,
        range_limit_deg=None if full_range else range_deg if range_deg is not None else store.repository.PLAN,
        confidence=confidence,
        rpe=rpe,
        faults=faults,
        notes=notes,
        performed_at=performed_at,
        analysis_files=tuple(from_ or ()),
    )
    logged = store.log_workout(db, athlete, request)
    result = logged.result
    if as_json:
        _print_json(
            {
                "athlete": result.athlete,
                "session_id": result.session_id,
                "decision": _decision_dict(result.decision),
                "plan": _decision_dict(result.plan),
            }
        )
        return
    total, clean_total = logged.total_reps, logged.clean_reps
    line = f"logged session {result.session_id} for {result.athlete}: {logged.what}, "
    line += f"{len(logged.sets)} × {logged.sets[0].reps}"
    if clean_total is not None and total:
        line += f", {clean_total}/{total} clean ({100 * clean_total / total:.0f}%)"
    typer.echo(line)
    typer.echo(result.decision.explanation)
    typer.echo(f"next: {logged.next_drill_name} (see `hinge today {result.athlete}`)")


def history_cmd(
    athlete: AthleteArg = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also draw the history to this PNG file.")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Show only the last N sessions.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The sessions so far, with the decision after each (and a chart with --chart)."""
    from hingecoach import store  # imported by the commands that use it: a lean start
    name, sessions = store.history(db, athlete)
    shown = sessions[-limit:] if limit else sessions
    if chart is not None:
        from hingecoach.report.history import write_history_chart

        write_history_chart(name, sessions, chart)
    if as_json:
        _print_json({"athlete": name, "sessions": shown, "chart": str(chart) if chart else None})
        return
    table = Table(title=f"{name}: training log")
    for header in ("#", "date", "exercise", "reps", "clean", "range", "load", "conf", "decision"):
        table.add_column(header, overflow="fold", no_wrap=header in ("#", "date"))
    for s in shown:
        for i, st in enumerate(s["sets"]):
            table.add_row(
                str(s["id"]) if i == 0 else "",
                s["performed_at"][:10] if i == 0 else "",
                st["exercise"] + (" (accessory)" if st.get("accessory") else ""),
                str(st["reps"]),
                "" if st["clean_pct"] is None else f"{st['clean_pct']:.0f}%",
                ""
                if not st["drill"] or st.get("accessory")
                else "full"
                if st["range_limit_deg"] is None
                else f"{st['range_limit_deg']:.0f}°",
                "" if st["load_kg"] is None else f"{st['load_kg']:g} kg",
                "" if st["confidence"] is None else f"{st['confidence']:g}",
                (s["decision"]["action"] or "") if i == 0 else "",
            )
    console = _console()
    console.print(table)
    for s in shown:
        console.print(f"{s['id']}: {s['decision']['explanation']}")
    if chart is not None:
        typer.echo(f"chart written to {chart}")


def export_cmd(
    athlete: AthleteArg = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="One row per set, as CSV.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Everything (analyses included), as JSON.")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of the screen.")
    ] = None,
    all_athletes: Annotated[bool, typer.Option("--all", help="Export every athlete.")] = False,
    db: DbOption = None,
) -> None:
    """Export the training log as CSV (one row per set) or JSON (everything)."""
    from hingecoach import store  # imported by the commands that use it: a lean start
    if as_csv == as_json:
        raise HingeError("choose one format: --csv or --json")
    who = None if all_athletes else athlete
    if as_json:
        data = (
            store.export_data(db, who)
            if who is not None or all_athletes
            else store.export_data(db, _only(db))
        )
        text = _json_text(data) + "\n"
    else:
        rows = (
            store.export_rows(db, who)
            if who is not None or all_athletes
            else store.export_rows(db, _only(db))
        )
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(store.EXPORT_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        text = buffer.getvalue()
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as e:
        raise HingeError(f"cannot write {out}: {e.strerror or e}") from None
    typer.echo(f"exported to {out}", err=True)


def _only(db: str | None) -> str:
    """The single athlete's name, when no athlete was named (else a HingeError)."""
    from hingecoach import store  # imported by the commands that use it: a lean start
    return store.today(db, None)[0]


def import_cmd(
    athlete: Annotated[str, typer.Argument(help="The athlete the workouts belong to (must exist).")],
    file: Annotated[Path, typer.Argument(help="A Strong or Hevy CSV export.")],
    fmt: Annotated[str, typer.Option("--format", help="auto, strong or hevy.")] = "auto",
    weight_unit: Annotated[
        str, typer.Option(help="kg or lb, for Strong files whose weight column does not say.")
    ] = "kg",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import a Strong or Hevy CSV export; drills are recognised, other exercises kept as they are."""
    from hingecoach import store  # imported by the commands that use it: a lean start
    if fmt not in ("auto", "strong", "hevy"):
        raise HingeError(f"unknown import format {fmt!r} (use auto, strong or hevy)")
    rules = load_rules()
    workouts = store.read_workout_csv(file, rules, fmt, weight_unit)  # type: ignore[arg-type]
    source = workouts[0].external_ref.split(":", 1)[0] if workouts else "import"
    result = store.import_workouts(db, athlete, workouts, source, rules)
    if as_json:
        _print_json(result.__dict__)
        return
    replaced = (
        f"; {result.workouts_replaced} replaced their earlier import (a corrected export)"
        if result.workouts_replaced
        else ""
    )
    typer.echo(
        f"imported {result.workouts_added} workouts for {result.athlete} "
        f"({result.drill_sets} drill sets, {result.other_sets} sets of other exercises); "
        f"{result.workouts_skipped} already there{replaced}"
    )


def register(app: typer.Typer) -> None:
    """Add the training-log commands to the ``hinge`` typer app."""
    athlete_app = typer.Typer(help="Add and list athletes.", no_args_is_help=True)
    athlete_app.command("add")(friendly(athlete_add))
    athlete_app.command("list")(friendly(athlete_list))
    app.add_typer(athlete_app, name="athlete")
    app.command("today")(friendly(today_cmd))
    app.command("log")(friendly(log_cmd))
    app.command("history")(friendly(history_cmd))
    app.command("export")(friendly(export_cmd))
    app.command("import")(friendly(import_cmd))
