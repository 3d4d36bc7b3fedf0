"""Database fixtures: every storage test runs on SQLite and on the real PostgreSQL server.

PostgreSQL is expected at 127.0.0.1:5432 (trust auth, database ``test``) or at
``QUORUM_TEST_POSTGRES``. Without a server the PostgreSQL cases skip with the reason;
under CI (``CI=true``) they fail instead, so a missing server cannot hide.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

PG_ADMIN = os.environ.get("QUORUM_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_admin_connect():
    import psycopg

    return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    try:
        conn = _pg_admin_connect()
    except Exception as exc:  # any failure to connect means "no server here"
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL not reachable at {PG_ADMIN} under CI: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}: {exc}")
    name = f"quorum_test_{uuid.uuid4().hex[:10]}"
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with _pg_admin_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _reset_pg(url: str) -> None:
    from sqlalchemy import create_engine, text

    from quorum.store.store import database_url

    engine = create_engine(database_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """A database URL for an empty database, once SQLite and once PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "quorum.db")
    url = request.getfixturevalue("pg_database")
    _reset_pg(url)
    return url


@pytest.fixture
def store(db_url):
    from quorum.store import Store

    s = Store.open(db_url)
    yield s
    s.close()
