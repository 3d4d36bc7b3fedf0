"""Time expressions found and resolved against the publication date, as a reader would.

``find_timexes(text, anchor)`` returns TimeML-style values (``1998-01-08``, ``1989-Q3``,
``1998-W02``, ``PAST_REF``, ``P3W``, ``199``...), HeidelTime's way: regular expressions find
the expressions and a resolver reads each one against the anchor (the article's date) and the
tense of its sentence, so "said Friday" is the Friday before and "will meet Friday" the one
after. A past event is never put after the anchor. Patterns and resolvers live in
``timex_rules``, words in ``data/timex_words.toml``.

Every pattern has bounded repetition, so the scan is linear in the text; arithmetic that would
leave the calendar (anchors near year 1 or 9999) gives an unresolved ``XXXX`` value instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from quorum.enrich.timex_rules import (
    _SEASON_MONTHS,
    UNRESOLVED,
    Ctx,
    Handler,
    _month_end,
    rules,
)


@dataclass(frozen=True, slots=True)
class Timex:
    """One time expression: its span in the text, TimeML type and value."""

    start: int
    end: int
    text: str
    type: str  # DATE | TIME | DURATION | SET
    value: str


# --- day ranges ---------------------------------------------------------------------------


def day_range(value: str) -> tuple[date, date] | None:
    """The first and last calendar day a resolved DATE/TIME value covers, or None when it
    names no calendar span (``PAST_REF``, ``XXXX-WXX-1``, durations)."""
    try:
        return _day_range(value)
    except (ValueError, OverflowError):
        return None


def _day_range(value: str) -> tuple[date, date] | None:
    v = value.split("T", 1)[0]
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", v):
        d = date(int(m[1]), int(m[2]), int(m[3]))
        return d, d
    if m := re.fullmatch(r"(\d{4})-(\d{2})", v):
        y, mo = int(m[1]), int(m[2])
        return date(y, mo, 1), _month_end(y, mo)
    if m := re.fullmatch(r"(\d{4})", v):
        return date(int(v), 1, 1), date(int(v), 12, 31)
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", v):
        y, q = int(m[1]), int(m[2])
        return date(y, 3 * q - 2, 1), _month_end(y, 3 * q)
    if m := re.fullmatch(r"(\d{4})-H([12])", v):
        y, h = int(m[1]), int(m[2])
        return date(y, 6 * h - 5, 1), _month_end(y, 6 * h)
    if m := re.fullmatch(r"(\d{4})-W(\d{2})(-WE)?", v):
        monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        return (monday + timedelta(days=5) if m[3] else monday), monday + timedelta(days=6)
    if m := re.fullmatch(r"(\d{4})-(SP|SU|FA|WI)", v):
        first, last = _SEASON_MONTHS[m[2]]
        y = int(m[1])
        return date(y, first, 1), _month_end(y + (last - 1) // 12, (last - 1) % 12 + 1)
    if m := re.fullmatch(r"(\d{3})", v):
        return date(int(v) * 10 or 1, 1, 1), date(int(v) * 10 + 9, 12, 31)
    return None


# --- driver -------------------------------------------------------------------------------


def find_timexes(text: str, anchor: date) -> list[Timex]:
    """Every time expression in ``text``, resolved against ``anchor`` (the article's date),
    in text order and without overlaps (the longest match wins)."""
    candidates = []
    for order, (pattern, handler) in enumerate(rules()):
        for m in pattern.finditer(text):
            candidates.append((m.start(), m.end(), order, m, handler))
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0], c[2]))
    probe = Ctx(text, anchor)
    covered = bytearray(len(text))  # spans are short, so marking them keeps this linear
    chosen = []
    for c in candidates:
        if covered.find(1, c[0], c[1]) < 0 and _accepts(c[4], c[3], probe):
            covered[c[0] : c[1]] = b"\x01" * (c[1] - c[0])
            chosen.append(c)
    chosen.sort(key=lambda c: c[0])
    ctx = Ctx(text, anchor)
    out: list[Timex] = []
    for start, end, _, m, handler in chosen:
        try:
            got = handler(m, ctx)
        except (OverflowError, ValueError):
            got = ("DATE", UNRESOLVED)
        if got is not None:
            out.append(Timex(start, end, text[start:end], got[0], got[1]))
    return out


def _accepts(handler: Handler, m: re.Match, probe: Ctx) -> bool:
    try:
        return handler(m, probe) is not None
    except (OverflowError, ValueError):
        return True


def resolved_days(timex: Timex) -> tuple[date, date] | None:
    """The calendar days a found expression covers (None for durations, sets, references)."""
    if timex.type in ("DURATION", "SET"):
        return None
    return day_range(timex.value)
