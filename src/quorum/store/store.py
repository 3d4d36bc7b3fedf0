"""``Store``: the one interface every stage and command uses to read and write data.

Writes are idempotent: an article whose canonical URL, or whose normalised text from the
same outlet, is already stored is not stored again (``INSERT ... ON CONFLICT DO NOTHING`` on
both unique keys), so
an interrupted run can simply be started again. Each article is committed on its own so a
crash loses at most the article being written.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DatabaseError, DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from quorum.records import Article, BeatScore, FetchResult, Outlet
from quorum.store.errors import StoreError, database_name, explain
from quorum.store.schema import (
    ArticleRow,
    Base,
    FeedRow,
    FetchLogRow,
    OutletRow,
    StoryArticleRow,
    StoryMoveRow,
    StoryRow,
)


class MissingDatabase(StoreError):
    """A SQLite file that does not exist, opened with ``create=False``."""


class StoreMissingTable(SQLAlchemyError):
    """A table of the schema is missing (the message reads like the driver's own)."""


@dataclass(frozen=True, slots=True)
class AddResult:
    """What storing one article did; ``error`` (and no id) when it could not be stored."""

    id: int | None
    created: bool
    error: str = ""


# What one record can make an insert raise: a value the database or the JSON encoder
# refuses (NUL byte or NaN on PostgreSQL, a lone surrogate, a column too narrow, nesting
# too deep).
_RECORD_ERRORS = (SQLAlchemyError, ValueError, TypeError, OverflowError, RecursionError)


def _not_the_record(exc: BaseException) -> bool:
    """A failure of the database itself (full disk, lost connection, a lock, a damaged
    file: OperationalError or sqlite3's plain DatabaseError), which retrying article by
    article cannot help and which must still end the run."""
    from sqlalchemy.exc import DatabaseError

    return isinstance(exc, OperationalError) or type(exc) is DatabaseError


@dataclass(frozen=True, slots=True)
class NewArticle:
    """An article to store, with what came with it: page HTML, beat score, outlet record."""

    article: Article
    raw_html: bytes | None = None
    beat: BeatScore | None = None
    outlet: Outlet | None = None


def database_url(db: str | Path) -> str:
    """Turn a path or URL into a SQLAlchemy URL (plain paths mean SQLite)."""
    text = str(db)
    if "://" in text:
        if text.startswith("postgresql://") or text.startswith("postgres://"):
            # psycopg 3 is the driver we ship; SQLAlchemy would otherwise look for psycopg2
            return "postgresql+psycopg://" + text.split("://", 1)[1]
        return text
    return f"sqlite:///{Path(text).expanduser()}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(dt: datetime | None) -> datetime | None:
    # SQLite gives naive datetimes back; everything Quorum stores is UTC.
    if dt is None or dt.tzinfo is not None:
        return dt
    return dt.replace(tzinfo=UTC)


class Store:
    """Articles, outlets, feeds, the fetch log and stories in one database."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.dialect = engine.dialect.name
        self._outlets_seen: dict[str, tuple[Outlet, int]] = {}
        # The first failure of the database itself, even one a caller caught and logged:
        # a run that went on past it must still not report success.
        self.failure: DBAPIError | None = None
        event.listen(engine, "handle_error", self._note_failure)

    # --- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, db: str | Path, *, migrate: bool = True, create: bool = True) -> Store:
        """Open (and by default migrate to the latest schema) the database at ``db``.

        ``create`` False: a SQLite file that does not exist is a ``MissingDatabase`` error
        rather than a new empty database (commands that only read have nothing to show from one).
        Any database that cannot be used (not a database, damaged, from a newer Quorum, a
        table missing) is a ``StoreError`` whose message names it and what to do.
        """
        url = database_url(db)
        name = database_name(db)
        try:
            engine = create_engine(url, future=True, pool_pre_ping=True)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StoreError(f"cannot use database {name}: {exc}") from exc
        if engine.dialect.name == "sqlite":
            path = engine.url.database  # None, "" or ":memory:" for an in-memory database
            if not create and path not in (None, "", ":memory:") and not Path(path).exists():
                engine.dispose()
                raise MissingDatabase(f"no database at {path}")
            event.listen(engine, "connect", _sqlite_pragmas)
        store = cls(engine)
        if migrate:
            try:
                from quorum.store.migrate import SchemaTooNew, upgrade

                upgrade(engine)
                store._check_tables()
            except SchemaTooNew as exc:
                engine.dispose()
                raise StoreError(f"cannot open {name}: {exc}") from exc
            except (SQLAlchemyError, sqlite3.DatabaseError) as exc:
                engine.dispose()
                raise StoreError(explain(exc, name)) from exc
        return store

    def _note_failure(self, context: Any) -> None:
        exc = context.sqlalchemy_exception
        if context.is_pre_ping:  # a stale pooled connection: the pool reconnects
            return
        # OperationalError: disk full, I/O, locked, lost connection; plain DatabaseError:
        # sqlite3's "malformed" and "not a database". Not a constraint or a bad value.
        if self.failure is None and (
            isinstance(exc, OperationalError) or type(exc) is DatabaseError
        ):
            self.failure = exc

    def check_integrity(self) -> None:
        """Refuse a damaged SQLite file before writing to it (``PRAGMA quick_check``).

        Writes can land on intact pages of a damaged file and succeed, so a writer would
        otherwise report success while the damage grows. PostgreSQL checks its own pages.
        """
        if self.dialect != "sqlite":
            return
        try:
            with self.engine.connect() as conn:
                rows = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check(5)")]
        except SQLAlchemyError as exc:
            raise StoreError(explain(exc, self.engine.url.database)) from exc
        if rows != ["ok"]:
            first = rows[0].strip().splitlines()[-1] if rows and rows[0].strip() else "?"
            problem = sqlite3.DatabaseError(f"database disk image is malformed ({first})")
            raise StoreError(explain(problem, self.engine.url.database))

    def _check_tables(self) -> None:
        """Every table the schema has must be there: a dropped one would otherwise show as a
        query error in the middle of a command."""
        have = set(inspect(self.engine).get_table_names())
        missing = sorted(set(Base.metadata.tables) - have)
        if missing:
            raise StoreMissingTable(f"no such table: {', '.join(missing)}")

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _insert(self, table: Any) -> Any:
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    # --- outlets and feeds -------------------------------------------------------------------

    def upsert_outlet(self, outlet: Outlet) -> int:
        """Store an outlet (registry data wins over an earlier on-the-fly record)."""
        values = dict(
            domain=outlet.domain,
            name=outlet.name,
            owner=outlet.owner,
            country=outlet.country,
            kind=outlet.kind,
        )
        stmt = self._insert(OutletRow).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["domain"],
            set_={k: v for k, v in values.items() if k != "domain" and v is not None},
        )
        with Session(self.engine) as s, s.begin():
            s.execute(stmt)
            return s.scalar(select(OutletRow.id).where(OutletRow.domain == outlet.domain))

    def outlets(self) -> list[Outlet]:
        with Session(self.engine) as s:
            rows = s.scalars(select(OutletRow).order_by(OutletRow.domain)).all()
            return [Outlet(r.domain, r.name, r.owner, r.country, r.kind) for r in rows]

    def feed_state(self, url: str) -> FeedRow | None:
        with Session(self.engine) as s:
            row = s.scalar(select(FeedRow).where(FeedRow.url == url))
            if row is not None:
                s.expunge(row)
            return row

    def save_feed_state(self, url: str, result: FetchResult) -> None:
        """Remember ETag/Last-Modified; called only after every item of the feed is stored,
        so that a crash in between makes the next poll fetch the feed in full again."""
        values = dict(
            url=url,
            etag=result.etag,
            last_modified=result.last_modified,
            last_polled=_utcnow(),
            last_reason=result.reason,
        )
        stmt = self._insert(FeedRow).values(**values)
        update = {k: v for k, v in values.items() if k != "url"}
        if result.reason == "not_modified":  # keep the validators we already had
            update = {"last_polled": values["last_polled"], "last_reason": result.reason}
        stmt = stmt.on_conflict_do_update(index_elements=["url"], set_=update)
        with Session(self.engine) as s, s.begin():
            s.execute(stmt)

    # --- articles ----------------------------------------------------------------------------

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """The subset of ``urls`` already stored (one query per 500 URLs)."""
        urls, found = list(dict.fromkeys(urls)), set()
        with Session(self.engine) as s:
            for i in range(0, len(urls), 500):
                chunk = urls[i : i + 500]
                found.update(s.scalars(select(ArticleRow.url).where(ArticleRow.url.in_(chunk))))
        return found

    def has_url(self, url: str) -> bool:
        with Session(self.engine) as s:
            return s.scalar(select(ArticleRow.id).where(ArticleRow.url == url)) is not None

    def add_article(
        self,
        article: Article,
        *,
        raw_html: bytes | None = None,
        beat: BeatScore | None = None,
        outlet: Outlet | None = None,
    ) -> AddResult:
        """Store ``article`` unless its URL, or its normalised text from the same outlet,
        is already stored.

        Raises:
            StoreError: when the database refuses the article (the reason is the message).
        """
        result = self.add_articles([NewArticle(article, raw_html, beat, outlet)])[0]
        if result.error:
            raise StoreError(f"cannot store {article.url}: {result.error}")
        return result

    def add_articles(self, items: Sequence[NewArticle]) -> list[AddResult]:
        """Store several articles in one transaction (bulk dumps); same rules as above.

        When the batch fails, each article is retried in its own transaction so one bad
        record costs only itself: its result carries the ``error`` and no id. A publication
        date out of range (see ``quorum.sanitize.published_ok``) is stored as NULL, so no
        caller can write a date a later read or date shift cannot handle.
        """
        if len(items) == 1:
            return [self._add_one(items[0])]
        try:
            return self._add_batch(items)
        except _RECORD_ERRORS as exc:
            if _not_the_record(exc):
                raise
            return [self._add_one(it) for it in items]

    def _add_one(self, item: NewArticle) -> AddResult:
        try:
            return self._add_batch([item])[0]
        except _RECORD_ERRORS as exc:
            if _not_the_record(exc):
                raise
            return AddResult(None, False, f"{type(exc).__name__}: {exc}"[:500])

    def _add_batch(self, items: Sequence[NewArticle]) -> list[AddResult]:
        from quorum.sanitize import published_ok

        outlet_ids = {
            it.article.outlet: self._outlet_id(
                it.outlet or Outlet(it.article.outlet, it.article.outlet)
            )
            for it in items
        }
        table = ArticleRow.__table__
        results = []
        with self.engine.begin() as conn:
            for it in items:
                a, beat = it.article, it.beat
                outlet_id = outlet_ids[a.outlet]
                values = dict(
                    url=a.url,
                    content_hash=a.content_hash,
                    outlet_id=outlet_id,
                    title=a.title,
                    text=a.text,
                    author=a.author,
                    language=a.language,
                    published=a.published if published_ok(a.published) else None,
                    fetched=_utcnow(),
                    via=a.via,
                    source_id=a.source_id,
                    feed_url=a.feed_url,
                    reprint_of=a.reprint_of,
                    extra=a.extra or {},
                    raw_html=zlib.compress(it.raw_html, 6) if it.raw_html else None,
                    in_beat=beat.in_beat if beat else None,
                    beat_score=beat.score if beat else None,
                    beat_evidence=[list(e) for e in beat.evidence] if beat else None,
                )
                stmt = self._insert(table).values(**values).on_conflict_do_nothing()
                inserted = conn.execute(stmt.returning(table.c.id)).scalar()
                if inserted is not None:
                    results.append(AddResult(inserted, True))
                    continue
                existing = conn.execute(
                    select(table.c.id).where(
                        (table.c.url == a.url)
                        | (
                            (table.c.content_hash == a.content_hash)
                            & (table.c.outlet_id == outlet_id)
                        )
                    )
                ).scalar()
                results.append(AddResult(existing, False))
        return results

    def _outlet_id(self, outlet: Outlet) -> int:
        # Remembered per Store so a bulk ingest does not upsert the same outlet per article.
        known = self._outlets_seen.get(outlet.domain)
        if known and known[0] == outlet:
            return known[1]
        outlet_id = self.upsert_outlet(outlet)
        self._outlets_seen[outlet.domain] = (outlet, outlet_id)
        return outlet_id

    def raw_html(self, article_id: int) -> bytes | None:
        with Session(self.engine) as s:
            blob = s.scalar(select(ArticleRow.raw_html).where(ArticleRow.id == article_id))
            return zlib.decompress(blob) if blob else None

    def articles(
        self, ids: Iterable[int] | None = None, batch: int = 1000, in_beat: bool | None = None
    ) -> Iterator[Article]:
        """Stored articles in arrival order (by id), streamed in batches; ``in_beat``
        keeps only articles the beat filter put in (True) or out (False)."""
        last = 0
        wanted = sorted(set(ids)) if ids is not None else None
        while True:
            with Session(self.engine) as s:
                q = (
                    select(ArticleRow, OutletRow.domain)
                    .join(OutletRow, OutletRow.id == ArticleRow.outlet_id)
                    .where(ArticleRow.id > last)
                    .order_by(ArticleRow.id)
                    .limit(batch)
                )
                if wanted is not None:
                    q = q.where(ArticleRow.id.in_(wanted))
                if in_beat is not None:
                    q = q.where(ArticleRow.in_beat.is_(in_beat))
                rows = s.execute(q).all()
            if not rows:
                return
            for row, domain in rows:
                yield _article(row, domain)
            last = rows[-1][0].id

    def article(self, article_id: int) -> Article | None:
        with Session(self.engine) as s:
            got = s.execute(
                select(ArticleRow, OutletRow.domain)
                .join(OutletRow, OutletRow.id == ArticleRow.outlet_id)
                .where(ArticleRow.id == article_id)
            ).first()
            return _article(*got) if got else None

    def beat_of(self, article_id: int) -> bool | None:
        with Session(self.engine) as s:
            return s.scalar(select(ArticleRow.in_beat).where(ArticleRow.id == article_id))

    def count_articles(self) -> int:
        with Session(self.engine) as s:
            return s.scalar(select(func.count(ArticleRow.id))) or 0

    def counts_by_via(self) -> dict[str, int]:
        with Session(self.engine) as s:
            rows = s.execute(select(ArticleRow.via, func.count()).group_by(ArticleRow.via))
            return {via: n for via, n in rows}

    # --- fetch log -------------------------------------------------------------------------

    def log_fetch(self, run_id: str, kind: str, result: FetchResult) -> None:
        self.log(
            run_id,
            kind,
            result.url,
            ok=result.ok,
            reason=result.reason,
            status=result.status,
            detail=result.detail,
            elapsed=result.elapsed,
        )

    def log(
        self,
        run_id: str,
        kind: str,
        url: str,
        *,
        ok: bool,
        reason: str,
        status: int | None = None,
        detail: str = "",
        elapsed: float = 0.0,
    ) -> None:
        from quorum.records import clean_text

        # a log line quotes what it is about, which may be the hostile value itself
        with Session(self.engine) as s, s.begin():
            s.add(
                FetchLogRow(
                    run_id=run_id,
                    at=_utcnow(),
                    url=clean_text(url)[:2048],
                    kind=kind[:16],
                    ok=ok,
                    reason=clean_text(reason)[:64],
                    status=status,
                    detail=clean_text(detail)[:2000],
                    elapsed=elapsed,
                )
            )

    def fetch_log(
        self, run_id: str | None = None, failures_only: bool = False, limit: int = 1000
    ) -> list[FetchLogRow]:
        with Session(self.engine) as s:
            q = select(FetchLogRow).order_by(FetchLogRow.id.desc()).limit(limit)
            if run_id:
                q = q.where(FetchLogRow.run_id == run_id)
            if failures_only:
                q = q.where(FetchLogRow.ok.is_(False))
            rows = s.scalars(q).all()
            s.expunge_all()
            return list(rows)

    def last_run_id(self) -> str | None:
        with Session(self.engine) as s:
            return s.scalar(select(FetchLogRow.run_id).order_by(FetchLogRow.id.desc()).limit(1))

    def reason_counts(self, run_id: str | None = None) -> dict[tuple[str, str], int]:
        """(kind, reason) -> count, for one run or the whole log."""
        with Session(self.engine) as s:
            q = select(FetchLogRow.kind, FetchLogRow.reason, func.count()).group_by(
                FetchLogRow.kind, FetchLogRow.reason
            )
            if run_id:
                q = q.where(FetchLogRow.run_id == run_id)
            return {(k, r): n for k, r, n in s.execute(q)}

    # --- stories -----------------------------------------------------------------------------

    def replace_stories(
        self, stories: list[dict[str, Any]], moves: Iterable[dict[str, Any]] = ()
    ) -> None:
        """Write the full set of stories in one transaction.

        Story assembly replays every article in arrival order, so the stories it produces
        replace the stored ones wholesale; readers never see a half-written set.
        """
        now = _utcnow()
        with Session(self.engine) as s, s.begin():
            s.execute(delete(StoryArticleRow))
            s.execute(delete(StoryRow))
            for st in stories:
                s.add(StoryRow(**story_values(st, now)))
            s.flush()
            for st in stories:
                for aid in st["article_ids"]:
                    s.add(StoryArticleRow(article_id=int(aid), story_id=st["id"]))
            for mv in moves:
                s.add(StoryMoveRow(at=now, **mv))

    def stories(
        self, limit: int | None = None, offset: int = 0, status: str | None = None
    ) -> list[StoryRow]:
        with Session(self.engine) as s:
            q = select(StoryRow).order_by(StoryRow.last_seen.desc().nulls_last(), StoryRow.id)
            if status:
                q = q.where(StoryRow.status == status)
            if limit:
                q = q.limit(limit).offset(offset)
            rows = s.scalars(q).all()
            s.expunge_all()
            return [_aware_story(r) for r in rows]

    def story(self, story_id: str) -> StoryRow | None:
        with Session(self.engine) as s:
            row = s.get(StoryRow, story_id)
            if row is not None:
                s.expunge(row)
                _aware_story(row)
            return row

    def story_article_ids(self, story_id: str) -> list[int]:
        with Session(self.engine) as s:
            return list(
                s.scalars(
                    select(StoryArticleRow.article_id)
                    .where(StoryArticleRow.story_id == story_id)
                    .order_by(StoryArticleRow.article_id)
                )
            )

    def story_of_articles(self) -> dict[int, str]:
        """article id -> story id, as currently stored."""
        with Session(self.engine) as s:
            rows = s.execute(select(StoryArticleRow.article_id, StoryArticleRow.story_id))
            return {aid: sid for aid, sid in rows}

    def story_moves(self) -> list[StoryMoveRow]:
        with Session(self.engine) as s:
            rows = s.scalars(select(StoryMoveRow).order_by(StoryMoveRow.id)).all()
            s.expunge_all()
            return list(rows)


def story_values(st: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The columns of a story row from a built story (the dict ``build_stories`` makes)."""
    return dict(
        id=st["id"],
        title=st["title"],
        first_seen=st.get("first_seen"),
        last_seen=st.get("last_seen"),
        article_count=len(st["article_ids"]),
        independent_sources=st.get("independent_sources", 0),
        status=st.get("status", "new"),
        impact=st.get("impact"),
        sentiment=st.get("sentiment"),
        data=st.get("data", {}),
        updated=now,
    )


def _aware_story(row: StoryRow) -> StoryRow:
    row.first_seen = _aware(row.first_seen)
    row.last_seen = _aware(row.last_seen)
    return row


def _article(row: ArticleRow, domain: str) -> Article:
    return Article(
        url=row.url,
        title=row.title,
        text=row.text,
        outlet=domain,
        published=_aware(row.published),
        author=row.author,
        language=row.language,
        via=row.via,
        source_id=row.source_id,
        feed_url=row.feed_url,
        reprint_of=row.reprint_of,
        extra=dict(row.extra or {}),
        id=row.id,
    )


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets the web server read while an ingest run writes; busy_timeout makes a
    # second writer wait instead of failing at once.
    # busy_timeout comes first so that switching to WAL also waits for a lock.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
