"""The ``hinge`` command line: one module per area (analyze, evaluate, training, report, back,
bench, live) on one typer app (:mod:`hingecoach.cli.app`). A command parses its options, calls one
library function and prints; errors are one line and an exit code (see ``hinge --help``)."""

from hingecoach.cli import analyze, back, batch, bench, compare, evaluate, live, report, serve, training
from hingecoach.cli.app import app, main

training.register(app)
report.register(app)
serve.register(app)

__all__ = ["analyze", "app", "back", "batch", "bench", "compare", "evaluate", "live", "main"]
