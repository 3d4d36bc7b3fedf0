"""Make any incoming article safe to store and to build from, whatever path it came by.

Feeds, pages and dumps are written by strangers: a field may be megabytes long, carry
characters no database or XML document accepts, or a date no calendar can shift. Every
article goes through ``sanitize`` before it is stored, so no later stage needs to defend
itself; each repair comes back as a note the ingest run writes to the fetch log.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from quorum.extract import MAX_TITLE_CHARS
from quorum.records import Article, clean_text

# Caps, in characters. Headlines run to ~150 characters (extract's cap); the others are
# the widths of their database columns, so a value never fails the insert on PostgreSQL.
# The longest real articles are ~20k words (~130k characters): 200k keeps every real one
# whole while bounding the enrichers' time and memory per article.
MAX_TEXT_CHARS = 200_000
FIELD_CAPS = {
    "title": MAX_TITLE_CHARS,
    "author": 512,
    "source_id": 512,
    "reprint_of": 255,
    "outlet": 255,
    "language": 16,
    "via": 16,
    "feed_url": 2048,
}
MAX_URL_CHARS = 2048

# ``extra`` is free-form dump data kept for reference: bounded so one record cannot carry
# a megabyte of JSON or a nesting deep enough to exhaust the JSON encoder's recursion.
EXTRA_MAX_DEPTH = 8
EXTRA_MAX_ITEMS = 200  # per object or list
EXTRA_MAX_STRING = 10_000
EXTRA_MAX_NODES = 5_000  # values in the whole tree

# Publication dates outside this window are placeholders or errors, and dates near the
# ends of the calendar overflow the first shift by a day or a time zone (year 1 at +14:00
# is year 0 in UTC; 9999-12-31 at -14:00 is year 10000, which PostgreSQL stores but
# psycopg cannot read back). Dumps include archives, hence 1900 rather than extract's 1990;
# two days ahead covers time zones and clock skew.
EARLIEST_PUBLISHED = datetime(1900, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=2)

Note = tuple[str, str]  # (reason code for the fetch log, human detail)

__all__ = ["Sanitized", "clean_text", "published_ok", "sanitize"]


@dataclass(frozen=True, slots=True)
class Sanitized:
    """The article as it may be stored, and what was changed to make it so."""

    article: Article
    notes: tuple[Note, ...] = ()


def published_ok(value: datetime | None, now: datetime | None = None) -> bool:
    """Whether ``value`` is a plausible publication date (None counts as fine)."""
    if value is None:
        return True
    try:
        utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except (OverflowError, ValueError):
        return False
    now = now or datetime.now(UTC)
    return EARLIEST_PUBLISHED <= utc <= now + FUTURE_TOLERANCE


def sanitize(article: Article, now: datetime | None = None) -> Sanitized:
    """``article`` with every field cleaned, capped and range-checked, plus notes."""
    notes: list[Note] = []
    changes: dict[str, Any] = {}
    stripped: list[str] = []
    for name in dict.fromkeys(("title", "text", "url", *FIELD_CAPS)):
        value = getattr(article, name)
        if not isinstance(value, str):
            continue
        clean = clean_text(value)
        if clean != value:
            stripped.append(name)
        cap = MAX_TEXT_CHARS if name == "text" else FIELD_CAPS.get(name)
        if cap is not None and len(clean) > cap:
            notes.append((f"long_{name}", f"{name} cut from {len(clean)} to {cap} characters"))
            clean = _cut(clean, cap)
        if clean != value:
            changes[name] = clean
    if stripped:
        notes.append(
            (
                "control_chars",
                "removed characters XML cannot carry from " + ", ".join(dict.fromkeys(stripped)),
            )
        )
    url = changes.get("url", article.url)
    if len(url) > MAX_URL_CHARS:
        # a cut URL would name another page; a hash keeps the identity stable and unique
        changes["url"] = "urn:quorum:long-url:" + _sha1(url)
        notes.append(("long_url", f"URL of {len(url)} characters stored under a hash"))
    if not published_ok(article.published, now):
        changes["published"] = None
        notes.append(("bad_date", f"publication date {_show(article.published)} out of range"))
    extra, extra_notes = clean_extra(article.extra)
    if extra_notes:
        changes["extra"] = extra
        notes.extend(("bad_extra", n) for n in extra_notes)
    return Sanitized(replace(article, **changes) if changes else article, tuple(notes))


def clean_extra(extra: Any) -> tuple[dict[str, Any], list[str]]:
    """``extra`` as bounded, JSON-safe data, and what had to be dropped from it."""
    notes: list[str] = []
    budget = [EXTRA_MAX_NODES]
    if not isinstance(extra, dict):
        return {}, ["extra was not an object"] if extra else []
    return _clean_value(extra, 0, budget, notes), sorted(set(notes))


def _clean_value(value: Any, depth: int, budget: list[int], notes: list[str]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        notes.append(f"more than {EXTRA_MAX_NODES} values: the rest dropped")
        return None
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        notes.append("NaN or infinite number dropped")
        return None
    if isinstance(value, str):
        clean = clean_text(value)
        if clean != value:
            notes.append("characters XML cannot carry removed")
        if len(clean) > EXTRA_MAX_STRING:
            notes.append(f"string over {EXTRA_MAX_STRING} characters cut")
            clean = clean[:EXTRA_MAX_STRING]
        return clean
    if isinstance(value, dict | list | tuple):
        if depth >= EXTRA_MAX_DEPTH:
            notes.append(f"nesting deeper than {EXTRA_MAX_DEPTH} dropped")
            return None
        items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        if len(items) > EXTRA_MAX_ITEMS:
            notes.append(f"more than {EXTRA_MAX_ITEMS} items: the rest dropped")
            items = items[:EXTRA_MAX_ITEMS]
        if isinstance(value, dict):
            return {
                _clean_key(k, notes): _clean_value(v, depth + 1, budget, notes) for k, v in items
            }
        return [_clean_value(v, depth + 1, budget, notes) for _, v in items]
    notes.append(f"{type(value).__name__} value dropped")
    return None


def _clean_key(key: Any, notes: list[str]) -> str:
    text = clean_text(str(key))
    if len(text) > 200:
        notes.append("key over 200 characters cut")
        text = text[:200]
    return text


def _cut(text: str, cap: int) -> str:
    """``text`` cut to at most ``cap`` characters, at a space when one is near the end."""
    cut = text[:cap]
    space = cut.rfind(" ", int(cap * 0.8))
    return (cut[:space] if space > 0 else cut).rstrip()


def _sha1(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def _show(value: datetime | None) -> str:
    try:
        return value.isoformat() if value else "None"
    except (OverflowError, ValueError):
        return repr(value)
