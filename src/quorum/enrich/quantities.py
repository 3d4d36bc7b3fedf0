"""Value normalisation: numbers, money, units and dates as comparable values.

Two outlets write "$1.2 billion", "US$1,200 million" and "1.2bn dollars" for one figure;
alignment can only see they agree (or that "12 satellites" and "14 satellites" do not)
once every value is a number in one canonical unit. Every match keeps its exact text and
character offsets, so a value shown on a page points back to the words it came from.

Canonical units: counts ``count``; money the ISO currency (``USD``, ``EUR``, ...);
percentages ``%``; distances ``km``; durations ``day``; masses ``kg``; speeds ``km/h``
and ``mach``. Dates are ISO strings (see ``find_dates``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from quorum.enrich.timex import find_timexes, resolved_days
from quorum.records import Quantity

# --- vocabularies of the grammar (not domain knowledge: how English writes numbers) ------

# fmt: off
_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "a dozen": 12, "half a dozen": 6, "a hundred": 100, "a thousand": 1000,
    "a million": 1e6, "a billion": 1e9, "half a million": 5e5, "half a billion": 5e8,
    "half a trillion": 5e11,
}
# Vague plurals stand for a range: "thousands" is at least two thousand and under ten
# thousand; always approximate.
_VAGUE = {
    "dozens": (24, 99), "hundreds": (200, 999), "thousands": (2000, 9999),
    "tens of thousands": (20_000, 99_999), "hundreds of thousands": (200_000, 999_999),
    "millions": (2e6, 9.99e6), "billions": (2e9, 9.99e9),
}
_SCALES = {
    "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "k": 1e3, "m": 1e6,
    "mn": 1e6, "mln": 1e6, "bn": 1e9, "b": 1e9, "tn": 1e12, "trn": 1e12,
}
_SHORT_SCALES = {"k", "m", "mn", "mln", "bn", "b", "tn", "trn"}  # only trusted after money
_CURRENCY_SYMBOLS = {
    "us$": "USD", "$": "USD", "a$": "AUD", "c$": "CAD", "€": "EUR", "£": "GBP", "¥": "JPY",
    "usd": "USD", "eur": "EUR", "gbp": "GBP", "jpy": "JPY", "cny": "CNY", "inr": "INR",
    "rub": "RUB", "aud": "AUD", "cad": "CAD",
}
_CURRENCY_WORDS = {
    "dollars": "USD", "dollar": "USD", "euros": "EUR", "euro": "EUR", "pounds sterling": "GBP",
    "yen": "JPY", "yuan": "CNY", "renminbi": "CNY", "rupees": "INR", "roubles": "RUB",
    "rubles": "RUB", "won": "KRW", "usd": "USD", "eur": "EUR", "gbp": "GBP", "jpy": "JPY",
    "cny": "CNY", "inr": "INR", "rub": "RUB",
}
# (canonical unit, factor to it). Tons: short (907 kg) and metric tons differ by 9%, less
# than outlets' own rounding of such figures, so both map to 1,000 kg.
_UNITS = {
    "percentage points": ("pp", 1.0), "percentage point": ("pp", 1.0), "percent": ("%", 1.0),
    "per cent": ("%", 1.0), "%": ("%", 1.0), "nautical miles": ("km", 1.852),
    "nautical mile": ("km", 1.852), "kilometers": ("km", 1.0), "kilometres": ("km", 1.0),
    "kilometer": ("km", 1.0), "kilometre": ("km", 1.0), "km": ("km", 1.0),
    "miles": ("km", 1.609344), "mile": ("km", 1.609344), "meters": ("km", 1e-3),
    "metres": ("km", 1e-3), "meter": ("km", 1e-3), "metre": ("km", 1e-3),
    "feet": ("km", 3.048e-4), "foot": ("km", 3.048e-4), "ft": ("km", 3.048e-4),
    "km/h": ("km/h", 1.0), "kph": ("km/h", 1.0), "mph": ("km/h", 1.609344),
    "knots": ("km/h", 1.852), "seconds": ("day", 1 / 86400), "second": ("day", 1 / 86400),
    "minutes": ("day", 1 / 1440), "minute": ("day", 1 / 1440), "hours": ("day", 1 / 24),
    "hour": ("day", 1 / 24), "days": ("day", 1.0), "day": ("day", 1.0), "weeks": ("day", 7.0),
    "week": ("day", 7.0), "months": ("day", 30.44), "month": ("day", 30.44),
    "years": ("day", 365.25), "year": ("day", 365.25), "metric tons": ("kg", 1000.0),
    "metric tonnes": ("kg", 1000.0), "tonnes": ("kg", 1000.0), "tonne": ("kg", 1000.0),
    "tons": ("kg", 1000.0), "ton": ("kg", 1000.0), "kilograms": ("kg", 1.0),
    "kilogram": ("kg", 1.0), "kg": ("kg", 1.0), "pounds": ("kg", 0.45359237),
    "lbs": ("kg", 0.45359237), "lb": ("kg", 0.45359237),
}
# Approximators: how each bounds the stated value. "low" = at least, "high" = at most.
_APPROX = {
    "about": "near", "around": "near", "roughly": "near", "approximately": "near",
    "some": "near", "an estimated": "near", "estimated": "near", "close to": "near",
    "almost": "high", "nearly": "high", "up to": "high", "as many as": "high",
    "as much as": "high", "less than": "high", "fewer than": "high", "under": "high",
    "more than": "low", "over": "low", "at least": "low", "upwards of": "low",
    "in excess of": "low", "between": "range",
}
# fmt: on


def _alternation(words) -> str:
    """A regex alternation, longest first so "nautical miles" wins over "miles"."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORDNUM = (
    r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-(?:one|two|three|four|five|"
    r"six|seven|eight|nine)|" + _alternation(_WORD_NUMBERS)
)
_CUR_PRE = _alternation(_CURRENCY_SYMBOLS)
_SCALE = _alternation(_SCALES)
_UNIT = _alternation(list(_UNITS) + list(_CURRENCY_WORDS))
_ONE_VALUE = (  # PFX becomes "a" or "b": the two ends of a range
    rf"(?:(?P<PFXcur>{_CUR_PRE})\s?)?(?P<PFXnum>{_NUM}|{_WORDNUM})"
    rf"(?:[\s-]?(?P<PFXscale>{_SCALE})\b)?"
)
_QUANTITY = re.compile(
    rf"(?<![\w.:,$€£¥-])(?:(?P<approx>{_alternation(_APPROX)})\s+)?"
    + _ONE_VALUE.replace("PFX", "a")
    + r"(?:\s?(?P<sep>-|–|to|and)\s?"
    + _ONE_VALUE.replace("PFX", "b")
    + ")?"
    + rf"(?:[\s-]?(?P<unit>{_UNIT})(?![\w]))?"
    + r"(?![\w:]|\.\d|,\d)",
    re.IGNORECASE,
)
_VAGUE_RE = re.compile(rf"\b(?P<vague>{_alternation(_VAGUE)})(?:\s+of)?\b", re.IGNORECASE)
_MACH = re.compile(rf"\bMach\s+(?P<num>{_NUM})\b")
_YEAR_LIKE = re.compile(r"(1[89]|20|21)\d\d")
# Clock times ("6 p.m.", "10:46 AM", "3: 23 PM ET") are neither counts nor durations.
_CLOCK = re.compile(
    r"(?<![\w.])\d{1,2}(?::\s?\d{2})?\s?(?:a\.m\.|p\.m\.|am\b|pm\b)|(?<![\w.])\d{1,2}:\s?\d{2}\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class QuantityMatch:
    """One value found in text: the normalised Quantity and where it was written."""

    quantity: Quantity
    start: int
    end: int

    @property
    def kind(self) -> str:
        """count | money | percent | distance | duration | mass | speed."""
        return unit_kind(self.quantity.unit)


def unit_kind(unit: str) -> str:
    """The family of a canonical unit: values of different families never compare."""
    return {
        "count": "count",
        "%": "percent",
        "pp": "percent",
        "km": "distance",
        "day": "duration",
        "kg": "mass",
        "km/h": "speed",
        "mach": "speed",
    }.get(unit, "money" if len(unit) == 3 and unit.isupper() else "other")


def _number(token: str) -> float | None:
    token = token.lower().strip()
    if token in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[token])
    if "-" in token and token.replace("-", "").isalpha():
        tens, _, unit = token.partition("-")
        return float(_WORD_NUMBERS[tens] + _WORD_NUMBERS[unit])
    try:
        return float(token.replace(",", ""))
    except ValueError:
        return None


def _precision(token: str) -> float:
    """Half a unit of the last digit written: "2.4" could be anything from 2.35 to 2.45.
    A whole number ending in two or more zeros is rounded to its last non-zero digit:
    "29,000 tons" is the same figure as "29,060 tons" written more roughly."""
    token = token.replace(",", "")
    if "." in token and token.split(".")[1].isdigit():
        return 0.5 * 10 ** -len(token.split(".")[1])
    zeros = len(token) - len(token.rstrip("0"))
    if token.isdigit() and zeros >= ROUND_ZEROS and zeros < len(token):
        return 0.5 * 10**zeros
    return 0.5


# One trailing zero ("180", "40") is as often exact as rounded; two or more ("2,500",
# "29,000") are how reporters round. Real news: "29,000 vs 29,060 tons" was a false conflict.
ROUND_ZEROS = 2


def _currency_of(m: re.Match, unit_word: str | None) -> str | None:
    for key in ("acur", "bcur"):
        if m.group(key):
            return _CURRENCY_SYMBOLS[m.group(key).lower()]
    if unit_word and unit_word.lower() in _CURRENCY_WORDS:
        return _CURRENCY_WORDS[unit_word.lower()]
    return None


def _scaled(num: str, scale: str | None, money: bool) -> float | None:
    value = _number(num)
    if value is None:
        return None
    if scale:
        if scale.lower() in _SHORT_SCALES and not money:
            return None  # "300m" without a currency is metres or a model name: not a scale
        value *= _SCALES[scale.lower()]
    return value


def _from_match(m: re.Match, text: str) -> QuantityMatch | None:
    unit_word = m.group("unit")
    currency = _currency_of(m, unit_word)
    money = currency is not None
    if (
        unit_word
        and unit_word.lower() == "pounds"
        and not money
        and (m.group("ascale") or m.group("bscale"))
    ):
        currency, money = "GBP", True  # "300 million pounds" is sterling, not weight
    has_b = m.group("bnum") is not None
    if (
        has_b
        and (m.group("sep") or "").lower() == "to"
        and re.search(r"\bfrom\s*$", text[max(0, m.start() - 8) : m.start()], re.IGNORECASE)
    ):
        return _changed_to(m, text)
    if not money and not unit_word and (m.group("ascale") or "").lower() == "m" and not has_b:
        return _metres(m)
    scale_b = m.group("bscale") or m.group("ascale")
    # "between $2 and $3 billion": the first value borrows the second's scale.
    scale_a = m.group("ascale") or (m.group("bscale") if has_b else None)
    a = _scaled(m.group("anum"), scale_a, money)
    if a is None:
        return None
    approx_word = (m.group("approx") or "").lower()
    sep = (m.group("sep") or "").lower()
    if has_b and sep == "and" and approx_word != "between":
        return None  # "12 and 14" is two values, not a range
    b = _scaled(m.group("bnum"), scale_b, money) if has_b else None
    if has_b and (b is None or b < a):
        return None  # "3-2" is a score or a vote, not a range
    unit, factor = "count", 1.0
    if money:
        unit = currency
    elif unit_word:
        unit, factor = _UNITS[unit_word.lower()]
    a_raw = m.group("anum")
    if unit == "count" and has_b and sep in ("-", "–"):
        return None  # "9-14 start", "2009-2010 season": a record or a span of years
    if unit == "count" and not m.group("approx") and not has_b and not scale_a:
        if _YEAR_LIKE.fullmatch(a_raw):
            return None  # a year, not a count
    a, b = a * factor, (b * factor if b is not None else None)
    kind = _APPROX.get(approx_word)
    if b is not None:
        q = Quantity((a + b) / 2, unit, low=a, high=b, approximate=kind == "near", text=m.group(0))
    elif kind == "low":
        q = Quantity(a, unit, low=a, high=None, approximate=True, text=m.group(0))
    elif kind == "high":
        q = Quantity(a, unit, low=None, high=a, approximate=True, text=m.group(0))
    else:
        q = Quantity(a, unit, approximate=kind == "near", text=m.group(0))
    return QuantityMatch(q, m.start(), m.end())


def _changed_to(m: re.Match, text: str) -> QuantityMatch | None:
    """ "rose from 12 to 14 satellites" states the new value, 14, not a range 12-14."""
    start = m.start("bcur") if m.group("bcur") else m.start("bnum")
    again = _QUANTITY.match(text, start)
    if again is None or again.group("bnum"):
        return None
    return _from_match(again, text)


def _metres(m: re.Match) -> QuantityMatch | None:
    value = _number(m.group("anum"))
    if value is None:
        return None
    q = Quantity(value * 1e-3, "km", text=m.group(0))
    return QuantityMatch(q, m.start(), m.end())


# Capitalised words that start a sentence before a number without naming anything.
_NOT_NAMES = frozenset(
    "The An About Some Over Nearly Around Only All Another With For In On At By Of To From "
    "Almost Roughly Up Under More Less Fewer Just Another Its Their His Her Our".split()
)


def _is_designator(text: str, start: int, match: re.Match) -> bool:
    """ "Falcon 9", "Block 5", "Flight 7": a number right after a capitalised name is a model
    or serial, not a count. Currency and approximators make it a value again."""
    if match.group("approx") or match.group("acur"):
        return False
    if not match.group("anum")[0].isdigit():
        return False
    before = text[max(0, start - 30) : start]
    prev = re.search(r"([A-Za-z][\w.-]*)\s+$", before)
    if not prev or not prev.group(1)[0].isupper():
        return False
    word = prev.group(1)
    return len(word) > 1 and word.lower() not in _APPROX and word not in _NOT_NAMES


def find_quantities(text: str, skip: list[tuple[int, int]] | None = None) -> list[QuantityMatch]:
    """Every value written in ``text``, in order; spans in ``skip`` (dates) are left alone."""
    skip = list(skip or [])
    found: list[QuantityMatch] = []
    taken: list[tuple[int, int]] = list(skip)

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    taken.extend((m.start(), m.end()) for m in _CLOCK.finditer(text))
    for m in _MACH.finditer(text):
        q = Quantity(float(m.group("num").replace(",", "")), "mach", text=m.group(0))
        found.append(QuantityMatch(q, m.start(), m.end()))
        taken.append((m.start(), m.end()))
    for m in _VAGUE_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        low, high = _VAGUE[m.group("vague").lower()]
        q = Quantity(
            (low + high) / 2, "count", low=low, high=high, approximate=True, text=m.group("vague")
        )
        found.append(QuantityMatch(q, m.start(), m.start() + len(m.group("vague"))))
        taken.append((m.start(), m.end()))
    for m in _QUANTITY.finditer(text):
        if not free(m.start(), m.end()) or _is_designator(text, m.start(), m):
            continue
        match = _from_match(m, text)
        if match is None:
            continue
        if not m.group("anum")[0].isdigit() and match.quantity.unit == "count":
            # Word numbers are counts only when a noun follows: "one of them" is not one.
            if count_noun(text, match.end) in ("", "of"):
                continue
        found.append(match)
        taken.append((match.start, match.end))
    return sorted(found, key=lambda f: f.start)


def parse_quantity(text: str) -> Quantity | None:
    """The first value in ``text`` (convenience for short strings such as "$1.2 billion")."""
    found = find_quantities(text)
    return found[0].quantity if found else None


# --- the noun a number counts -------------------------------------------------------------

STOPWORDS = frozenset(
    """a an the of to in on at by for from with into onto over under and or but as than that
    this these those its their his her our your was were is are be been being has have had
    will would could should may might can said say says more less per each while who which
    when where after before since during until about around this last next first near
    across along through within without against toward towards among between behind beyond
    inside outside off up down out via including like amid despite plus so yet if not also
    just only already still then there here ago earlier later""".split()
)
_IRREGULAR_PLURALS = {
    "people": "people",
    "personnel": "personnel",
    "men": "man",
    "women": "woman",
    "children": "child",
    "aircraft": "aircraft",
}


def singular(word: str) -> str:
    """A simple English singular, so "one satellite" and "two satellites" share a subject."""
    w = word.lower()
    if w in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[w]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith(("sses", "ches", "shes", "xes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|[^\sA-Za-z]")


def _looks_plural(word: str) -> bool:
    low = word.lower()
    return low in _IRREGULAR_PLURALS or (
        len(low) > 3 and low.endswith("s") and not low.endswith(("ss", "us", "is"))
    )


def _verb_after_noun(previous: str, rest: list[str]) -> bool:
    """An -ed/-ing word ends the noun phrase when it follows a plural ("satellites launched")
    or nothing noun-like follows it ("one satellite launched on ..."); otherwise it is a
    modifier ("rocket propelled grenade launchers", "Yemeni fishing boats")."""
    if _looks_plural(previous):
        return True
    following = rest[0] if rest else ""
    return not following[:1].isalpha() or following.lower() in STOPWORDS or following[0].isupper()


# A count qualified by these is a part of a total ("two other victims", "three more
# rockets"): never the same figure as the total, so it gets no subject.
_PARTIAL = frozenset({"other", "additional", "further", "extra", "remaining", "another"})


def count_noun(text: str, end: int) -> str:
    """The noun counted by a number ending at ``end``: "22 new Starlink satellites" ->
    "satellite"; "" when no noun follows. Heuristic: in the run of words after the number
    (stopping at function words, punctuation and a later -ed/-ing verb), the first plural,
    else the last word."""
    run = noun_phrase(text, end)
    if run == ["of"]:
        return "of"
    if not run or any(w.lower() in _PARTIAL for w in run):
        return ""
    if all(w[0].isupper() for w in run):
        return ""  # "200 W. American Blvd.", "one Australian": an address or a name, no noun
    # The head noun is usually the first plural ("12 Starlink satellites"), else the last
    # word of the run ("one new satellite").
    plural = next((t for t in run if _looks_plural(t) and not t[0].isupper()), None)
    return singular(plural or run[-1])


def noun_phrase(text: str, end: int) -> list[str]:
    """The words after a number that say what it counts (["Starlink", "satellites"]);
    ["of"] for "one of them"."""
    tokens = _WORD.findall(text[end : end + 80])[:7]
    if tokens[:1] == ["of"]:
        # "two of the satellites" counts satellites; "one of them" counts nothing named.
        tokens = tokens[1:]
        if tokens and tokens[0].lower() in ("the", "its", "their", "his", "her", "our"):
            tokens = tokens[1:]
        if not tokens or tokens[0].lower() in ("them", "us", "these", "those", "which"):
            return ["of"]
    run: list[str] = []
    for i, tok in enumerate(tokens):
        low = tok.lower()
        if not tok[0].isalpha() or low in STOPWORDS:
            break
        if low.endswith("ly") and len(low) > 4:
            continue  # an adverb inside the phrase: "five totally decked out officers"
        if run and low.endswith(("ed", "ing")) and _verb_after_noun(run[-1], tokens[i + 1 :]):
            break
        run.append(tok)
        if len(run) == 4:
            break
    return run


# --- dates ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DateMatch:
    """A date written in text, resolved to ISO; ``relative`` when it needed the pub date."""

    iso: str
    start: int
    end: int
    text: str
    relative: bool = False


def _as_date(published: date | datetime | None) -> date | None:
    if isinstance(published, datetime):
        return published.date()
    return published


# Any day serves as the anchor when there is no publication date: only dates that write
# their year are kept then, and those do not depend on it.
_NO_ANCHOR = date(2000, 1, 1)
_YEAR_WRITTEN = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def find_dates(text: str, published: date | datetime | None = None) -> list[DateMatch]:
    """Days named in ``text`` as ISO strings, read as a reader would (``find_timexes``):
    "said Monday" is the Monday before publication, "will launch Monday" the one after.

    Only expressions that name a single day are kept ("last week" or "in 1998" name no day
    to compare). Without ``published``, only dates that write their year are kept rather
    than guessed."""
    base = _as_date(published)
    found: list[DateMatch] = []
    for t in find_timexes(text, base or _NO_ANCHOR):
        days = resolved_days(t)
        if days is None or days[0] != days[1]:
            continue
        written = _YEAR_WRITTEN.search(t.text)
        explicit = written is not None and int(written[1]) == days[0].year
        if base is None and not explicit:
            continue
        found.append(DateMatch(days[0].isoformat(), t.start, t.end, t.text, not explicit))
    return found


def parse_date(text: str, published: date | datetime | None = None) -> str | None:
    """The first date in ``text`` as ISO, or None."""
    found = find_dates(text, published)
    return found[0].iso if found else None


def value_tolerance(q: Quantity) -> float:
    """How far from its value a stated figure may really be: half a unit of its last written
    digit, widened to 10% for "about"-style figures (journalists' rounding)."""
    m = re.search(_NUM, q.text)
    base = abs(q.value)
    if m is None:
        return 0.1 * base if q.approximate else 0.0
    first = abs(q.low) if q.low is not None else base  # the value the first number became
    raw = _number(m.group(0)) or 0.0
    tol = _precision(m.group(0)) * (first / raw if raw else 1.0)
    if q.approximate:
        tol = max(tol, 0.1 * base)
    return tol


def value_interval(q: Quantity) -> tuple[float, float]:
    """The interval a stated value allows, for deciding whether two figures can agree."""
    tol = value_tolerance(q)
    low = q.low if q.low is not None else (q.value if q.high is None else 0.0)
    high = q.high if q.high is not None else (q.value if q.low is None else float("inf"))
    return low - tol, high + tol
