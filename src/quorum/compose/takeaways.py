"""Key takeaways: the story's central sentences, chosen without repeating one another.

1. Candidate sentences come from every article that is not a syndicated copy, split with
   ``quorum.text.sentence_spans`` so each keeps its exact character span.
2. Fragments, over-long run-ons, questions, quotes with no attribution and page furniture
   ("Sign up for our newsletter", "Hide Caption 2 of 44", copyright lines) are dropped; an
   opening wire dateline ("WASHINGTON (Orbital Wire) —") is cut off the sentence it opens.
3. Each sentence is scored by LexRank-style centrality over TF-IDF cosine similarity, by how
   many *other* independent origins state something similar, and by a lead-position prior
   (news puts the main fact first).
4. Sentences are taken greedily by maximal marginal relevance (MMR); a sentence too similar
   to one already chosen is never taken, so near-identical wording appears once.

Everything is deterministic: ties fall back to article order and position.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

from quorum.compose import Cited, SourceArticle, article_key
from quorum.text import sentence_spans

log = logging.getLogger(__name__)

_QUOTES = '"“”«»'
_QUOTED = re.compile(r"[\"“«][^\"”»]*[\"”»]?")
_WORD = re.compile(r"\w+")
_CONTENT = re.compile(r"[A-Za-z0-9][\w'’-]*")


@dataclass(frozen=True)
class SentenceRules:
    """Which sentences may be quoted at all.

    6 words: shorter ones are datelines, captions and fragments ("Read more."). 60 words:
    longer ones are run-ons where splitting failed or lists; they read badly as a takeaway.
    40 sentences per article: the lead carries the news, and the cap bounds the similarity
    matrix for long features (n^2 memory).
    """

    min_words: int = 6
    max_words: int = 60
    max_per_article: int = 40


@dataclass(frozen=True)
class TakeawayWeights:
    """How the score and selection trade off.

    Measured with ``quorum eval summarization --limit 500``: on Multi-News the three score
    weights barely move ROUGE (within 0.001 for support 0-1.5, lead 0-1.5, centrality 0-1),
    since a 230-word budget takes half of each cluster's text anyway; article relevance added
    0.004 ROUGE-1. So the weights are set for the desk: centrality first, then the lead
    prior, then agreement among independent origins (facts several outlets state).
    """

    centrality: float = 1.0
    support: float = 0.5
    lead: float = 0.6
    # Exponent on article relevance (an article's similarity to the rest of the story):
    # 2 down-weights articles that were grouped into the story by mistake; Multi-News has
    # such off-topic documents in half its clusters, and 2 measured best of 0, 1, 2.
    relevance: float = 2.0
    # MMR: 0.7 of relevance against 0.3 of novelty, the usual setting in the MMR literature.
    mmr_lambda: float = 0.7
    # Sameness (see StorySentences) >= 0.5 means the sentences share most of their content
    # words: the second adds nothing, so it is never chosen. Checked by reading takeaways of
    # the largest ECB+ news clusters (paraphrases of the main fact went, distinct details
    # stayed); 0.4 scored +0.002 ROUGE-1 on Multi-News but starts merging distinct facts.
    redundancy: float = 0.5
    # Two sentences from different origins with cosine >= 0.3 usually state the same fact
    # in different words (e.g. the same number and subject); lower matches topic only.
    agreement: float = 0.3


@dataclass(frozen=True)
class Candidate:
    """A quotable sentence of one article, with where it sits."""

    text: str
    article_id: int | str
    origin_key: str
    start: int
    end: int
    article_index: int
    position: int  # sentence index inside its article (0 = lead)
    words: int

    def cite(self, score: float = 0.0) -> Cited:
        return Cited(self.text, self.article_id, self.start, self.end, round(float(score), 4))


@dataclass(frozen=True)
class StorySentences:
    """The candidates of one story, their TF-IDF rows and pairwise similarities.

    ``similarity`` (TF-IDF cosine) measures centrality and agreement; ``sameness`` is the
    larger of it and the cosine of plain content-word sets, and decides redundancy: IDF
    fitted on one story discounts its subject words, so two paraphrases of the main fact
    ("The Indian navy captured 23 pirates ...") look less alike under TF-IDF than they are.
    """

    candidates: list[Candidate]
    matrix: object  # scipy sparse (n, vocabulary)
    similarity: np.ndarray  # (n, n) cosine
    terms: list[str] = field(default_factory=list)
    sameness: np.ndarray | None = None  # (n, n); None means use ``similarity``

    def same(self, i: int, j: int) -> float:
        matrix = self.similarity if self.sameness is None else self.sameness
        return float(matrix[i, j])

    def __len__(self) -> int:
        return len(self.candidates)


@dataclass(frozen=True)
class Ranked:
    """A candidate index with its relevance score (before redundancy)."""

    index: int
    score: float


# --- 1. and 2. candidates -------------------------------------------------------------------


@dataclass(frozen=True)
class Furniture:
    """Page furniture as data (data/extraction_boilerplate.json), shared with extraction.

    ``lines`` match a whole sentence ("Read more."); ``inside`` are searched anywhere in it
    ("Hide Caption 2 of 44", "Copyright © 2019 ..."); ``dateline`` opens an article
    ("WASHINGTON (Orbital Wire) —") and is cut off the sentence that quotes it.
    """

    lines: tuple[re.Pattern[str], ...] = ()
    inside: tuple[re.Pattern[str], ...] = ()
    dateline: re.Pattern[str] | None = None

    @classmethod
    def load(cls) -> Furniture:
        ref = resources.files("quorum") / "data" / "extraction_boilerplate.json"
        try:
            data = json.loads(ref.read_text(encoding="utf-8"))
            return cls(
                tuple(re.compile(p, re.IGNORECASE) for p in data.get("line_patterns", [])),
                tuple(re.compile(p, re.IGNORECASE) for p in data.get("sentence_patterns", [])),
                re.compile(data["dateline"]) if data.get("dateline") else None,
            )
        except (OSError, ValueError, re.error) as exc:  # a broken data file must not stop a page
            log.warning("boilerplate patterns unavailable: %s", exc)
            return cls()

    def is_furniture(self, text: str) -> bool:
        stripped = text.strip()
        return any(p.match(stripped) for p in self.lines) or any(
            p.search(stripped) for p in self.inside
        )

    def after_dateline(self, text: str) -> int:
        """Characters of ``text`` taken by an opening dateline (0 when there is none)."""
        m = self.dateline.match(text) if self.dateline else None
        return m.end() if m and m.end() < len(text) else 0


# Datelines open an article: only sentences starting this early are checked for one.
_DATELINE_REACH = 400


def boilerplate_patterns() -> list[re.Pattern[str]]:
    """Page-furniture patterns shared with extraction (data/extraction_boilerplate.json)."""
    furniture = Furniture.load()
    return list(furniture.lines) + list(furniture.inside)


def quotable_articles(articles: Sequence[SourceArticle]) -> list[tuple[int, SourceArticle]]:
    """(index, article) of the articles that may be quoted: copies only when their origin
    has no original in the story (then one copy stands in for it)."""
    originals = {a.origin_key for a in articles if not a.is_copy}
    chosen: list[tuple[int, SourceArticle]] = []
    stand_ins: set[str] = set()
    for index, source in enumerate(articles):
        if not source.article.text or not source.article.text.strip():
            continue
        if source.is_copy:
            if source.origin_key in originals or source.origin_key in stand_ins:
                continue
            stand_ins.add(source.origin_key)
        chosen.append((index, source))
    return chosen


def _quote_only(text: str) -> bool:
    """A sentence that is a bare quotation: fewer than three words outside the quotes.

    Such sentences ('"Please - no more."') make no sense without the speaker.
    """
    stripped = text.strip()
    if not stripped or stripped[0] not in _QUOTES + "'‘":
        return False
    outside = _QUOTED.sub(" ", stripped)
    return len(_WORD.findall(outside)) < 3


def is_quotable(
    text: str, rules: SentenceRules, furniture: Sequence[re.Pattern[str]] | Furniture
) -> bool:
    """Whether a sentence can stand on a page as a statement of fact."""
    words = len(text.split())
    if words < rules.min_words or words > rules.max_words:
        return False
    stripped = text.strip().rstrip(_QUOTES + "'’)")
    if stripped.endswith("?"):
        return False
    if _quote_only(text):
        return False
    if isinstance(furniture, Furniture):
        return not furniture.is_furniture(text)
    return not any(p.match(text.strip()) for p in furniture)


def candidate_sentences(
    articles: Sequence[SourceArticle], rules: SentenceRules | None = None
) -> list[Candidate]:
    """Every quotable sentence of the story, once (an exact repeat in another article is
    skipped: unflagged syndication must not count twice)."""
    rules = rules or SentenceRules()
    furniture = Furniture.load()
    seen: set[str] = set()
    out: list[Candidate] = []
    for index, source in quotable_articles(articles):
        text = source.article.text
        key = article_key(source, index)
        for position, (start, end) in enumerate(sentence_spans(text)[: rules.max_per_article]):
            if start < _DATELINE_REACH:
                start += furniture.after_dateline(text[start:end])  # still an exact sub-span
            sentence = text[start:end]
            if not is_quotable(sentence, rules, furniture):
                continue
            folded = " ".join(_WORD.findall(sentence.lower()))
            if folded in seen:
                continue
            seen.add(folded)
            out.append(
                Candidate(
                    sentence,
                    key,
                    source.origin_key,
                    start,
                    end,
                    index,
                    position,
                    len(sentence.split()),
                )
            )
    return out


def vectorise(candidates: list[Candidate]) -> StorySentences:
    """TF-IDF rows (fitted on this story only) and cosine similarities of the candidates."""
    if not candidates:
        return StorySentences([], None, np.zeros((0, 0)))
    # Sublinear tf and English stop words: content words decide similarity; IDF over the
    # story's own sentences makes the story's ubiquitous words (its subject) weigh less.
    vectorizer = TfidfVectorizer(
        stop_words="english", sublinear_tf=True, token_pattern=r"(?u)\b\w\w+\b"
    )
    try:
        matrix = vectorizer.fit_transform([c.text for c in candidates])
    except ValueError:  # only stop words: nothing to compare
        n = len(candidates)
        return StorySentences(candidates, None, np.eye(n))
    similarity = (matrix @ matrix.T).toarray()
    try:
        words = CountVectorizer(binary=True, analyzer=content_stems).fit_transform(
            [c.text for c in candidates]
        )
        words = normalize(words.astype(float))
        sameness = np.maximum(similarity, (words @ words.T).toarray())
    except ValueError:  # no content words at all: TF-IDF alone decides
        sameness = None
    return StorySentences(
        candidates, matrix, similarity, list(vectorizer.get_feature_names_out()), sameness
    )


def stem(word: str) -> str:
    """A crude suffix strip so "launched"/"launches"/"launch" meet; enough for overlap."""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_stems(text: str) -> list[str]:
    """Stems of the words of ``text`` that are not English stop words."""
    return [stem(w) for w in _CONTENT.findall(text) if w.lower() not in ENGLISH_STOP_WORDS]


def prepare(
    articles: Sequence[SourceArticle], rules: SentenceRules | None = None
) -> StorySentences:
    """Candidates and their similarities: the shared input of takeaways and sections."""
    return vectorise(candidate_sentences(articles, rules))


# --- 3. scores ------------------------------------------------------------------------------


def lexrank(similarity: np.ndarray, damping: float = 0.15, iterations: int = 50) -> np.ndarray:
    """Continuous LexRank (Erkan & Radev 2004): stationary distribution of a random walk
    over the similarity graph, scaled so the most central sentence scores 1.

    Damping 0.15 is the paper's value; 50 power iterations converge far below display
    precision for the few hundred sentences of a story.
    """
    n = similarity.shape[0]
    if n == 0:
        return np.zeros(0)
    rows = similarity.sum(axis=1, keepdims=True)
    rows[rows == 0] = 1.0
    transition = similarity / rows
    rank = np.full(n, 1.0 / n)
    for _ in range(iterations):
        rank = damping / n + (1 - damping) * (transition.T @ rank)
    top = rank.max()
    return rank / top if top > 0 else rank


def origin_support(story: StorySentences, threshold: float) -> np.ndarray:
    """Share of the *other* origins with a sentence similar to each candidate (0..1)."""
    cands = story.candidates
    origins = sorted({c.origin_key for c in cands})
    if len(origins) < 2:
        return np.zeros(len(cands))
    origin_of = np.array([origins.index(c.origin_key) for c in cands])
    support = np.zeros(len(cands))
    for o in range(len(origins)):
        members = origin_of == o
        # for each candidate, does origin o hold a similar sentence?
        agrees = (story.similarity[:, members] >= threshold).any(axis=1)
        support += agrees & (origin_of != o)
    return support / (len(origins) - 1)


def lead_prior(candidates: Sequence[Candidate]) -> np.ndarray:
    """1 for an article's first sentence, decaying as 1/sqrt(1 + position).

    Square root rather than 1/position: the second and third sentences of a news story
    usually still carry the main facts.
    """
    return np.array([1.0 / np.sqrt(1 + c.position) for c in candidates])


def article_relevance(story: StorySentences) -> np.ndarray:
    """Per candidate: cosine of its article's TF-IDF centroid with the rest of the story's,
    scaled so the most on-topic article is 1 (all ones for a single-article story)."""
    n = len(story)
    articles = np.array([c.article_index for c in story.candidates])
    distinct = sorted(set(articles.tolist()))
    if len(distinct) < 2 or story.matrix is None:
        return np.ones(n)
    centroids = {a: np.asarray(story.matrix[articles == a].sum(axis=0)).ravel() for a in distinct}
    total = sum(centroids.values())
    relevance = {}
    for a, own in centroids.items():
        rest = total - own
        norm = np.linalg.norm(own) * np.linalg.norm(rest)
        relevance[a] = float(own @ rest / norm) if norm > 0 else 0.0
    top = max(relevance.values())
    if top <= 0:
        return np.ones(n)
    return np.array([relevance[a] / top for a in articles.tolist()])


def rank_candidates(story: StorySentences, weights: TakeawayWeights | None = None) -> list[Ranked]:
    """Every candidate with its relevance score, best first (ties: article, position)."""
    weights = weights or TakeawayWeights()
    if not story.candidates:
        return []
    score = (
        weights.centrality * lexrank(story.similarity)
        + weights.support * origin_support(story, weights.agreement)
        + weights.lead * lead_prior(story.candidates)
    )
    if weights.relevance:
        score = score * article_relevance(story) ** weights.relevance
    order = sorted(
        range(len(story)),
        key=lambda i: (-score[i], story.candidates[i].article_index, story.candidates[i].position),
    )
    return [Ranked(i, float(score[i])) for i in order]


# --- 4. selection ---------------------------------------------------------------------------


def select(
    story: StorySentences,
    k: int | None = 5,
    max_words: int | None = None,
    weights: TakeawayWeights | None = None,
) -> list[Cited]:
    """Take sentences by MMR until ``k`` are chosen or ``max_words`` are reached."""
    weights = weights or TakeawayWeights()
    ranked = rank_candidates(story, weights)
    if not ranked:
        return []
    top = ranked[0].score or 1.0
    chosen: list[Ranked] = []
    remaining = list(ranked)
    words = 0
    while remaining and (k is None or len(chosen) < k):
        best: tuple[float, Ranked] | None = None
        for item in remaining:
            overlap = max((story.same(item.index, c.index) for c in chosen), default=0.0)
            if overlap >= weights.redundancy:
                continue
            mmr = weights.mmr_lambda * item.score / top - (1 - weights.mmr_lambda) * overlap
            if best is None or mmr > best[0]:
                best = (mmr, item)
        if best is None:
            break
        chosen.append(best[1])
        remaining.remove(best[1])
        words += story.candidates[best[1].index].words
        if max_words is not None and words >= max_words:
            break
    return [story.candidates[r.index].cite(r.score) for r in chosen]


def key_takeaways(
    articles: Sequence[SourceArticle], k: int = 5, weights: TakeawayWeights | None = None
) -> list[Cited]:
    """Up to ``k`` central, non-redundant sentences of the story, most important first.

    Fewer come back when the story has fewer distinct quotable sentences.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    return select(prepare(articles), k=k, weights=weights)
