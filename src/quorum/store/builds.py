"""What a build reads and writes: its lock, its batches, the clusterer checkpoint, and the
one transaction that stores its result.

Crash safety: everything a build changes (stories, their articles, moves, revisions, the
term index, the web index, the articles' build numbers and the checkpoint) is written in
one transaction, so a build killed at any point leaves the database as it was before the
build or as it is after it; the next build takes the same unbuilt articles again.

Concurrency: one build at a time per database. PostgreSQL: a session advisory lock; SQLite:
an exclusive ``flock`` on ``<database>.build-lock``. The operating system releases both
when the process dies, so a killed build never leaves a stale lock behind.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from quorum.records import Article
from quorum.store.errors import StoreError
from quorum.store.schema import (
    ArticleRow,
    BuildStateRow,
    OutletRow,
    StoryArticleRow,
    StoryMoveRow,
    StoryRevisionRow,
    StoryRow,
    StoryTermRow,
)
from quorum.store.store import Store, _article, _aware, _aware_story, story_values

PG_BUILD_LOCK = 0x51_42_4C_44  # "QBLD": another key than the migration lock's
_CHUNK = 500  # ids per IN (...) list: far below every database's parameter limit


class BuildBusy(StoreError):
    """Another build holds this database's build lock."""


@contextmanager
def build_lock(store: Store, wait: float = 0.0) -> Iterator[None]:
    """Hold the database's build lock; wait up to ``wait`` seconds, then ``BuildBusy``."""
    if store.dialect == "postgresql":
        with _pg_lock(store, wait):
            yield
        return
    path = store.engine.url.database
    if store.dialect != "sqlite" or path in (None, "", ":memory:"):
        yield  # a private in-memory database: no other process can build it
        return
    with _file_lock(Path(str(path) + ".build-lock"), wait):
        yield


@contextmanager
def _pg_lock(store: Store, wait: float) -> Iterator[None]:
    with store.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        deadline = time.monotonic() + wait
        while not conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({PG_BUILD_LOCK})").scalar():
            if time.monotonic() >= deadline:
                raise BuildBusy(
                    "another build is running on this database; it will take the new "
                    "articles too, or try again when it ends"
                )
            time.sleep(0.5)
        try:
            yield
        finally:
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({PG_BUILD_LOCK})")


@contextmanager
def _file_lock(path: Path, wait: float) -> Iterator[None]:
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
                    raise BuildBusy(
                        f"another build is running on this database (process {holder or '?'},"
                        f" lock {path.name}); it will take the new articles too, or try "
                        "again when it ends"
                    ) from None
                time.sleep(0.5)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildState:
    seq: int
    key: str
    checkpoint: bytes | None


def build_state(store: Store) -> BuildState | None:
    with Session(store.engine) as s:
        row = s.get(BuildStateRow, 1)
        return BuildState(row.seq, row.key, row.checkpoint) if row else None


def unbuilt_ids(store: Store) -> list[int]:
    """In-beat articles no build has filed yet, by id."""
    with Session(store.engine) as s:
        q = select(ArticleRow.id).where(
            ArticleRow.in_beat.is_(True), ArticleRow.build_seq.is_(None)
        )
        return list(s.scalars(q.order_by(ArticleRow.id)))


def batches(store: Store) -> list[list[int]]:
    """The in-beat articles as the builds filed them: one id list per build, in build
    order, then the unbuilt ones (the next build's batch) last."""
    out: dict[int | None, list[int]] = {}
    with Session(store.engine) as s:
        q = select(ArticleRow.build_seq, ArticleRow.id).where(ArticleRow.in_beat.is_(True))
        for seq, aid in s.execute(q.order_by(ArticleRow.id)):
            out.setdefault(seq, []).append(aid)
    order = sorted(k for k in out if k is not None)
    return [out[k] for k in order] + ([out[None]] if None in out else [])


def load_articles(store: Store, ids: Sequence[int]) -> dict[int, Article]:
    """Articles by id, read in chunks (any number of ids)."""
    got: dict[int, Article] = {}
    with Session(store.engine) as s:
        for chunk in _chunks(sorted(set(ids))):
            q = (
                select(ArticleRow, OutletRow.domain)
                .join(OutletRow, OutletRow.id == ArticleRow.outlet_id)
                .where(ArticleRow.id.in_(chunk))
            )
            for row, domain in s.execute(q):
                got[row.id] = _article(row, domain)
            s.expunge_all()
    return got


def stories_by_id(store: Store, ids: Iterable[str]) -> dict[str, StoryRow]:
    got: dict[str, StoryRow] = {}
    with Session(store.engine) as s:
        for chunk in _chunks(sorted(set(ids))):
            for row in s.scalars(select(StoryRow).where(StoryRow.id.in_(chunk))):
                got[row.id] = _aware_story(row)
            s.expunge_all()
    return got


def stories_of_articles(store: Store, article_ids: Iterable[int]) -> dict[int, str]:
    """article id -> stored story id, for these articles only."""
    got: dict[int, str] = {}
    t = StoryArticleRow
    with Session(store.engine) as s:
        for chunk in _chunks(sorted(set(article_ids))):
            q = select(t.article_id, t.story_id).where(t.article_id.in_(chunk))
            got.update(s.execute(q).all())
    return got


def status_counts(store: Store) -> dict[str, int]:
    with Session(store.engine) as s:
        q = select(StoryRow.status, func.count()).group_by(StoryRow.status)
        return {k: v for k, v in s.execute(q).all()}


@dataclass(frozen=True)
class Posting:
    story_id: str
    title: str
    first_seen: datetime


class StoredTerms:
    """Read side of the ``story_terms`` index, for the timeline."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def postings(self, term: str, before: datetime | None, limit: int) -> list[Posting]:
        """Dated stories holding ``term`` (first seen before ``before``), latest first."""
        t = StoryTermRow
        q = (
            select(t.story_id, StoryRow.title, t.first_seen)
            .join(StoryRow, StoryRow.id == t.story_id)
            .where(t.term == term, t.first_seen.is_not(None))
        )
        if before is not None:
            q = q.where(t.first_seen < _utc(before))
        q = q.order_by(t.first_seen.desc(), t.story_id).limit(limit)
        with self.store.engine.connect() as conn:
            return [Posting(sid, title, _aware(fs)) for sid, title, fs in conn.execute(q)]

    def counts(self, terms: Iterable[str]) -> dict[str, int]:
        t = StoryTermRow
        got: dict[str, int] = {}
        with self.store.engine.connect() as conn:
            for chunk in _chunks(sorted(set(terms))):
                q = select(t.term, func.count()).where(t.term.in_(chunk)).group_by(t.term)
                got.update(conn.execute(q).all())
        return got

    def terms_of(self, story_ids: Iterable[str]) -> dict[str, list[str]]:
        t = StoryTermRow
        got: dict[str, list[str]] = {}
        with self.store.engine.connect() as conn:
            for chunk in _chunks(sorted(set(story_ids))):
                for sid, term in conn.execute(
                    select(t.story_id, t.term).where(t.story_id.in_(chunk))
                ):
                    got.setdefault(sid, []).append(term)
        return got

    def story_count(self) -> int:
        with self.store.engine.connect() as conn:
            return conn.scalar(select(func.count(StoryRow.id))) or 0


def revisions(store: Store, story_id: str) -> list[StoryRevisionRow]:
    """A story's revisions, oldest first."""
    with Session(store.engine) as s:
        q = select(StoryRevisionRow).where(StoryRevisionRow.story_id == story_id)
        rows = list(s.scalars(q.order_by(StoryRevisionRow.id)))
        s.expunge_all()
    for r in rows:
        r.at = _aware(r.at)
    return rows


def recent_revisions(store: Store, limit: int = 50) -> list[StoryRevisionRow]:
    """The latest revisions of any story, newest first (the updates feed)."""
    with Session(store.engine) as s:
        q = select(StoryRevisionRow).order_by(StoryRevisionRow.id.desc()).limit(limit)
        rows = list(s.scalars(q))
        s.expunge_all()
    for r in rows:
        r.at = _aware(r.at)
    return rows


# --- writing -----------------------------------------------------------------------------------


@dataclass
class BuildWrite:
    """Everything one build stores, in one transaction."""

    seq: int
    key: str
    checkpoint: bytes
    rows: list[dict[str, Any]]  # the stories written (as ``pipeline`` makes them)
    removed: list[str] = field(default_factory=list)  # stored story ids to delete
    replace_all: bool = False  # a full rebuild: every stored story goes
    moves: list[dict[str, Any]] = field(default_factory=list)
    revisions: list[dict[str, Any]] = field(default_factory=list)  # story_id, changes
    terms: dict[str, list[str]] = field(default_factory=dict)  # story id -> folded terms
    built: list[int] = field(default_factory=list)  # article ids filed by this build


def commit_build(store: Store, write: BuildWrite, glossary: Any = None) -> None:
    """Store a build's result in one transaction (see the module docstring)."""
    from quorum.store import index

    if glossary is None:
        from quorum.web.glossary import Glossary

        glossary = Glossary.load()
    now = datetime.now(UTC)
    written = [r["id"] for r in write.rows]
    with store.engine.begin() as conn:
        if write.replace_all:
            for table in (StoryArticleRow, StoryTermRow, StoryRow):
                conn.execute(delete(table))
            for table in (index.story_cards, index.story_entities, index.story_outlets):
                conn.execute(delete(table))
            conn.exec_driver_sql("DELETE FROM story_search")
        else:
            gone = written + list(write.removed)
            members = [int(a) for r in write.rows for a in r["article_ids"]]
            for chunk in _chunks(members):
                conn.execute(delete(StoryArticleRow).where(StoryArticleRow.article_id.in_(chunk)))
            for chunk in _chunks(gone):
                conn.execute(delete(StoryArticleRow).where(StoryArticleRow.story_id.in_(chunk)))
                conn.execute(delete(StoryTermRow).where(StoryTermRow.story_id.in_(chunk)))
                conn.execute(delete(StoryRow).where(StoryRow.id.in_(chunk)))
            index.unindex_stories(conn, gone)
        story_rows = [story_values(r, now) for r in write.rows]
        if story_rows:
            conn.execute(insert(StoryRow), story_rows)
        links = [
            {"article_id": int(a), "story_id": r["id"]}
            for r in write.rows
            for a in r["article_ids"]
        ]
        if links:
            conn.execute(insert(StoryArticleRow), links)
        if write.moves:
            conn.execute(insert(StoryMoveRow), [{"at": now, **m} for m in write.moves])
        if write.revisions:
            conn.execute(
                insert(StoryRevisionRow),
                [{"at": now, "build_seq": write.seq, **r} for r in write.revisions],
            )
        first_seen = {r["id"]: _utc(r.get("first_seen")) for r in write.rows}
        terms = [
            {"story_id": sid, "term": term[:255], "first_seen": first_seen.get(sid)}
            for sid, ts in write.terms.items()
            for term in dict.fromkeys(ts)
        ]
        if terms:
            conn.execute(insert(StoryTermRow), terms)
        for chunk in _chunks(write.built):
            conn.execute(
                update(ArticleRow).where(ArticleRow.id.in_(chunk)).values(build_seq=write.seq)
            )
        state = {"seq": write.seq, "key": write.key, "checkpoint": write.checkpoint, "updated": now}
        if (
            conn.execute(
                update(BuildStateRow).where(BuildStateRow.id == 1).values(**state)
            ).rowcount
            == 0
        ):
            conn.execute(insert(BuildStateRow).values(id=1, **state))
        threshold = index.action_threshold()
        index.index_stories(conn, [StoryRow(**v) for v in story_rows], glossary, threshold)


def _utc(moment: datetime | None) -> datetime | None:
    """UTC, so dates compare alike in SQLite's text columns whatever offset they came with."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterator[list]:
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]
