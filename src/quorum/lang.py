"""Offline language guess: writing system first, then the share of common function words.

Enough to tell English from the other languages a defense desk meets (and to flag a page
whose ``lang`` attribute lies); no model download, no extra dependency. The word lists
live in ``quorum/data/stopwords.json``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_WORD = re.compile(r"[^\W\d_]+")

# Scripts used by one main language each: decided by the characters alone.
_SCRIPT_LANGUAGE = {
    "HANGUL": "ko",
    "HIRAGANA": "ja",
    "KATAKANA": "ja",
    "ARABIC": "ar",
    "HEBREW": "he",
    "GREEK": "el",
    "THAI": "th",
    "DEVANAGARI": "hi",
}

# Words looked at: a few hundred are plenty to rank languages; reading a whole long
# article would only cost time.
MAX_WORDS = 400
# Fewer words than this (a headline, a caption) give no reliable stopword share.
MIN_WORDS = 8
# Running text has 30-50 % function words in its language; below 10 % the text is
# probably a list of names or another language we have no list for.
MIN_SHARE = 0.10


@dataclass(frozen=True, slots=True)
class StopwordLists:
    """Function words per ISO 639-1 code, loaded once by the caller and passed in."""

    words: dict[str, frozenset[str]]

    @classmethod
    def load(cls) -> StopwordLists:
        ref = resources.files("quorum") / "data" / "stopwords.json"
        raw = json.loads(ref.read_text(encoding="utf-8"))
        return cls({code: frozenset(ws) for code, ws in raw.items() if not code.startswith("_")})


@lru_cache(maxsize=1)
def default_stopwords() -> StopwordLists:
    # Cached because it is read-only (frozensets in a frozen record), so no state is
    # shared between documents.
    return StopwordLists.load()


def _script_language(text: str) -> str | None:
    counts: dict[str, int] = {}
    letters = 0
    for char in text[: MAX_WORDS * 8]:
        if not char.isalpha():
            continue
        letters += 1
        name = unicodedata.name(char, "")
        script = name.split(" ", 1)[0]
        if script == "CJK":
            script = "HAN"
        counts[script] = counts.get(script, 0) + 1
    if not letters:
        return None
    if counts.get("HIRAGANA", 0) + counts.get("KATAKANA", 0) > 0.05 * letters:
        return "ja"  # Japanese mixes kana with Han; kana alone tells it from Chinese
    if counts.get("HAN", 0) > 0.5 * letters:
        return "zh"
    for script, code in _SCRIPT_LANGUAGE.items():
        if counts.get(script, 0) > 0.5 * letters:
            return code
    return None


def detect_language(text: str, lists: StopwordLists | None = None) -> str | None:
    """ISO 639-1 code of the language ``text`` is most likely in, or None when unsure."""
    if not text or not text.strip():
        return None
    by_script = _script_language(text)
    if by_script:
        return by_script
    words = [w.lower() for w in _WORD.findall(text[: MAX_WORDS * 12])][:MAX_WORDS]
    if len(words) < MIN_WORDS:
        return None
    lists = lists or default_stopwords()
    best_code, best_hits = None, 0
    for code, stopwords in lists.words.items():
        hits = sum(1 for w in words if w in stopwords)
        if hits > best_hits:
            best_code, best_hits = code, hits
    if best_hits < MIN_SHARE * len(words):
        return None
    return best_code


def normalise_language_tag(tag: str | None) -> str | None:
    """``"en-US"`` / ``"en_GB"`` -> ``"en"``; None for anything that is not a language tag."""
    if not tag:
        return None
    primary = re.split(r"[-_]", tag.strip(), maxsplit=1)[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None
