"""Patterns and resolvers behind ``quorum.enrich.timex``: one regular expression per kind of
time expression, each with a handler that reads the match against the anchor date.

Handlers return ``(type, value)`` or None to drop the match; calendar arithmetic raises
ValueError/OverflowError outside years 1..9999, which the caller turns into an unresolved
value. Words (months, numbers, tense cues, holidays) come from ``data/timex_words.toml``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources

S = r"\s{1,3}"  # the gap between two words: bounded, so no pattern can backtrack far
UNRESOLVED = "XXXX-XX-XX"


@dataclass(frozen=True, slots=True)
class _Words:
    months: dict[str, int]
    weekdays: dict[str, int]
    numbers: dict[str, int | str]
    ordinals: dict[str, int]
    units: dict[str, str]
    seasons: dict[str, str]
    parts: dict[str, str]
    references: dict[str, str]
    fixed: dict[str, list[int]]
    nth: dict[str, list[int]]
    future: tuple[str, ...]
    past: tuple[str, ...]
    neutral: frozenset[str]
    weak_future: frozenset[str]
    deadline: frozenset[str]
    approximately: tuple[str, ...]
    past_verbs: frozenset[str]


@cache
def _words() -> _Words:
    ref = resources.files("quorum") / "data" / "timex_words.toml"
    raw = tomllib.loads(ref.read_text(encoding="utf-8"))
    return _Words(
        raw["months"],
        raw["weekdays"],
        raw["numbers"],
        raw["ordinals"],
        raw["units"],
        raw["seasons"],
        raw["parts_of_day"],
        raw["references"],
        raw["holidays_fixed"],
        raw["holidays_weekday"],
        tuple(raw["tense"]["future"]),
        tuple(raw["tense"]["past"]),
        frozenset(raw["tense"]["neutral"]),
        frozenset(raw["tense"]["weak_future"]),
        frozenset(raw["tense"]["deadline"]),
        tuple(raw["approximately"]["words"]),
        frozenset(raw["tense"]["past_verbs"]),
    )


def _alt(words) -> str:
    """A regex alternation, longest first, with spaces as bounded gaps."""
    return "|".join(re.escape(w).replace(r"\ ", S) for w in sorted(words, key=len, reverse=True))


def _key(s: str) -> str:
    return " ".join(s.lower().replace("-", " ").split())


# --- calendar arithmetic (raises OverflowError/ValueError outside years 1..9999) ----------


def _ymd(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def _year(y: int) -> str:
    if not 1 <= y <= 9999:
        raise ValueError("year out of range")
    return f"{y:04d}"


def _month(y: int, m: int, shift: int = 0) -> str:
    y, m = divmod(y * 12 + m - 1 + shift, 12)
    return f"{_year(y)}-{m + 1:02d}"


def _week(d: date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y:04d}-W{w:02d}"


def _quarter(y: int, q: int, shift: int = 0) -> str:
    y, q = divmod(y * 4 + q - 1 + shift, 4)
    return f"{_year(y)}-Q{q + 1}"


def _weekday_date(anchor: date, weekday: int, direction: int, skip_today: bool = False) -> date:
    """The day with ISO ``weekday`` at or before (-1) / after (+1) the anchor."""
    if direction < 0:
        back = (anchor.isoweekday() - weekday) % 7 or (7 if skip_today else 0)
        return anchor - timedelta(days=back)
    ahead = (weekday - anchor.isoweekday()) % 7 or (7 if skip_today else 0)
    return anchor + timedelta(days=ahead)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.isoweekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.isoweekday() - weekday) % 7)


def _pick_year(anchor: date, make: Callable[[int], date], tense: str | None) -> date:
    """A day-of-year without its year: before the anchor in past tense, after it in future
    tense, else the nearest (news mostly reports the recent past)."""
    options = []
    for y in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            options.append(make(y))
        except (ValueError, OverflowError):
            continue
    if not options:
        raise ValueError("no such day near the anchor")
    nearest = min(options, key=lambda d: (abs((d - anchor).days), d > anchor))
    if tense == "past":
        past = [d for d in options if d <= anchor]
        return max(past) if past else min(options)
    if tense == "future":
        ahead = [d for d in options if d >= anchor]
        got = min(ahead) if ahead else max(options)
        return got if (got - anchor).days <= FUTURE_REACH else nearest
    return nearest


# A day ahead further than this is read as the nearest one instead: the future cue was most
# likely misread ("had bought shares through Sept. 29", "the Feb. 23 accord" a week later).
# 240 to 300 days scored the same on TimeBank, where it was chosen (+0.009 Value F1).
FUTURE_REACH = 300


_SEASON_MONTHS = {"SP": (3, 5), "SU": (6, 8), "FA": (9, 11), "WI": (12, 14)}


def _month_end(y: int, m: int) -> date:
    return (date(y, m, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


# --- tense --------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z']+")


def _tense(text: str, start: int, end: int, modals: bool = True) -> str | None:
    """Past or future from the cue word nearest before the expression in its clause (then
    just after it): "said Friday" is past, "will meet Friday" and "payable Dec. 7" future.
    A deadline word right before ("by Jan. 14") decides alone; modals ("would") only count
    when nothing stronger is found, and not at all for weekdays (reported speech)."""
    w = _words()
    floor = max(0, start - 90)
    lo = max(text.rfind(".", floor, start), text.rfind("\n", floor, start), floor)
    before = [m[0] for m in _WORD.finditer(text[lo:start].lower())]
    after = [m[0] for m in _WORD.finditer(text[end : end + 40].lower().split(".", 1)[0])]
    near = [x for x in before[-3:] if x not in ("on", "at", "the", "in", "of")]
    # a deadline word right before points ahead, unless the clause is in the past perfect
    # ("had filed reports by Wednesday": a deadline already passed)
    deadline = bool(near) and near[-1] in w.deadline
    weak = None
    words = [*reversed(before), *after[:3]]
    for i, word in enumerate(words):
        if word in w.weak_future:
            if i < len(before) and modals:
                weak = weak or "future"
        elif word in w.future or word == "ll":
            return "future"
        elif word in w.past or (len(word) > 4 and word.endswith("ed") and word not in w.neutral):
            if i + 1 < len(before) and words[i + 1] in _PASSIVE:
                continue  # "would be held", "is expected": a participle, not a past tense
            if deadline and "had" not in [*before, *after[:3]]:
                return "future"
            return "past"
    if deadline and "had" in after[:3]:
        return "past"  # "Until Thursday, they had not called"
    return "future" if deadline else weak


_PASSIVE = frozenset(("be", "been", "being", "is", "are", "am", "to"))


def _past_verb_before(text: str, start: int) -> bool:
    """True when the verb right before a weekday is in the past tense ("the Space Force said
    Monday", "met on Friday"): the day is then never after the article, whatever the rest of
    the sentence promises ("... will not open, the Space Force said Monday")."""
    w = _words()
    words = _WORD.findall(text[max(0, start - 40) : start].lower())
    while words and words[-1] in ("on", "late", "early"):
        words.pop()
    if not words or (len(words) > 1 and words[-2] in _PASSIVE):
        return False  # "is scheduled Monday": a participle
    last = words[-1]
    if last in w.future:
        return False
    return last in w.past_verbs or (len(last) > 3 and last.endswith("ed"))


# --- patterns -----------------------------------------------------------------------------


@dataclass(slots=True)
class Ctx:
    text: str
    anchor: date
    quarter: tuple[int, int] | None = None  # the last quarter mentioned, for "a year earlier"

    def tense(self, m: re.Match, modals: bool = True) -> str | None:
        return _tense(self.text, m.start(), m.end(), modals)


Handler = Callable[[re.Match, Ctx], tuple[str, str] | None]


@dataclass(frozen=True, slots=True)
class Rule:
    """A pattern, its resolver, and the words one of which every match contains (lower case;
    ``#4`` is a four-digit number): the scan only runs the pattern near those words.
    ``lowered`` is the pattern in lower case without IGNORECASE, for the lower-cased text
    (case-insensitive matching costs twice as much)."""

    pattern: re.Pattern
    lowered: re.Pattern
    handler: Handler
    keys: frozenset[str]
    width: int  # the longest match: a window this wide each side of a key word holds them all


# No match is longer than REACH (every repetition is bounded; a test checks each pattern),
# and no lookahead reads further than LOOKAHEAD past a match.
REACH = 120
LOOKAHEAD = 40


def _width(pattern: re.Pattern) -> int:
    """The longest match of a pattern, from the regex parser (REACH if it cannot say)."""
    try:
        from re import _parser  # private, but the exact answer; present since Python 3.11

        return min(REACH, _parser.parse(pattern.pattern, pattern.flags).getwidth()[1])
    except (ImportError, AttributeError):
        return REACH


@cache
def rules() -> list[Rule]:
    w = _words()
    month = rf"(?P<month>{_alt(w.months)})\.?"
    wday = rf"(?P<wday>{_alt(w.weekdays)})\.?"
    day = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
    year = r"(?P<year>1\d{3}|20\d{2})(?![\d,.]\d)"
    year2 = year.replace("<year>", "<year2>")
    tens = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
    ones = "one|two|three|four|five|six|seven|eight|nine"
    num = (
        rf"(?P<num>\d{{1,3}}(?:,\d{{3}})?(?:\.\d{{1,2}})?"
        rf"|(?:{tens})[\s-]{{1,2}}(?:{ones})|{_alt(w.numbers)})"
    )
    unit = rf"(?P<unit>{_alt(w.units)})"
    units = rf"(?P<unit>{_alt(w.units)})(?:s|es)?"
    ordinal = rf"(?P<ord>{_alt(w.ordinals)})"
    part = rf"(?P<part>{_alt(w.parts)})"
    rel = r"(?P<rel>last|this|next|coming|past|previous|current|the\s{1,3}past|the\s{1,3}coming)"
    edges = _alt(["the end of", "the beginning of", "the middle of", "the start of"])
    mod = rf"(?:(?P<mod>early|late|mid|earlier|later|{edges})[\s-]{{1,3}})?"
    season = rf"(?P<season>{_alt(w.seasons)})"
    season2 = season.replace("<season>", "<season2>")
    mod2 = mod.replace("<mod>", "<mod2>")
    holiday = rf"(?P<holiday>{_alt(list(w.fixed) + list(w.nth))})"
    approx = rf"(?:(?:{_alt(w.approximately)}){S})?"
    ampm = r"(?P<ampm>a\.\s?m\.?|p\.\s?m\.?|am\b|pm\b)"
    clock = rf"(?P<hour>[01]?\d)(?::(?P<minute>[0-5]\d))?\s{{0,2}}{ampm}"
    tz = r"(?:\s{1,3}(?:EST|EDT|CST|CDT|MST|MDT|PST|PDT|GMT|UTC))?"
    raw = [
        (r"(?P<y4>\d{4})-(?P<m2>\d{2})-(?P<d2>\d{2})\b", _iso),
        (rf"(?:{wday},?{S})?{mod}{month}{S}{day}\b(?:,?{S}{year})?", _month_day),
        (rf"{day}{S}{month}(?:,?{S}{year})?", _month_day),
        (rf"the{S}week{S}of{S}{month}{S}{day}\b(?:,?{S}{year})?", _week_of),
        (rf"{mod}{month}(?:,?{S}|{S}of{S}){year}", _month_year),
        (
            rf"{mod}(?:(?P<rel>last|this|next|coming){S})?{month}(?:{S}(?P<yrel>this|last|next){S}year)?\b",
            _month_alone,
        ),
        (rf"(?:(?:the{S})?(?:fiscal|calendar){S})?{mod}{year}(?:'s)?\b", _year_alone),
        (rf"(?:the{S})?{mod}(?P<dec>1\d|20)(?P<d1>\d)0'?s\b", _decade),
        (rf"(?:the{S})?{mod}'(?P<d1>\d)0s\b", _decade),
        (rf"(?:the{S})?(?P<cent>\d{{1,2}})(?:st|nd|rd|th)[\s-]{{1,2}}century", _century),
        (rf"(?:{rel}{S})?{wday}(?:{S}{part})?\b", _weekday),
        (
            rf"(?:{clock}|(?P<noon>noon|midnight|midday)){tz}(?:,?{S}(?:{wday}|(?P<deic>today|yesterday|tomorrow)|{month}{S}{day}\b))?",
            _clock,
        ),
        (rf"(?:{mod})?(?P<deic>today|tonight|yesterday|tomorrow|tonite)(?:{S}{part})?\b", _deictic),
        (rf"(?P<rel>this|last|tomorrow|yesterday|the){S}{part}\b", _part_of_day),
        (
            rf"{mod}(?:the{S})?{rel}{S}(?:(?:fiscal|calendar){S})?(?P<unit>week|month|year|quarter|decade|century|weekend)\b",
            _relative,
        ),
        (rf"(?P<rel>the){S}(?P<unit>weekend)\b", _relative),
        (
            rf"(?:the{S})?(?:(?P<full>full|fiscal|calendar){S})?year(?P<ended>{S}(?:ended|ending|through|to{S}date))?\b",
            _the_year,
        ),
        (
            rf"(?:(?:the{S})?end{S}of{S}the{S}(?P<u1>year|month)|(?:the{S})?(?P<u2>year)(?:'s)?[\s-]end)\b",
            _period_end,
        ),
        (rf"the{S}{year}{S}(?:period|quarter)\b", _year_period),
        (
            rf"(?:(?:the{S})?(?:corresponding|comparable|same|year-earlier|year-ago){S}(?:period|quarter)(?:{S}(?:of{S})?(?:last{S}year|a{S}year{S}(?:ago|earlier)))?|last{S}year's{S}(?:period|quarter))\b",
            _year_ago_quarter,
        ),
        (
            rf"(?:the{S})?(?:(?P<m1>early|late|mid)[\s-]{{1,2}})?(?P<tens>twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)\b",
            _decade_word,
        ),
        (
            rf"(?:the{S}year{S})?(?P<spoken>nineteen{S}(?:hundred{S}(?:and{S})?)?(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-]{{1,2}}(?:one|two|three|four|five|six|seven|eight|nine))?|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)|two{S}thousand(?:{S}(?:and{S})?(?:one|two|three|four|five|six|seven|eight|nine|ten))?)\b",
            _spoken_year,
        ),
        (
            rf"(?:(?:in{S})?(?:the{S})?coming{S}(?:days|weeks|months|years|quarters)|the{S}near{S}(?:future|term)|the{S}short{S}term|future(?={S}(?:\w{{1,30}}s|growth|demand|earnings|business)\b))\b",
            _coming,
        ),
        (
            rf"(?:(?:the|in|during|by|until|(?P<rel>last|this|next|coming|past)){S}{mod}{season}(?:{S}(?:of{S})?{year})?|{mod2}{season2}{S}(?:of{S})?{year2})\b",
            _season,
        ),
        (rf"(?:(?P<rel>last|this|next){S})?{holiday}(?:{S}{year})?\b", _holiday),
        (
            rf"{approx}{num}[\s-]{{1,2}}{units}{S}(?P<dir>ago|earlier|later|from{S}now|hence)\b",
            _ago,
        ),
        (
            rf"(?:the{S})?(?P<adj>year|month|week)[\s-](?:ago|earlier)\b(?:{S}(?P<what>quarter|period|month|year))?",
            _year_ago,
        ),
        (
            rf"(?:the{S})?(?:(?P<yq>{year}(?:'s)?|this{S}year's|last{S}year's|fiscal){S})?(?:(?:fiscal|calendar){S})?(?P<qw>{ordinal}|final|last|latest|current|previous|next|this|same)[\s-]quarter(?:{S}of{S}(?:fiscal{S})?(?:{year2}|(?P<qrel>this|last|next){S}year))?",
            _quarter_rule,
        ),
        (r"the\s{1,3}(?:latest\s{1,3}(?:quarter|period)|quarter)\b", _the_quarter),
        (rf"(?:the{S})?(?P<half>first|second|last|latter)[\s-]half(?:{S}of{S}{year})?", _half),
        (
            rf"{approx}(?:the{S})?(?:(?P<span>past|last|next|first|final|coming|previous|following|initial|remaining|latest|other){S})?{num}(?P<frac>\s{{1,2}}1/2|{S}and{S}a{S}half)?[\s-]{{1,2}}{units}\b(?P<andhalf>{S}and{S}a{S}half)?",
            _duration,
        ),
        (
            rf"(?:the{S})?(?:(?P<span>past|last|next|coming){S})?(?P<vague>several|a{S}few|few|many|some|recent|the{S}past){S}{units}\b",
            _vague_duration,
        ),
        (
            rf"(?P<pre>for|in|within|over|after|take|took|lasted|last)({S}the)?{S}(?P<unit>year|month|week|day|hour|minute|decade)s\b",
            _bare_plural,
        ),
        (
            rf"(?:(?P<every>every|each|per){S}(?:{wday}|{unit})|(?P<adv>daily|weekly|monthly|yearly|annually|hourly|nightly))\b",
            _set,
        ),
        (rf"(?:{_alt(w.references)})\b", _reference),
    ]
    keys = _rule_keys(w)
    out = []
    for p, h in raw:
        pattern = re.compile(r"\b" + p, re.IGNORECASE)
        out.append(Rule(pattern, _lowered(pattern), h, keys[h], _width(pattern)))
    return out


def _lowered(pattern: re.Pattern) -> re.Pattern:
    """The same pattern for lower-cased text: literals in lower case, no IGNORECASE."""
    if re.search(r"\\[A-Z]", pattern.pattern.replace("(?P", "")):
        raise ValueError(f"an upper-case escape cannot be lowered: {pattern.pattern}")
    return re.compile(pattern.pattern.lower().replace("(?p<", "(?P<"))


def _rule_keys(w: _Words) -> dict[Handler, frozenset[str]]:
    """For each handler, words of which every match of its patterns holds at least one (a
    superset is safe, a missing word loses matches: tests compare with a full scan)."""

    def longest(phrases) -> set[str]:  # the longest word of each phrase stands for it
        return {max(re.findall(r"[a-z]+", p), key=len) for p in phrases}

    months, units = set(w.months), set(w.units)
    return {
        h: frozenset(k)
        for h, k in {
            _iso: {"#4"},
            _month_day: months,
            _week_of: months,
            _month_year: months,
            _month_alone: months,
            _year_alone: {"#4"},
            _decade: {"#4", "#2"},
            _century: {"century"},
            _weekday: set(w.weekdays),
            _clock: {"am", "pm", "m", "noon", "midnight", "midday"},
            _deictic: set(_DEICTIC) | {"tonite"},
            _part_of_day: set(w.parts),
            _relative: {"week", "month", "year", "quarter", "decade", "century", "weekend"},
            _the_year: {"year"},
            _period_end: {"year", "month"},
            _year_period: {"period", "quarter"},
            _year_ago_quarter: {"period", "quarter"},
            _decade_word: set(_TENS),
            _spoken_year: {"nineteen", "thousand"},
            _coming: {"days", "weeks", "months", "years", "quarters", "future", "term"},
            _season: set(w.seasons),
            _holiday: longest([*w.fixed, *w.nth]),
            _ago: {"ago", "earlier", "later", "now", "hence"},
            _year_ago: {"ago", "earlier"},
            _quarter_rule: {"quarter"},
            _the_quarter: {"quarter", "period"},
            _half: {"half"},
            _duration: units,
            _vague_duration: units,
            _bare_plural: {"year", "month", "week", "day", "hour", "minute", "decade"},
            _set: {"every", "each", "per", *_SET_ADVERBS},
            _reference: longest(w.references),
        }.items()
    }


# --- handlers: (type, value) or None to drop the match ---------------------------------------


def _month_num(m: re.Match) -> int | None:
    word = m["month"]
    if not word[0].isupper():
        return None  # "may", "march" as verbs
    return _words().months[word.lower()]


def _iso(m: re.Match, ctx: Ctx):
    d = date(int(m["y4"]), int(m["m2"]), int(m["d2"]))
    return "DATE", _ymd(d)


def _month_day(m: re.Match, ctx: Ctx):
    mo = _month_num(m)
    d = int(m["day"])
    if mo is None or not 1 <= d <= 31:
        return None
    if m["year"]:
        return "DATE", _ymd(date(int(m["year"]), mo, d))
    if m.groupdict().get("wday"):  # "Saturday, April 25": the year in which that day is one
        wd = _words().weekdays[m["wday"].lower()]
        for y in (ctx.anchor.year, ctx.anchor.year - 1, ctx.anchor.year + 1):
            if 1 <= y <= 9999 and date(y, mo, d).isoweekday() == wd:
                return "DATE", _ymd(date(y, mo, d))
    return "DATE", _ymd(_pick_year(ctx.anchor, lambda y: date(y, mo, d), ctx.tense(m)))


def _week_of(m: re.Match, ctx: Ctx):
    """ "the week of March 6": the ISO week holding that day."""
    got = _month_day(m, ctx)
    return None if got is None else ("DATE", _week(date.fromisoformat(got[1])))


def _month_year(m: re.Match, ctx: Ctx):
    mo = _month_num(m)
    return None if mo is None else ("DATE", _month(int(m["year"]), mo))


_MONTH_CUE = re.compile(
    r"(?:the|in|since|by|until|till|through|during|of|from|to|before|after|early|late|mid|last|this|next|and|or)[\s-]{1,3}$",
    re.I,
)


def _month_alone(m: re.Match, ctx: Ctx):
    mo = _month_num(m)
    word = m["month"].rstrip(".")
    if mo is None or len(word) < 3 or (len(word) < 4 and word.lower() != "may"):
        return None
    if word.lower() in ("may", "march") and not (m["mod"] or m["rel"] or m["yrel"]):
        if not _MONTH_CUE.search(ctx.text[max(0, m.start() - 12) : m.start()]):
            return None
    a = ctx.anchor
    rel, yrel = (m["rel"] or "").lower(), (m["yrel"] or "").lower()
    if yrel:
        return "DATE", _month(a.year + {"this": 0, "last": -1, "next": 1}[yrel], mo)
    if rel == "last":
        return "DATE", _month(a.year - (mo >= a.month), mo)
    if rel == "next":
        return "DATE", _month(a.year + (mo <= a.month), mo)
    if rel in ("this", "coming"):
        return "DATE", _month(a.year, mo)
    d = _pick_year(a, lambda y: _month_end(y, mo) if mo < a.month else date(y, mo, 1), ctx.tense(m))
    return "DATE", _month(d.year, mo)


def _year_alone(m: re.Match, ctx: Ctx):
    y = int(m["year"])
    before = ctx.text[max(0, m.start() - 2) : m.start()]
    after = ctx.text[m.end() : m.end() + 3]
    if "$" in before or after[:1] == "%" or re.match(r"\s?(?:percent|%)", after):
        return None
    if not 1900 <= y <= 2099 and not _MONTH_CUE.search(ctx.text[max(0, m.start() - 8) : m.start()]):
        return None
    return "DATE", _year(y)


def _decade(m: re.Match, ctx: Ctx):
    century = m["dec"] if "dec" in m.re.groupindex and m["dec"] else f"{ctx.anchor.year // 100:02d}"
    return "DATE", f"{century}{m['d1']}"


def _century(m: re.Match, ctx: Ctx):
    n = int(m["cent"])
    return ("DATE", f"{n - 1:02d}") if 1 <= n <= 99 else None


def _weekday(m: re.Match, ctx: Ctx):
    word = m["wday"].lower()
    if len(word) < 6 and not m[0].endswith("."):
        return None  # "Sun" (Microsystems), "sat", "wed" as words
    wd = _words().weekdays[word]
    rel = (m["rel"] or "").lower()
    a = ctx.anchor
    if rel == "last" or rel == "past" or rel == "previous":
        d = _weekday_date(a, wd, -1, skip_today=True)
    elif rel in ("next", "coming"):
        d = _weekday_date(a, wd, 1, skip_today=True)
    else:
        tense = "past" if not rel and _past_verb_before(ctx.text, m.start()) else None
        tense = tense or ctx.tense(m, modals=False)
        d = _weekday_date(
            a, wd, 1 if tense == "future" or rel == "this" and tense != "past" else -1
        )
    if m["part"]:
        return "TIME", f"{_ymd(d)}T{_words().parts[m['part'].lower()]}"
    return "DATE", _ymd(d)


_DEICTIC = {"today": 0, "tonight": 0, "tonite": 0, "yesterday": -1, "tomorrow": 1}


def _deictic(m: re.Match, ctx: Ctx):
    word = m["deic"].lower()
    d = ctx.anchor + timedelta(days=_DEICTIC[word])
    if m["part"] or word in ("tonight", "tonite"):
        part = _words().parts[m["part"].lower()] if m["part"] else "NI"
        return "TIME", f"{_ymd(d)}T{part}"
    return "DATE", _ymd(d)


def _clock(m: re.Match, ctx: Ctx):
    if m["noon"]:
        hh, mm = (24, 0) if m["noon"].lower() == "midnight" else (12, 0)
    else:
        hh, mm = int(m["hour"]), int(m["minute"] or 0)
        if not 1 <= hh <= 12:
            return None
        hh = hh % 12 + (12 if m["ampm"].lower().startswith("p") else 0)
    d = ctx.anchor
    if m["wday"]:
        return _weekday_time(m, ctx, hh, mm)
    if m["deic"]:
        d = d + timedelta(days=_DEICTIC[m["deic"].lower()])
    if m["month"] and _month_num(m):
        d = _pick_year(d, lambda y: date(y, _month_num(m), int(m["day"])), ctx.tense(m))
    return "TIME", f"{_ymd(d)}T{hh:02d}:{mm:02d}"


def _weekday_time(m: re.Match, ctx: Ctx, hh: int, mm: int):
    wd = _words().weekdays[m["wday"].lower()]
    tense = ctx.tense(m, modals=False)
    d = _weekday_date(ctx.anchor, wd, 1 if tense == "future" else -1)
    return "TIME", f"{_ymd(d)}T{hh:02d}:{mm:02d}"


def _part_of_day(m: re.Match, ctx: Ctx):
    rel = m["rel"].lower()
    part = _words().parts[m["part"].lower()]
    shift = {"yesterday": -1, "tomorrow": 1}.get(rel, 0)
    if rel == "last":
        shift = -1 if part == "NI" else 0
        if part != "NI":
            return None
    return "TIME", f"{_ymd(ctx.anchor + timedelta(days=shift))}T{part}"


def _relative(m: re.Match, ctx: Ctx):
    rel = " ".join(m["rel"].lower().split())
    u = m["unit"].lower()
    shift = {"last": -1, "past": -1, "previous": -1, "the past": -1, "next": 1, "coming": 1}
    n = shift.get(rel, 0)
    if rel == "the coming":
        n = 1
    a = ctx.anchor
    if u == "week":
        return "DATE", _week(a + timedelta(weeks=n))
    if u == "weekend":
        sat = _weekday_date(a, 6, -1 if n < 0 or (n == 0 and ctx.tense(m) == "past") else 1)
        return "DATE", _week(sat + timedelta(weeks=n if n > 0 and sat > a else 0)) + "-WE"
    if u == "month":
        return "DATE", _month(a.year, a.month, n)
    if u == "quarter":
        value = _quarter(a.year, (a.month - 1) // 3 + 1, n)
        ctx.quarter = (int(value[:4]), int(value[-1]))
        return "DATE", value
    if u == "decade":
        return "DATE", f"{_year(a.year + 10 * n)[:3]}"
    if u == "century":
        return "DATE", f"{_year(a.year + 100 * n)[:2]}"
    return "DATE", _year(a.year + n)


def _the_year(m: re.Match, ctx: Ctx):
    if m["ended"]:
        if re.search(r"\b(?:this|last|next)\s{1,3}$", ctx.text[max(0, m.start() - 6) : m.start()]):
            return None  # "this year through August" is this year, not a year's length
        return "DURATION", "P1Y"
    if not m[0].lower().startswith("the") and not m["full"]:
        return None
    return "DATE", _year(ctx.anchor.year)


def _period_end(m: re.Match, ctx: Ctx):
    if (m["u1"] or "").lower() == "month":
        return "DATE", _month(ctx.anchor.year, ctx.anchor.month)
    return "DATE", _year(ctx.anchor.year)


def _year_period(m: re.Match, ctx: Ctx):
    y = int(m["year"])
    if ctx.quarter:
        return "DATE", _quarter(y, ctx.quarter[1])
    return "DATE", _year(y)


def _year_ago_quarter(m: re.Match, ctx: Ctx):
    a = ctx.anchor
    y, q = ctx.quarter or (a.year, (a.month - 1) // 3 + 1)
    return "DATE", _quarter(y - 1, q)


_TENS = {
    "twenties": 2,
    "thirties": 3,
    "forties": 4,
    "fifties": 5,
    "sixties": 6,
    "seventies": 7,
    "eighties": 8,
    "nineties": 9,
}


def _decade_word(m: re.Match, ctx: Ctx):
    return "DATE", f"{ctx.anchor.year // 100:02d}{_TENS[m['tens'].lower()]}"


def _spoken_year(m: re.Match, ctx: Ctx):
    words = _key(m["spoken"]).replace(" and", "").split()
    if words[0] == "two":
        rest = words[2:]
        return "DATE", _year(2000 + (_count(" ".join(rest)) or 0 if rest else 0))
    rest = [w for w in words[1:] if w != "hundred"]
    n = _count(" ".join(rest)) if rest else 0
    if not isinstance(n, int) or n >= 100:
        return None
    return "DATE", _year(1900 + n)


def _coming(m: re.Match, ctx: Ctx):
    return "DATE", "FUTURE_REF"


def _season(m: re.Match, ctx: Ctx):
    code = _words().seasons[(m["season"] or m["season2"]).lower()]
    if m["year"] or m["year2"]:
        return "DATE", f"{_year(int(m['year'] or m['year2']))}-{code}"
    rel = (m["rel"] or "").lower()
    a = ctx.anchor
    first = _SEASON_MONTHS[code][0]
    cur_year = a.year - (code == "WI" and a.month < 3)
    if rel in ("last", "past"):
        y = cur_year - (first <= a.month + (12 if code == "WI" and a.month < 3 else 0))
        y = a.year - 1 if code != "WI" and first + 2 >= a.month else a.year if code != "WI" else y
    elif rel in ("next", "coming"):
        y = a.year + (first <= a.month)
    else:
        y = cur_year
    return "DATE", f"{_year(y)}-{code}"


def _holiday(m: re.Match, ctx: Ctx):
    w = _words()
    key = _key(m["holiday"])
    if key in w.fixed:
        mo, d = w.fixed[key]

        def make(y: int) -> date:
            return date(y, mo, d)
    else:
        mo, wd, n = w.nth[key]

        def make(y: int) -> date:
            return _nth_weekday(y, mo, wd, n)

    if m["year"]:
        return "DATE", _ymd(make(int(m["year"])))
    rel = (m["rel"] or "").lower()
    tense = {"last": "past", "next": "future"}.get(rel) or ctx.tense(m)
    return "DATE", _ymd(_pick_year(ctx.anchor, make, tense))


def _count(word: str) -> int | str | None:
    w = _words()
    k = _key(word).replace(",", "")
    if k in w.numbers:
        return w.numbers[k]
    if re.fullmatch(r"\d+(?:\.\d+)?", k):
        f = float(k)
        return int(f) if f == int(f) else None
    parts = k.split()
    if len(parts) == 2 and parts[0] in w.numbers and parts[1] in w.numbers:
        a, b = w.numbers[parts[0]], w.numbers[parts[1]]
        if isinstance(a, int) and isinstance(b, int) and a >= 20 and b < 10:
            return a + b
    return None


def _ago(m: re.Match, ctx: Ctx):
    n = _count(m["num"])
    u = _words().units[m["unit"].lower()]
    if n is None:
        return None
    if n == "X":
        return "DATE", "PAST_REF" if m["dir"].lower() in (
            "ago",
            "earlier",
            "before",
        ) else "FUTURE_REF"
    sign = -1 if m["dir"].lower() in ("ago", "earlier", "before") else 1
    a = ctx.anchor
    if u == "Y" and n == 1 and ctx.quarter and sign < 0:
        return "DATE", _quarter(ctx.quarter[0] - 1, ctx.quarter[1])
    if u == "D":
        return "DATE", _ymd(a + timedelta(days=sign * n))
    if u == "W":
        return "DATE", _week(a + timedelta(weeks=sign * n))
    if u == "M":
        return "DATE", _month(a.year, a.month, sign * n)
    if u == "Y":
        return "DATE", _year(a.year + sign * n)
    if u == "DE":
        return "DATE", _year(a.year + sign * 10 * n)
    if u == "CE":
        return "DATE", _year(a.year + sign * 100 * n)[:2]
    if u == "Q":
        return "DATE", _quarter(a.year, (a.month - 1) // 3 + 1, sign * n)
    return "TIME", _ymd(a)


def _year_ago(m: re.Match, ctx: Ctx):
    if m["adj"].lower() != "year":
        return None
    if ctx.quarter and (m["what"] or "").lower() != "year":
        return "DATE", _quarter(ctx.quarter[0] - 1, ctx.quarter[1])
    return "DATE", _year(ctx.anchor.year - 1)


def _quarter_rule(m: re.Match, ctx: Ctx):
    a = ctx.anchor
    current = (a.month - 1) // 3 + 1
    qw = m["qw"].lower()
    yq = (m["yq"] or "").lower()
    y = int(m["year"] or m["year2"]) if m["year"] or m["year2"] else None
    if yq.startswith("last"):
        y = a.year - 1
    elif yq.startswith("this"):
        y = a.year
    if m["qrel"]:
        y = a.year + {"this": 0, "last": -1, "next": 1}[m["qrel"].lower()]
    if m["ord"]:
        q = _words().ordinals[m["ord"].lower()]
        if q > 4:
            return None
        if y is None:
            y = a.year - (q >= current and ctx.tense(m) != "future" and q > current)
        value = _quarter(y, q)
    elif qw in ("current", "this"):
        value = _quarter(a.year, current)
    elif qw == "next":
        value = _quarter(a.year, current, 1)
    elif qw == "same" and ctx.quarter:
        value = _quarter(*ctx.quarter)
    elif qw == "final":
        value = _quarter(y or a.year, 4)
    else:  # last, latest, previous: the quarter most recently reported
        value = _quarter(a.year, current, -1)
    ctx.quarter = (int(value[:4]), int(value[-1]))
    return "DATE", value


def _the_quarter(m: re.Match, ctx: Ctx):
    a = ctx.anchor
    if ctx.quarter:
        return "DATE", _quarter(*ctx.quarter)
    return "DATE", _quarter(a.year, (a.month - 1) // 3 + 1, -1)


def _half(m: re.Match, ctx: Ctx):
    y = int(m["year"]) if m["year"] else ctx.anchor.year
    return "DATE", f"{_year(y)}-H{1 if m['half'].lower() == 'first' else 2}"


def _code(n: int | str, unit: str) -> str:
    u = _words().units[unit.lower()]
    if u == "WE":
        return f"P{n}WE"
    if u == "2W":
        return f"P{2 * n if isinstance(n, int) else n}W"
    return f"PT{n}{u[1]}" if u.startswith("T") else f"P{n}{u}"


def _duration(m: re.Match, ctx: Ctx):
    n = _count(m["num"])
    if n is None or m["unit"].lower() in ("night",):
        return None
    if re.match(r"-?old\b", ctx.text[m.end() : m.end() + 5]):
        return None  # "a 6-year-old": an age, not a stretch of time
    if m["num"].lower() in ("a", "an") and not m["span"]:
        before = ctx.text[max(0, m.start() - 25) : m.start()].lower()
        if re.search(r"(?:\d|cents?|dollars?|\$\S*|times|once|twice)\s{0,2}$", before):
            return "SET", _code(1, m["unit"])
    if (m["frac"] or m["andhalf"]) and isinstance(n, int):
        return "DURATION", _and_a_half(n, m["unit"])
    return "DURATION", _code(n, m["unit"])


# Half of each unit in the next smaller one: "2 1/2 years" is P2Y6M (TimeML writes no
# fractions); units without a whole half (a month) keep the whole number.
_HALVES = {"Y": "6M", "D": "T12H", "TH": "30M", "TM": "30S"}


def _and_a_half(n: int, unit: str) -> str:
    u = _words().units[unit.lower()]
    code = _code(n, unit)
    return code + _HALVES[u] if u in _HALVES else code


def _vague_duration(m: re.Match, ctx: Ctx):
    vague = _key(m["vague"])
    if vague in ("recent", "the past"):
        if m["span"]:
            return None
        return "DATE", "PAST_REF"
    return "DURATION", _code("X", m["unit"])


def _bare_plural(m: re.Match, ctx: Ctx):
    return "DURATION", _code("X", m["unit"])


_SET_ADVERBS = {
    "daily": "P1D",
    "nightly": "P1D",
    "weekly": "P1W",
    "monthly": "P1M",
    "yearly": "P1Y",
    "annually": "P1Y",
    "hourly": "PT1H",
}


def _set(m: re.Match, ctx: Ctx):
    if m["adv"]:
        return "SET", _SET_ADVERBS[m["adv"].lower()]
    if m["wday"]:
        return "SET", f"XXXX-WXX-{_words().weekdays[m['wday'].lower()]}"
    return "SET", _code(1, m["unit"])


def _reference(m: re.Match, ctx: Ctx):
    value = _words().references[_key(m[0])]
    return ("DURATION" if value.startswith("PX") else "DATE"), value
