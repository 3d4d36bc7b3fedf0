"""Copies and origins: which articles of a story tell one text, and which sources they count for.

An origin is one text and its copies. An article is a copy only when its text is
substantially another's, each recorded in ``Origin.why``:

1. near-duplicate text: word 5-shingle containment >= ``containment`` (candidates from
   MinHash LSH, then checked exactly); containment rather than Jaccard because syndicated
   copies are often trimmed or carry an extra paragraph;
2. a wire text carried under the wire's dateline, byline or sign-off ("WASHINGTON (AP) —",
   "By Reuters", "Copyright 2024 The Associated Press"; patterns in
   ``data/credit_lines.toml``) or named by ``Article.reprint_of`` (RSS ``<source>``): the
   article joins the text of that outlet in the story it overlaps most (if they share
   phrases at all), or stands for the wire's dispatch when that is not in the story.

A contribution credit ("The Associated Press contributed to this report") does not make an
outlet's own reporting a copy, and origins never join through outlets: two reports of one
outlet are two texts. Each origin counts for one source (``Origin.source``: the owner
group of its wire, or of its earliest article's outlet), and a story's independent sources
are the distinct sources of its origins, so Fox News and Fox Business count once.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from datasketch import MinHash, MinHashLSH

from quorum.records import Article, Origin, Story, normalise_text

OwnerOf = Callable[[str], str | None]
DomainNamed = Callable[[str], str | None]

SHINGLE_WORDS = 5  # long enough that two independent reports rarely share one by chance
# Share of the shorter copy's shingles found in the longer one. Rewrites of one wire story
# by different outlets stay below ~0.5; a copy with a changed headline, a trimmed ending or
# an added "Related:" paragraph stays above ~0.85.
DEFAULT_CONTAINMENT = 0.8
_NUM_PERM = 128  # MinHash permutations: Jaccard estimates within ~0.05
_EDGE_CHARS = 400  # sign-offs and contribution credits sit in the last few hundred characters
# A dateline opens the story text, but real pages put photo captions and highlight bullets
# above it: in the AllSides dev set AP and Reuters datelines start up to ~1,400 characters in.
_DATELINE_CHARS = 1500
# A text carried under a wire's dateline joins the wire's own article only if they share
# this share of 5-word phrases: a trimmed rewrite of the same dispatch keeps ~0.1 (the
# Japan Times' Reuters H3 copy: 0.11), another dispatch of the wire shares ~0 (an AP
# September election report in the Washington Times vs AP's March one: 0.004).
_CARRIED_OVERLAP = 0.05


@dataclass(frozen=True, slots=True)
class Wire:
    """A wire service: ``carried`` patterns mark its text carried whole (dateline,
    sign-off, copyright); ``credits`` mark a contribution to another outlet's report."""

    name: str
    domain: str
    aliases: tuple[str, ...]
    dateline: re.Pattern[str]
    carried: tuple[re.Pattern[str], ...]
    credits: tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class Credit:
    """A wire named in an article's text: ``carried`` when the text is the wire's own."""

    wire: Wire
    carried: bool

    @property
    def reason(self) -> str:
        if self.carried:
            return f"credit line: {self.wire.name}"
        return f"contribution credit: {self.wire.name} (own reporting, not a copy)"


@dataclass(frozen=True, slots=True)
class CreditLines:
    """The wire services and their credit-line patterns (``data/credit_lines.toml``)."""

    wires: tuple[Wire, ...]

    @classmethod
    def load(cls, text: str | None = None) -> CreditLines:
        """Read the packaged table, or ``text`` in the same TOML format."""
        if text is None:
            ref = resources.files("quorum") / "data" / "credit_lines.toml"
            text = ref.read_text(encoding="utf-8")
        wires = []
        for row in tomllib.loads(text).get("wire", []):
            aliases = tuple(row.get("aliases", ())) or (row["name"],)
            alias = "|".join(re.escape(a) for a in sorted(aliases, key=len, reverse=True))
            # Dateline: a line that opens with a place ("WASHINGTON", "CAPE CANAVERAL, Fla.",
            # "LONDON, Oct 5"), then the wire and a dash on the same line. Not a quotation
            # ("“VIENNA (AP) --" quoted inside another report) nor a list bullet ending in
            # "(The Associated Press)" with "--" on the next line.
            dateline = re.compile(
                rf"(?m)^[A-Z][A-Za-z0-9 .,'’/-]{{0,80}}?\((?:{alias})\)[ \t]*(?:—|–|--?)"
            )
            carried = (rf"(?:Copyright|©)\s*(?:\(c\)\s*)?\d{{4}}\s+(?:{alias})\b",)
            credits = (
                rf"\b(?:{alias})\s+contributed\s+(?:to\s+)?(?:this\s+)?report",
                rf"\b(?:[Ii]nformation|[Mm]aterial)\s+from\s+(?:{alias})\b",
                rf"\bContributing:[^\n]{{0,200}}?\b(?:{alias})\b",  # USA Today's sign-off
            )
            wires.append(
                Wire(
                    row["name"],
                    row["domain"].lower(),
                    aliases,
                    dateline,
                    tuple(re.compile(p) for p in (*carried, *row.get("patterns", ()))),
                    tuple(re.compile(p) for p in (*credits, *row.get("credit_patterns", ()))),
                )
            )
        return cls(tuple(wires))

    def credit(self, text: str, author: str | None = None) -> Credit | None:
        """The wire named in the dateline, byline or sign-off of ``text``, if any.

        A dateline, a byline naming the wire or the wire's sign-off means the text is the
        wire's (``carried``); a contribution credit alone means it is not.
        """
        head = text[:_DATELINE_CHARS]
        edges = text[:_EDGE_CHARS] + "\n" + text[-_EDGE_CHARS:]
        byline = (author or "").strip().lower().removeprefix("by ").strip()
        contributed = None
        for wire in self.wires:
            if byline and byline in (a.lower() for a in (*wire.aliases, wire.name)):
                return Credit(wire, True)
            if wire.dateline.search(head) or any(p.search(edges) for p in wire.carried):
                return Credit(wire, True)
            if contributed is None and any(p.search(edges) for p in wire.credits):
                contributed = Credit(wire, False)
        return contributed

    def credited_wire(self, text: str) -> Wire | None:
        """The wire credited in the dateline or sign-off of ``text`` (carried or not)."""
        found = self.credit(text)
        return found.wire if found else None

    def wire_named(self, name: str) -> Wire | None:
        """The wire whose name, alias or domain is ``name`` (an RSS <source> title)."""
        folded = name.strip().lower()
        for wire in self.wires:
            if folded == wire.domain or folded in (a.lower() for a in (*wire.aliases, wire.name)):
                return wire
        return None


class _Groups:
    """Union-find over article positions, remembering why groups were joined."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.why: dict[int, list[str]] = {}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int, reason: str) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            a, b = min(a, b), max(a, b)  # the earlier article's group absorbs
            self.parent[b] = a
            self.why.setdefault(a, []).extend(self.why.pop(b, []))
        self.note(a, reason)

    def note(self, i: int, reason: str) -> None:
        reasons = self.why.setdefault(self.find(i), [])
        if reason not in reasons:
            reasons.append(reason)


def _shingles(text: str) -> set[str]:
    words = normalise_text(text).split()
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def _containment(a: set[str], b: set[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


@functools.cache
def _lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """The (bands, rows) MinHashLSH picks for these settings: it integrates for them on
    every construction (~50 ms, a fifth of a build's story assembly), the answer never
    changes, so it is worked out once per process."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def _near_duplicates(shingles: Sequence[set[str]], groups: _Groups, containment: float) -> None:
    # LSH on Jaccard with a low threshold only proposes pairs; containment decides.
    lsh = MinHashLSH(threshold=0.3, num_perm=_NUM_PERM, params=_lsh_bands(0.3, _NUM_PERM))
    for i, sh in enumerate(shingles):
        if not sh:
            continue
        mh = MinHash(num_perm=_NUM_PERM, seed=1)
        mh.update_batch(s.encode("utf-8") for s in sh)
        for j in sorted(lsh.query(mh)):
            overlap = _containment(sh, shingles[j])
            if overlap >= containment:
                groups.join(j, i, f"near-duplicate {overlap:.2f}")
        lsh.insert(i, mh)


def _carried_from(
    article: Article, credits: CreditLines, domain_named: DomainNamed | None
) -> tuple[str, str] | None:
    """(outlet domain, reason) when ``article`` carries another outlet's text whole."""
    if article.reprint_of and article.reprint_of.strip():
        name = article.reprint_of.strip()
        wire = credits.wire_named(name)
        domain = wire.domain if wire else (domain_named(name) if domain_named else None)
        domain = (domain or name).lower()
        if domain != (article.outlet or "").lower():
            return domain, f"rss <source>: {name}"
    found = credits.credit(article.text or "", article.author)
    if found is not None and found.carried and found.wire.domain != (article.outlet or "").lower():
        return found.wire.domain, found.reason
    return None


def find_origins(
    articles: Sequence[tuple[str, Article]],
    owner_of: OwnerOf | None = None,
    credits: CreditLines | None = None,
    containment: float = DEFAULT_CONTAINMENT,
    domain_named: DomainNamed | None = None,
) -> list[Origin]:
    """Group a story's ``(key, article)`` pairs (arrival order) into origins, one per text.

    ``owner_of(domain)`` names the owner group of an outlet (None or "" when unknown; the
    outlet then stands alone); ``domain_named(name)`` finds the domain of an outlet named
    by an RSS ``<source>``. Origins come back in order of their first article; an origin's
    key is its first article's key, its ``source`` the owner group it counts for.
    """
    credits = credits or CreditLines.load()
    groups = _Groups(len(articles))
    shingles = [_shingles(a.title + "\n" + a.text) for _, a in articles]
    # 1. Near-duplicate texts.
    _near_duplicates(shingles, groups, containment)
    # 2. Texts carried under another outlet's dateline, byline or <source>.
    carried: dict[int, str] = {}
    for i, (_, a) in enumerate(articles):
        found = _carried_from(a, credits, domain_named)
        if found is None:
            credit = credits.credit(a.text or "", a.author)
            if credit is not None and not credit.carried:  # a contribution: noted, not joined
                groups.note(i, credit.reason)
            continue
        domain, reason = found
        carried[i] = domain
        own = [j for j, (_, b) in enumerate(articles) if (b.outlet or "").lower() == domain]
        # The wire's own text in the story that this one overlaps most (earliest on ties);
        # none sharing enough: the wire's dispatch is not in the story, this stands for it.
        best = max(own, key=lambda j: (_containment(shingles[i], shingles[j]), -j), default=None)
        # An RSS <source> says outright that the item is that outlet's: no overlap needed.
        named = reason.startswith("rss")
        if best is not None and (
            named or _containment(shingles[i], shingles[best]) >= _CARRIED_OVERLAP
        ):
            groups.join(best, i, reason)
        else:
            groups.note(i, reason)
    return _collect(articles, groups, carried, owner_of)


def _owner(domain: str, owner_of: OwnerOf | None) -> str:
    return ((owner_of(domain) if owner_of and domain else None) or domain).strip()


def _collect(
    articles: Sequence[tuple[str, Article]],
    groups: _Groups,
    carried: dict[int, str],
    owner_of: OwnerOf | None,
) -> list[Origin]:
    members: dict[int, list[int]] = {}
    for i in range(len(articles)):
        members.setdefault(groups.find(i), []).append(i)
    ordered = sorted(members.items(), key=lambda kv: kv[1][0])
    sources: list[str] = []
    for _root, idx in ordered:
        outlets = [(articles[i][1].outlet or "").lower() for i in idx]
        # A carried text counts for the outlet it came from, unless that outlet's own
        # article is in the origin (then the earliest article already is the source).
        wire = next((carried[i] for i in idx if i in carried and carried[i] not in outlets), None)
        sources.append(_owner(wire or outlets[0], owner_of))
    sharing: dict[str, list[int]] = {}
    for n, source in enumerate(sources):
        sharing.setdefault(source.lower(), []).append(n)
    origins = []
    for n, (root, idx) in enumerate(ordered):
        outlets = tuple(dict.fromkeys(articles[i][1].outlet for i in idx if articles[i][1].outlet))
        why = list(groups.why.get(root, []))
        peers = sharing[sources[n].lower()]
        if len(peers) > 1:
            domains = {(articles[i][1].outlet or "").lower() for m in peers for i in ordered[m][1]}
            one = next(iter(domains)) if len(domains) == 1 else None
            why.append(f"same outlet: {one}" if one else f"same owner: {sources[n]}")
        origins.append(
            Origin(
                key=articles[idx[0]][0],
                article_ids=tuple(articles[i][0] for i in idx),
                outlets=outlets,
                why=tuple(why),
                source=sources[n],
            )
        )
    return origins


def count_sources(origins: Sequence[Origin]) -> int:
    """Independent sources: the distinct owner groups the origins count for."""
    return len({(o.source or o.key).lower() for o in origins})


def build_story(
    story_id: str,
    articles: Sequence[tuple[str, Article]],
    owner_of: OwnerOf | None = None,
    credits: CreditLines | None = None,
    containment: float = DEFAULT_CONTAINMENT,
    domain_named: DomainNamed | None = None,
) -> Story:
    """A ``Story`` record of ``(key, article)`` pairs in arrival order, with its origins.

    The title is the founding (first) article's; first/last seen span the known dates.
    """
    if not articles:
        raise ValueError(f"story {story_id} has no articles")
    origins = find_origins(articles, owner_of, credits, containment, domain_named)
    dates: list[datetime] = [a.published for _, a in articles if a.published is not None]
    return Story(
        id=story_id,
        title=articles[0][1].title,
        article_ids=tuple(k for k, _ in articles),
        first_seen=min(dates, key=_sort_key) if dates else None,
        last_seen=max(dates, key=_sort_key) if dates else None,
        outlets=tuple(dict.fromkeys(a.outlet for _, a in articles if a.outlet)),
        origins=tuple(origins),
        independent_sources=count_sources(origins),
    )


def _sort_key(d: datetime) -> float:
    """Comparable across naive and aware datetimes (naive taken as UTC)."""
    return (d if d.tzinfo else d.replace(tzinfo=UTC)).timestamp()
