"""Core commands: version (more arrive with storage and ingest)."""

from __future__ import annotations

import typer

from quorum import __version__
from quorum.cli.app import app


@app.command()
def version() -> None:
    """Print Quorum's version."""
    typer.echo(__version__)
