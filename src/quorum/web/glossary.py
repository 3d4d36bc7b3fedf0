"""The beat glossary (``data/glossary.toml``): definitions, and finding terms in text.

The same matcher links terms on story pages to their glossary entry and counts them as the
"topics" of the trends page, so a term means one thing everywhere.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


class GlossaryError(ValueError):
    """A glossary file that cannot be used; the message names the entry."""


@dataclass(frozen=True, slots=True)
class Term:
    term: str
    definition: str
    expansion: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def anchor(self) -> str:
        """The id of the term's entry on /glossary (stable, URL-safe)."""
        return "g-" + re.sub(r"[^a-z0-9]+", "-", self.term.lower()).strip("-")


@dataclass(frozen=True, slots=True)
class TermHit:
    start: int
    end: int
    term: Term


@dataclass(frozen=True)
class Glossary:
    """Immutable after loading: safe to share between requests."""

    terms: tuple[Term, ...]
    _exact: re.Pattern | None
    _folded: re.Pattern | None
    _by_text: dict[str, Term]

    @classmethod
    def load(cls, path: str | Path | None = None) -> Glossary:
        """Read the shipped glossary, or ``path``."""
        if path is None:
            raw = (resources.files("quorum") / "data" / "glossary.toml").read_text("utf-8")
        else:
            raw = Path(path).read_text(encoding="utf-8")
        try:
            entries = tomllib.loads(raw).get("terms", [])
        except tomllib.TOMLDecodeError as exc:
            raise GlossaryError(f"glossary is not valid TOML: {exc}") from exc
        return cls.from_entries(entries)

    @classmethod
    def from_entries(cls, entries: list[dict]) -> Glossary:
        terms: list[Term] = []
        exact: dict[str, Term] = {}
        folded: dict[str, Term] = {}
        for i, e in enumerate(entries):
            if not e.get("term") or not e.get("definition"):
                raise GlossaryError(f"glossary entry {i + 1} needs `term` and `definition`")
            term = Term(
                e["term"], e["definition"], e.get("expansion", ""), tuple(e.get("aliases", ()))
            )
            terms.append(term)
            for text in (term.term, *term.aliases):
                # Acronyms (no lower-case letter) match case-sensitively so "CR" does not
                # fire on "cr"; an entry may force it for a word like "Patriot".
                if e.get("match_case", text == text.upper()):
                    exact.setdefault(text, term)
                else:
                    folded.setdefault(text.lower(), term)
        by_text = {**{k.lower(): v for k, v in folded.items()}, **exact}
        return cls(
            tuple(sorted(terms, key=lambda t: t.term.lower())),
            _pattern(exact, 0),
            _pattern(folded, re.IGNORECASE),
            by_text,
        )

    def find(self, text: str) -> list[TermHit]:
        """Non-overlapping term occurrences in ``text``, longest match first, in order."""
        hits: list[TermHit] = []
        for pattern in (self._exact, self._folded):
            if pattern is None:
                continue
            for m in pattern.finditer(text):
                found = m.group(0)
                term = self._by_text.get(found) or self._by_text.get(found.lower())
                if term is not None:
                    hits.append(TermHit(m.start(), m.end(), term))
        hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
        kept: list[TermHit] = []
        for h in hits:
            if not kept or h.start >= kept[-1].end:
                kept.append(h)
        return kept

    def term_names(self, text: str) -> set[str]:
        """The glossary terms (canonical spelling) occurring in ``text``."""
        return {h.term.term for h in self.find(text)}


def _pattern(texts: dict[str, Term], flags: int) -> re.Pattern | None:
    if not texts:
        return None
    alternatives = "|".join(re.escape(t) for t in sorted(texts, key=len, reverse=True))
    # Word boundaries by look-around, since terms may start or end with "&" or "."
    return re.compile(rf"(?<![\w&])(?:{alternatives})(?![\w&])", flags)
