"""``hinge compare``: two sets of the same lifter side by side — what changed, in numbers and words.

The command parses its options and calls :func:`hingecoach.comparison.run_compare`; it prints
the sentences, the numbers and the pairing (or, with ``--json``, ``comparison.json`` alone).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from hingecoach.cli.app import app, err, out, print_warnings
from hingecoach.errors import HingeError

_VERDICT = {"better": "[green]better[/]", "worse": "[red]worse[/]", "same": "[dim]the same[/]", "changed": "changed"}


def print_comparison(doc: dict[str, Any], console: Console) -> None:
    """The comparison in the terminal: sentences, the numbers, the pairing, the warnings."""
    from hingecoach.core.compare.changes import format_value

    a, b = doc["a"], doc["b"]
    console.print(f"[bold]A[/] {a['label']} ({a['reps']} reps)  →  [bold]B[/] {b['label']} ({b['reps']} reps)")
    for sentence in doc["summary"]:
        console.print(sentence)
    table = Table(box=None, pad_edge=False, caption="medians over each set's reps" if doc["selection"]["rep"] is None
                  else f"rep {doc['selection']['rep']} of A and its partner")
    for title, justify in (("metric", "left"), ("A", "right"), ("B", "right"), ("change", "right"), ("", "left")):
        table.add_column(title, justify=justify)  # type: ignore[arg-type]
    for m in doc["metrics"]:
        if m["key"] == "faulted_reps":
            table.add_row(m["label"], f"{m['a']} of {m['a_of']}", f"{m['b']} of {m['b_of']}", f"{m['difference']:+d}",
                          _VERDICT.get(m["verdict"], ""))
        else:
            table.add_row(m["label"], format_value(m["a"], m["unit"]), format_value(m["b"], m["unit"]),
                          format_value(m["difference"], m["unit"], signed=True), _VERDICT.get(m["verdict"] or "", ""))
    console.print(table)
    pairs = ", ".join(
        f"{p['a_rep']}↔{p['b_rep']}" + (f" ({p['shape_rms_pct']:.0f}% shape RMS)" if p["shape_rms_pct"] is not None else "")
        for p in doc["pairs"])
    console.print(f"Reps paired (A↔B): {pairs}")
    print_warnings(doc, console)


@app.command()
def compare(
    a: str = typer.Argument(..., help="Set A (before): a video, a keypoint file, an analysis.json, a folder written by "
                            "`hinge analyze --out`, or a logged set athlete@YYYY-MM-DD#N; with --first --last, an athlete."),
    b: str | None = typer.Argument(None, help="Set B (now), in any of the same forms."),
    out_dir: Path | None = typer.Option(None, "--out", help="Write comparison.json, the side-by-side video, the curves "
                                        "and compare.html here."),
    rep: int | None = typer.Option(None, "--rep", min=1, help="Only rep N of A and the rep of B paired with it."),
    all_reps: bool = typer.Option(False, "--all", help="Every paired rep (the default)."),
    json_out: bool = typer.Option(False, "--json", help="Print comparison.json on stdout, nothing else."),
    drill: str | None = typer.Option(None, "--drill", help="With --first --last: the drill whose sets to compare; for a "
                                     "video or keypoint file: the drill, overriding recognition."),
    first: bool = typer.Option(False, "--first", help="With an athlete and --drill: their first analysed set of it (A)..."),
    last: bool = typer.Option(False, "--last", help="... against their latest (B)."),
    video: bool | None = typer.Option(None, "--video/--no-video", help="With --out: the side-by-side video (default: when "
                                      "both pose tracks are at hand)."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="With --out: the curves."),
    html: bool = typer.Option(True, "--html/--no-html", help="With --out: the page."),
    db: str | None = typer.Option(None, "--db", help="Training-log database URL (default: HINGE_DB or the user data folder)."),
    model: str = typer.Option("full", "--model", help="BlazePose model for a video analysed now: lite, full or heavy."),
) -> None:
    """Compare two sets: reps paired and in step, what changed in numbers and in words."""
    from hingecoach.comparison import run_compare

    if rep is not None and all_reps:
        raise HingeError("--rep N and --all do not go together: one rep, or all of them")
    run = run_compare(a, b, out_dir=out_dir, rep=rep, video=video, plots=plots, html=html, db=db, model=model,
                      drill=drill, first=first, last=last)
    if json_out:
        sys.stdout.write(run.to_json() + "\n")
        return
    print_comparison(run.document, out)
    for note in run.notes:
        err.print(f"[yellow]note:[/] {note}", highlight=False, soft_wrap=True)
    if run.written:
        out.print("Wrote " + ", ".join(str(p) for p in run.written.values()))
