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
from functools import cache

from quorum.enrich.timex_rules import (
    _SEASON_MONTHS,
    LOOKAHEAD,
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
    return _resolve(text, anchor, _matches(text))


def _matches(text: str) -> list[tuple[int, int, int, re.Match, Handler]]:
    """Every match of every rule: (start, end, rule number, match, handler)."""
    low = _lower(text)
    candidates = []
    for order, (rule, windows) in enumerate(zip(rules(), _windows(low), strict=True)):
        for lo, hi, last_key in windows:
            for found in rule.lowered.finditer(low, lo, hi):
                if found.start() > last_key:
                    break  # nothing genuine starts past the last key word of the window
                m = rule.pattern.match(text, found.start())  # the same span, original case
                if m is not None:
                    candidates.append((m.start(), m.end(), order, m, rule.handler))
    return candidates


def _scan_all(text: str) -> list[tuple[int, int, int]]:
    """Every pattern over the whole text: what ``find_timexes``' windows must reproduce
    (kept for tests and as the plain statement of the scan)."""
    return sorted(
        (m.start(), m.end(), order)
        for order, rule in enumerate(rules())
        for m in rule.pattern.finditer(text)
    )


def _resolve(text: str, anchor: date, candidates: list) -> list[Timex]:
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


# --- the scan: each pattern only near its key words -----------------------------------------
# Running ~35 case-insensitive patterns over every character was most of the time. Each
# pattern needs one of a few words (a month, "quarter", a four-digit number...), so one pass
# over the words finds where each can match and the pattern runs in windows around those.

_TOKEN = re.compile(r"[^\W\d_]+|\d+")
# The letters that re.IGNORECASE equates with ASCII ones although lower() does not.
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def _lower(text: str) -> str:
    """The text in lower case, character for character (same length, same offsets)."""
    return text.lower() if text.isascii() else text.translate(_FOLD).lower()


def _windows(low: str) -> list[list[tuple[int, int, int]]]:
    """For each rule, the merged ``(lo, hi, last key start)`` windows of the lower-cased
    text where it can match.

    A match containing a key word at k starts no earlier than k - w and ends by k + w (w the
    rule's longest match), so a window [k - w, k + w + LOOKAHEAD] sees it exactly as the
    whole text would; windows that overlap are merged."""
    exact, prefixed = _key_index()
    hits: list[list[int]] = [[] for _ in rules()]
    for m in _TOKEN.finditer(low):
        word = m.group()
        if word[0].isdecimal():
            word = f"#{len(word)}"
        found = exact.get(word, ())
        for key, orders in prefixed.get(word[:3], ()):
            if word != key and word.startswith(key):
                found = (*found, *orders)
        for order in found:
            hits[order].append(m.start())
    out = []
    for rule, starts in zip(rules(), hits, strict=True):
        windows: list[tuple[int, int, int]] = []
        for k in starts:
            lo, hi = max(0, k - rule.width), k + rule.width + LOOKAHEAD
            if windows and lo <= windows[-1][1]:
                windows[-1] = (windows[-1][0], hi, k)
            else:
                windows.append((lo, hi, k))
        out.append(windows)
    return out


@cache
def _key_index() -> tuple[dict[str, tuple[int, ...]], dict[str, list[tuple[str, tuple[int, ...]]]]]:
    """Key word -> rule numbers; and for keys of three letters or more, also as the start of
    a longer word ("quarterly", "halftime"), indexed by their first three letters."""
    by_key: dict[str, list[int]] = {}
    for order, rule in enumerate(rules()):
        for key in rule.keys:
            by_key.setdefault(key, []).append(order)
    exact = {k: tuple(v) for k, v in by_key.items()}
    prefixed: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
    for key, orders in exact.items():
        if len(key) >= 3 and not key.startswith("#"):
            prefixed.setdefault(key[:3], []).append((key, orders))
    return exact, prefixed


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
