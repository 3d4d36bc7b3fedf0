"""Run Alembic migrations from inside the package (no alembic.ini needed by users).

Two commands started together on a new database must not both create the schema: the
upgrade runs in one transaction that first takes a lock (PostgreSQL: an advisory lock;
SQLite: ``BEGIN IMMEDIATE``, the database's write lock) and only then reads the current
revision, so the second process waits and then finds the schema already there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import NullPool

# Any constant shared by every Quorum process; the advisory lock is per database.
PG_LOCK_KEY = 0x51_55_4F_52  # "QUOR"
# How long a process waits for another one's migration: a big database's upgrade (the
# search index is rebuilt from every story) can take minutes, and waiting is always better
# than failing half-way through opening.
LOCK_WAIT_SECONDS = 600


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer Quorum: its revision is unknown here."""

    def __init__(self, revision: str, heads: tuple[str, ...]):
        super().__init__(
            f"its schema revision {revision!r} is newer than this Quorum knows "
            f"(latest here: {', '.join(heads)}): upgrade Quorum, or use the version that "
            "wrote it"
        )
        self.revision = revision


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(resources.files("quorum") / "migrations"))
    # ConfigParser reads "%" as interpolation: a URL-quoted password or option must be doubled
    url = engine.url.render_as_string(hide_password=False)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database at ``engine`` to ``revision`` (idempotent, safe to run at once
    from several processes). Raises ``SchemaTooNew`` for a revision this code lacks."""
    cfg = alembic_config(engine)
    script = ScriptDirectory.from_config(cfg)
    # Read first, without the lock: a database already up to date (every open but the
    # first) needs no write lock, so a read-only file still opens and a reader never
    # waits behind a writer.
    with engine.connect() as conn:
        current = _known(script, MigrationContext.configure(conn).get_current_revision())
    if revision == "head" and current in script.get_heads():
        return
    with _locked(engine) as conn:
        # again under the lock: another process may have migrated while this one waited
        current = _known(script, MigrationContext.configure(conn).get_current_revision())
        if current not in script.get_heads() or revision != "head":
            cfg.attributes["connection"] = conn  # env.py migrates inside this transaction
            command.upgrade(cfg, revision)
        conn.commit()


def _known(script: ScriptDirectory, current: str | None) -> str | None:
    if current is not None and current not in {s.revision for s in script.walk_revisions()}:
        raise SchemaTooNew(current, tuple(script.get_heads()))
    return current


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds the migration lock."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        with engine.connect() as conn:  # one process only: nothing to race with
            yield conn
        return
    # A connection of its own: the SQLite one needs the driver's autocommit mode so that
    # BEGIN IMMEDIATE is ours, a state no pooled connection should keep afterwards.
    own = create_engine(url, poolclass=NullPool)
    if url.get_backend_name() == "sqlite":
        event.listen(own, "connect", _sqlite_manual_transactions)
    try:
        with own.connect() as conn:
            if url.get_backend_name() == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            elif url.get_backend_name() == "postgresql":
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_WAIT_SECONDS}s'")
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOCK_KEY})")
            yield conn
    finally:
        own.dispose()


def _sqlite_manual_transactions(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={LOCK_WAIT_SECONDS * 1000}")  # before anything locks
    cur.execute("PRAGMA journal_mode=WAL")  # as the Store's own connections: set it once here
    cur.close()
    dbapi_conn.isolation_level = None  # the driver then issues no BEGIN of its own
