"""The ``hinge`` app: one typer app, its consoles, and :func:`main`, which turns every error into
one line on stderr and an exit code. Each area's commands live in their own module of this
package (analyze, evaluate, training, report, back, bench) and attach themselves to :data:`app`.

Exit codes (every command): 0 success; 1 internal error (a bug: set HINGE_DEBUG=1 for the
traceback); 2 bad input or usage (a file that cannot be read, an unknown athlete, a bad option);
130 interrupted."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

import typer
from rich.console import Console

from hingecoach import __version__
from hingecoach.errors import HingeError

#: What every command's exit status means (shown under ``hinge --help``).
EXIT_CODES = ("Exit codes: 0 done; 1 internal error (a bug: HINGE_DEBUG=1 shows the traceback); "
              "2 bad input or usage (the one-line error says which file, field or option); 130 interrupted.")
app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="hingecoach: learn the hip hinge from a video of yourself.", epilog=EXIT_CODES)
err = Console(stderr=True)
out = Console()


def print_warnings(doc: Mapping[str, Any], console: Console) -> None:
    """A document's ``warnings`` (an analysis, a comparison), one line each, after its results."""
    for w in doc.get("warnings", []):
        console.print(f"[yellow]warning:[/] {w}")


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error and return the exit to raise."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@app.command()
def version() -> None:
    """Print the hingecoach version."""
    out.print(f"hingecoach {__version__}")


def _silence_native_stderr() -> None:
    """Keep native libraries (TensorFlow Lite, glog inside mediapipe) off the terminal.

    They write straight to file descriptor 2, sometimes from their own threads. Python's
    ``sys.stderr`` (our messages, errors, the progress bar) moves to a duplicate of the
    terminal's descriptor; descriptor 2 itself goes to /dev/null. HINGE_DEBUG=1 keeps all.
    """
    if os.environ.get("HINGE_DEBUG"):
        return
    try:
        sys.stderr.flush()
        keep = os.dup(2)
        sys.stderr = os.fdopen(keep, "w", buffering=1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    except OSError:
        pass


def main() -> None:
    """Entry point: run the app, turning every error into one line and an exit code."""
    _silence_native_stderr()
    try:
        code = app(standalone_mode=False)
    except HingeError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # click usage errors and anything unexpected: one line, no traceback
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):  # click usage errors
            if exc.format_message():  # empty after "no arguments: here is the help"
                err.print(f"[bold red]error:[/] {exc.format_message()}", highlight=False, soft_wrap=True)
            sys.exit(int(exc.exit_code))
        if os.environ.get("HINGE_DEBUG"):
            raise
        err.print(f"[bold red]error:[/] internal error: {exc.__class__.__name__}: {exc} "
                  "(set HINGE_DEBUG=1 for details)", highlight=False, soft_wrap=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
