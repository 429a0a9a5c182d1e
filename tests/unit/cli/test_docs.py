"""Every ``hinge`` command is documented: it has help text, and README.md or a page of docs/
shows it as ``hinge <command path>`` (a group is shown through its commands)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from hingecoach.cli import app

ROOT = Path(__file__).resolve().parents[3]


def _commands() -> dict[str, object]:
    """Every command and group of the app by its path (``"back calibrate"``), hidden ones left out."""
    found: dict[str, object] = {}

    def walk(cmd: object, path: tuple[str, ...]) -> None:
        if path:
            found[" ".join(path)] = cmd
        for name, sub in sorted((getattr(cmd, "commands", None) or {}).items()):
            if not getattr(sub, "hidden", False):
                walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return found


COMMANDS = _commands()
LEAVES = sorted(p for p, c in COMMANDS.items() if not getattr(c, "commands", None))
DOCS = "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])


def test_the_walk_finds_the_commands() -> None:
    assert {"analyze", "eval", "back calibrate"} <= set(LEAVES)


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_command_has_help_text(path: str) -> None:
    cmd = COMMANDS[path]
    text = (getattr(cmd, "help", None) or getattr(cmd, "short_help", None) or "").strip()
    assert text, f"`hinge {path}` has no help text (give its function a docstring or help=)"


@pytest.mark.parametrize("path", LEAVES)
def test_command_is_in_the_docs(path: str) -> None:
    pattern = r"\bhinge\s+" + r"\s+".join(map(re.escape, path.split())) + r"(?![\w-])"
    assert re.search(pattern, DOCS), f"`hinge {path}` is in neither README.md nor docs/*.md"
