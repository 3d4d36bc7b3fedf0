"""Cross-source alignment: which claims state the same fact, and where sources disagree.

Claims from a story's articles are grouped when they state one fact (same kind, same
subject, same unit, same value; or a near-identical sentence). Each group records the
independent sources (origin keys) stating it, which is what the gate counts.

Disagreements between *different* origins on one subject become Conflicts:

1. ``update``: the later side was published after every article of the earlier side and
   says it revises ("raised to", "postponed", "UPDATED:");
2. ``approximation``: the values can both be true given rounding, "about" or a range
   ($2.4 billion vs about $2.5 billion);
3. ``contradiction``: anything else (12 vs 14 satellites, Nov. 3 vs Nov. 4, one quote
   given to two speakers).

Conservative by design, since a false conflict is worse than a missed one: values without a
named subject, hedged claims, and origins that themselves state two values for a subject
never take part in a conflict; copies inside one origin never conflict with each other; two
values conflict only when their sentences share context words and their counted nouns the
same qualifiers ("11 Yemeni pirates" is part of "23 pirates", not a rival figure).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from rapidfuzz import fuzz

from quorum.enrich.claims import (
    ClaimVocab,
    extract_claims,
    is_update_article,
    load_vocab,
    revision_cue,
)
from quorum.enrich.quantities import STOPWORDS, noun_phrase, singular, value_interval
from quorum.records import Article, Claim, Conflict, Quantity, normalise_text

# A quotation reproduced by two outlets differs at most by punctuation, an elided word or
# a typo; 90 on rapidfuzz's 0-100 ratio of normalised text allows that and little more.
QUOTE_MATCH = 90
# Two sentences this similar (token-set ratio) state the same thing in near-identical
# words: typical of a lightly edited wire copy, not of two independent write-ups.
SENTENCE_MATCH = 92
# Actor claims ("SpaceX launch") are grouped only when their sentences also share most
# words, so "Pentagon said X" and "Pentagon said Y" stay apart.
ACTOR_SENTENCE_MATCH = 70
# Two values of one subject conflict only when their sentences tell the same thing: at
# least CONTEXT_MIN_SHARED content words in common (the subject is one of them), and at
# least CONTEXT_OVERLAP of the shorter sentence's content words. On the ECB+ dev clusters,
# same-noun pairs from different contexts ("one victim died" / "two other victims were
# treated") were the main false conflicts. With these thresholds, the qualifier check in
# _same_thing and the subject rules of claims.py, the 16 dev clusters went from 82 flagged
# conflicts (mostly false) to 5, each a plausible disagreement or rounding between reports.
CONTEXT_MIN_SHARED = 3
CONTEXT_OVERLAP = 0.5
# Agreeing on a value needs less context than disagreeing (a shared value is itself evidence),
# but small numbers recur by chance: the subject plus one more shared content word.
AGREE_MIN_SHARED = 2


@dataclass(frozen=True, slots=True)
class SourcedArticle:
    """An article with the independent source (origin) it belongs to."""

    article: Article
    origin_key: str
    outlet: str = ""


@dataclass(frozen=True, slots=True)
class SourcedClaim:
    """A claim with the origin stating it and when its article was published."""

    claim: Claim
    origin_key: str
    published: datetime | None = None
    update_article: bool = False


@dataclass(frozen=True, slots=True)
class ClaimGroup:
    """Claims from one or more articles that state the same fact."""

    kind: str
    subject: str
    value: str  # the shared value as text: "22 count", "2026-11-03", a speaker
    members: tuple[SourcedClaim, ...]

    @property
    def origins(self) -> tuple[str, ...]:
        return tuple(sorted({m.origin_key for m in self.members}))

    @property
    def unhedged_origins(self) -> tuple[str, ...]:
        """Origins stating the fact without a hedge: only these can verify it."""
        return tuple(sorted({m.origin_key for m in self.members if not m.claim.hedged}))

    @property
    def hedged(self) -> bool:
        return any(m.claim.hedged for m in self.members)

    @property
    def claim(self) -> Claim:
        """The claim to show: the first unhedged one, else the first."""
        for m in self.members:
            if not m.claim.hedged:
                return m.claim
        return self.members[0].claim


@dataclass(frozen=True, slots=True)
class AlignedClaims:
    """A story's claim groups and the conflicts between its independent sources."""

    groups: tuple[ClaimGroup, ...]
    conflicts: tuple[Conflict, ...]


# --- grouping -------------------------------------------------------------------------


def _value_key(claim: Claim) -> str:
    if claim.kind == "quantity" and claim.quantity is not None:
        q = claim.quantity
        parts = [f"{q.value:.6g}"]
        if q.low is not None or q.high is not None:
            parts.append(
                f"[{q.low if q.low is None else f'{q.low:.6g}'},"
                f"{q.high if q.high is None else f'{q.high:.6g}'}]"
            )
        return " ".join(parts) + f" {q.unit}"
    if claim.kind == "date":
        return claim.date or ""
    if claim.kind == "quote":
        return claim.speaker or ""
    return ""


def _subject_key(claim: Claim) -> str:
    unit = claim.quantity.unit if claim.quantity is not None else ""
    return f"{claim.kind}|{claim.subject.lower()}|{unit}"


def _same_speaker(a: str | None, b: str | None, vocab: ClaimVocab) -> bool | None:
    """True/False when both speakers are names that can be compared, else None."""
    if not a or not b:
        return None
    if a.lower() == b.lower():
        return True
    names = []
    for speaker in (a, b):
        if re.search(r"\b[a-z]", re.sub(r"\b(?:of|the|and|de)\b", "", speaker)):
            return None  # "a Pentagon spokesperson": a description, maybe the same person
        tokens = {t.lower().strip(".,") for t in speaker.split()} - vocab.titles
        if not tokens:
            return None
        names.append(tokens)
    return bool(names[0] & names[1])


def _fits(group: list[SourcedClaim], item: SourcedClaim, vocab: ClaimVocab) -> bool:
    first = group[0].claim
    claim = item.claim
    if claim.kind == "quote":
        return (
            fuzz.ratio(first.subject, claim.subject) >= QUOTE_MATCH
            and _same_speaker(first.speaker, claim.speaker, vocab) is not False
            and (first.speaker is None) == (claim.speaker is None)
        )
    if claim.kind == "actor":
        # token_sort, not token_set: "Police said Kirkpatrick was let go" is a subset of a
        # longer sentence saying something else, and token_set would call them equal.
        return (
            fuzz.token_sort_ratio(normalise_text(first.span.text), normalise_text(claim.span.text))
            >= ACTOR_SENTENCE_MATCH
        )
    if _value_key(first) != _value_key(claim):
        return False
    if claim.subject:
        # Same subject and value, and the sentences share a word beyond the subject:
        # "two games" in a playoff recap and in a losing streak are not one fact.
        words = _content_words(claim.span.text)
        return any(
            len(words & _content_words(m.claim.span.text)) >= AGREE_MIN_SHARED for m in group
        )
    # A value nobody names ("rose 5%") is the same fact only in a near-identical sentence.
    return (
        fuzz.token_set_ratio(normalise_text(first.span.text), normalise_text(claim.span.text))
        >= SENTENCE_MATCH
    )


def _bucket(claim: Claim) -> str:
    if claim.kind == "quote":
        return "quote"
    return _subject_key(claim)


def group_claims(
    claims: Sequence[SourcedClaim], vocab: ClaimVocab | None = None
) -> list[ClaimGroup]:
    """Group sourced claims stating the same fact (greedy, in the order given)."""
    vocab = vocab or load_vocab()
    buckets: dict[str, list[list[SourcedClaim]]] = defaultdict(list)
    for item in claims:
        groups = buckets[_bucket(item.claim)]
        for group in groups:
            if _fits(group, item, vocab):
                group.append(item)
                break
        else:
            groups.append([item])
    out = []
    for groups in buckets.values():
        for group in groups:
            first = group[0].claim
            out.append(ClaimGroup(first.kind, first.subject, _value_key(first), tuple(group)))
    return out


def sourced_claims(
    items: Sequence[SourcedArticle], vocab: ClaimVocab | None = None
) -> list[SourcedClaim]:
    """Extract every article's claims, tagged with its origin and publication time."""
    vocab = vocab or load_vocab()
    out: list[SourcedClaim] = []
    for item in items:
        article = item.article
        if not article.text:
            continue
        update = is_update_article(article, vocab)
        for claim in extract_claims(article, vocab=vocab):
            if item.outlet and not claim.outlet:
                claim = Claim(
                    claim.kind,
                    claim.span,
                    claim.subject,
                    claim.quantity,
                    claim.date,
                    claim.speaker,
                    claim.hedged,
                    item.outlet,
                )
            out.append(SourcedClaim(claim, item.origin_key, article.published, update))
    return out


def align_claims(items: Sequence[SourcedArticle], vocab: ClaimVocab | None = None) -> AlignedClaims:
    """Group the claims of a story's articles and find the conflicts between origins."""
    vocab = vocab or load_vocab()
    groups = group_claims(sourced_claims(items, vocab), vocab)
    return AlignedClaims(tuple(groups), tuple(find_conflicts(groups, vocab)))


# --- conflicts ------------------------------------------------------------------------


def _comparable(group: ClaimGroup) -> list[SourcedClaim]:
    """Members that may take part in a conflict: unhedged, about a named subject."""
    return [m for m in group.members if not m.claim.hedged and m.claim.subject]


def _ambiguous_origins(groups: Sequence[ClaimGroup]) -> set[str]:
    """Origins stating two values for one subject: which one they mean is unknown."""
    seen: dict[str, int] = defaultdict(int)
    for group in groups:
        for origin in {m.origin_key for m in _comparable(group)}:
            seen[origin] += 1
    return {origin for origin, n in seen.items() if n > 1}


def _is_update(earlier: list[SourcedClaim], later: list[SourcedClaim], vocab: ClaimVocab) -> str:
    """The revision cue when ``later`` revises ``earlier``, else ""."""
    first_late = [m.published for m in later]
    last_early = [m.published for m in earlier]
    if None in first_late or None in last_early or min(first_late) <= max(last_early):
        return ""
    for m in later:
        cue = revision_cue(m.claim.span.text, vocab)
        if cue:
            return cue
        if m.update_article:
            return "article marked as updated"
    return ""


def _unit_word(q: Quantity) -> str:
    """The last word of how a value was written ("miles", "billion", "" for a bare number)."""
    words = re.sub(r"[^a-z%$€£¥]+", " ", q.text.lower()).split()
    return words[-1] if words else ""


def _overlap(a: Claim, b: Claim) -> bool:
    if a.quantity is None or b.quantity is None:
        return False
    qa, qb = a.quantity, b.quantity
    if _unit_word(qa) != _unit_word(qb):
        # "10-metre" vs "30-foot": a converted figure was rounded in another unit system, so
        # each counts as approximate.
        qa, qb = replace(qa, approximate=True), replace(qb, approximate=True)
    a_low, a_high = value_interval(qa)
    b_low, b_high = value_interval(qb)
    return a_low < b_high and b_low < a_high  # touching ends are two different figures


def _classify(a: list[SourcedClaim], b: list[SourcedClaim], vocab: ClaimVocab) -> tuple[str, str]:
    for early, late in ((a, b), (b, a)):
        cue = _is_update(early, late, vocab)
        if cue:
            return "update", f"later report revises the value ({cue})"
    if a[0].claim.kind == "quantity" and _overlap(a[0].claim, b[0].claim):
        return "approximation", "values agree within rounding, approximation or range"
    return "contradiction", "independent sources state different values"


def _content_words(text: str) -> set[str]:
    words = re.findall(r"[a-z][a-z'-]+", normalise_text(text))
    return {singular(w) for w in words if w not in STOPWORDS}


def _same_context(a: Claim, b: Claim) -> bool:
    """True when two sentences share enough content words to be about one thing."""
    wa, wb = _content_words(a.span.text), _content_words(b.span.text)
    shared = wa & wb
    if len(shared) < CONTEXT_MIN_SHARED:
        return False
    return len(shared) / min(len(wa), len(wb)) >= CONTEXT_OVERLAP


def _modifiers(claim: Claim) -> frozenset[str]:
    """The words qualifying a counted noun: "12 Starlink satellites" -> {"starlink"}."""
    q = claim.quantity
    if q is None or q.unit != "count" or not q.text:
        return frozenset()
    at = claim.span.text.find(q.text)
    if at < 0:
        return frozenset()
    words = noun_phrase(claim.span.text, at + len(q.text))
    return frozenset(singular(w) for w in words) - {claim.subject}


def _same_thing(a: Claim, b: Claim) -> bool:
    """Same context, and the same qualifiers on a count: "11 Yemeni pirates" is a part of
    "23 pirates", not a different figure for them."""
    return _same_context(a, b) and _modifiers(a) == _modifiers(b)


def _matched_sides(
    a: list[SourcedClaim], b: list[SourcedClaim]
) -> tuple[list[SourcedClaim], list[SourcedClaim]] | None:
    """The two sides reordered so their first members share a context; None if none do."""
    for x in a:
        for y in b:
            if _same_thing(x.claim, y.claim):
                return [x] + [m for m in a if m is not x], [y] + [m for m in b if m is not y]
    return None


def _pairwise(groups: list[ClaimGroup], subject: str, vocab: ClaimVocab) -> list[Conflict]:
    ambiguous = _ambiguous_origins(groups)
    sides = []
    for group in groups:
        members = [m for m in _comparable(group) if m.origin_key not in ambiguous]
        if members:
            sides.append(members)
    conflicts = []
    for i in range(len(sides)):
        for j in range(i + 1, len(sides)):
            matched = _matched_sides(sides[i], sides[j])
            if matched is None:
                continue  # same noun, different story: "one victim died" / "two victims"
            a, b = matched
            kind, note = _classify(a, b, vocab)
            conflicts.append(
                Conflict(
                    kind,
                    subject,
                    (
                        (a[0].claim, tuple(sorted({m.origin_key for m in a}))),
                        (b[0].claim, tuple(sorted({m.origin_key for m in b}))),
                    ),
                    note,
                )
            )
    return conflicts


def _name_tokens(speaker: str | None, vocab: ClaimVocab) -> set[str]:
    return {t.lower().strip(".,") for t in (speaker or "").split()} - vocab.titles


def _span_tokens(group: ClaimGroup) -> set[str]:
    words = set()
    for m in group.members:
        words |= {w.lower().strip(".,") for w in re.findall(r"[\w.'-]+", m.claim.span.text)}
    return words


def _names_in_own_span(group: ClaimGroup, vocab: ClaimVocab) -> bool:
    return bool(_name_tokens(group.claim.speaker, vocab) & _span_tokens(group))


def _named_in(speaker: str | None, group: ClaimGroup, vocab: ClaimVocab) -> bool:
    return bool(_name_tokens(speaker, vocab) & _span_tokens(group))


def _quote_conflicts(groups: list[ClaimGroup], vocab: ClaimVocab) -> list[Conflict]:
    quotes = [g for g in groups if g.kind == "quote" and g.claim.speaker and not g.hedged]
    conflicts = []
    for i in range(len(quotes)):
        for j in range(i + 1, len(quotes)):
            a, b = quotes[i], quotes[j]
            if fuzz.ratio(a.subject, b.subject) < QUOTE_MATCH:
                continue
            if _same_speaker(a.claim.speaker, b.claim.speaker, vocab) is not False:
                continue
            if set(a.origins) & set(b.origins):
                continue  # one source giving it to two people: its own muddle, not a dispute
            if not (_names_in_own_span(a, vocab) and _names_in_own_span(b, vocab)):
                continue  # a speaker resolved from "he said": a guess, not what was written
            if _named_in(a.claim.speaker, b, vocab) or _named_in(b.claim.speaker, a, vocab):
                continue  # "said ABC president Paul Lee": the other speaker is named too
            subject = "quote: " + a.claim.subject[:60]
            conflicts.append(
                Conflict(
                    "contradiction",
                    subject,
                    (
                        (a.claim, a.origins),
                        (b.claim, b.origins),
                    ),
                    f"quote attributed to {a.claim.speaker} and to {b.claim.speaker}",
                )
            )
    return conflicts


def find_conflicts(
    groups: Sequence[ClaimGroup] | AlignedClaims, vocab: ClaimVocab | None = None
) -> list[Conflict]:
    """Conflicts between different origins over one subject (see the module docstring)."""
    vocab = vocab or load_vocab()
    if isinstance(groups, AlignedClaims):
        groups = groups.groups
    by_subject: dict[str, list[ClaimGroup]] = defaultdict(list)
    for group in groups:
        if group.kind in ("quantity", "date") and group.subject:
            by_subject[_subject_key(group.claim)].append(group)
    conflicts: list[Conflict] = []
    for same_subject in by_subject.values():
        if len(same_subject) > 1:
            conflicts.extend(_pairwise(same_subject, same_subject[0].subject, vocab))
    conflicts.extend(_quote_conflicts(list(groups), vocab))
    return conflicts
