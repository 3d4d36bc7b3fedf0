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
named subject, hedged claims, and origins that themselves state two values for one thing
never take part in a conflict; copies inside one origin never conflict with each other; two
values conflict only when their sentences share context words, their counted nouns the
same qualifiers ("11 Yemeni pirates" is part of "23 pirates", not a rival figure) and they
name no different models ("Hwasong-14" vs "Hwasong-15").

Updates: a later report that recalls the earlier figure ("Earlier accounts put it at about
180 kilometers") or says it revises, and an outlet whose later article revises its own
earlier one (14 then 12 satellites), show both values with their dates. A sentence recalling
an earlier figure is never the outlet's own claim: it supports no fact and makes no origin
ambiguous. Articles of different origins that share most of their sentences are one wire
text, and count as one source.
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
    event_phase,
    extract_claims,
    is_update_article,
    load_measures,
    load_vocab,
    recalls_earlier,
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
# ... and CONTEXT_JACCARD of both sentences' words together: on real news (issue 12), false
# conflicts set a short sentence against a long one sharing a few of its words ("8,000 meals"
# in one airdrop, "28,000 meals" in the aid so far). Chosen on half the stories (0.3: 3 of 4
# conflicts true there, 4 of 14 without it); on the other, unseen half 7 of 8 were true.
CONTEXT_JACCARD = 0.3
# Agreeing on a value needs less context than disagreeing (a shared value is itself evidence),
# but small numbers recur by chance: the subject plus one more shared content word.
AGREE_MIN_SHARED = 2
# Reports of one event: on real news, most false conflicts set figures of different days
# against each other (two days' stock-market falls, two meetings, a toll weeks apart).
# Values published further apart than SAME_EVENT_HOURS are compared only when the later
# report says it revises (an update), and never beyond UPDATE_HOURS.
SAME_EVENT_HOURS = 48
UPDATE_HOURS = 7 * 24
# Counts from this value up, of one named thing, agree without shared context (see _fits).
SPECIFIC_COUNT = 13
# Two articles of different origins are one wire text when at least WIRE_MIN_SHARED of
# their sentences (of WIRE_SENTENCE_CHARS or more) are identical and these make at least
# WIRE_SHARE of the shorter article's such sentences: the same AP story run by two outlets
# with different headlines (issue 12), not two reports quoting one press-release line.
WIRE_MIN_SHARED = 3
WIRE_SHARE = 0.5
WIRE_SENTENCE_CHARS = 40


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
    recalled: bool = False  # the sentence gives an earlier report's figure


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
    recalled: tuple[SourcedClaim, ...] = ()  # earlier figures recalled, kept out of groups


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
        if (
            fuzz.token_sort_ratio(normalise_text(first.span.text), normalise_text(claim.span.text))
            >= ACTOR_SENTENCE_MATCH
        ):
            return True
        # In their own words: same actor and action (the bucket), the same figures, and
        # most of the shorter sentence's content words (the object) in common. Not for "said":
        # two things one person said share words and are still two statements.
        if claim.subject.rsplit(" ", 1)[-1] in set(vocab.reporting.values()):
            return False
        return any(_same_statement(m.claim, claim) for m in group)
    if _value_key(first) != _value_key(claim):
        return False
    if claim.kind == "date" and claim.subject and _MONTH_WRITTEN.search(claim.span.text):
        # "docked ... on 29 October" / "The docking happened early Oct. 29": a written
        # calendar date of one named event is one fact. Weekdays ("Friday") still need the
        # context below: two reports' Fridays may be different days.
        return True
    if _specific_measure(claim):
        # "about 350 kilometers offshore" in three reports: a measured value with two or more
        # significant digits, equal, in one unit, is one fact. Not durations ("two weeks",
        # "four years": idioms on real news) nor round values ("100%", "$200").
        return True
    if claim.kind == "quantity" and claim.quantity and claim.quantity.unit == "count":
        if not claim.subject:
            return False  # "1." and "1)": list numbers, not facts
    if claim.subject and claim.quantity and claim.quantity.value >= SPECIFIC_COUNT:
        # "Thirty-eight countries have signed" / "38 countries had joined": a count above a
        # dozen of one named thing rarely recurs by chance inside one story.
        return True
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


_MONTH_WRITTEN = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d|"
    r"\b\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b|\d{4}-\d\d-\d\d"
)


def _specific_measure(claim: Claim) -> bool:
    q = claim.quantity
    if claim.kind != "quantity" or q is None or q.unit in ("count", "day"):
        return False
    digits = re.sub(r"\D", "", f"{abs(q.value):.6g}".split("e")[0]).strip("0")
    return len(digits) >= 2


def _figures(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:[.,]\d+)*", text))


def _same_statement(a: Claim, b: Claim) -> bool:
    """Two actor claims telling one thing in different words: their figures agree and they
    share at least ACTOR_MIN_SHARED content words, ACTOR_OVERLAP of the shorter sentence."""
    if _figures(a.span.text) != _figures(b.span.text):
        return False
    wa, wb = _content_words(a.span.text), _content_words(b.span.text)
    shared = wa & wb
    return len(shared) >= ACTOR_MIN_SHARED and len(shared) / min(len(wa), len(wb)) >= (
        ACTOR_OVERLAP
    )


# Paraphrases of one statement ("Kestrel Imaging will build a dozen satellites for Sentry
# Mesh" / "Kestrel Imaging to build 12 Sentry Mesh satellites") share the actor, the action
# and the object's words; on the demo, 4 shared words and half the shorter sentence
# grouped paraphrases without joining two different statements of one actor.
ACTOR_MIN_SHARED = 4
ACTOR_OVERLAP = 0.5


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
        recalling: dict[int, bool] = {}
        for claim in extract_claims(article, vocab=vocab):
            start = claim.span.start
            if start not in recalling:
                recalling[start] = claim.kind in ("quantity", "date") and recalls_earlier(
                    claim.span.text
                )
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
            recalled = recalling[start] and claim.kind in ("quantity", "date")
            out.append(SourcedClaim(claim, item.origin_key, article.published, update, recalled))
    return out


def _wire_sentences(text: str) -> set[str]:
    return {
        normalise_text(s)
        for s in re.split(r"(?<=[.!?])\s+|\n+", text)
        if len(s.strip()) >= WIRE_SENTENCE_CHARS
    }


def one_wire_text(items: Sequence[SourcedArticle]) -> list[SourcedArticle]:
    """The articles with origins that print one wire text merged into one origin key."""
    sentences = [_wire_sentences(i.article.text or "") for i in items]
    parent = {i.origin_key: i.origin_key for i in items}

    def root(key: str) -> str:
        while parent[key] != key:
            key = parent[key]
        return key

    for x in range(len(items)):
        for y in range(x + 1, len(items)):
            a, b = root(items[x].origin_key), root(items[y].origin_key)
            if a == b or not sentences[x] or not sentences[y]:
                continue
            shared = len(sentences[x] & sentences[y])
            shorter = min(len(sentences[x]), len(sentences[y]))
            if shared >= WIRE_MIN_SHARED and shared / shorter >= WIRE_SHARE:
                parent[max(a, b)] = min(a, b)
    return [replace(i, origin_key=root(i.origin_key)) for i in items]


def align_claims(items: Sequence[SourcedArticle], vocab: ClaimVocab | None = None) -> AlignedClaims:
    """Group the claims of a story's articles and find the conflicts between origins."""
    vocab = vocab or load_vocab()
    claims = sourced_claims(one_wire_text(items), vocab)
    recalled = tuple(c for c in claims if c.recalled)
    groups = group_claims([c for c in claims if not c.recalled], vocab)
    aligned = AlignedClaims(tuple(groups), (), recalled)
    return replace(aligned, conflicts=tuple(find_conflicts(aligned, vocab)))


# --- conflicts ------------------------------------------------------------------------


def _comparable(group: ClaimGroup) -> list[SourcedClaim]:
    """Members that may take part in a conflict: unhedged, about a named subject, a figure
    rather than a vague size, and a date written on the calendar (weekdays and "today"
    resolved against different publication dates were most false date conflicts)."""
    return [
        m
        for m in group.members
        if not m.claim.hedged and m.claim.subject and not _vague(m.claim) and _written_date(m.claim)
    ]


def _is_update(
    earlier: list[SourcedClaim],
    later: list[SourcedClaim],
    vocab: ClaimVocab,
    recalled: Sequence[SourcedClaim] = (),
    own: bool = False,
) -> str:
    """The revision cue when ``later`` revises ``earlier``, else "". An article marked as
    updated revises only its own origin's earlier article (``own``): on real news such
    markers ("Editor's note") said nothing about another outlet's figure."""
    first_late = [m.published for m in later]
    last_early = [m.published for m in earlier]
    if None in first_late or None in last_early or min(first_late) <= max(last_early):
        return ""
    for m in later:
        cue = revision_cue(m.claim.span.text, vocab)
        if cue:
            return cue
        if own and m.update_article:
            return "article marked as updated"
    claim = later[0].claim
    hours = (min(first_late) - max(last_early)).total_seconds() / 3600
    if (
        hours >= load_measures().update_hours
        and claim.subject in load_measures().changing
        and claim.subject not in ("people", "death", "casualty", "toll")
    ):
        # A forecast or a rate reported hours later. Not casualty counts: on real news
        # "270 killed" vs "263 killed" were other events or history, not a rising toll.
        return "a figure that changes over time, reported later"
    late_articles = {m.claim.span.article_id for m in later}
    for r in recalled:
        if r.claim.span.article_id in late_articles and _agrees(r.claim, earlier[0].claim):
            return "recalls the earlier figure"
    return ""


def _agrees(a: Claim, b: Claim) -> bool:
    """True when a recalled value is the earlier side's value (same unit, within rounding)."""
    if a.kind == "date" or b.kind == "date":
        return a.date is not None and a.date == b.date
    if a.quantity is None or b.quantity is None or a.quantity.unit != b.quantity.unit:
        return False
    return _overlap(a, b)


def _unit_word(q: Quantity) -> str:
    """The last word of how a value was written ("miles", "billion", "" for a bare number)."""
    if q.unit == "count":
        return ""  # "Thirty-nine" and "38": number words are no unit
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


def _classify(
    a: list[SourcedClaim],
    b: list[SourcedClaim],
    vocab: ClaimVocab,
    recalled: Sequence[SourcedClaim] = (),
) -> tuple[str, str]:
    for early, late in ((a, b), (b, a)):
        cue = _is_update(early, late, vocab, recalled)
        if cue:
            return "update", f"later report revises the value ({cue})"
    if a[0].claim.kind == "quantity" and _overlap(a[0].claim, b[0].claim):
        return "approximation", "values agree within rounding, approximation or range"
    return "contradiction", "independent sources state different values"


def _content_words(text: str) -> set[str]:
    words = re.findall(r"[a-z][a-z'-]+", normalise_text(text))
    return {singular(w) for w in words if w not in STOPWORDS}


def _same_context(a: Claim, b: Claim) -> bool:
    """True when two sentences share enough content words to be about one thing (the
    subject counts as said in both: "an altitude of 180 km" / "175 km above the ocean")."""
    subject = {a.subject} if a.subject and a.subject == b.subject else set()
    wa, wb = _content_words(a.span.text) | subject, _content_words(b.span.text) | subject
    shared = wa & wb
    if len(shared) < CONTEXT_MIN_SHARED:
        return False
    if len(shared) / len(wa | wb) < CONTEXT_JACCARD:
        return False
    return len(shared) / min(len(wa), len(wb)) >= CONTEXT_OVERLAP


def _modifiers(claim: Claim, cased: bool = False) -> frozenset[str]:
    """The words qualifying a counted noun: "12 Starlink satellites" -> {"starlink"}
    ({"Starlink"} when ``cased``)."""
    q = claim.quantity
    if q is None or q.unit != "count" or not q.text:
        return frozenset()
    at = claim.span.text.find(q.text)
    if at < 0:
        return frozenset()
    words = noun_phrase(claim.span.text, at + len(q.text))
    if cased:
        return frozenset(w for w in words if singular(w) != claim.subject)
    return frozenset(singular(w) for w in words) - {claim.subject}


_DESIGNATOR = re.compile(r"\b[A-Z][A-Za-z]*-\d+[A-Za-z]?\b|\b[A-Z]{2,}\d+[A-Za-z]?\b")


def _designators(text: str) -> set[str]:
    """Model names in a sentence: "Hwasong-15", "KN23", "SM-3"."""
    return set(_DESIGNATOR.findall(text))


def _same_thing(a: Claim, b: Claim) -> bool:
    """Same context, and the same qualifiers on a count: "11 Yemeni pirates" is a part of
    "23 pirates", not a different figure for them; and no two different models named
    ("the Hwasong-14 flew 900 km" / "the Hwasong-15 flew 950 km")."""
    da, db = _designators(a.span.text), _designators(b.span.text)
    if da and db and not da & db:
        return False
    if _casualty(a) != _casualty(b):
        return False  # "275 people had been killed" / "4,200 people were wounded"
    if a.kind == "date" and event_phase(a.span.text) != event_phase(b.span.text):
        return False  # the talks "opened" Monday and "ended" Friday: two dates, both right
    return _same_context(a, b) and _same_qualifiers(a, b)


def _same_qualifiers(a: Claim, b: Claim) -> bool:
    """Names qualifying a count must match ("11 Yemeni pirates" vs "23 pirates"); plain
    adjectives only must not exclude each other ("14 small imaging satellites" and "a dozen
    small reconnaissance satellites" are one order, described twice)."""
    ma, mb = _modifiers(a, cased=True), _modifiers(b, cased=True)
    cap_a = {w for w in ma if w[:1].isupper()}
    cap_b = {w for w in mb if w[:1].isupper()}
    if cap_a != cap_b:
        return False
    low_a, low_b = ma - cap_a, mb - cap_b
    return not (low_a and low_b and not low_a & low_b)


def _gap_hours(x: SourcedClaim, y: SourcedClaim) -> float | None:
    if x.published is None or y.published is None:
        return None
    return abs((x.published - y.published).total_seconds()) / 3600


def _matched_sides(
    a: list[SourcedClaim], b: list[SourcedClaim]
) -> tuple[list[SourcedClaim], list[SourcedClaim]] | None:
    """The two sides reordered so their first members share a context and were published
    closest in time (within UPDATE_HOURS); None if none do."""
    best = None
    for x in a:
        for y in b:
            gap = _gap_hours(x, y)
            if gap is None or gap > UPDATE_HOURS or not _same_thing(x.claim, y.claim):
                continue
            if best is None or gap < best[0]:
                best = (gap, x, y)
    if best is None:
        return None
    _, x, y = best
    return [x] + [m for m in a if m is not x], [y] + [m for m in b if m is not y]


_CASUALTY = {
    "killed": "dead", "dead": "dead", "died": "dead", "deaths": "dead", "death": "dead",
    "wounded": "hurt", "injured": "hurt", "hurt": "hurt", "injuries": "hurt",
    "abducted": "taken", "kidnapped": "taken", "arrested": "held", "detained": "held",
    "rescued": "rescued", "evacuated": "moved", "displaced": "moved", "missing": "missing",
}  # fmt: skip


def _casualty(claim: Claim) -> str:
    """What a count of people says happened to them: the first casualty word after it."""
    q = claim.quantity
    if q is None or q.unit != "count" or not q.text:
        return ""
    at = claim.span.text.find(q.text)
    after = claim.span.text[at + len(q.text) : at + len(q.text) + 60].lower() if at >= 0 else ""
    for word in re.findall(r"[a-z]+", after):
        if word in _CASUALTY:
            return _CASUALTY[word]
    return ""


def _vague(claim: Claim) -> bool:
    """ "millions", "dozens": a size, not a figure to set against another."""
    q = claim.quantity
    return q is not None and bool(
        re.fullmatch(
            r"(?:\w+ of )?(?:dozens|hundreds|thousands|"
            r"millions|billions)",
            q.text.lower().strip(),
        )
    )


def _written_date(claim: Claim) -> bool:
    """A date written as a calendar date ("Nov. 3", "13 November"), not a weekday."""
    return claim.kind != "date" or bool(_MONTH_WRITTEN.search(claim.span.text))


def _revises_itself(early: list[SourcedClaim], late: list[SourcedClaim], vocab) -> bool:
    """One origin's later article revising its earlier one (cue, or marked as updated)."""
    if not early or not late:
        return False
    return bool(_is_update(early, late, vocab, own=True))


def _ambiguous_origins(sides: list[list[SourcedClaim]], vocab: ClaimVocab) -> set[str]:
    """Origins stating two values for one thing without revising: which they mean is unknown
    ("The strike killed 12 soldiers" in one copy, "14 soldiers" in another)."""
    ambiguous = set()
    for i in range(len(sides)):
        for j in range(i + 1, len(sides)):
            for origin in {m.origin_key for m in sides[i]} & {m.origin_key for m in sides[j]}:
                a = [m for m in sides[i] if m.origin_key == origin]
                b = [m for m in sides[j] if m.origin_key == origin]
                if _revises_itself(a, b, vocab) or _revises_itself(b, a, vocab):
                    continue
                if any(_same_thing(x.claim, y.claim) for x in a for y in b):
                    ambiguous.add(origin)
    return ambiguous


def _pairwise(
    groups: list[ClaimGroup],
    subject: str,
    vocab: ClaimVocab,
    recalled: Sequence[SourcedClaim] = (),
) -> list[Conflict]:
    all_sides = [_comparable(group) for group in groups]
    ambiguous = _ambiguous_origins(all_sides, vocab)
    sides = [[m for m in side if m.origin_key not in ambiguous] for side in all_sides]
    conflicts = []
    for i in range(len(sides)):
        for j in range(i + 1, len(sides)):
            a, b = sides[i], sides[j]
            # An origin on both sides counts only when its later article revises the earlier.
            self_revised = False
            for origin in {m.origin_key for m in a} & {m.origin_key for m in b}:
                own_a = [m for m in a if m.origin_key == origin]
                own_b = [m for m in b if m.origin_key == origin]
                revised = _revises_itself(own_a, own_b, vocab)
                revised = revised or _revises_itself(own_b, own_a, vocab)
                others = {m.origin_key for m in a + b} - {origin}
                # An article marked "Updated" revises the value another origin confirms, or
                # one its sentence says it revises: not every figure it states.
                if (
                    revised
                    and not others
                    and not any(revision_cue(m.claim.span.text, vocab) for m in own_a + own_b)
                ):
                    revised = False
                self_revised = self_revised or revised
                if not revised:
                    a = [m for m in a if m.origin_key != origin]
                    b = [m for m in b if m.origin_key != origin]
            if not a or not b:
                continue
            matched = _matched_sides(a, b)
            if matched is None:
                continue  # same noun, different story: "one victim died" / "two victims"
            a, b = matched
            kind, note = _classify(a, b, vocab, recalled)
            if self_revised and kind != "update":
                kind, note = "update", "later report revises the value (the outlet's own)"
            gap = _gap_hours(a[0], b[0]) or 0.0
            explicit = kind == "update" and "changes over time" not in note
            if gap > SAME_EVENT_HOURS and not explicit:
                continue  # days apart and nothing says it revises: another day's event
            if kind == "update":
                a, b = _in_order(a, b)
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


def _in_order(a: list[SourcedClaim], b: list[SourcedClaim]):
    """An update's sides earliest first, each led by its earliest report."""

    def when(m: SourcedClaim):
        return m.published or datetime.max

    a, b = sorted(a, key=when), sorted(b, key=when)
    return (a, b) if when(a[0]) <= when(b[0]) else (b, a)


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
    recalled: tuple[SourcedClaim, ...] = ()
    if isinstance(groups, AlignedClaims):
        groups, recalled = groups.groups, groups.recalled
    by_subject: dict[str, list[ClaimGroup]] = defaultdict(list)
    for group in groups:
        if group.kind in ("quantity", "date") and group.subject:
            by_subject[_subject_key(group.claim)].append(group)
    conflicts: list[Conflict] = []
    for same_subject in by_subject.values():
        if len(same_subject) > 1:
            conflicts.extend(_pairwise(same_subject, same_subject[0].subject, vocab, recalled))
    conflicts.extend(_quote_conflicts(list(groups), vocab))
    return conflicts
