"""Running commands in a test, on one training-log database (``--db``): :func:`ok` for one that
must succeed (its output), :func:`fails` for one that must fail as bad input does (its one line)."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

runner = CliRunner()


def ok(app: typer.Typer, db: str, *args: str) -> str:
    """Run ``args`` on ``db``; it must exit 0. Its stdout."""
    result = runner.invoke(app, [*args, "--db", db])
    assert result.exit_code == 0, result.output
    return result.stdout


def fails(app: typer.Typer, db: str, *args: str) -> str:
    """Run a command that must fail: exit 2, one line on stderr starting 'error: ', no traceback."""
    result = runner.invoke(app, [*args, "--db", db])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]
