"""Copies and origins: which articles of a story are one source told several times.

Articles are grouped into one ``Origin`` when any of these holds (union-find, so the
groups are transitive), each recorded in ``Origin.why``:

1. near-duplicate text: word 5-shingle containment >= ``containment`` (candidates from
   MinHash LSH, then checked exactly); containment rather than Jaccard because syndicated
   copies are often trimmed or carry an extra paragraph;
2. a wire credit line ("WASHINGTON (AP) —", "Reuters contributed to this report",
   "Copyright 2024 The Associated Press"; patterns in ``data/credit_lines.toml``): the
   article joins the wire's origin, with the wire's own articles and its other reprints;
3. ``Article.reprint_of`` (RSS ``<source>`` or a credit found at ingest): the same;
4. the same owner group (``owner_of(domain)``, from the outlet registry).

The independent sources of a story are its origins.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from datasketch import MinHash, MinHashLSH

from quorum.records import Article, Origin, Story, normalise_text

OwnerOf = Callable[[str], str | None]

SHINGLE_WORDS = 5  # long enough that two independent reports rarely share one by chance
# Share of the shorter copy's shingles found in the longer one. Rewrites of one wire story
# by different outlets stay below ~0.5; a copy with a changed headline, a trimmed ending or
# an added "Related:" paragraph stays above ~0.85.
DEFAULT_CONTAINMENT = 0.8
_NUM_PERM = 128  # MinHash permutations: Jaccard estimates within ~0.05
_EDGE_CHARS = 400  # credit lines sit in the dateline or the sign-off, not in the middle


@dataclass(frozen=True, slots=True)
class Wire:
    name: str
    domain: str
    aliases: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]


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
            generic = (
                rf"\((?:{alias})\)\s*[-—–]",  # dateline: WASHINGTON (AP) —
                rf"\b(?:{alias})\s+contributed\s+to\s+this\s+report",
                rf"(?:Copyright|©)\s*(?:\(c\)\s*)?\d{{4}}\s+(?:{alias})\b",
            )
            patterns = tuple(re.compile(p) for p in (*generic, *row.get("patterns", ())))
            wires.append(Wire(row["name"], row["domain"].lower(), aliases, patterns))
        return cls(tuple(wires))

    def credited_wire(self, text: str) -> Wire | None:
        """The wire credited in the dateline or sign-off of ``text``, if any."""
        edges = text[:_EDGE_CHARS] + "\n" + text[-_EDGE_CHARS:]
        for wire in self.wires:
            if any(p.search(edges) for p in wire.patterns):
                return wire
        return None

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
        reasons = self.why.setdefault(a, [])
        if reason not in reasons:
            reasons.append(reason)


def _shingles(text: str) -> set[str]:
    words = normalise_text(text).split()
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def _near_duplicates(
    articles: Sequence[tuple[str, Article]], groups: _Groups, containment: float
) -> None:
    shingles = [_shingles(a.title + "\n" + a.text) for _, a in articles]
    # LSH on Jaccard with a low threshold only proposes pairs; containment decides.
    lsh = MinHashLSH(threshold=0.3, num_perm=_NUM_PERM)
    for i, sh in enumerate(shingles):
        if not sh:
            continue
        mh = MinHash(num_perm=_NUM_PERM, seed=1)
        mh.update_batch(s.encode("utf-8") for s in sh)
        for j in sorted(lsh.query(mh)):
            other = shingles[j]
            overlap = len(sh & other) / min(len(sh), len(other))
            if overlap >= containment:
                groups.join(j, i, f"near-duplicate {overlap:.2f}")
        lsh.insert(i, mh)


def find_origins(
    articles: Sequence[tuple[str, Article]],
    owner_of: OwnerOf | None = None,
    credits: CreditLines | None = None,
    containment: float = DEFAULT_CONTAINMENT,
) -> list[Origin]:
    """Group a story's ``(key, article)`` pairs (arrival order) into origins.

    ``owner_of(domain)`` names the owner group of an outlet (None or "" when unknown; the
    outlet then stands alone). Origins come back in order of their first article; an
    origin's key is its first article's key.
    """
    credits = credits or CreditLines.load()
    groups = _Groups(len(articles))
    # 1. Near-duplicate texts.
    _near_duplicates(articles, groups, containment)
    # 2.-4. Wire credits, RSS <source> and owner groups: join everything that shares one.
    first_with: dict[str, int] = {}

    def link(token: str, i: int, reason: str) -> None:
        anchor = first_with.setdefault(token, i)
        # A credit names a source even on a lone copy, so it is recorded either way.
        if anchor != i or reason.startswith(("credit line", "rss")):
            groups.join(anchor, i, reason)

    for i, (_, a) in enumerate(articles):
        outlet = (a.outlet or "").lower()
        if outlet:
            link(f"outlet:{outlet}", i, f"same outlet: {outlet}")
        wire = credits.credited_wire(a.text or "")
        if wire is not None:
            link(f"outlet:{wire.domain}", i, f"credit line: {wire.name}")
        if a.reprint_of:
            named = credits.wire_named(a.reprint_of)
            target = named.domain if named else a.reprint_of.strip().lower()
            link(f"outlet:{target}", i, f"rss <source>: {a.reprint_of.strip()}")
        owner = owner_of(outlet) if owner_of and outlet else None
        if owner and owner.lower() != outlet:
            link(f"owner:{owner.lower()}", i, f"same owner: {owner}")
    return _collect(articles, groups)


def _collect(articles: Sequence[tuple[str, Article]], groups: _Groups) -> list[Origin]:
    members: dict[int, list[int]] = {}
    for i in range(len(articles)):
        members.setdefault(groups.find(i), []).append(i)
    origins = []
    for root, idx in sorted(members.items(), key=lambda kv: kv[1][0]):
        outlets = tuple(dict.fromkeys(articles[i][1].outlet for i in idx if articles[i][1].outlet))
        why = tuple(
            r
            for r in groups.why.get(root, [])
            if len(idx) > 1 or r.startswith(("credit line", "rss"))
        )
        origins.append(
            Origin(
                key=articles[idx[0]][0],
                article_ids=tuple(articles[i][0] for i in idx),
                outlets=outlets,
                why=why,
            )
        )
    return origins


def build_story(
    story_id: str,
    articles: Sequence[tuple[str, Article]],
    owner_of: OwnerOf | None = None,
    credits: CreditLines | None = None,
    containment: float = DEFAULT_CONTAINMENT,
) -> Story:
    """A ``Story`` record of ``(key, article)`` pairs in arrival order, with its origins.

    The title is the founding (first) article's; first/last seen span the known dates.
    """
    if not articles:
        raise ValueError(f"story {story_id} has no articles")
    origins = find_origins(articles, owner_of, credits, containment)
    dates: list[datetime] = [a.published for _, a in articles if a.published is not None]
    return Story(
        id=story_id,
        title=articles[0][1].title,
        article_ids=tuple(k for k, _ in articles),
        first_seen=min(dates, key=_sort_key) if dates else None,
        last_seen=max(dates, key=_sort_key) if dates else None,
        outlets=tuple(dict.fromkeys(a.outlet for _, a in articles if a.outlet)),
        origins=tuple(origins),
        independent_sources=len(origins),
    )


def _sort_key(d: datetime) -> float:
    """Comparable across naive and aware datetimes (naive taken as UTC)."""
    return (d if d.tzinfo else d.replace(tzinfo=UTC)).timestamp()
