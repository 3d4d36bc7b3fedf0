"""The beat filter: a transparent, weighted-term scorer for the space & defense beat.

Why a term list and not a classifier: every decision must be explainable on the story
page ("in-beat because: Pentagon 3.0, missile 3.0, troops 2.5"), the vocabulary is
reviewable domain knowledge (``quorum/data/beat_terms.toml``), and no labelled defense corpus
exists to train on. The score is

    score = sum over terms of weight * saturate(title_weight * title_count + body_count)

with ``saturate(n) = min(log2(1 + n), saturation_cap)``, and an article is in-beat when
``score >= threshold`` (the ``beat_threshold`` setting). The matching rules are described in
the data file.
"""

from __future__ import annotations

import math
import re
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import ahocorasick

from quorum.records import BeatScore
from quorum.settings import SETTINGS

# Text beyond this many characters is not scanned: a real article is far shorter, and a
# runaway extraction (a whole forum page) must not cost unbounded time or decide by bulk.
MAX_SCANNED_CHARS = 100_000

SATURATIONS = MappingProxyType(
    {
        "log2": lambda n: math.log2(1.0 + n),
        "linear": lambda n: float(n),  # kept for measurement: what saturation buys
    }
)


class BeatTermsError(ValueError):
    """A beat-terms file that cannot be used, with the group and term at fault."""


_NON_WORD = re.compile(r"[\W_]+")


def normalise_for_matching(text: str) -> str:
    """Lower-case words separated by single spaces, padded with a space at each end.

    Every run of characters that are not letters or digits (spaces, hyphens, apostrophes,
    punctuation) becomes one space, so "cease-fire", "cease - fire" and "Cease fire" read
    alike, as do "people's" and the tokenised "people 's". The padding lets a key written
    as " word " match only whole words.
    """
    return (
        " "
        + " ".join(_NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).lower()).split())
        + " "
    )


@dataclass(frozen=True, slots=True)
class BeatTerm:
    """One vocabulary entry: what it looks like, how much one mention weighs, where it's from."""

    label: str  # the pattern as written in the data file: what evidence shows
    weight: float
    group: str
    keys: tuple[str, ...] = ()  # normalised spellings matched literally (plain terms)
    plural_keys: tuple[str, ...] = ()  # the same with -s/-es; yield to another term's keys
    regex: str | None = None  # or a regular expression over normalised text


def _default_threshold() -> float:
    return next(s.default for s in SETTINGS if s.name == "beat_threshold")


def phrase_keys(phrase: str) -> tuple[str, ...]:
    """The normalised spellings of a plain word or phrase.

    The phrase as normalised and, for a hyphenated one, the same closed up ("ceasefire"
    for "cease-fire").
    """
    spaced = normalise_for_matching(phrase).strip()
    closed = normalise_for_matching(phrase.replace("-", "")).strip()
    return (spaced,) if closed == spaced else (spaced, closed)


def plural_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    """-s and -es forms of keys ending in a letter ("missiles", "launches")."""
    return tuple(k + suffix for suffix in ("s", "es") for k in keys if k[-1:].isalpha())


def _parse_term(entry: Any, group: str, group_weight: float) -> BeatTerm:
    if isinstance(entry, str):
        entry = {"pattern": entry}
    if not isinstance(entry, dict) or not isinstance(entry.get("pattern"), str):
        raise BeatTermsError(f"group {group}: a term must be a string or have a pattern: {entry!r}")
    pattern = entry["pattern"].strip()
    if not pattern:
        raise BeatTermsError(f"group {group}: empty pattern")
    label = str(entry.get("label", pattern)).lower()
    weight = entry.get("weight", group_weight)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or math.isnan(weight):
        raise BeatTermsError(f"group {group}, term {pattern!r}: weight must be a number")
    if entry.get("regex", False):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise BeatTermsError(f"group {group}, term {pattern!r}: bad regex: {exc}") from exc
        return BeatTerm(label=label, weight=float(weight), group=group, regex=pattern)
    if not normalise_for_matching(pattern).strip():
        raise BeatTermsError(f"group {group}: empty pattern {pattern!r}")
    keys = phrase_keys(pattern)
    plurals = plural_keys(keys) if entry.get("plural", True) else ()
    return BeatTerm(label=label, weight=float(weight), group=group, keys=keys, plural_keys=plurals)


def parse_terms(raw: dict[str, Any]) -> tuple[BeatTerm, ...]:
    """The terms of a parsed beat-terms file, checked; raises BeatTermsError with the culprit."""
    groups = raw.get("groups")
    if not isinstance(groups, list) or not groups:
        raise BeatTermsError("no [[groups]] in the beat-terms file")
    terms: dict[str, BeatTerm] = {}
    key_owner: dict[str, str] = {}
    for group in groups:
        name = group.get("name") if isinstance(group, dict) else None
        if not isinstance(name, str):
            raise BeatTermsError(f"a group without a name: {group!r}")
        group_weight = group.get("weight", 1.0)
        if not isinstance(group_weight, int | float) or isinstance(group_weight, bool):
            raise BeatTermsError(f"group {name}: weight must be a number")
        for entry in group.get("terms", []):
            term = _parse_term(entry, name, float(group_weight))
            if term.label in terms:
                # A silent second entry would make the file say two things about one word.
                raise BeatTermsError(
                    f"term {term.label!r} appears twice ({terms[term.label].group}, {name})"
                )
            for key in term.keys:
                if key_owner.setdefault(key, term.label) != term.label:
                    raise BeatTermsError(
                        f"terms {key_owner[key]!r} and {term.label!r} both match {key!r}"
                    )
            terms[term.label] = term
    return tuple(terms.values())


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    term: int


@dataclass(frozen=True)
class BeatScorer:
    """Scores (title, text) pairs against a fixed vocabulary; holds no per-document state."""

    terms: tuple[BeatTerm, ...]
    threshold: float
    title_weight: float = 2.0
    saturation: str = "log2"
    saturation_cap: float | None = None  # most one term can give, in multiples of its weight

    def __post_init__(self) -> None:
        if self.saturation not in SATURATIONS:
            raise BeatTermsError(
                f"unknown saturation {self.saturation!r} (choose {', '.join(SATURATIONS)})"
            )
        # Plain terms go into one Aho-Corasick automaton (one pass over the text whatever
        # the vocabulary size). A generated plural yields to a term written that way, so
        # "playoffs" listed as a term is not also the plural of "playoff".
        automaton = ahocorasick.Automaton()
        owner: dict[str, int] = {}
        for index, term in enumerate(self.terms):
            for key in term.keys:
                owner.setdefault(key, index)
        for index, term in enumerate(self.terms):
            for key in term.plural_keys:
                owner.setdefault(key, index)
        for key, index in owner.items():
            automaton.add_word(f" {key} ", (index, len(key) + 2))
        if owner:
            automaton.make_automaton()
        regexes = [
            (i, re.compile(rf"(?<= )(?:{t.regex})(?= )"))
            for i, t in enumerate(self.terms)
            if t.regex is not None
        ]
        object.__setattr__(self, "_automaton", automaton if owner else None)
        object.__setattr__(self, "_regexes", tuple(regexes))

    @classmethod
    def load(cls, path: Path | None = None, threshold: float | None = None) -> BeatScorer:
        """Read a beat-terms TOML file (default: the packaged ``data/beat_terms.toml``).

        ``threshold`` defaults to the ``beat_threshold`` setting's default; callers holding a
        Config pass ``config.beat_threshold``.
        """
        if path is None:
            text = (resources.files("quorum") / "data" / "beat_terms.toml").read_text("utf-8")
            where = "beat_terms.toml"
        else:
            path = Path(path)
            if not path.is_file():
                raise BeatTermsError(f"beat-terms file not found: {path}")
            text = path.read_text(encoding="utf-8")
            where = str(path)
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise BeatTermsError(f"{where}: not valid TOML: {exc}") from exc
        scoring = raw.get("scoring", {})
        return cls(
            terms=parse_terms(raw),
            threshold=float(_default_threshold() if threshold is None else threshold),
            title_weight=float(scoring.get("title_weight", 2.0)),
            saturation=str(scoring.get("saturation", "log2")),
            saturation_cap=_optional_float(scoring.get("saturation_cap")),
        )

    def count(self, text: str) -> Counter[int]:
        """How often each term (by index) occurs in ``text``.

        Where matches overlap the one starting first wins, and of those the longest, so a
        phrase ("houston rockets") claims its words before the word inside it ("rocket").
        """
        padded = normalise_for_matching(text[:MAX_SCANNED_CHARS])
        hits: list[_Hit] = []
        if self._automaton is not None:  # type: ignore[attr-defined]
            for end, (index, length) in self._automaton.iter(padded):  # type: ignore[attr-defined]
                # Spans exclude the padding spaces, so neighbouring words do not overlap.
                hits.append(_Hit(end - length + 2, end - 1, index))
        for index, regex in self._regexes:  # type: ignore[attr-defined]
            hits.extend(_Hit(m.start(), m.end(), index) for m in regex.finditer(padded))
        hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
        counts: Counter[int] = Counter()
        covered_to = -1
        for hit in hits:
            if hit.start >= covered_to:
                counts[hit.term] += 1
                covered_to = hit.end
        return counts

    def score(self, title: str, text: str) -> BeatScore:
        """Score one article; evidence lists each matched term's contribution, largest first.

        Contributions are sorted by absolute size so the terms that decided come first;
        negative contributions (off-beat senses) are shown too, since they explain a "no".
        """
        title = _as_text(title, "title")
        text = _as_text(text, "text")
        title_counts = self.count(title)
        body_counts = self.count(text)
        saturate = SATURATIONS[self.saturation]
        contributions: dict[str, float] = {}
        for index in title_counts.keys() | body_counts.keys():
            term = self.terms[index]
            mentions = self.title_weight * title_counts[index] + body_counts[index]
            factor = saturate(mentions)
            if self.saturation_cap is not None:
                factor = min(factor, self.saturation_cap)
            contribution = term.weight * factor
            if contribution:
                contributions[term.label] = round(contribution, 3)
        total = round(float(sum(contributions.values())), 3)
        evidence = tuple(sorted(contributions.items(), key=lambda kv: (-abs(kv[1]), kv[0])))
        return BeatScore(in_beat=total >= self.threshold, score=total, evidence=evidence)


def _optional_float(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BeatTermsError(f"saturation_cap must be a number, got {value!r}")
    return float(value)


def _as_text(value: Any, name: str) -> str:
    """None reads as empty (a feed item without a summary); other non-strings are a bug."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"beat score: {name} must be a string, got {type(value).__name__}")
    return value
