"""``python -m safepassage`` runs the CLI."""

from safepassage.cli.main import main

main()
