"""Timeline: earlier stories related to this one, so a page can show how the story developed.

Relatedness is the weighted overlap of the stories' terms (entity names, key terms): a term
weighs by its inverse story frequency over the archive, so "SpaceX" shared with every
launch story counts less than "Starship Flight 7" shared with two. Recent stories get a
boost, but an old, closely related story still outranks a recent loosely related one.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class StorySketch:
    """What the timeline needs of a story: id, title, when it was first seen, its terms."""

    id: str
    title: str
    first_seen: datetime | None
    terms: Sequence[str]


@dataclass(frozen=True)
class TimelineEntry:
    """One earlier story on the timeline, dated, with the terms that relate it."""

    story_id: str
    title: str
    date: datetime
    shared_terms: tuple[str, ...]
    score: float


@dataclass(frozen=True)
class TimelineRules:
    """Thresholds of relatedness.

    ``min_overlap`` 0.15: a related story must share about a sixth of the target's term
    weight; below that the shared terms are generic ("Pentagon", "launch"). ``half_life_days``
    30: a month-old story keeps half its recency boost, matching how long a beat thread
    usually stays live. ``recency_share`` 0.3: recency can move a story by at most 30%.
    """

    min_overlap: float = 0.15
    half_life_days: float = 30.0
    recency_share: float = 0.3
    # A term index lists, per shared term, at most this many earlier stories (the most
    # recent): a term in more stories than that ("Pentagon") weighs little, and the cap
    # keeps the work per story bounded on a year of archive. Exact below it.
    max_postings: int = 200


def fold(term: str) -> str:
    """A term as the timeline compares it (case and spacing folded)."""
    return " ".join(term.casefold().split())


_fold = fold


def _comparable(a: datetime, b: datetime) -> tuple[datetime, datetime]:
    """Drop tzinfo when only one side has it, so naive and aware dates can be compared."""
    if (a.tzinfo is None) != (b.tzinfo is None):
        return a.replace(tzinfo=None), b.replace(tzinfo=None)
    return a, b


def related_stories(
    target: StorySketch,
    archive: Sequence[StorySketch],
    k: int = 6,
    rules: TimelineRules | None = None,
    frequency: Mapping[str, int] | None = None,
    total: int | None = None,
) -> list[TimelineEntry]:
    """Up to ``k`` earlier stories related to ``target``, oldest first.

    Only dated stories first seen before the target count; an undated target is compared
    with every dated story. The target itself (same id) is never listed.

    ``archive`` may be just the stories sharing a term with the target (from a term index,
    each with only its shared terms) when ``frequency`` (folded term -> stories holding it)
    and ``total`` (stories in the archive, plus one) are given for the whole archive: the
    result is the same as over the whole archive.
    """
    rules = rules or TimelineRules()
    target_terms = {_fold(t): t for t in target.terms if t and t.strip()}
    if not target_terms or k < 1:
        return []
    if frequency is None or total is None:
        counted: Counter[str] = Counter()
        for story in archive:
            counted.update({_fold(t) for t in story.terms if t and t.strip()})
        frequency, total = counted, len(archive) + 1

    def weight(term: str) -> float:
        # Smoothed IDF: every term weighs at least 1, rarer ones more.
        return math.log((total + 1) / (frequency.get(term, 0) + 1)) + 1.0

    target_weight = sum(weight(t) for t in target_terms)
    scored: list[tuple[float, TimelineEntry]] = []
    for story in archive:
        if story.id == target.id or story.first_seen is None:
            continue
        age_days = None
        if target.first_seen is not None:
            earlier, reference = _comparable(story.first_seen, target.first_seen)
            if earlier >= reference:
                continue
            age_days = (reference - earlier).total_seconds() / 86400
        shared = sorted(
            {_fold(t) for t in story.terms if t} & set(target_terms), key=lambda t: (-weight(t), t)
        )
        if not shared:
            continue
        overlap = sum(weight(t) for t in shared) / target_weight
        if overlap < rules.min_overlap:
            continue
        recency = 0.5 ** (age_days / rules.half_life_days) if age_days is not None else 0.0
        score = overlap * (1 - rules.recency_share + rules.recency_share * recency)
        entry = TimelineEntry(
            story.id,
            story.title,
            story.first_seen,
            tuple(target_terms[t] for t in shared),
            round(score, 4),
        )
        scored.append((score, entry))
    scored.sort(key=lambda x: (-x[0], x[1].story_id))
    chosen = [entry for _, entry in scored[:k]]
    return sorted(chosen, key=lambda e: (_as_utc_naive(e.date), e.story_id))


def _as_utc_naive(moment: datetime) -> datetime:
    """Aware dates in UTC without tzinfo, naive ones as they are: one sortable scale."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment
