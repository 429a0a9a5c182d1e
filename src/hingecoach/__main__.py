"""``python -m hingecoach`` runs the ``hinge`` CLI."""

from hingecoach.cli import main

main()
