"""Database failures as one line a person can act on.

A damaged SQLite file, a full disk or a dropped table surfaces deep inside SQLAlchemy as a
chained traceback; the CLI prints ``explain()``'s line instead (``QUORUM_DEBUG=1`` keeps the
traceback). Matching is on the driver's own message, the only place sqlite3 says which
failure it was.
"""

from __future__ import annotations

import re
import sqlite3

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

# (pattern in the driver's message, what it means and what to do); first match wins.
# {db} is the database as the user named it.
_KNOWN: tuple[tuple[str, str], ...] = (
    (
        r"file is not a database",
        "{db} is not a Quorum database (not an SQLite file, or a damaged header): "
        "check --db, or move the file aside so a new database can be made",
    ),
    (
        r"database disk image is malformed|malformed database schema",
        "{db} is damaged (database disk image is malformed): restore it from a backup, "
        "or save what remains with `sqlite3 {db} .recover`",
    ),
    (
        r"database or disk is full|no space left on device|could not extend file|DiskFull",
        "{db}: the disk is full (or the database reached its size limit): "
        "free some space and run the command again",
    ),
    (
        r"no such table: (?P<table>.+)|relation \"(?P<relation>[^\"]+)\" does not exist",
        "{db} has no table {table}: it was damaged or changed by another program; "
        "restore it from a backup",
    ),
    (
        r"attempt to write a readonly database",
        "{db} is read-only: check the file's and its folder's permissions",
    ),
    (r"database is locked", "{db} is locked by another process: try again when it is done"),
    (
        r"unable to open database file",
        "cannot open {db}: check that its folder exists and is writable",
    ),
    (
        r"connection refused|could not connect|connection failed|Name or service not known",
        "cannot connect to {db}: is the database server running and the URL right?",
    ),
)


class StoreError(RuntimeError):
    """The database cannot be opened or used; the message says why."""


def database_name(db: object) -> str:
    """The database as a person would name it: a path, or a URL without its password."""
    text = str(db)
    if "://" not in text:
        return text
    try:
        url = make_url(text)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as given, minus nothing
        return text
    if url.get_backend_name() == "sqlite" and url.database:
        return url.database
    return url.render_as_string(hide_password=True)


def driver_message(exc: BaseException) -> str:
    """The driver's message (first line) under SQLAlchemy's wrapping."""
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


def is_database_failure(exc: BaseException) -> bool:
    """True for failures of the database itself (not a bug in a query or a bad value)."""
    return isinstance(exc, StoreError | SQLAlchemyError | sqlite3.DatabaseError)


def explain(exc: BaseException, db: object | None) -> str:
    """One line saying what went wrong with database ``db`` and what to do about it."""
    if isinstance(exc, StoreError):
        return str(exc)  # already says it
    name = database_name(db) if db else "the database"
    message = driver_message(exc)
    for pattern, meaning in _KNOWN:
        found = re.search(pattern, message, re.IGNORECASE)
        if found:
            table = next((g for g in found.groups() if g), "")
            return meaning.format(db=name, table=table)
    return f"database error on {name}: {message}"
