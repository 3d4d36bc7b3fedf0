"""Page furniture in article text: lines that belong to the page, not to the story.

Captions ("Image copyright Reuters Image caption ..."), reprint and copyright lines,
share bars, "Story Continued Below", newsletter prompts and slideshow chrome reach text in
two ways: trafilatura leaves them in a page's main text, and dumps carry texts crawled by
someone else with the furniture left in. One cleaner serves both, so a dump article and a
fetched page of the same story end up with the same text.

The vocabulary is data (``quorum/data/extraction_boilerplate.json``); each pattern there
was read off real pages (the Fundus pages and the AllSides real-news dump), and
``benchmarks/bench_extraction.py --dump`` counts what each one removes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Boilerplate:
    """Page-furniture vocabulary from ``quorum/data/extraction_boilerplate.json``.

    ``line_patterns`` must match at the start of a short line (at most ``max_line_words``);
    ``marker_patterns`` are found anywhere and mark the whole line, whatever its length:
    they are phrases no reporter writes ("Media playback is unsupported on your device").
    ``span_patterns`` are furniture inside a line of prose ("(RELATED: ...)"), cut out.
    """

    line_patterns: tuple[re.Pattern[str], ...]
    max_line_words: int
    bio_verbs: frozenset[str]
    prune_class_tokens: frozenset[str]
    marker_patterns: tuple[re.Pattern[str], ...] = ()
    span_patterns: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def load(cls) -> Boilerplate:
        ref = resources.files("quorum") / "data" / "extraction_boilerplate.json"
        raw = json.loads(ref.read_text(encoding="utf-8"))
        return cls(
            line_patterns=_compile(raw["line_patterns"]),
            max_line_words=int(raw["max_line_words"]),
            bio_verbs=frozenset(raw["bio_verbs"]),
            prune_class_tokens=frozenset(raw["prune_class_tokens"]),
            marker_patterns=_compile(raw.get("marker_patterns", [])),
            span_patterns=_compile(raw.get("span_patterns", [])),
        )


def _compile(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.I) for p in patterns)


@lru_cache(maxsize=1)
def default_boilerplate() -> Boilerplate:
    # Cached because it is read-only (frozen, tuples and frozensets): no state is shared
    # between documents, only the parsed vocabulary.
    return Boilerplate.load()


def is_furniture_line(line: str, boilerplate: Boilerplate) -> bool:
    """Whether one stripped line of text is page furniture as a whole."""
    if any(p.search(line) for p in boilerplate.marker_patterns):
        return True
    if len(line.split()) > boilerplate.max_line_words:
        return False
    return any(p.match(line) for p in boilerplate.line_patterns)


_SPACE_BEFORE_STOP = re.compile(r" ([.,;:!?])")


def cut_spans(line: str, boilerplate: Boilerplate) -> str:
    """``line`` without furniture spans such as "(RELATED: ...)", spaces tidied."""
    for pattern in boilerplate.span_patterns:
        if pattern.search(line):
            line = _SPACE_BEFORE_STOP.sub(r"\1", " ".join(pattern.sub(" ", line).split()))
    return line


def drop_furniture_lines(text: str, boilerplate: Boilerplate | None = None) -> str:
    """``text`` without its furniture lines and spans; other lines are left as they are.

    For texts that did not come through extraction (dumps): line breaks and blank lines
    are kept, so paragraphs stay paragraphs.
    """
    boilerplate = boilerplate or default_boilerplate()
    kept = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and is_furniture_line(stripped, boilerplate):
            continue
        if stripped and boilerplate.span_patterns:
            cut = cut_spans(stripped, boilerplate)
            if cut != stripped:
                line = cut
                if not cut:
                    continue
        kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


# An author bio sits at the very end; looking further back would risk a quote or a
# paragraph that merely starts with the reporter's name.
_BIO_TAIL = 3


def drop_author_bio(paragraphs: list[str], author: str, boilerplate: Boilerplate) -> list[str]:
    """Drop closing paragraphs of the form "<First> [Middle] <Surname> is a reporter ...".

    Matched on the byline's surname so "Steph Bazzle" is found for "Stephanie Bazzle";
    a name of at least two capitalised words is required, so "Reuters was unable to
    verify ..." stays.
    """
    names = [n.split() for n in re.split(r";|,| and ", author)]
    surnames = {n[-1].lower() for n in names if len(n) >= 2}
    if not surnames:
        return paragraphs
    keep = list(paragraphs)
    for index in range(len(keep) - 1, max(len(keep) - 1 - _BIO_TAIL, -1), -1):
        words = keep[index].split(maxsplit=5)
        for length in (2, 3, 4):  # names of two to four words
            if len(words) <= length:
                break
            name, verb = words[:length], words[length].lower()
            if (
                name[-1].strip(",").lower() in surnames
                and verb in boilerplate.bio_verbs
                and all(w[:1].isupper() for w in name)
            ):
                del keep[index]
                break
    return keep
