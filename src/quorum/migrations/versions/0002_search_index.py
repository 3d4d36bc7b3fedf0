"""search index: story cards, entities, outlets, full-text search, webhook log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 22:20:00

The web pages read these slim tables instead of the stories' JSON ``data`` column, so the
home page, the entity/outlet pages and the trends read only what they show, through
indexes (the JSON column of 100k stories is hundreds of MB). ``quorum.store.index.reindex``
rebuilds them after every story build.

Full-text search differs by database: SQLite gets an FTS5 virtual table, PostgreSQL a
table with a stored ``tsvector`` column under a GIN index. Both are named
``story_search`` with the columns ``story_id``, ``headline``, ``body``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "story_cards",
        sa.Column("story_id", sa.String(40), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        # 1 when impact >= the action-item threshold: the home page lists these first
        sa.Column("action", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("impact", sa.Float()),
        sa.Column("sentiment", sa.Float()),
        sa.Column("tier", sa.String(16)),
        # never NULL (first_seen or the epoch stands in) so one index orders both databases
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True)),
        sa.Column("week", sa.Date()),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False, server_default=""),
        sa.Column("summary", sa.Text(), nullable=False, server_default=""),
        sa.Column("sources", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("articles", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("outlets", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("ix_story_cards_home", "story_cards", ["action", "last_seen", "story_id"])
    op.create_index(
        "ix_story_cards_week", "story_cards", ["week", "status", "sentiment", "impact", "action"]
    )
    # the home page filtered by sentiment tier walks this one in display order
    op.create_index(
        "ix_story_cards_tier", "story_cards", ["tier", "action", "last_seen", "story_id"]
    )

    op.create_table(
        "story_entities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("story_id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("day", sa.Date()),
        sa.Column("week", sa.Date()),
        sa.Column("status", sa.String(16), nullable=False),
        # copies of the story's sort keys, so "stories about X" is one ordered index walk
        sa.Column("action", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_story_entities_name", "story_entities", ["name", "action", "last_seen", "story_id"]
    )
    op.create_index("ix_story_entities_story", "story_entities", ["story_id"])
    # covering indexes for the trends and entity pages: counts per week come from the
    # index alone, without touching the table rows
    op.create_index("ix_story_entities_week", "story_entities", ["week", "status", "type", "name"])
    op.create_index(
        "ix_story_entities_name_week", "story_entities", ["name", "week", "status", "type"]
    )

    op.create_table(
        "story_outlets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("story_id", sa.String(40), nullable=False),
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("day", sa.Date()),
        sa.Column("is_first", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("is_only", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("action", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_story_outlets_domain", "story_outlets", ["domain", "action", "last_seen", "story_id"]
    )
    op.create_index("ix_story_outlets_story", "story_outlets", ["story_id"])

    op.create_table(
        "notified_items",
        sa.Column("story_id", sa.String(40), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )

    if op.get_bind().dialect.name == "postgresql":
        op.create_table(
            "story_search",
            sa.Column("story_id", sa.String(40), primary_key=True),
            sa.Column("headline", sa.Text(), nullable=False),
            sa.Column("body", sa.Text(), nullable=False),
        )
        op.execute(
            "ALTER TABLE story_search ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
            "(setweight(to_tsvector('english', headline), 'A') || "
            "setweight(to_tsvector('english', body), 'B')) STORED"
        )
        op.execute("CREATE INDEX ix_story_search_tsv ON story_search USING GIN (tsv)")
    else:
        # porter: "launches" finds "launch"; unicode61 folds accents and case
        op.execute(
            "CREATE VIRTUAL TABLE story_search USING fts5("
            "story_id UNINDEXED, headline, body, tokenize='porter unicode61')"
        )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS story_search")
    op.drop_table("notified_items")
    op.drop_table("story_outlets")
    op.drop_table("story_entities")
    op.drop_table("story_cards")
