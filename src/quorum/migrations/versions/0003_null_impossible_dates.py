"""null publication dates no calendar arithmetic can handle

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 19:30:00

Before ingest range-checked feed and dump dates, a feed could store ``0001-01-01`` (every
build then overflowed shifting it by a weekday) and, on PostgreSQL, ``9999-12-31T23:59:59
-14:00``, which is year 10000 in UTC: PostgreSQL keeps it but psycopg cannot read it back,
so every build and every page showing it failed. Such dates are set to NULL here (the
article is kept, undated), with the bounds ``quorum.sanitize`` now applies at ingest; the
story and index dates built from them are cleared or reset too and rebuilt by the next
build. Data only: nothing to undo.
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# story index tables whose NOT NULL last_seen copies a story's date: the epoch stands in,
# as it does in quorum.store.index for undated stories
_INDEX_TABLES = ("story_cards", "story_entities", "story_outlets")


def upgrade() -> None:
    # the bounds of quorum.sanitize when this was written (1900, two days ahead), copied
    # so that changing them later does not change what this migration did
    bounds = {
        "earliest": datetime(1900, 1, 1, tzinfo=UTC),
        "latest": datetime.now(UTC) + timedelta(days=2),
        "epoch": datetime(1970, 1, 1, tzinfo=UTC),
    }

    def run(sql: str) -> None:
        used = [k for k in bounds if f":{k}" in sql]
        params = [sa.bindparam(k, bounds[k], type_=sa.DateTime(timezone=True)) for k in used]
        op.get_bind().execute(sa.text(sql).bindparams(*params))

    def out_of_range(column: str) -> str:
        return f"({column} < :earliest OR {column} > :latest)"

    run(f"UPDATE articles SET published = NULL WHERE {out_of_range('published')}")
    for column in ("first_seen", "last_seen"):
        run(f"UPDATE stories SET {column} = NULL WHERE {out_of_range(column)}")
    run(f"UPDATE story_cards SET first_seen = NULL WHERE {out_of_range('first_seen')}")
    for table in _INDEX_TABLES:
        run(f"UPDATE {table} SET last_seen = :epoch WHERE {out_of_range('last_seen')}")


def downgrade() -> None:
    pass
