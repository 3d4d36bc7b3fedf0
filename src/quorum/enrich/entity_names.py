"""Canonical names for the tagger's entities, read over a whole article.

The tagger sees one sentence at a time, so on real news it calls page furniture names
("Hide Caption", "Click"), splits one entity into case variants ("Corwin", "CORWIN") and
"U.S." forms ("Navy", "U.S. Navy"), and types the same surname three ways. These rules fix
that after the merge with the gazetteer; the word lists are data (``data/ner/names.toml``).

1. Drop entities made only of words that are never names, and strip titles from people.
2. Give every case variant of a name its most common mixed-case spelling.
3. Link a lone surname (any type) to the full-named person of the same article.
4. Resolve "U.S. X" and "X" to one entity: the gazetteer's, or the article's longer form.
5. Let the article vote on the type of each remaining name.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from quorum.records import Entity

_AL = re.compile(r"^(?:al|el|al|bin|ibn)-")


@dataclass(frozen=True, slots=True)
class NameRules:
    """The word lists of ``data/ner/names.toml`` (lower-cased, trailing dots dropped)."""

    never: frozenset[str]  # a name made only of these is none
    openers: frozenset[str]  # cut from the front of any name
    titles: frozenset[str]  # cut from the front of a person's name
    country_prefixes: tuple[str, ...]

    @classmethod
    def load(cls, path: Path | None = None) -> NameRules:
        if path is None:
            text = (resources.files("quorum") / "data" / "ner" / "names.toml").read_text(
                encoding="utf-8"
            )
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = tomllib.loads(text)
        openers = {_key(w) for w in (*data.get("furniture", []), *data.get("openers", []))}
        return cls(
            frozenset(openers | {_key(w) for w in data.get("common", [])}),
            frozenset(openers),
            frozenset(_key(w) for w in data.get("titles", [])),
            tuple(data.get("country_prefixes", [])),
        )


def _key(word: str) -> str:
    return word.lower().strip("\"'’“”").rstrip(".")


def clean(text: str, hit: Any, rules: NameRules) -> Any | None:
    """Step 1 for one model hit: ``None`` when it is not a name, else the hit with leading
    never-name words ("Expect Brexit") and a person's titles cut off (span and name)."""
    words = hit.entity.name.split()
    start = hit.start
    while len(words) > 1 and (
        _key(words[0]) in rules.openers
        or (hit.entity.type == "PER" and _key(words[0]) in rules.titles)
    ):
        found = text.find(words[1], start + len(words[0]), hit.end)
        if found < 0:
            break
        start, words = found, words[1:]
    keys = [_key(w) for w in words]
    if all(k in rules.never or not any(c.isalpha() for c in k) for k in keys):
        return None
    if start == hit.start:
        return hit
    return replace(hit, entity=replace(hit.entity, name=" ".join(words)), start=start)


def canonicalise(
    text: str,
    hits: Sequence[Any],
    rules: NameRules,
    lookup: Callable[[str], Entity | None],
) -> list[Any]:
    """Steps 2-5 over the merged hits of one article; only model hits change.

    ``lookup`` finds a gazetteer entity by any of its names, case-insensitively.
    """
    model = [h for h in hits if h.source == "model"]
    # 2. case variants: the most common spelling that is not ALL CAPS (a headline's).
    spellings: dict[str, Counter] = {}
    for h in model:
        spellings.setdefault(h.entity.name.casefold(), Counter())[h.entity.name] += 1
    display = {
        folded: max(
            counts, key=lambda s: (not (s.isupper() and len(s) > 4), counts[s], s == s.title())
        )
        for folded, counts in spellings.items()
    }
    # 3. people named in full anywhere in the article, by surname (first one wins), for
    # the lone words the model calls people at least as often as anything else.
    people: dict[str, Entity] = {}
    for h in hits:
        words = h.entity.name.split()
        if h.entity.type == "PER" and len(words) > 1:
            surname = words[-1].casefold()
            people.setdefault(surname, h.entity)
            people.setdefault(_AL.sub("", surname), h.entity)  # "Assad" of "Bashar al-Assad"
    lone: dict[str, Counter] = {}
    for h in model:
        if " " not in h.entity.name:
            lone.setdefault(h.entity.name.casefold(), Counter())[h.entity.type] += 1
    # ...but not a word the article mostly uses as an adjective ("Islamic" of a misread
    # "Very Islamic"): MISC is what CoNLL calls nationalities and religions.
    people = {k: e for k, e in people.items() if not (k in lone and _vote(lone[k]) == "MISC")}
    # 4. longer "U.S. X" forms the article itself uses, by X.
    prefixed: dict[str, str] = {}
    for h in model:
        rest = _without_prefix(display[h.entity.name.casefold()], rules)
        if rest:
            prefixed.setdefault(rest.casefold(), display[h.entity.name.casefold()])

    out: list[Any] = []
    votable: list[bool] = []
    votes: dict[str, Counter] = {}
    for h in hits:
        linked = None
        if h.source == "model":
            name = display[h.entity.name.casefold()]
            linked = _linked(text, h, name, people, rules, lookup)
            if linked is None:
                name = prefixed.get(name.casefold(), name)
                votes.setdefault(name, Counter())[h.entity.type] += 1
                h = replace(h, entity=Entity(name, h.entity.type))
            else:
                h = replace(h, entity=linked)
        out.append(h)
        votable.append(h.source == "model" and linked is None)
    # 5. one type per name in an article: the majority, the first seen on a tie.
    return [
        replace(h, entity=Entity(h.entity.name, _vote(votes[h.entity.name]))) if vote else h
        for h, vote in zip(out, votable, strict=True)
    ]


def _vote(counts: Counter) -> str:
    best = max(counts.values())
    return next(t for t, n in counts.items() if n == best)


def _linked(
    text: str,
    hit: Any,
    name: str,
    people: dict[str, Entity],
    rules: NameRules,
    lookup: Callable[[str], Entity | None],
) -> Entity | None:
    """A lone surname's person, or the gazetteer entity "U.S. <name>" stands for."""
    if " " not in name and name.casefold() in people:
        return people[name.casefold()]
    if hit.entity.type in ("ORG", "LOC", "MISC") and not _after_a_name(text, hit.start):
        for prefix in rules.country_prefixes:
            known = lookup(f"{prefix} {name}")
            if known is not None:
                return known
    return None


def _without_prefix(name: str, rules: NameRules) -> str:
    for prefix in rules.country_prefixes:
        if name.startswith(prefix + " ") and len(name) > len(prefix) + 1:
            return name[len(prefix) + 1 :]
    return ""


def _after_a_name(text: str, start: int) -> bool:
    """Whether a capitalised word stands right before ``start`` ("Chinese Navy"), so the
    bare name belongs to that one and not to the United States."""
    before = text[max(0, start - 40) : start].rstrip()
    if not before or before[-1] in '.!?"“”:;\n':
        return False
    word = before.split()[-1]
    return word[:1].isupper() and word.lower() not in ("the", "a", "an")
