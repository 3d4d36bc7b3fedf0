"""``python -m quorum`` runs the CLI."""

from quorum.cli import app

app()
