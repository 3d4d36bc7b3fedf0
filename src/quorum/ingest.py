"""Ingestion: feeds, single pages and JSONL dumps into the store.

The cascade for a feed poll, mirrored by ``# n.`` comments below:

1. fetch the feed conditionally (ETag / Last-Modified from the previous poll);
2. parse it; items already stored (by URL or guid) are skipped before any page fetch;
3. fetch each new item's page and extract text, title, author, date and language;
4. when the page cannot be had or yields no text, fall back to the feed's summary and
   record that (``via = "feed-summary"`` plus a fetch-log line);
5. score the beat, store the article (idempotent), log the outcome;
6. only then remember the feed's validators, so a crash mid-feed re-reads it next time.

Every failure becomes a fetch-log line with a reason; nothing here raises out of a run
for one bad feed, page or record.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from quorum.beat import BeatScorer
from quorum.charset import UndecodableError, decode_html
from quorum.extract import extract
from quorum.feeds import parse_feed
from quorum.fetch import Fetcher
from quorum.furniture import drop_furniture_lines
from quorum.markup import plain_text
from quorum.outlets import OutletRegistry
from quorum.records import Article, Extracted, FeedItem, FetchResult
from quorum.sanitize import sanitize
from quorum.settings import Config
from quorum.store import NewArticle, Store
from quorum.urls import canonical_from_html, canonical_url, date_from_url, registrable_domain

Progress = Callable[[int], None]  # called with the number of units just finished

# Dump records are committed in batches of this many: one transaction per article made a
# 10,000-line dump take minutes, and a crash loses at most one batch, which a re-run re-reads.
DUMP_BATCH = 500


@dataclass
class IngestReport:
    """What one ingest run did, for the CLI summary and for tests."""

    run_id: str
    stored: int = 0
    already_had: int = 0
    fallbacks: int = 0
    reasons: Counter = field(default_factory=Counter)  # failure/skip reason -> count

    def merge(self, other: IngestReport) -> None:
        self.stored += other.stored
        self.already_had += other.already_had
        self.fallbacks += other.fallbacks
        self.reasons.update(other.reasons)


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


@dataclass
class Ingestor:
    """Turns sources into stored articles. Holds no state beyond one run's report."""

    store: Store
    config: Config
    registry: OutletRegistry
    beat: BeatScorer
    run_id: str = field(default_factory=new_run_id)

    # --- shared --------------------------------------------------------------------------

    def _prepare(
        self, article: Article, raw_html: bytes | None, report: IngestReport, kind: str, where: str
    ) -> NewArticle:
        """Clean the article (every path comes through here), log what that changed, and
        score its beat."""
        cleaned = sanitize(article)
        for reason, detail in cleaned.notes:
            self._log(report, kind, where, reason, ok=True, detail=detail)
        article = cleaned.article
        return NewArticle(
            article,
            raw_html,
            self.beat.score(article.title, article.text),
            self.registry.lookup(article.outlet),
        )

    def _store(self, article: Article, report: IngestReport, raw_html: bytes | None) -> None:
        self._store_many([self._prepare(article, raw_html, report, "page", article.url)], report)

    def _store_many(
        self,
        items: list[NewArticle],
        report: IngestReport,
        kind: str = "page",
        wheres: list[str] | None = None,
    ) -> None:
        results = self.store.add_articles(items)
        for n, (item, result) in enumerate(zip(items, results, strict=True)):
            if result.error:
                where = wheres[n] if wheres else item.article.url
                self._log(report, kind, where, "store_error", ok=False, detail=result.error)
            elif result.created:
                report.stored += 1
            else:
                report.already_had += 1

    def _log(
        self,
        report: IngestReport,
        kind: str,
        url: str,
        reason: str,
        *,
        ok: bool,
        detail: str = "",
        status: int | None = None,
        elapsed: float = 0.0,
    ) -> None:
        if reason != "ok":
            report.reasons[reason] += 1
        self.store.log(
            self.run_id,
            kind,
            url,
            ok=ok,
            reason=reason,
            detail=detail,
            status=status,
            elapsed=elapsed,
        )

    # --- JSONL dumps ---------------------------------------------------------------------

    def ingest_jsonl(self, path: Path, progress: Progress | None = None) -> IngestReport:
        """Store each record of a JSONL dump (fields id, title, text, date, source, url;
        any other field is kept in ``extra``). Bad lines are logged and skipped."""
        report = IngestReport(self.run_id)
        batch: list[NewArticle] = []
        wheres: list[str] = []
        for lineno, line in _read_lines(path):
            where = f"{path}:{lineno}"
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError("not a JSON object")
            except (ValueError, RecursionError) as exc:  # RecursionError: nesting too deep
                detail = f"{type(exc).__name__}: {exc}"[:200]
                self._log(report, "dump", where, "bad_json", ok=False, detail=detail)
                continue
            try:
                prepared = self._dump_record(row, path, report, where)
            except Exception as exc:  # one record must never end the command; log, go on
                detail = f"{type(exc).__name__}: {exc}"[:500]
                self._log(report, "dump", where, "error", ok=False, detail=detail)
                prepared = None
            if prepared is not None:
                batch.append(prepared)
                wheres.append(where)
            if len(batch) >= DUMP_BATCH:
                self._store_many(batch, report, "dump", wheres)
                batch, wheres = [], []
            if progress:
                progress(1)
        self._store_many(batch, report, "dump", wheres)
        return report

    def _dump_record(
        self, row: dict[str, Any], path: Path, report: IngestReport, where: str
    ) -> NewArticle | None:
        article, problems = self._article_from_row(row, path)
        if article is None:
            self._log(report, "dump", where, problems[0], ok=False)
            return None
        for problem in problems:
            detail = (
                f"no date given; the URL states {article.published:%Y-%m-%d}"
                if problem == "date_from_url" and article.published
                else f"stored without: {problem}"
            )
            self._log(report, "dump", where, problem, ok=True, detail=detail)
        return self._prepare(article, None, report, "dump", where)

    def _article_from_row(
        self, row: dict[str, Any], path: Path
    ) -> tuple[Article | None, list[str]]:
        """The article of one dump row, and what it had to go without (reason codes)."""
        text = row.get("text")
        if isinstance(text, str):
            # Dump texts were crawled by others with page furniture left in ("Story
            # Continued Below", captions); the same cleaner as for extracted pages.
            text = drop_furniture_lines(text)
        if not isinstance(text, str) or not text.strip():
            return None, ["missing_text"]
        title = str(row.get("title") or "").strip()
        rid = str(row.get("id")) if row.get("id") is not None else None
        url = row.get("url") if isinstance(row.get("url"), str) else None
        try:
            url = canonical_url(url) if url else None
        except ValueError:
            url = None
        if not url:
            # A stable stand-in identity so the same dump row is never stored twice.
            url = f"urn:quorum:{path.stem}:{rid or _short_hash(text)}"
        outlet, source_problem = _outlet_of(row.get("source"), url)
        published, date_problem = _parse_date(row.get("date"))
        if published is None and (from_url := date_from_url(url)) is not None:
            published, date_problem = from_url, "date_from_url"
        extra = {
            k: v
            for k, v in row.items()
            if k not in {"id", "title", "text", "date", "source", "url"}
        }
        article = Article(
            url=url,
            title=title or text.strip().split("\n")[0][:200],
            text=text.strip(),
            outlet=outlet,
            published=published,
            via="dump",
            source_id=rid,
            extra=extra,
            author=row.get("author") if isinstance(row.get("author"), str) else None,
        )
        return article, [p for p in (source_problem, date_problem) if p]

    # --- pages ---------------------------------------------------------------------------

    async def ingest_pages(
        self, urls: Iterable[str], fetcher: Fetcher, progress: Progress | None = None
    ) -> IngestReport:
        """Fetch and store single article pages."""
        report = IngestReport(self.run_id)
        urls = list(urls)

        async def one(url: str) -> None:
            try:
                item = FeedItem(url=canonical_url(url))
            except ValueError as exc:
                self._log(report, "page", url, "bad_url", ok=False, detail=str(exc))
                return
            await self._ingest_item(item, None, fetcher, report)
            if progress:
                progress(1)

        await asyncio.gather(*(one(u) for u in urls))
        return report

    async def _ingest_item(
        self, item: FeedItem, feed_url: str | None, fetcher: Fetcher, report: IngestReport
    ) -> None:
        # 3. fetch the page and extract
        page, page_url, why_not = _Page(), item.url, ""
        if self.config.fetch_pages:
            res = await fetcher.fetch(item.url, kind="page")
            page_url = res.final_url or item.url
            if res.ok:
                # Decoding and extraction are CPU work: in a worker thread, so the event loop
                # goes on serving the other fetches meanwhile.
                page = await asyncio.to_thread(
                    _read_page,
                    res.body,
                    res.encoding,
                    page_url,
                    tuple(self.config.canonical_trusted_hosts),
                )
                if page.undecodable:
                    why_not = "undecodable"
                    res = _failed(res, "undecodable", page.undecodable)
                elif not page.extracted.text.strip():
                    why_not = "no_text"
            else:
                why_not = res.reason
            self._log(
                report,
                "page",
                item.url,
                why_not or "ok",
                ok=not why_not,
                detail=res.detail if why_not else "",
                status=res.status,
                elapsed=res.elapsed,
            )
        else:
            why_not = "pages_disabled"
        extracted = page.extracted
        # 4. fall back to the feed's summary
        via, text = "page", extracted.text.strip()
        if why_not:
            text = _html_to_text(item.summary)
            if not text:
                self._log(
                    report,
                    "page",
                    item.url,
                    "no_text_no_summary",
                    ok=False,
                    detail=f"page failed ({why_not}) and the feed item has no summary",
                )
                return
            via = "feed-summary"
            report.fallbacks += 1
        url = page.canonical or canonical_url(page_url)
        published = extracted.published or item.published
        if published is None and (published := date_from_url(url)) is not None:
            self._log(report, "page", url, "date_from_url", ok=True, detail=f"{published:%Y-%m-%d}")
        if published is None:
            self._log(
                report,
                "page",
                url,
                "missing_date",
                ok=True,
                detail="no publication date in page or feed; stored undated",
            )
        article = Article(
            url=url,
            title=(extracted.title or item.title or "").strip() or text[:120],
            text=text,
            outlet=registrable_domain(url),
            published=published,
            author=extracted.author or item.author,
            language=extracted.language,
            via=via,
            source_id=item.guid,
            feed_url=feed_url,
            reprint_of=item.source_title,
            extra={"fetched_url": page_url} if page_url != url else {},
        )
        # 5. beat, store, log
        self._store(article, report, page.raw)

    # --- feeds ---------------------------------------------------------------------------

    async def poll_feed(
        self,
        feed_url: str,
        fetcher: Fetcher,
        progress: Progress | None = None,
        *,
        deadline: float | None = None,
    ) -> IngestReport:
        """Poll one feed; ``deadline`` (event-loop time) is where the run's budget ends.

        Item pages also stop ``feed_budget`` seconds after the feed was read; items not
        fetched by then are logged as ``budget`` and the feed's validators are not saved,
        so the next poll reads the feed again and fetches them.
        """
        report = IngestReport(self.run_id)
        # 1. conditional fetch; 2. parse (in a worker thread: feedparser is CPU work)
        state = self.store.feed_state(feed_url)
        parsed = None
        scope = asyncio.timeout_at(deadline)
        try:
            async with scope:
                res = await fetcher.fetch(
                    feed_url,
                    kind="feed",
                    etag=state.etag if state else None,
                    last_modified=state.last_modified if state else None,
                )
                if res.ok:
                    parsed = await asyncio.to_thread(
                        parse_feed,
                        res.body,
                        res.final_url or feed_url,
                        self.config.max_items_per_feed,
                    )
        except TimeoutError:
            if not scope.expired():
                raise
            detail = f"run_budget ({self.config.run_budget:g} s) spent before the feed was read"
            self._log(report, "feed", feed_url, "budget", ok=True, detail=detail)
            return report
        self._log(
            report,
            "feed",
            feed_url,
            res.reason,
            ok=res.ok or res.reason == "not_modified",
            detail=res.detail,
            status=res.status,
            elapsed=res.elapsed,
        )
        if parsed is None:
            if res.reason == "not_modified":
                self.store.save_feed_state(feed_url, res)
            return report
        if parsed.error:
            self._log(
                report,
                "feed",
                feed_url,
                parsed.error,
                ok=False,
                detail=f"{len(parsed.items)} items recovered",
            )
        for warning in parsed.warnings:
            self._log(report, "feed", feed_url, _reason_of(warning), ok=True, detail=warning)
        # skip items we already hold
        known = self.store.known_urls(u for it in parsed.items for u in _identities(it))
        new_items = [it for it in parsed.items if not known.intersection(_identities(it))]
        report.already_had += len(parsed.items) - len(new_items)
        # 3.-5. item pages, within the feed's budget and what is left of the run's
        items_deadline = _earliest(deadline, _deadline_in(self.config.feed_budget))
        finished = await asyncio.gather(
            *(
                self._item_with_progress(it, feed_url, fetcher, report, progress, items_deadline)
                for it in new_items
            )
        )
        left = [it for it, done in zip(new_items, finished, strict=True) if not done]
        for item in left:
            self._log(report, "page", item.url, "budget", ok=True, detail=self._budget_note())
        # 6. remember validators only now that every item is stored
        if not parsed.error and not left:
            self.store.save_feed_state(feed_url, res)
        return report

    def _budget_note(self) -> str:
        return (
            f"not fetched within feed_budget ({self.config.feed_budget:g} s) or "
            f"run_budget ({self.config.run_budget:g} s); left for the next poll"
        )

    async def _item_with_progress(
        self,
        item: FeedItem,
        feed_url: str,
        fetcher: Fetcher,
        report: IngestReport,
        progress: Progress | None,
        deadline: float | None = None,
    ) -> bool:
        """Ingest one item; False when the deadline came first (then nothing is stored)."""
        finished = True
        scope = asyncio.timeout_at(deadline)
        try:
            async with scope:
                await self._ingest_item(item, feed_url, fetcher, report)
        except Exception as exc:  # one item must never abort the run; log it and go on
            if isinstance(exc, TimeoutError) and scope.expired():
                finished = False
            else:
                self._log(
                    report,
                    "page",
                    item.url,
                    "error",
                    ok=False,
                    detail=f"{type(exc).__name__}: {exc}"[:500],
                )
        if progress:
            progress(1)
        return finished

    async def poll_feeds(
        self, feed_urls: Iterable[str], progress: Progress | None = None
    ) -> IngestReport:
        """Poll every feed once, concurrently within the fetcher's limits and run_budget."""
        report = IngestReport(self.run_id)
        deadline = _deadline_in(self.config.run_budget)
        async with Fetcher(self.config) as fetcher:

            async def one(url: str) -> None:
                try:
                    report.merge(await self.poll_feed(url, fetcher, progress, deadline=deadline))
                except Exception as exc:  # a broken feed must not end the run
                    self._log(
                        report,
                        "feed",
                        url,
                        "error",
                        ok=False,
                        detail=f"{type(exc).__name__}: {exc}"[:500],
                    )

            await asyncio.gather(*(one(u) for u in feed_urls))
        return report


def _deadline_in(seconds: float) -> float | None:
    """Event-loop time ``seconds`` from now; None (no limit) for 0 or less."""
    return asyncio.get_running_loop().time() + seconds if seconds > 0 else None


def _earliest(*deadlines: float | None) -> float | None:
    given = [d for d in deadlines if d is not None]
    return min(given) if given else None


@dataclass(frozen=True, slots=True)
class _Page:
    """What the worker thread made of one fetched page."""

    extracted: Extracted = field(default_factory=Extracted)
    raw: bytes | None = None  # the body, stored with the article, when it decoded
    canonical: str | None = None  # the page's own canonical URL, when it may claim one
    undecodable: str = ""  # why the body is not text, when it is not


def _read_page(
    body: bytes, encoding: str | None, page_url: str, trusted_hosts: tuple[str, ...]
) -> _Page:
    """Decode, extract and find the canonical URL of one page (runs in a worker thread)."""
    try:
        html = decode_html(body, encoding)
    except UndecodableError as exc:
        return _Page(undecodable=str(exc))
    return _Page(
        extracted=extract(html, page_url),
        raw=body,
        canonical=canonical_from_html(html, page_url, trusted_hosts=trusted_hosts),
    )


def _identities(item: FeedItem) -> list[str]:
    """URLs under which an item may already be stored: its link, and its guid when that is
    a URL (the canonical address, when the link is a tracking or mirror URL)."""
    urls = [item.url]
    if item.guid and item.guid.startswith(("http://", "https://")):
        try:
            urls.append(canonical_url(item.guid))
        except ValueError:
            pass
    return urls


def _failed(res: FetchResult, reason: str, detail: str) -> FetchResult:
    from dataclasses import replace

    return replace(res, ok=False, reason=reason, detail=detail)


def _reason_of(warning: str) -> str:
    return warning.split(":", 1)[0].strip().replace(" ", "_")[:60] or "feed_warning"


def _html_to_text(fragment: str) -> str:
    if not fragment:
        return ""
    if "<" not in fragment:
        return fragment.strip()
    # A linear scan, not a tree (quorum.markup): summaries are untrusted markup too.
    return plain_text(fragment).strip()


def _short_hash(text: str) -> str:
    import hashlib

    # surrogatepass: a dump's lone surrogate ("\ud800") is removed later, not here
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _outlet_of(source: Any, url: str) -> tuple[str, str]:
    """The outlet of a dump row: its ``source``, else its URL's site; (outlet, problem)."""
    if isinstance(source, str) and source.strip():
        try:
            return registrable_domain(source), ""
        except ValueError:  # "...", "http://", "http://[::1", a host IDNA refuses
            problem = "bad_source"
    else:
        problem = ""
    if url.startswith("http"):
        try:
            return registrable_domain(url), problem
        except ValueError:
            pass
    return "unknown", problem


# A longer "date" is prose, not worth handing to dateparser (see extract's _MAX_DATE_CHARS).
_MAX_DATE_CHARS = 80


def _parse_date(value: Any) -> tuple[datetime | None, str]:
    """ISO dates directly, anything else through dateparser; ('', problem) on failure."""
    if value in (None, ""):
        return None, "missing_date"
    if not isinstance(value, str) or len(value) > _MAX_DATE_CHARS:
        return None, "bad_date"
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        import dateparser

        try:
            dt = dateparser.parse(
                value, settings={"RETURN_AS_TIMEZONE_AWARE": True, "TO_TIMEZONE": "UTC"}
            )
        except (ValueError, OverflowError):  # a year or offset at the calendar's ends
            dt = None
        if dt is None:
            return None, "bad_date"
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt, ""


def _read_lines(path: Path) -> Iterator[tuple[int, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                yield lineno, line
