"""Alembic environment: migrations run on the engine Quorum already opened, or inside the
transaction ``quorum.store.migrate.upgrade`` holds its migration lock in."""

from alembic import context
from sqlalchemy import create_engine

from quorum.store.schema import Base

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Autogenerate compares only the ORM schema: the search/entity index tables (and the
    FTS5 shadow tables) are written by hand in their own migration, so never drop them."""
    return not (type_ == "table" and reflected and compare_to is None)


def _migrate(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        include_object=include_object,
    )
    with context.begin_transaction():  # a no-op inside the caller's transaction
        context.run_migrations()


def run_migrations_online() -> None:
    shared = config.attributes.get("connection")
    if shared is not None:
        _migrate(shared)  # the caller commits
        return
    engine = config.attributes.get("engine") or create_engine(
        config.get_main_option("sqlalchemy.url")
    )
    with engine.begin() as connection:
        _migrate(connection)


run_migrations_online()
