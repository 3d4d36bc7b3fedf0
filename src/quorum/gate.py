"""The editorial gate: what of a story may be published, and how it must be labelled.

Quorum publishes what at least ``min_sources`` independent sources agree on:

* a story told by that many independent origins is ``verified``; its key facts are the
  claim groups stated, unhedged, by that many origins and not contradicted;
* a story with fewer is ``held`` (default ``single_source_policy = "hold"``: the home page
  shows only verified stories, so one outlet's scoop cannot reach it unchecked) or, with
  ``"label"``, shown as ``single_source`` under "Single source — unverified";
* hedged claims ("reportedly", anonymous sources, quotes nobody is named for) are never key
  facts; they are listed, ranked, with the label "reported, unverified" or "attributed to
  <who>", and a page shows the first ``hedged_shown`` of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from quorum.enrich.align import AlignedClaims, ClaimGroup
from quorum.enrich.claims import attribution, hedge_cue, is_anonymous
from quorum.records import Claim, Conflict, Story, normalise_text
from quorum.settings import Config

POLICIES = ("hold", "label")
SINGLE_SOURCE_LABEL = "Single source — unverified"
HELD_LABEL = "Held — fewer than {n} independent sources"
VERIFIED_LABEL = "Verified by {n} independent sources"


class GateError(ValueError):
    """A gate setting that cannot be used (unknown policy, min_sources below 1)."""


@dataclass(frozen=True, slots=True)
class HedgedClaim:
    """A claim that may be shown only with its label."""

    claim: Claim
    label: str  # "reported, unverified" | "attributed to NASA"
    cue: str  # the hedge cue found ("reportedly", "unattributed quote")
    origins: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GateDecision:
    """What the gate decided for one story, and why."""

    status: str  # verified | single_source | held
    label: str
    independent_sources: int
    key_facts: tuple[ClaimGroup, ...] = ()
    hedged: tuple[HedgedClaim, ...] = ()  # most worth a reader's caution first
    disputed: tuple[Conflict, ...] = ()
    reasons: tuple[str, ...] = ()
    hedged_shown: int = 8  # how many of ``hedged`` a page lists (setting ``hedged_shown``)

    @property
    def publishable(self) -> bool:
        return self.status != "held"


def _label_for(claim: Claim) -> HedgedClaim:
    cue = hedge_cue(claim.span.text) or ""
    if claim.kind == "quote":
        who = claim.speaker
        if who is not None and claim.hedged:  # "a delegate who asked not to be named"
            return HedgedClaim(claim, "reported, unverified", cue or f"anonymous: {who}", ())
        cue = cue or ("unattributed quote" if who is None else f"quote from {who}")
    else:
        who = attribution(claim.span.text)
    if who and not is_anonymous(who):
        label = f"attributed to {who}"
    else:
        label = "reported, unverified"
    return HedgedClaim(claim, label, cue, ())


# Checkable values first: a hedged number or date is what a reader most needs to doubt.
_KIND_ORDER = {"quantity": 0, "date": 1, "actor": 2, "quote": 3}


def _hedged_rank(item: HedgedClaim) -> tuple:
    """Order of "reported, not verified": claims more origins repeat, then values and dates
    before actors and quotes, then a real hedge ("reportedly") before a quote nobody is
    named for, then earlier in the article (news puts what matters first)."""
    claim = item.claim
    return (
        -len(item.origins),
        _KIND_ORDER.get(claim.kind, 4),
        item.cue == "unattributed quote",
        claim.span.start,
        str(claim.span.article_id),
    )


def _count_sources(group: ClaimGroup, source_of: Mapping[str, str]) -> int:
    """Independent sources stating the fact; one sentence printed word for word by several
    origins is one wire text (real news: the same AP sentence in two outlets), so a fact
    counts at most as many sources as it has different sentences."""
    origins = {source_of.get(o, o) for o in group.unhedged_origins}
    texts = {normalise_text(m.claim.span.text) for m in group.members if not m.claim.hedged}
    return min(len(origins), len(texts))


def _contradicted(conflicts: tuple[Conflict, ...]) -> set[str]:
    """Subject keys ("satellite", "launch") that independent sources contradict each other on."""
    return {c.subject for c in conflicts if c.kind == "contradiction"}


def _disputed_sentences(groups: tuple[ClaimGroup, ...], subjects: set[str]) -> set[tuple]:
    """(article, start) of every sentence stating a value on a contradicted subject."""
    out = set()
    for group in groups:
        if group.kind in ("quantity", "date") and group.subject in subjects:
            out.update((m.claim.span.article_id, m.claim.span.start) for m in group.members)
    return out


def _undisputed(group: ClaimGroup, subjects: set[str], sentences: set[tuple]) -> ClaimGroup | None:
    """The group without members that would show a disputed value; None if nothing is left.

    A value on a contradicted subject is never a key fact; an actor claim or quote whose
    sentence carries such a value keeps only its members from other sentences.
    """
    if group.kind in ("quantity", "date") and group.subject in subjects:
        return None
    if group.kind == "quote" and f"quote: {group.subject[:60]}" in subjects:
        return None
    members = tuple(
        m for m in group.members if (m.claim.span.article_id, m.claim.span.start) not in sentences
    )
    return replace(group, members=members) if members else None


def gate_story(
    story: Story,
    claims: AlignedClaims,
    config: Config | None = None,
    source_of: Mapping[str, str] | None = None,
) -> GateDecision:
    """Decide how ``story`` may be published given its aligned claims.

    ``source_of`` maps an origin key to its independent source when several origins share
    an owner (default: every origin is its own source).
    """
    config = config or Config()
    policy = str(config.single_source_policy)
    min_sources = int(config.min_sources)
    if policy not in POLICIES:
        raise GateError(f"single_source_policy must be one of {POLICIES}, got {policy!r}")
    if min_sources < 1:
        raise GateError(f"min_sources must be at least 1, got {min_sources}")
    source_of = source_of or {}
    n = story.independent_sources or len({source_of.get(o.key, o.key) for o in story.origins})
    reasons: list[str] = [f"{n} independent source(s); {min_sources} needed"]

    subjects = _contradicted(claims.conflicts)
    sentences = _disputed_sentences(claims.groups, subjects)
    key_facts, hedged = [], []
    for group in claims.groups:
        clean = _undisputed(group, subjects, sentences)
        if clean is not None and _count_sources(clean, source_of) >= min_sources:
            key_facts.append(clean)
        elif group.hedged:
            item = _label_for(next(m.claim for m in group.members if m.claim.hedged))
            hedged.append(HedgedClaim(item.claim, item.label, item.cue, group.origins))
    disputes = tuple(c for c in claims.conflicts if c.kind == "contradiction")
    if disputes:
        reasons.append(f"{len(disputes)} contradiction(s) between sources: not key facts")

    if n >= min_sources:
        status, label = "verified", VERIFIED_LABEL.format(n=n)
        if not key_facts:
            reasons.append("no claim is stated unhedged by enough independent sources")
    elif n == 0:
        status, label = "held", HELD_LABEL.format(n=min_sources)
        reasons.append("no source at all")
    elif policy == "hold":
        status, label = "held", HELD_LABEL.format(n=min_sources)
        reasons.append("single_source_policy = hold")
    else:
        status, label = "single_source", SINGLE_SOURCE_LABEL
        reasons.append("single_source_policy = label")
    if status != "verified":
        key_facts = []  # a fact one source states is never a key fact
    hedged.sort(key=_hedged_rank)
    return GateDecision(
        status,
        label,
        n,
        tuple(key_facts),
        tuple(hedged),
        disputes,
        tuple(reasons),
        int(config.hedged_shown),
    )
