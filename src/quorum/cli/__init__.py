"""Command-line interface: ``quorum --help`` lists every command.

Each module below registers its commands on ``quorum.cli.app.app`` when imported.
"""

from quorum.cli import core  # noqa: F401
from quorum.cli.app import app

__all__ = ["app"]
