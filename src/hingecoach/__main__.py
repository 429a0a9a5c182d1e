"""``python -m hingecoach`` runs the ``hinge`` CLI."""

from .cli import main

main()
