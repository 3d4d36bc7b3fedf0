"""The database schema, defined once; Alembic migrations are generated from it.

JSON columns hold each stage's results with their evidence (origins, entities, claims,
scores) so that a new enricher does not need a new table, and both SQLite and PostgreSQL
store them the same way.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class OutletRow(Base):
    __tablename__ = "outlets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    owner: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str | None] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(32), default="unknown")


class FeedRow(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    last_polled: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_reason: Mapped[str | None] = mapped_column(String(64))


class ArticleRow(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    content_hash: Mapped[str] = mapped_column(String(40))
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"))
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(512))
    language: Mapped[str | None] = mapped_column(String(16))
    published: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fetched: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    via: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str | None] = mapped_column(String(512))
    feed_url: Mapped[str | None] = mapped_column(String(2048))
    reprint_of: Mapped[str | None] = mapped_column(String(255))
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    # zlib-compressed page HTML, kept so extraction can be re-run without refetching
    raw_html: Mapped[bytes | None] = mapped_column(LargeBinary)
    in_beat: Mapped[bool | None] = mapped_column(Boolean)
    beat_score: Mapped[float | None] = mapped_column(Float)
    beat_evidence: Mapped[list | None] = mapped_column(JSON)
    enrichment: Mapped[dict | None] = mapped_column(JSON)  # per-article enricher results
    # The build that first filed the article into a story (NULL: not built yet). A full
    # rebuild replays the batches in this order, so it makes the incremental path's stories.
    build_seq: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_articles_published", "published"),
        Index("ix_articles_build_seq", "build_seq"),
        # The same text from the same outlet is one article (re-posted under a new URL);
        # the same text from another outlet is a syndicated copy, kept and grouped later.
        UniqueConstraint("outlet_id", "content_hash", name="uq_articles_outlet_text"),
    )


class FetchLogRow(Base):
    __tablename__ = "fetch_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[str] = mapped_column(String(40), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    url: Mapped[str] = mapped_column(String(2048))
    kind: Mapped[str] = mapped_column(String(16))  # feed | page | dump | robots | build
    ok: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")
    elapsed: Mapped[float] = mapped_column(Float, default=0.0)


class StoryRow(Base):
    __tablename__ = "stories"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    article_count: Mapped[int] = mapped_column(Integer, default=0)
    independent_sources: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="new")  # gate decision
    impact: Mapped[float | None] = mapped_column(Float)
    sentiment: Mapped[float | None] = mapped_column(Float)
    data: Mapped[dict] = mapped_column(JSON, default=dict)  # origins, enrichment, evidence
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_stories_last_seen", "last_seen"),)


class StoryArticleRow(Base):
    __tablename__ = "story_articles"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    story_id: Mapped[str] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)


class StoryMoveRow(Base):
    """An article that moved between stories (a merge pass repaired fragmentation)."""

    __tablename__ = "story_moves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    article_id: Mapped[int] = mapped_column(Integer)
    from_story: Mapped[str] = mapped_column(String(40))
    to_story: Mapped[str] = mapped_column(String(40))
    why: Mapped[str] = mapped_column(Text, default="")


class BuildStateRow(Base):
    """The last build: its number, and the clusterer's state it left (one row, id 1).

    Written in the same transaction as the stories it produced, so the two always agree.
    """

    __tablename__ = "build_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    # hash of what the checkpoint and the stories depend on (parameters, domain data)
    key: Mapped[str] = mapped_column(String(40))
    checkpoint: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StoryRevisionRow(Base):
    """What one build changed in one story (new articles and sources, facts, status...)."""

    __tablename__ = "story_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[str] = mapped_column(String(40), index=True)
    build_seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)


class StoryTermRow(Base):
    """A story's timeline terms (its main entity names, folded): the index the timeline
    looks related stories up in, instead of comparing every story with every other."""

    __tablename__ = "story_terms"

    story_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    term: Mapped[str] = mapped_column(String(255), primary_key=True)
    first_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_story_terms_term", "term", "first_seen"),)
