"""Online story clustering: each arriving article joins an active story or founds one.

1. The article is vectorised (hashed TF-IDF with online document frequencies, plus a
   vector of capitalised names); see ``quorum.assemble.vectorize``.
2. Candidates come from an inverted index over the heaviest centroid terms of *active*
   stories only, so the work per article is bounded by ``query_terms * max_postings`` index
   hits and ``max_candidates`` exact comparisons, never by the number of stories.
3. The best candidate is joined when its score (cosine to the story centroid, blended with
   the cosine of names and with the best cosine to the story's first articles, plus a bonus
   for being close in time) reaches ``threshold``. The first articles anchor what the story
   is about: a centroid drifts as members join, the lead articles do not. Only the
   ``lead_finalists`` best candidates by the cheaper signals are compared with their leads.
   Text picks the candidate (time only breaks near-ties); text plus time decides the join.
   Where only one side is dated, dates cannot vouch, so the join asks ``untimed_margin``
   more.
4. Stories out of reach leave the index and drop their vectors, so memory stays bounded on
   an endless stream: between dated articles, more than ``expire_days`` apart; for an
   undated newcomer, idle for ``expire_arrivals`` arrivals.
5. ``merge_pass`` (run every ``merge_every`` articles by the caller) repairs fragmentation:
   it merges recently changed stories whose centroids agree. Every article it moves is
   returned as a ``Move``. (A 2-means split of stories holding two events was tried and
   removed: at no threshold did it raise B-cubed F1 on ECB+ or Multi-News.)

Deterministic: iteration follows insertion order and ties break on founding order, so the
same articles in the same order give the same stories with the same ids.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from quorum.assemble.vectorize import (
    EMPTY,
    ArticleVectors,
    DenseScratch,
    SparseVector,
    TermCounts,
    Vectorizer,
    VectorParams,
    add_vectors,
    top_positions,
)
from quorum.records import Article

_LEAD_TERMS = 128  # terms kept per lead-article vector
# Far above the rounding differences between two summation orders of a cosine (~1e-15).
_ROUNDING = 1e-9


@dataclass(frozen=True, slots=True)
class ClusterParams:
    """The one tuned parameter set (tuned on ECB+ train, checked on ECB+ dev and Multi-News)."""

    threshold: float = 0.33  # join score; see `quorum eval clustering` for the sweep behind it
    entity_weight: float = 0.3  # share of the name cosine in the score when both have names
    # Share of the best cosine to the story's first ``lead_members`` articles in the score.
    # Swept 0-0.4 with 1-10 leads: 0.3 with 3 leads (and the threshold at 0.33) raised
    # B-cubed F1 on ECB+ train, ECB+ dev and Multi-News together; more leads act like the
    # centroid again, fewer make one odd founding article decide.
    lead_weight: float = 0.3
    lead_members: int = 3
    recency_bonus: float = 0.25  # added to the score of a story active just now
    # Time says whether an article may join *a* story; what it says decides *which*. So
    # among candidates the ranking weighs recency at this much, not the full bonus: with
    # the full bonus a story that just grew drew in the follow-up of its sister event
    # (ECB+ dev B-cubed F1 0.926 -> 0.950; 0.05-0.15 gave the same on ECB+ dev and
    # 0.945-0.947 on train; Multi-News, where recency carries more, 0.960-0.963).
    recency_rank: float = 0.1
    # When one side is dated and the other is not, dates cannot vouch for the join, so it
    # needs this much more score, scaled by how quiet the story is (on the newcomer's clock,
    # see ``_recency``). ECB+'s undated half joined the dated sister event at 0.35-0.44 and
    # true members at 0.43 and up; 0.08-0.13 gave the same B-cubed F1 on ECB+ dev, 0.05 or
    # 0.15 cost 0.02.
    untimed_margin: float = 0.1
    # A story is an event and its direct developments, not a topic: a dated article more
    # than ``late_grace_days`` from when a dated story began (or after it ended) joins only
    # on evidence that it is about the same event as the story's first articles: a cosine to
    # them of up to ``late_lead`` (rising with an e-folding time of ``late_scale_days``).
    # Topic words carried by a drifting centroid are not enough (real news: one story ran
    # from the 2017 ICBM tests to the 2019 Hanoi summit). The merge pass asks the same of
    # two stories far apart in time: up to ``late_merge_margin`` more centroid cosine.
    late_grace_days: float = 3.0
    late_scale_days: float = 30.0
    late_lead: float = 0.28
    late_merge_margin: float = 0.25
    # A story quiet for more than ``dormant_days`` (no article within that many days of the
    # newcomer) takes it only at a lead cosine of ``dormant_lead``: the same kind of event
    # again (another Gaza war, another summit) is a new story, linked by the timeline.
    dormant_days: float = 60.0
    dormant_lead: float = 0.4
    recency_days: float = 2.0  # e-folding time of that bonus between dated articles
    recency_arrivals: float = 20.0  # same, counted in arrivals, when a date is missing
    # An undated newcomer must reach this much on text alone, whatever its arrival: with
    # the full bonus for arriving next, unrelated undated pieces formed stories (real news:
    # 37 undated North Korea pieces of 2017-2019 as one "verified" story).
    undated_floor: float = 0.12
    expire_days: float = 90.0  # a dated story idle this long leaves the active index...
    # ...unless it has ``followup_size`` articles: a story that big gets follow-ups (a trial,
    # a verdict, an inquiry's report) months or years later. 730 days joined ECB+ train's
    # year-later follow-ups to their stories (B-cubed F1 0.916 -> 0.929; 90-365 days: no
    # change) without merging anything new; small stories keep the short window, so the
    # active index stays small on an endless stream.
    followup_days: float = 730.0
    followup_size: int = 3
    expire_arrivals: int = 1000  # an undated story idle for this many arrivals leaves too
    merge_threshold: float = 0.5  # centroid cosine at which merge_pass joins two stories
    # The same caution in the merge pass: a dated and an undated story merge only when
    # their centroids agree this much (at 0.5 it re-merged ECB+ dev's split sister events;
    # 0.6-0.9 gave the same B-cubed F1).
    merge_untimed_threshold: float = 0.7
    merge_every: int = 500  # callers replaying a stream run merge_pass this often
    # A story the merge pass examines looks up only its heaviest centroid terms and compares
    # a few candidates: stories similar enough to merge share those. 10 terms and 4
    # candidates (even 5 and 3) merged exactly what 20 and 12 did on ECB+ and Multi-News.
    merge_query_terms: int = 10
    merge_candidates: int = 4
    query_terms: int = 20  # article terms looked up in the index
    index_terms: int = 40  # centroid terms under which a story is indexed
    # Centroids (terms and names) truncated to their heaviest terms (bounded memory): 100,
    # 150 and 300 gave the same B-cubed F1 on ECB+ train, dev and Multi-News; 80 cost dev
    # 0.004. Fewer terms: less memory and shorter gathers per comparison.
    centroid_terms: int = 100
    # Index entries kept per term: a term shared by more active stories says little about
    # which one an article belongs to, and the cap bounds the work per article (30, 40 and
    # 50 gave the same B-cubed F1 on ECB+ and Multi-News).
    max_postings: int = 30
    max_candidates: int = 12  # stories compared exactly per article
    # Candidates compared with their lead articles too (the best by centroid, names and
    # recency): leads hold most of the terms gathered per candidate, and 2, 3, 4 or all 12
    # finalists gave the same B-cubed F1 on ECB+ and Multi-News (1 cost ECB+ 0.006).
    lead_finalists: int = 2
    keep_expired_members: bool = True  # False for endless streams: forget expired stories
    vectors: VectorParams = field(default_factory=VectorParams)


@dataclass(frozen=True, slots=True)
class Move:
    """One article moved between stories by a merge pass, and why."""

    article_key: str
    from_story: str
    to_story: str
    similarity: float


@dataclass(slots=True)
class _Story:
    id: str
    seq: int
    centroid: SparseVector
    entities: SparseVector
    norm: float = 0.0
    entity_norm: float = 0.0
    size: int = 0
    last_arrival: int = 0
    first_day: float | None = None
    last_day: float | None = None
    members: list[str] = field(default_factory=list)
    # Unit vectors of the first ``lead_members`` articles (kept for any size of story).
    leads: list[SparseVector] = field(default_factory=list)
    indexed: tuple[int, ...] = ()  # the centroid terms it is indexed under (a tuple: small)


def _day(published: datetime | None) -> float | None:
    """Days since the epoch (naive datetimes taken as UTC); None stays None."""
    if published is None:
        return None
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    return published.timestamp() / 86400.0


def story_id_for(identity: str) -> str:
    """A story's id, derived from its founding article so it stays put as the story grows.

    The clusterer passes its article keys; published stories pass the founder's canonical
    URL (``quorum.pipeline.published_ids``), so their ids hold across runs and databases.
    """
    return "st-" + hashlib.sha1(identity.encode("utf-8")).hexdigest()[:12]


class StoryClusterer:
    """Assigns articles to stories in arrival order with bounded work per article."""

    def __init__(self, params: ClusterParams = ClusterParams()) -> None:
        self.params = params
        self._vectorizer = Vectorizer(params.vectors)
        self._active: dict[str, _Story] = {}
        self._expired: dict[str, list[str]] = {}
        self._postings: dict[int, dict[str, None]] = {}  # term -> stories (ordered set)
        self._story_of: dict[str, str] = {}
        self._arrivals = 0
        self._clock_day: float | None = None
        self._founded = 0
        # Plane 0: the loaded vector's terms; plane 1: its names.
        self._scratch = DenseScratch(params.vectors.hash_bits, planes=2)
        self._changed: dict[str, None] = {}  # stories founded or grown since the last merge

    # --- public -----------------------------------------------------------------------

    def add(self, article: Article, key: str) -> str:
        """File one article (identified by ``key``) into a story and return the story id."""
        if key in self._story_of:
            return self._story_of[key]  # replaying an article already filed is a no-op
        counts = self._vectorizer.count(article.title or "", article.text or "")
        return self.add_counts(key, counts, article.published)

    def add_counts(self, key: str, counts: TermCounts, published: datetime | None) -> str:
        """``add`` for an article already counted by ``Vectorizer(params.vectors).count``.

        Counting is independent per article, so callers may count in other processes (it is
        most of the cost) and file the counts here in arrival order with the same result.
        """
        if key in self._story_of:
            return self._story_of[key]
        return self.add_vectors(key, self._vectorizer.admit(counts), published)

    def add_vectors(self, key: str, vectors: ArticleVectors, published: datetime | None) -> str:
        """``add`` for an article already weighed by ``Vectorizer(params.vectors).admit``,
        fed the articles filed here, in the same order, and no others.

        Weighing depends only on the articles before, so it can run as a stage of its own
        (in another process) ahead of the clusterer, with the same result.
        """
        if key in self._story_of:
            return self._story_of[key]
        day = _day(published)
        if day is not None and (self._clock_day is None or day > self._clock_day):
            self._clock_day = day
        if self._arrivals % 1000 == 0:
            self._expire_idle()
        best, best_score = self._best_story(vectors, day)
        if best is not None and best_score >= self.params.threshold:
            story = best
            self._absorb(story, vectors.terms, vectors.entities)
        else:
            story = self._found(key, vectors)
        self._touch(story, key, day)
        if len(story.leads) < self.params.lead_members:
            story.leads.append(_unit(_compact(vectors.terms)))
        self._changed[story.id] = None
        self._arrivals += 1
        return story.id

    def story_of(self, key: str) -> str | None:
        return self._story_of.get(key)

    def stories(self) -> dict[str, list[str]]:
        """Story id -> article keys (in arrival order), expired stories included if kept."""
        out = dict(self._expired)
        out.update({sid: list(s.members) for sid, s in self._active.items()})
        return out

    def active_count(self) -> int:
        return len(self._active)

    def merge_pass(self) -> list[Move]:
        """Merge stories changed since the last pass into active stories they agree with.

        Only changed stories are examined (fragments appear where articles just arrived), so
        a pass costs O(changed * merge_candidates), not O(active stories squared).
        """
        moves: list[Move] = []
        p = self.params
        changed, self._changed = list(self._changed), {}
        for sid in changed:
            story = self._active.get(sid)
            if story is None or self._is_idle(story, None):
                continue  # merged away earlier in this pass, or expired
            self._load(story.centroid, story.entities)
            others = [
                other
                for other in self._candidates(
                    story.centroid, p.merge_query_terms, p.merge_candidates, exclude=sid
                )
                if not self._is_idle(other, story.last_day)
                and _time_compatible(story, other, min(p.dormant_days, self._reach(story)))
            ]
            names_norm = story.entity_norm if len(story.entities) else 0.0
            rough = self._similarities(others, story.norm, names_norm)
            for other, estimate in zip(others, rough, strict=True):
                if estimate < p.merge_threshold - _ROUNDING:
                    continue  # clearly below: the exact value cannot reach the threshold
                sim = self._loaded_similarity(other, story.norm, names_norm)
                untimed = _one_side_dated(story.last_day, other.last_day)
                need = (
                    p.merge_untimed_threshold
                    if untimed
                    else p.merge_threshold
                    + p.late_merge_margin * self._lateness(other, story.first_day)
                )
                if sim < need:
                    continue
                keep, gone = (story, other) if _survives(story, other) else (other, story)
                moves.extend(Move(k, gone.id, keep.id, round(sim, 4)) for k in gone.members)
                self._merge_into(keep, gone)
                break  # the merged story's centroid changed; it is re-examined next pass
        self._scratch.clear()
        return moves

    # --- scoring ------------------------------------------------------------------------

    def _candidates(
        self, vector: SparseVector, query_terms: int, limit: int, exclude: str | None = None
    ) -> list[_Story]:
        """Up to ``limit`` stories sharing the most weight of the vector's ``query_terms``
        heaviest terms, by the index."""
        scores: dict[str, float] = {}
        get = scores.get
        top = top_positions(vector, query_terms)
        postings = self._postings
        for term, w in zip(vector.idx[top].tolist(), vector.val[top].tolist(), strict=True):
            posting = postings.get(term)
            if not posting:
                continue
            if not scores:  # the first posting, in C (0.0 + w is w)
                scores.update(dict.fromkeys(posting, w))
                continue
            for sid in posting:
                scores[sid] = get(sid, 0.0) + w
        scores.pop(exclude, None)
        if len(scores) > limit:
            # Stable sort: equal index scores keep posting order, so the choice is
            # deterministic; numpy because hundreds of stories may share a term or two.
            ids = list(scores)
            values = np.fromiter(scores.values(), dtype=np.float64, count=len(ids))
            top = np.argsort(-values, kind="stable")[:limit]
            return [self._active[ids[i]] for i in top.tolist()]
        return [self._active[s] for s in scores]

    def _load(self, terms: SparseVector, entities: SparseVector) -> None:
        self._scratch.load(terms, entities)

    def _loaded_similarity(self, story: _Story, norm: float, entity_norm: float) -> float:
        """Cosine of the loaded vector (of norm ``norm``) with ``story``, blended with the
        cosine of names when both sides have names (``entity_norm`` 0: the loaded has none)."""
        sim = self._scratch.dot(story.centroid) / (story.norm * norm)
        if entity_norm and len(story.entities):
            names = self._scratch.dot(story.entities, 1) / (story.entity_norm * entity_norm)
            w = self.params.entity_weight
            return (1.0 - w) * sim + w * names
        return sim

    def _similarities(self, stories: list[_Story], norm: float, entity_norm: float) -> list[float]:
        """``_loaded_similarity`` for several stories in one gather (sums in another order,
        so they may differ from it in the last bits: in the merge pass a filter only)."""
        with_names = [s for s in stories if len(s.entities)] if entity_norm else []
        sims = self._scratch.dots([s.centroid for s in stories], [s.entities for s in with_names])
        w = self.params.entity_weight
        names = iter(sims[len(stories) :])
        out = []
        for story, dot in zip(stories, sims, strict=False):
            sim = dot / (story.norm * norm)
            if entity_norm and len(story.entities):
                sim = (1.0 - w) * sim + w * (next(names) / (story.entity_norm * entity_norm))
            out.append(sim)
        return out

    def _best_story(
        self, vectors: ArticleVectors, day: float | None
    ) -> tuple[_Story | None, float]:
        """The best candidate and its score.

        Candidates are ranked by what they say (plus ``recency_rank`` times recency); the
        winner's score, with the full recency bonus, decides whether the article joins it.
        Two gathers give every dot product (centroids and names, then the finalists' lead
        articles); the dozen scores are blended in Python floats, which for this few values
        is cheaper than more numpy calls.
        """
        p = self.params
        candidates = [
            s
            for s in self._candidates(vectors.terms, p.query_terms, p.max_candidates)
            if not self._is_idle(s, day)
        ]
        if not candidates:
            return None, -1.0
        self._load(vectors.terms, vectors.entities)
        lw = p.lead_weight
        # Stage 1: centroid and names cosines for every candidate (the article's vectors
        # are unit vectors), its recency, and the margin asked when only one side is dated.
        partial = self._similarities(candidates, 1.0, 1.0 if len(vectors.entities) else 0.0)
        recency = [self._recency(s, day) for s in candidates]
        margin = [
            p.untimed_margin * (1.0 - r) if _one_side_dated(day, s.last_day) else 0.0
            for s, r in zip(candidates, recency, strict=True)
        ]
        rank_w = p.recency_rank
        # Stage 2: the lead articles, only for the few best so far (they cost most terms).
        order = sorted(
            range(len(candidates)),
            key=lambda i: -(1.0 - lw) * partial[i] - rank_w * recency[i] + margin[i],
        )
        finalists = sorted(order[: p.lead_finalists]) if lw else list(range(len(candidates)))
        lead_sims: list[float] = []
        if lw:
            lead_sims = self._scratch.dots([v for i in finalists for v in candidates[i].leads])
        at = 0
        best, best_rank, best_score = candidates[0], -math.inf, -math.inf
        for i in finalists:
            s, text = candidates[i], partial[i]
            if lw:
                # Best cosine to the story's lead articles (the centroid's if it has none).
                lead = max(lead_sims[at : at + len(s.leads)]) if s.leads else text
                at += len(s.leads)
                if lead < self._lead_needed(s, day):
                    continue  # late, and not about the event the story began with
                text = (1.0 - lw) * text + lw * lead
            text -= margin[i]
            if day is None and s.last_day is None and text < p.undated_floor:
                continue  # arrival order alone never makes undated pieces one story
            rank = text + rank_w * recency[i]
            if rank > best_rank:  # first maximum: ties go to the better-ranked story
                best, best_rank, best_score = s, rank, text + p.recency_bonus * recency[i]
        return best, best_score

    def _lead_needed(self, story: _Story, day: float | None) -> float:
        """The cosine to the story's first articles a dated newcomer needs to join it."""
        p = self.params
        if day is None or story.last_day is None:
            return 0.0
        assert story.first_day is not None
        quiet = max(day - story.last_day, story.first_day - day)
        if quiet > p.dormant_days:
            return p.dormant_lead
        return p.late_lead * self._lateness(story, day)

    def _lateness(self, story: _Story, day: float | None) -> float:
        """0 for a newcomer dated within ``late_grace_days`` of a dated story's span start
        (or undated), rising towards 1 the later (or earlier) it comes."""
        p = self.params
        if day is None or story.first_day is None:
            return 0.0
        assert story.last_day is not None
        late = max(day - story.first_day, story.last_day - day) - p.late_grace_days
        return 1.0 - math.exp(-late / p.late_scale_days) if late > 0.0 else 0.0

    def _recency(self, story: _Story, day: float | None) -> float:
        """How close in time ``story`` is, from 1 (now) towards 0, on the newcomer's clock.

        A dated newcomer counts days, and a story without dates earns nothing on that clock
        (ECB+ replayed in file order: B-cubed F1 0.846 / 0.785 -> 0.915 / 0.922 on train /
        dev, by date unchanged); an undated newcomer has only its arrival, so it counts
        arrivals.
        """
        p = self.params
        if day is not None:
            if story.last_day is None:
                return 0.0
            assert story.first_day is not None
            gap = max(0.0, story.first_day - day, day - story.last_day)
            return math.exp(-gap / p.recency_days)
        if not p.recency_arrivals:
            return 0.0
        return math.exp(-(self._arrivals - story.last_arrival) / p.recency_arrivals)

    # --- story state ----------------------------------------------------------------------

    def _found(self, key: str, vectors: ArticleVectors) -> _Story:
        sid = story_id_for(key)
        while sid in self._active or sid in self._expired:  # same key re-used: stay unique
            sid = story_id_for(sid)
        story = _Story(sid, self._founded, EMPTY, EMPTY)
        self._founded += 1
        self._absorb(story, vectors.terms, vectors.entities)
        self._active[sid] = story
        return story

    def _absorb(self, story: _Story, terms: SparseVector, entities: SparseVector) -> None:
        p = self.params
        story.centroid = _small(add_vectors(story.centroid, terms, p.centroid_terms))
        story.norm = story.centroid.norm or 1.0
        if len(entities) or not story.entity_norm:  # no names to add: nothing changes
            story.entities = _small(add_vectors(story.entities, entities, p.centroid_terms))
            story.entity_norm = story.entities.norm or 1.0

    def _touch(self, story: _Story, key: str, day: float | None) -> None:
        story.members.append(key)
        story.size += 1
        story.last_arrival = self._arrivals
        if day is not None:
            story.first_day = day if story.first_day is None else min(story.first_day, day)
            story.last_day = day if story.last_day is None else max(story.last_day, day)
        self._story_of[key] = story.id
        self._reindex(story)

    def _reindex(self, story: _Story) -> None:
        """Index ``story`` under its heaviest centroid terms (only the changes are applied).

        Each term's posting is updated on its own, so only the set of terms matters.
        """
        centroid = story.centroid
        new = set(centroid.idx[top_positions(centroid, self.params.index_terms, False)].tolist())
        old = set(story.indexed)
        if new == old:
            return
        postings = self._postings
        for t in old - new:
            posting = postings.get(t)
            if posting is not None:
                posting.pop(story.id, None)
                if not posting:
                    del postings[t]
        cap = self.params.max_postings
        for t in new - old:
            posting = postings.setdefault(t, {})
            posting[story.id] = None
            if len(posting) > cap:
                del posting[next(iter(posting))]  # a too-common term: drop its oldest entry
        story.indexed = tuple(new)

    def _merge_into(self, keep: _Story, gone: _Story) -> None:
        self._unindex(gone)
        del self._active[gone.id]
        self._absorb(keep, gone.centroid, gone.entities)
        keep.members.extend(gone.members)
        keep.leads.extend(gone.leads[: self.params.lead_members - len(keep.leads)])
        keep.size += gone.size
        keep.last_arrival = max(keep.last_arrival, gone.last_arrival)
        for attr, pick in (("first_day", min), ("last_day", max)):
            a, b = getattr(keep, attr), getattr(gone, attr)
            setattr(keep, attr, b if a is None else a if b is None else pick(a, b))
        for k in gone.members:
            self._story_of[k] = keep.id
        self._reindex(keep)

    def _unindex(self, story: _Story) -> None:
        for t in story.indexed:
            posting = self._postings.get(t)
            if posting is not None:
                posting.pop(story.id, None)
                if not posting:
                    del self._postings[t]
        story.indexed = ()

    def _is_idle(self, story: _Story, day: float | None) -> bool:
        """Whether ``story`` is out of reach for a newcomer dated ``day`` (or undated).

        Between dated articles time decides: more than ``expire_days`` between the newcomer
        and the story's dates (either way, since feeds deliver late). An undated newcomer
        could be from any day, so only the arrival window rules a story out.
        """
        if day is not None and story.last_day is not None:
            assert story.first_day is not None
            return max(story.first_day - day, day - story.last_day) > self._reach(story)
        return self._arrivals - story.last_arrival > self.params.expire_arrivals

    def _reach(self, story: _Story) -> float:
        """Days around its own dates within which ``story`` takes new articles."""
        p = self.params
        return p.followup_days if story.size >= p.followup_size else p.expire_days

    def _expire_idle(self) -> None:
        """Drop stories no newcomer can match any more: idle for ``expire_days`` behind the
        newest date seen and for ``expire_arrivals`` arrivals."""
        p, day = self.params, self._clock_day
        cutoff = self._arrivals - p.expire_arrivals  # idle for more arrivals than allowed
        idle = []
        for sid, s in self._active.items():  # all active stories: ``_is_idle`` inlined
            if s.last_arrival >= cutoff:
                continue
            if day is not None and s.last_day is not None:
                assert s.first_day is not None
                if max(s.first_day - day, day - s.last_day) <= p.expire_days:
                    continue
            idle.append(sid)
        for sid in idle:
            story = self._active.pop(sid)
            self._unindex(story)
            if self.params.keep_expired_members:
                self._expired[sid] = story.members
            else:
                for k in story.members:
                    self._story_of.pop(k, None)

    # --- checkpoint (incremental builds keep the clusterer between runs) -------------------

    def members(self, story_id: str) -> list[str]:
        """Article keys of one story (active or expired), in arrival order; [] if unknown."""
        story = self._active.get(story_id)
        if story is not None:
            return list(story.members)
        return list(self._expired.get(story_id, ()))

    def __getstate__(self) -> dict:
        # The dense scratch is 16 MB of zeros between calls: rebuilt, not stored.
        state = self.__dict__.copy()
        del state["_scratch"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._scratch = DenseScratch(self.params.vectors.hash_bits, planes=2)


def _survives(a: _Story, b: _Story) -> bool:
    """Whether ``a`` keeps its id when merged with ``b``: the larger, then the older, wins."""
    return (a.size, -a.seq) >= (b.size, -b.seq)


def _one_side_dated(a: float | None, b: float | None) -> bool:
    """Whether exactly one of two days is known: then dates cannot vouch for a join."""
    return (a is None) != (b is None)


def _time_compatible(a: _Story, b: _Story, max_gap_days: float) -> bool:
    if a.last_day is None or b.last_day is None:
        return True
    assert a.first_day is not None and b.first_day is not None
    gap = max(0.0, a.first_day - b.last_day, b.first_day - a.last_day)
    return gap <= max_gap_days


def _compact(vector: SparseVector) -> SparseVector:
    """A lead article's vector as kept: its heaviest terms in 32-bit types (~1 kB, not ~5).

    The comparison with lead articles only needs their main terms.
    """
    if len(vector) > _LEAD_TERMS:
        keep = np.sort((-vector.val).argpartition(_LEAD_TERMS - 1)[:_LEAD_TERMS])
        vector = SparseVector(vector.idx[keep], vector.val[keep])
    return SparseVector(vector.idx.astype(np.int32), vector.val.astype(np.float32))


def _unit(vector: SparseVector) -> SparseVector:
    """The vector scaled to length 1 (a compacted vector is shorter), so dots are cosines."""
    norm = vector.norm
    if norm == 0.0:
        return vector
    return SparseVector(vector.idx, (vector.val / norm).astype(np.float32))


def _small(vector: SparseVector) -> SparseVector:
    """The vector in 32-bit types: half the memory, and float32 is ample for cosines."""
    return SparseVector(
        vector.idx.astype(np.int32, copy=False), vector.val.astype(np.float32, copy=False)
    )
