"""incremental builds: build batches, the clusterer checkpoint, story revisions, term index

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 10:00:00

Articles get the number of the build that filed them (``build_seq``); the clusterer's state
is kept in ``build_state``; ``story_revisions`` records what each build changed in a story;
``story_terms`` indexes stories by their timeline terms. Existing articles stay unnumbered:
the first build after this migration is a full one and numbers them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("build_seq", sa.Integer(), nullable=True))
    op.create_index("ix_articles_build_seq", "articles", ["build_seq"])
    op.create_table(
        "build_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("checkpoint", sa.LargeBinary(), nullable=True),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "story_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.String(length=40), nullable=False),
        sa.Column("build_seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_story_revisions_story_id", "story_revisions", ["story_id"])
    op.create_table(
        "story_terms",
        sa.Column("story_id", sa.String(length=40), nullable=False),
        sa.Column("term", sa.String(length=255), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("story_id", "term"),
    )
    op.create_index("ix_story_terms_term", "story_terms", ["term", "first_seen"])


def downgrade() -> None:
    op.drop_index("ix_story_terms_term", table_name="story_terms")
    op.drop_table("story_terms")
    op.drop_index("ix_story_revisions_story_id", table_name="story_revisions")
    op.drop_table("story_revisions")
    op.drop_table("build_state")
    op.drop_index("ix_articles_build_seq", table_name="articles")
    op.drop_column("articles", "build_seq")
