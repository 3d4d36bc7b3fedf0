"""Feed parsing: RSS 0.9x/1.0/2.0, Atom and JSON Feed bodies into ``FeedItem`` records.

feedparser does the format work and tolerates broken XML (its loose parser keeps what it
can). This module adds what ingestion needs on top: canonical item URLs, timezone-aware
dates (a bad date is None plus a warning, never an exception), plain-text titles and
summaries, RSS ``<source>`` kept as the reprint's origin, and one error code for a body
that is not a feed at all (``empty_feed``, ``html_not_feed``, ``malformed_feed``).
"""

from __future__ import annotations

import calendar
import html
import json
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser

from quorum.markup import plain_text
from quorum.records import FeedItem
from quorum.sniff import sniff_markup
from quorum.urls import BadURLError, canonical_url

log = logging.getLogger(__name__)

# feedparser reports these as "bozo" although the feed itself is fine: the encoding label
# differed from what was detected, or the HTTP type was not an XML type.
_BENIGN_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
_CLOSING_ROOT = re.compile(rb"</(?:rss|feed|rdf:RDF|RDF)\s*>\s*$", re.IGNORECASE)
_ITEM_END = re.compile(rb"</(?:item|entry)\s*>", re.IGNORECASE)
# Warnings about individual items are capped so a 10,000-item feed of undated entries
# does not produce 10,000 log lines; the count of the rest is kept.
_MAX_ITEM_WARNINGS = 20


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed: its items (newest first), or an error code when it is not a feed.

    ``error`` is None, ``empty_feed``, ``html_not_feed`` or ``malformed_feed``; ``warnings``
    are short strings (``truncated_feed``, ``bad_date: ...``, ``no_link: ...``) for the log.
    """

    title: str = ""
    items: list[FeedItem] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    version: str = ""  # feedparser's name for the format: rss20, atom10, json11 ...


class _Warnings:
    """Collects warnings, keeping the first few of each kind and counting the rest."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._per_kind: dict[str, int] = {}

    def add(self, kind: str, detail: str = "") -> None:
        seen = self._per_kind.get(kind, 0)
        self._per_kind[kind] = seen + 1
        if seen < _MAX_ITEM_WARNINGS:
            self.lines.append(f"{kind}: {detail}" if detail else kind)

    def finish(self) -> list[str]:
        for kind, count in self._per_kind.items():
            if count > _MAX_ITEM_WARNINGS:
                self.lines.append(f"{kind}: {count - _MAX_ITEM_WARNINGS} more not listed")
        return self.lines


def parse_feed(body: bytes, url: str, max_items: int) -> ParsedFeed:
    """Parse a feed body fetched from ``url``; keep the ``max_items`` newest items.

    Never raises for anything in ``body``; ``max_items`` below 1 is a caller error.
    """
    if max_items < 1:
        raise ValueError(f"max_items must be at least 1, got {max_items}")
    if not body or not body.strip():
        return ParsedFeed(error="empty_feed")
    shape = sniff_markup(body)
    if shape == "html":
        return ParsedFeed(error="html_not_feed")
    if shape == "json":
        return _parse_json_feed(body, url, max_items)
    try:
        parsed = feedparser.parse(
            body,
            response_headers={"content-location": url},  # base for relative links
            sanitize_html=False,  # summaries are reduced to plain text below anyway
            resolve_relative_uris=False,  # item links are resolved by canonical_url
        )
    except Exception as exc:  # feedparser on hostile bytes: report, do not crash a poll
        log.warning("parse_feed %s: feedparser failed: %r", url, exc)
        return ParsedFeed(error="malformed_feed", warnings=[f"parser error: {exc!r}"])
    warnings = _Warnings()
    entries = list(parsed.entries)
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if isinstance(problem, _BENIGN_BOZO):
        problem = None
    if problem is not None:
        if not entries:
            return ParsedFeed(error="malformed_feed", warnings=[f"malformed_feed: {problem}"])
        if _looks_truncated(body):
            warnings.add("truncated_feed", f"{problem}")
            entries = _drop_unfinished_entry(body, entries)
        else:
            warnings.add("malformed_feed", f"{problem}; kept {len(entries)} items")
    if not entries and not parsed.get("version") and not parsed.feed:
        return ParsedFeed(error="malformed_feed", warnings=["no feed elements found"])
    items = _items(_newest_first(entries, warnings), url, max_items, warnings)
    if problem is not None and not items:
        return ParsedFeed(error="malformed_feed", warnings=warnings.finish())
    title = _plain_text(parsed.feed.get("title", ""))
    return ParsedFeed(
        title=title,
        items=items,
        warnings=warnings.finish(),
        version=parsed.get("version", "") or "",
    )


def _parse_json_feed(body: bytes, url: str, max_items: int) -> ParsedFeed:
    """JSON Feed 1.0/1.1 (jsonfeed.org), which feedparser 6.0 does not read."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        return ParsedFeed(error="malformed_feed", warnings=[f"malformed_feed: {exc}"])
    version = data.get("version", "") if isinstance(data, dict) else ""
    if not isinstance(version, str) or not version.startswith("https://jsonfeed.org/version/"):
        return ParsedFeed(error="malformed_feed", warnings=["JSON that is not a JSON Feed"])
    raw_items = data.get("items")
    entries = (
        [_json_entry(i) for i in raw_items if isinstance(i, dict)]
        if isinstance(raw_items, list)
        else []
    )
    warnings = _Warnings()
    items = _items(_newest_first(entries, warnings), url, max_items, warnings)
    return ParsedFeed(
        title=_plain_text(str(data.get("title") or "")),
        items=items,
        warnings=warnings.finish(),
        version="json" + version.rsplit("/", 1)[-1],
    )


def _json_entry(item: dict[str, Any]) -> dict[str, Any]:
    """A JSON Feed item in the shape of a feedparser entry, so one code path builds items."""
    authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
    author = authors[0].get("name") if authors and isinstance(authors[0], dict) else None
    entry: dict[str, Any] = {
        "link": _json_str(item.get("url")) or _json_str(item.get("external_url")),
        "id": _json_str(item.get("id")),
        "guidislink": False,
        "title": _json_str(item.get("title")),
        "summary": _json_str(item.get("summary"))
        or _json_str(item.get("content_html"))
        or html.escape(_json_str(item.get("content_text"))),
        "author": _json_str(author),
    }
    for name, key in (("published", "date_published"), ("updated", "date_modified")):
        raw = _json_str(item.get(key))
        if raw:
            entry[name] = raw
            entry[f"{name}_parsed"] = _iso_struct_time(raw)
    return entry


def _json_str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _iso_struct_time(raw: str) -> time.struct_time | None:
    """RFC 3339 date as a UTC struct_time (like feedparser's), None when unreadable."""
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # as feedparser does for dates without an offset
    return when.astimezone(UTC).timetuple()


def _looks_truncated(body: bytes) -> bool:
    """A feed whose root element is never closed was cut off in transit or by a size cap."""
    return _CLOSING_ROOT.search(body[-256:].rstrip(b"\x00")) is None


def _drop_unfinished_entry(body: bytes, entries: list[Any]) -> list[Any]:
    """Drop the entry the cut fell inside: its title or summary would be partial."""
    finished = len(_ITEM_END.findall(body))
    return entries[:finished] if finished < len(entries) else entries


def _items(
    dated_entries: list[_DatedEntry], feed_url: str, max_items: int, warnings: _Warnings
) -> list[FeedItem]:
    """FeedItems for the first ``max_items`` entries that have a usable, unseen link."""
    items: list[FeedItem] = []
    seen_urls: set[str] = set()
    for dated in dated_entries:
        if len(items) >= max_items:
            break
        entry = dated.entry
        label = entry.get("id") or entry.get("title") or f"item {dated.position + 1}"
        link = _entry_link(entry)
        if not link:
            warnings.add("no_link", _short(label))
            continue
        try:
            url = canonical_url(link, base=feed_url)
        except BadURLError as exc:
            warnings.add("bad_link", f"{_short(label)}: {exc}")
            continue
        if url in seen_urls:
            warnings.add("duplicate_item", url)
            continue
        seen_urls.add(url)
        items.append(
            FeedItem(
                url=url,
                title=_plain_text(entry.get("title", "")),
                summary=_plain_text(_summary_html(entry)),
                published=dated.published,
                author=_plain_text(entry.get("author", "")) or None,
                source_title=_source_title(entry),
                guid=(entry.get("id") or "").strip() or None,
            )
        )
    return items


def _entry_link(entry: Any) -> str:
    link = (entry.get("link") or "").strip()
    if link:
        return link
    for candidate in entry.get("links", []) or []:
        href = (candidate.get("href") or "").strip()
        if href and candidate.get("rel", "alternate") == "alternate":
            return href
    # An RSS <guid isPermaLink="true"> (the default) is the item's URL when <link> is absent.
    guid = (entry.get("id") or "").strip()
    if guid.startswith(("http://", "https://")) and entry.get("guidislink", True):
        return guid
    return ""


def _summary_html(entry: Any) -> str:
    summary = entry.get("summary") or ""
    if summary:
        return summary
    for content in entry.get("content", []) or []:
        if content.get("value"):
            return content["value"]
    return ""


def _entry_date(entry: Any, warnings: _Warnings) -> datetime | None:
    """The item's publication time (else its update time), aware and in UTC, or None."""
    bad: list[str] = []
    for name in ("published", "updated", "created"):
        # dict.get: feedparser's own get() aliases "updated" to "published", with a warning.
        raw = dict.get(entry, name)
        if not raw:
            continue
        parsed: time.struct_time | None = dict.get(entry, f"{name}_parsed")
        if parsed is not None:
            try:
                # feedparser normalises every date to UTC as a struct_time.
                return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
            except (OverflowError, ValueError, OSError):
                pass
        if str(raw) not in bad:  # feedparser copies <pubDate> into "updated" as well
            bad.append(str(raw))
    for raw in bad:
        label = entry.get("link") or entry.get("id") or entry.get("title") or "an item"
        warnings.add("bad_date", f"{_short(label)}: {_short(raw)}")
    return None


def _source_title(entry: Any) -> str | None:
    source = entry.get("source")
    if not source:
        return None
    title = source.get("title") if hasattr(source, "get") else None
    return _plain_text(title or "") or None


@dataclass(frozen=True, slots=True)
class _DatedEntry:
    entry: Any
    position: int
    published: datetime | None


def _newest_first(entries: list[Any], warnings: _Warnings) -> list[_DatedEntry]:
    """Dated entries newest first; undated ones after them in feed order (feeds list newest
    first, so their order is the best guess left). Sorting before building items means a
    10,000-item feed only costs full processing for the ``max_items`` kept."""
    dated = [_DatedEntry(e, n, _entry_date(e, warnings)) for n, e in enumerate(entries)]
    with_date = sorted((d for d in dated if d.published), key=lambda d: d.published, reverse=True)
    return with_date + [d for d in dated if d.published is None]


def _plain_text(markup: str) -> str:
    """Text of a title or summary that may hold HTML, with white space collapsed."""
    if not markup:
        return ""
    # A linear scan, not a tree: a summary nested 200,000 deep took Lexbor minutes.
    return " ".join(plain_text(markup).split())


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
