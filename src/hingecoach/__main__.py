"""``python -m hingecoach`` runs the ``hinge`` CLI."""

from hingecoach.cli.app import main

main()
