"""Plain typed records passed between pipeline stages.

Every stage takes and returns these; none of them knows about the database. Records are
frozen so a stage cannot change what an earlier stage produced behind its back: it returns
a new record (``dataclasses.replace``) instead.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# --- sources ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outlet:
    """A publication, keyed by its registrable domain (``spacenews.com``)."""

    domain: str
    name: str
    owner: str | None = None  # owner group; outlets of one owner count as one source
    country: str | None = None
    kind: str = "unknown"  # wire | newspaper | broadcaster | trade | government | blog | unknown
    feeds: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one HTTP fetch gave: either a body or a reason it failed.

    ``reason`` is a short machine-readable code (``timeout``, ``dns``, ``http_404``,
    ``too_large``, ``not_modified``, ``robots``, ``private_host``, ...) and is the text that
    goes to the fetch log; ``detail`` is the human sentence.
    """

    url: str
    ok: bool
    final_url: str | None = None
    status: int | None = None
    reason: str = "ok"
    detail: str = ""
    body: bytes = b""
    content_type: str | None = None
    encoding: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    elapsed: float = 0.0


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry of an RSS/Atom feed, before its page has been fetched."""

    url: str
    title: str = ""
    summary: str = ""
    published: datetime | None = None
    author: str | None = None
    source_title: str | None = None  # RSS <source>: the item is a reprint of that outlet
    guid: str | None = None


@dataclass(frozen=True, slots=True)
class Extracted:
    """What extraction got out of one HTML page."""

    title: str = ""
    text: str = ""
    author: str | None = None
    published: datetime | None = None
    language: str | None = None
    canonical_url: str | None = None
    site_name: str | None = None


# --- articles --------------------------------------------------------------------------


def normalise_text(text: str) -> str:
    """Fold case, accents, punctuation and white space so trivially different copies match."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


# Characters neither XML 1.0 (Atom feeds) nor PostgreSQL text can carry, or that are not
# text at all: NUL and the other C0 controls but tab, newline and carriage return, DEL,
# the non-characters U+FFFE/U+FFFF, and lone surrogates (a JSON "\ud800" decodes to one;
# no UTF-8 encoder accepts it).
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` without the characters XML and PostgreSQL refuse (see ``_UNSAFE_CHARS``)."""
    return _UNSAFE_CHARS.sub("", text)


def text_hash(text: str) -> str:
    """SHA-1 of the normalised text: the identity of an article's content."""
    return hashlib.sha1(normalise_text(text).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Article:
    """One news article, however it arrived (feed + page, single page, or a JSONL dump).

    ``url`` is canonical (see ``quorum.urls.canonical_url``). ``outlet`` is the outlet's
    domain. ``via`` says how the text was obtained: ``page`` (extracted from the article
    page), ``feed-summary`` (the page could not be had; the feed's summary stands in),
    or ``dump`` (a JSONL record).
    """

    url: str
    title: str
    text: str
    outlet: str
    published: datetime | None = None
    author: str | None = None
    language: str | None = None
    via: str = "page"
    source_id: str | None = None  # the id in a dump, or the feed's guid
    feed_url: str | None = None
    reprint_of: str | None = None  # outlet named by RSS <source> or a credit line
    extra: dict[str, Any] = field(default_factory=dict)
    id: int | None = None  # database id, once stored

    @property
    def content_hash(self) -> str:
        """Identity of the text: one outlet publishing the same text twice is one article."""
        return text_hash(self.text)


@dataclass(frozen=True, slots=True)
class BeatScore:
    """Whether an article is on the space & defense beat, with the terms that decided it."""

    in_beat: bool
    score: float
    evidence: tuple[tuple[str, float], ...] = ()  # (matched term, weight)


# --- evidence ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """A character span of one article's text: the trace of every sentence we show."""

    article_id: int | str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """One reason behind a score: a rule or factor, its weight, and the sentence it fired on."""

    factor: str
    weight: float
    rule: str = ""
    span: Span | None = None


# --- stories ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Origin:
    """One text and its copies (syndication, wire reprints); the first article is the text.

    ``why`` lists the signals that merged the copies (``near-duplicate 0.92``,
    ``credit line: Reuters``, ``rss <source>``) and that the origin shares its source with
    another (``same owner: NBCUniversal``). ``source`` is the owner group it counts for:
    origins with one source are one independent source.
    """

    key: str
    article_ids: tuple[int | str, ...]
    outlets: tuple[str, ...]
    why: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True, slots=True)
class Story:
    """A real-world development, as told by the articles grouped into it."""

    id: str
    title: str
    article_ids: tuple[int | str, ...]
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    outlets: tuple[str, ...] = ()
    origins: tuple[Origin, ...] = ()
    independent_sources: int = 0


@dataclass(frozen=True, slots=True)
class Entity:
    """A canonical entity with its type (PER, ORG, LOC, MISC or a beat type) and aliases."""

    name: str
    type: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Mention:
    entity: Entity
    span: Span
    source: str = "gazetteer"  # gazetteer | model


@dataclass(frozen=True, slots=True)
class Quantity:
    """A normalised value: ``$1.2 billion`` -> value 1.2e9, unit USD; ranges keep low/high."""

    value: float
    unit: str = ""
    low: float | None = None
    high: float | None = None
    approximate: bool = False
    text: str = ""


@dataclass(frozen=True, slots=True)
class Claim:
    """A checkable statement from one article, with what it is about and its value."""

    kind: str  # quantity | date | actor | quote
    span: Span
    subject: str = ""  # what the value is of: "satellites", "contract", "launch"
    quantity: Quantity | None = None
    date: str | None = None  # ISO date for date claims
    speaker: str | None = None  # for quotes
    hedged: bool = False  # "reportedly", "sources say", unattributed
    outlet: str = ""


@dataclass(frozen=True, slots=True)
class Conflict:
    """Independent sources that disagree on one value."""

    kind: str  # contradiction | approximation | update
    subject: str
    sides: tuple[tuple[Claim, tuple[str, ...]], ...]  # (claim, origin keys stating it)
    note: str = ""


@dataclass(frozen=True, slots=True)
class Score:
    """A score with all its evidence, so a page can say why."""

    name: str  # sentiment | impact | confidence
    value: float
    label: str = ""
    evidence: tuple[Evidence, ...] = ()
