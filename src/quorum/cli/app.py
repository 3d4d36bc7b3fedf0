"""The Typer applications every command module registers on.

Command modules import ``app`` (or ``eval_app``) from here and decorate their commands;
``quorum.cli`` imports every command module, so adding a command is one new module and
one import line.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

app = typer.Typer(
    name="quorum",
    help="Quorum: a space & defense news desk that publishes what independent sources agree on.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
eval_app = typer.Typer(
    help="Score a stage on a public dataset and print its figures.", no_args_is_help=True
)
app.add_typer(eval_app, name="eval")

DB_OPTION = typer.Option(
    None,
    "--db",
    envvar="QUORUM_DATABASE_URL",
    help="SQLite path or SQLAlchemy URL (default: ./quorum.db, or `database` in quorum.toml).",
)
DEMO_DB = "quorum-demo.db"  # where `quorum demo` builds, apart from a real desk's database
CONFIG_OPTION = typer.Option(
    None,
    "--config",
    help="Settings file (default: ./quorum.toml when it exists).",
)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error to stderr and return the Exit to raise."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def print_json(obj: Any) -> None:
    """One JSON object on one line of stdout (dates as ISO strings)."""
    sys.stdout.write(json.dumps(obj, default=str, ensure_ascii=False) + "\n")
