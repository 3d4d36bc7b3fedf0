"""The Typer applications every command module registers on.

Command modules import ``app`` (or ``eval_app``) from here and decorate their commands;
``quorum.cli`` imports every command module, so adding a command is one new module and
one import line.
"""

from __future__ import annotations

import json
import os
import sys
from contextvars import ContextVar
from typing import Any

import typer
from typer.core import TyperGroup

# The database the running command opened, so that a failure caught at the top names it.
_database: ContextVar[object | None] = ContextVar("quorum_database", default=None)


class QuorumGroup(TyperGroup):
    """The top command group: a database failure anywhere in a command becomes one line on
    stderr and exit code 1, not a chained traceback. ``QUORUM_DEBUG=1`` lets it through."""

    def invoke(self, ctx: typer.Context) -> Any:
        token = _database.set(None)
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if os.environ.get("QUORUM_DEBUG", "0") != "0" or not _is_database_failure(exc):
                raise
            from quorum.store.errors import explain

            raise fail(explain(exc, _database.get()), code=1) from None
        finally:
            _database.reset(token)


def _is_database_failure(exc: BaseException) -> bool:
    if "sqlalchemy" not in sys.modules:  # nothing opened a database
        return False
    from quorum.store.errors import is_database_failure

    return is_database_failure(exc)


app = typer.Typer(
    name="quorum",
    cls=QuorumGroup,
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


def remember_database(db: object) -> None:
    """Note the database this command works on, for the message of a later failure."""
    _database.set(db)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error to stderr and return the Exit to raise."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def print_json(obj: Any) -> None:
    """One JSON object on one line of stdout (dates as ISO strings)."""
    sys.stdout.write(json.dumps(obj, default=_iso, ensure_ascii=False) + "\n")


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
