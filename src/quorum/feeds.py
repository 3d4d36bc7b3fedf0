"""Feed parsing: RSS 0.9x/1.0/2.0, Atom and JSON Feed bodies into ``FeedItem`` records.

feedparser does the format work and tolerates broken XML (its loose parser keeps what it
can). This module adds what ingestion needs on top: canonical item URLs, timezone-aware
dates (a bad date is None plus a warning, never an exception), plain-text titles and
summaries, RSS ``<source>`` kept as the reprint's origin, and one error code for a body
that is not a feed at all (``empty_feed``, ``html_not_feed``, ``malformed_feed``).

One bad item costs only itself: characters XML forbids are neutralised before feedparser
sees the body (one ``&#xD800;`` would otherwise lose the whole feed), each item is built
under its own error handler, and item strings come out XML-safe and capped.
"""

from __future__ import annotations

import calendar
import codecs
import html
import json
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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

# Item text caps. A headline runs to ~150 characters; 300 is the page-title cap of
# extract.py. A summary is a teaser: 5,000 characters keep any real one whole, while a feed
# that stuffs whole articles into it cannot bloat the store or a listing.
MAX_TITLE_CHARS = 300
MAX_SUMMARY_CHARS = 5_000
MAX_NAME_CHARS = 300  # author, RSS <source> title: names, as long as a headline at most
MAX_GUID_CHARS = 2_048  # guids are often URLs; 2 KiB is the URL length browsers accept
# Item dates outside this window are placeholders or parse errors (feedparser reads year 1
# with an offset as year 500): nothing on a feed predates 1900, and a date more than a day
# ahead cannot be a publication date (a day covers time-zone mistakes).
EARLIEST_DATE = datetime(1900, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=1)

# Characters XML 1.0 forbids (C0 controls but tab, newline and CR; U+FFFE/U+FFFF; lone
# surrogates), and DEL, which it allows but no title should carry.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
# UTF-8 forms of U+FFFE and U+FFFF: expat rejects them as raw characters.
_UTF8_NONCHARS = re.compile(b"\xef\xbf[\xbe\xbf]")


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
        detail = _XML_ILLEGAL.sub(" ", detail)  # warnings quote the feed; they reach logs
        seen = self._per_kind.get(kind, 0)
        self._per_kind[kind] = seen + 1
        if seen < _MAX_ITEM_WARNINGS:
            self.lines.append(f"{kind}: {detail}" if detail else kind)

    def finish(self) -> list[str]:
        for kind, count in self._per_kind.items():
            if count > _MAX_ITEM_WARNINGS:
                self.lines.append(f"{kind}: {count - _MAX_ITEM_WARNINGS} more not listed")
        return self.lines


def parse_feed(body: bytes, url: str, max_items: int, *, now: datetime | None = None) -> ParsedFeed:
    """Parse a feed body fetched from ``url``; keep the ``max_items`` newest items.

    Never raises for anything in ``body``; ``max_items`` below 1 is a caller error.
    ``now`` (default: the clock) bounds how far ahead an item's date may lie.
    """
    if max_items < 1:
        raise ValueError(f"max_items must be at least 1, got {max_items}")
    if not body or not body.strip():
        return ParsedFeed(error="empty_feed")
    latest = (now or datetime.now(UTC)) + FUTURE_TOLERANCE
    shape = sniff_markup(body)
    if shape == "html":
        return ParsedFeed(error="html_not_feed")
    if shape == "json":
        return _parse_json_feed(body, url, max_items, latest)
    body = _neutralise_markup(body)
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
    items = _items(_newest_first(entries, warnings, latest), url, max_items, warnings)
    if problem is not None and not items:
        return ParsedFeed(error="malformed_feed", warnings=warnings.finish())
    title = _text_field(parsed.feed.get("title", ""), MAX_TITLE_CHARS, warnings)
    return ParsedFeed(
        title=title,
        items=items,
        warnings=warnings.finish(),
        version=parsed.get("version", "") or "",
    )


def _parse_json_feed(body: bytes, url: str, max_items: int, latest: datetime) -> ParsedFeed:
    """JSON Feed 1.0/1.1 (jsonfeed.org), which feedparser 6.0 does not read."""
    try:
        # JSON Feed is UTF-8: a stray bad byte or a raw control character in one string
        # costs that character (cleaned from the item later), not the whole feed.
        data = json.loads(body.decode("utf-8-sig", errors="replace"), strict=False)
    except ValueError as exc:
        return ParsedFeed(error="malformed_feed", warnings=[f"malformed_feed: {exc}"])
    except RecursionError:  # nesting deeper than Python's stack: no part of it can be read
        return ParsedFeed(error="malformed_feed", warnings=["malformed_feed: nested too deep"])
    version = data.get("version", "") if isinstance(data, dict) else ""
    if not isinstance(version, str) or not version.startswith("https://jsonfeed.org/version/"):
        return ParsedFeed(error="malformed_feed", warnings=["JSON that is not a JSON Feed"])
    raw_items = data.get("items")
    warnings = _Warnings()
    entries = []
    for position, raw in enumerate(raw_items if isinstance(raw_items, list) else []):
        try:
            entries.append(_json_entry(raw))
        except Exception as exc:  # one hostile item costs only itself
            warnings.add("bad_item", f"item {position + 1}: {exc!r}")
    items = _items(_newest_first(entries, warnings, latest), url, max_items, warnings)
    return ParsedFeed(
        title=_text_field(_json_str(data.get("title")), MAX_TITLE_CHARS, warnings),
        items=items,
        warnings=warnings.finish(),
        version="json" + version.rsplit("/", 1)[-1],
    )


def _json_entry(item: Any) -> dict[str, Any]:
    """A JSON Feed item in the shape of a feedparser entry, so one code path builds items."""
    if not isinstance(item, dict):
        raise ValueError(f"an item that is not a JSON object: {_short(repr(item))}")
    authors = item.get("authors")
    if not isinstance(authors, list) or not authors:
        authors = [item.get("author")]  # JSON Feed 1.0's single author
    author = authors[0].get("name") if isinstance(authors[0], dict) else None
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
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)  # as feedparser does for dates without an offset
        return when.astimezone(UTC).timetuple()
    except (ValueError, OverflowError):  # year 9999 at -05:00 is past datetime's range
        return None


def _neutralise_markup(body: bytes) -> bytes:
    """The body with characters XML forbids replaced, so expat keeps the valid items.

    A character reference to a surrogate, to a code point past U+10FFFF or to a control
    becomes U+FFFD (as HTML does); a raw forbidden character becomes a space. Markup and
    references are ASCII in every ASCII-compatible encoding, so those bodies are fixed
    byte for byte through latin-1; UTF-16/32 bodies are decoded and encoded back.
    """
    wide = _wide_codec(body)
    if wide is None:
        text = _fix_xml_chars(body.decode("latin-1")).encode("latin-1")
        return _UTF8_NONCHARS.sub(b"  ", text)  # two bytes: offsets keep their meaning
    try:
        return _fix_xml_chars(body.decode(wide)).encode(wide)
    except UnicodeError:  # undecodable: leave it to feedparser's own fallbacks
        return body


def _wide_codec(body: bytes) -> str | None:
    """The UTF-16/32 codec of a body (by BOM, else by the NULs around its first ``<``)."""
    if body.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for prefix, codec in (
        (b"<\x00\x00\x00", "utf-32-le"),
        (b"\x00\x00\x00<", "utf-32-be"),
        (b"<\x00", "utf-16-le"),
        (b"\x00<", "utf-16-be"),
    ):
        if body.startswith(prefix):
            return codec
    return None


def _fix_xml_chars(text: str) -> str:
    return _XML_ILLEGAL.sub(" ", _CHAR_REF.sub(_fix_char_ref, text))


def _fix_char_ref(match: re.Match[str]) -> str:
    hex_digits, dec_digits = match.groups()
    digits = (hex_digits or dec_digits).lstrip("0") or "0"
    # More than 8 digits is past U+10FFFF either way (and int() of a huge run is slow).
    code = int(digits, 16 if hex_digits else 10) if len(digits) <= 8 else -1
    if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD:
        return match.group(0)
    if 0x10000 <= code <= 0x10FFFF:
        return match.group(0)
    return "&#xFFFD;"


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
        try:
            item = _item(dated, feed_url, warnings)
        except Exception as exc:  # one hostile item costs only itself, never the feed
            log.debug("feed %s: item %d failed", feed_url, dated.position + 1, exc_info=True)
            warnings.add("bad_item", f"item {dated.position + 1}: {exc!r}")
            continue
        if item is None:
            continue
        if item.url in seen_urls:
            warnings.add("duplicate_item", item.url)
            continue
        seen_urls.add(item.url)
        items.append(item)
    return items


def _item(dated: _DatedEntry, feed_url: str, warnings: _Warnings) -> FeedItem | None:
    """The FeedItem of one entry, or None (with a warning) when it has no usable link."""
    entry = dated.entry
    label = entry.get("id") or entry.get("title") or f"item {dated.position + 1}"
    link = _entry_link(entry)
    if not link:
        warnings.add("no_link", _short(label))
        return None
    try:
        url = canonical_url(link, base=feed_url)
    except BadURLError as exc:
        warnings.add("bad_link", f"{_short(label)}: {exc}")
        return None
    if _XML_ILLEGAL.search(url):
        warnings.add("bad_link", f"{_short(label)}: control character in {_short(url)}")
        return None
    guid = _XML_ILLEGAL.sub("", entry.get("id") or "").strip()[:MAX_GUID_CHARS]
    return FeedItem(
        url=url,
        title=_text_field(entry.get("title", ""), MAX_TITLE_CHARS, warnings),
        summary=_text_field(_summary_html(entry), MAX_SUMMARY_CHARS, warnings),
        published=dated.published,
        author=_text_field(entry.get("author", ""), MAX_NAME_CHARS, warnings) or None,
        source_title=_source_title(entry, warnings),
        guid=guid or None,
    )


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


def _entry_date(entry: Any, warnings: _Warnings, latest: datetime) -> datetime | None:
    """The item's publication time (else its update time), aware and in UTC, or None.

    A date before ``EARLIEST_DATE`` or after ``latest`` is a bad date like an unreadable one.
    """
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
                when = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
            except (OverflowError, ValueError, OSError, TypeError):
                when = None
            if when is not None and EARLIEST_DATE <= when <= latest:
                return when
        if str(raw) not in bad:  # feedparser copies <pubDate> into "updated" as well
            bad.append(str(raw))
    for raw in bad:
        label = entry.get("link") or entry.get("id") or entry.get("title") or "an item"
        warnings.add("bad_date", f"{_short(label)}: {_short(raw)}")
    return None


def _source_title(entry: Any, warnings: _Warnings) -> str | None:
    source = entry.get("source")
    if not source:
        return None
    title = source.get("title") if hasattr(source, "get") else None
    return _text_field(title or "", MAX_NAME_CHARS, warnings) or None


def _text_field(markup: Any, limit: int, warnings: _Warnings) -> str:
    """Plain, XML-safe text of a title, summary or name, cut at ``limit`` characters."""
    if not isinstance(markup, str):
        return ""
    text = " ".join(_XML_ILLEGAL.sub(" ", _plain_text(markup)).split())
    if len(text) <= limit:
        return text
    warnings.add("long_field", f"{len(text)} characters cut to {limit}: {_short(text)}")
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


@dataclass(frozen=True, slots=True)
class _DatedEntry:
    entry: Any
    position: int
    published: datetime | None


def _newest_first(entries: list[Any], warnings: _Warnings, latest: datetime) -> list[_DatedEntry]:
    """Dated entries newest first; undated ones after them in feed order (feeds list newest
    first, so their order is the best guess left). Sorting before building items means a
    10,000-item feed only costs full processing for the ``max_items`` kept."""
    dated = [_DatedEntry(e, n, _safe_date(e, warnings, latest)) for n, e in enumerate(entries)]
    with_date = sorted((d for d in dated if d.published), key=lambda d: d.published, reverse=True)
    return with_date + [d for d in dated if d.published is None]


def _safe_date(entry: Any, warnings: _Warnings, latest: datetime) -> datetime | None:
    try:
        return _entry_date(entry, warnings, latest)
    except Exception as exc:  # a hostile date costs the item its date, not the feed
        warnings.add("bad_date", f"item: {exc!r}")
        return None


def _plain_text(markup: str) -> str:
    """Text of a title or summary that may hold HTML, with white space collapsed."""
    if not markup:
        return ""
    # A linear scan, not a tree: a summary nested 200,000 deep took Lexbor minutes.
    return " ".join(plain_text(markup).split())


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
