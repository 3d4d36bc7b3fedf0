"""Article -> sparse hashed term vectors, with online document frequencies.

Why hashing: the clusterer runs over an unbounded stream, so a learnt vocabulary would grow
without limit; hashing terms into ``2**hash_bits`` slots bounds memory (4 MB of document
counts at 20 bits) at the cost of rare collisions. Why online IDF: there is no background
corpus we may ship, and the IDF of a term in this week's news is what matters anyway, so
document frequencies are counted over the articles seen so far.

Two vectors per article: ``terms`` (title, lead and body words) and ``entities`` (words
capitalised inside a sentence: names of people, places, programmes). Entities separate two
events of the same kind ("Tara Reid enters rehab" vs "Lindsay Lohan enters rehab") that
share the rest of their vocabulary.
"""

from __future__ import annotations

import functools
import gzip
import math
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from importlib import resources

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

# Words (letters, inner apostrophes and hyphens) and numbers with separators ("1,200", "3.5").
_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*\w)?|\d+(?:[.,]\d+)*")
# The first word of each sentence or paragraph (its capital is not a name's): the text's
# first word, and words after a sentence end or a line break. Each branch of _START_WORD
# opens with a literal character, which lets the regex engine skip ahead to candidates.
_FIRST_WORD = re.compile(r"[\s\"'“‘(\[]*([^\W\d_](?:[\w'’-]*\w)?)")
_START_WORD = re.compile(
    r"(?:\.[\"'”’)\]]*\s+|![\"'”’)\]]*\s+|\?[\"'”’)\]]*\s+|\n)"
    r"[\s\"'“‘(\[]*([^\W\d_](?:[\w'’-]*\w)?)"
)
_MEMO_SIZE = 500_000  # entries kept per memo before it is cleared

# Capitalised everywhere in English, so they say nothing about who or where.
_NOT_ENTITIES = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "may june july august september october november december mr mrs ms dr sen rep gov gen "
    "i it's".split()
)
_STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | {"said", "says", "told", "would", "also"}


_Info = tuple[int, bool] | None  # a word form's (slot, may be a name); None: a stop word


@dataclass(frozen=True, slots=True)
class VectorParams:
    """How an article's words are weighted before IDF."""

    hash_bits: int = 20  # 1M slots: collisions between salient terms are rare at news scale
    title_weight: float = 2.0  # a headline states the event; its words count double
    lead_words: int = 60  # about the first two sentences: who, what, where
    lead_weight: float = 1.0  # extra weight on the lead, on top of the body count
    entity_boost: float = 2.0  # a name in the text vector counts this many times a word
    min_entities: int = 2  # fewer entity terms than this: no entity vector (lower-cased text)
    # Background document frequencies (data/background) count as this many documents seen
    # before the stream, so a new desk weighs common words low and specific names and
    # figures high; a mature desk's own counts outweigh them. 0: online counts only.
    background_docs: float = 300.0


@dataclass(frozen=True, slots=True)
class ArticleVectors:
    """The weighted, L2-normalised vectors of one article."""

    terms: SparseVector
    entities: SparseVector


@dataclass(frozen=True, slots=True)
class TermCounts:
    """Raw (pre-IDF) weighted counts of one article, before document frequencies apply.

    Sparse vectors of counts (numpy arrays pickle compactly when counted in a worker).
    """

    terms: SparseVector
    entities: SparseVector

    def __reduce__(self) -> tuple:
        # Cheaper to pickle (to and from counting workers) than the dataclass default.
        return (TermCounts, (self.terms, self.entities))


@functools.cache
def background_df(hash_bits: int) -> np.ndarray:
    """Share of news documents holding each hashed word slot, from the shipped background
    statistics (read-only; one table per process and slot count)."""
    table = np.zeros(1 << hash_bits, dtype=np.float32)
    mask = (1 << hash_bits) - 1
    raw = resources.files("quorum") / "data" / "background" / "word_doc_freq.tsv.gz"
    for line in gzip.decompress(raw.read_bytes()).decode("utf-8").splitlines():
        if line and not line.startswith("#"):
            word, share = line.split("\t")
            slot = zlib.crc32(word.encode("utf-8")) & mask
            table[slot] = max(table[slot], float(share))
    table.setflags(write=False)
    return table


class Vectorizer:
    """Turns articles into vectors and keeps the online document frequencies.

    One instance per clusterer: the document counts belong to the stream it has seen.
    """

    def __init__(self, params: VectorParams = VectorParams()) -> None:
        self.params = params
        self._mask = (1 << params.hash_bits) - 1
        self._df = np.zeros(1 << params.hash_bits, dtype=np.int32)
        self._documents = 0
        self._background = (
            background_df(params.hash_bits) * params.background_docs
            if params.background_docs
            else None
        )
        # A whitespace-separated token -> its words, each with (slot, may be a name) or None
        # (a stop word). Bounded (cleared when full) so it cannot grow with the stream.
        self._tokens: dict[str, tuple[tuple[str, _Info], ...]] = {}

    @property
    def documents(self) -> int:
        return self._documents

    def __getstate__(self) -> dict:
        # Kept between builds without the token memo (a cache) and the background table
        # (read from the package): both are rebuilt, so a checkpoint stays small.
        state = self.__dict__.copy()
        state["_tokens"] = {}
        state["_background"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        p = self.params
        self._background = (
            background_df(p.hash_bits) * p.background_docs if p.background_docs else None
        )

    def _info(self, form: str) -> _Info:
        """A word form's slot and whether it may be a name; None for a stop word."""
        lower = form.lower()
        if len(lower) < 2 or lower in _STOP_WORDS:
            return None
        slot = zlib.crc32(lower.encode("utf-8")) & self._mask
        return (slot, form[0].isupper() and lower not in _NOT_ENTITIES)

    def _words(self, token: str) -> tuple[tuple[str, _Info], ...]:
        """The words of one whitespace-separated token with their info (memoised: tokens
        recur, and one lookup per distinct token is most of the cost of counting)."""
        words = self._tokens.get(token)
        if words is None:
            if len(self._tokens) > _MEMO_SIZE:
                self._tokens.clear()
            words = tuple((w, self._info(w)) for w in _WORD.findall(token))
            self._tokens[token] = words
        return words

    def count(self, title: str, text: str) -> TermCounts:
        """Weighted term counts of one article (no IDF yet; independent of the stream)."""
        p = self.params
        terms: dict[int, float] = {}
        entities: dict[int, float] = {}
        self._add_part(title, p.title_weight, terms, entities, lead_words=0)
        self._add_part(text, 1.0, terms, entities, lead_words=p.lead_words)
        if len(entities) < p.min_entities:
            entities = {}
        return TermCounts(_sparse(terms), _sparse(entities))

    def _word_counts(
        self, text: str, lead_words: int
    ) -> tuple[dict[str, list], list[tuple[str, _Info]]]:
        """Form -> [count, info] for each word that is not a stop word, in order of first
        occurrence, and the first ``lead_words`` words with their info.

        The same as counting ``_WORD.findall(text)`` (no word spans whitespace), but
        splitting on whitespace and counting tokens runs in C, so only distinct tokens (~250
        in a 450-word article) reach Python.
        """
        tokens = text.split()
        forms: dict[str, list] = {}
        get = forms.get
        words_of = self._words
        for token, c in Counter(tokens).items():
            for form, info in words_of(token):
                if info is not None:
                    entry = get(form)
                    if entry is None:
                        forms[form] = [c, info]
                    else:
                        entry[0] += c
        lead: list[tuple[str, _Info]] = []
        for token in tokens:
            if len(lead) >= lead_words:
                break
            lead.extend(words_of(token))
        return forms, lead[:lead_words]

    def _add_part(
        self,
        text: str,
        weight: float,
        terms: dict[int, float],
        entities: dict[int, float],
        lead_words: int,
    ) -> None:
        """Add one part's counts, visiting each distinct word form once (~200 in a 450-word
        article)."""
        forms, lead = self._word_counts(text, lead_words)
        if not forms:
            return
        p = self.params
        # A capital at a sentence start says nothing; elsewhere it marks a name.
        starts = Counter(_sentence_starts(text))
        for form, (c, (slot, capital)) in forms.items():
            w = c * weight
            if capital:
                names = c - starts.get(form, 0)
                if names > 0:
                    entities[slot] = entities.get(slot, 0.0) + names * weight
                    w += names * weight * (p.entity_boost - 1.0)
            terms[slot] = terms.get(slot, 0.0) + w
        if lead_words and p.lead_weight:
            info_of = dict(lead)
            for form, c in Counter([form for form, _ in lead]).items():
                info = info_of[form]
                if info is not None:
                    terms[info[0]] += c * p.lead_weight

    def observe(self, counts: TermCounts) -> None:
        """Count one more document in the document frequencies."""
        self._documents += 1
        self._df[counts.terms.idx] += 1

    def weigh(self, counts: TermCounts) -> ArticleVectors:
        """Apply sublinear TF and the current IDF, then L2-normalise each vector."""
        return ArticleVectors(self._tfidf(counts.terms), self._tfidf(counts.entities))

    def admit(self, counts: TermCounts) -> ArticleVectors:
        """Observe the next article of the stream, then weigh it: the order the clusterer
        relies on, wherever the weighing runs."""
        self.observe(counts)
        return self.weigh(counts)

    def _tfidf(self, counts: SparseVector) -> SparseVector:
        if not len(counts):
            return EMPTY
        slots, tf = counts.idx, counts.val
        # Smoothed IDF as in scikit-learn: a term in every document still weighs 1.
        if self._background is None:
            idf = np.log((self._documents + 1.0) / (self._df[slots] + 1.0)) + 1.0
        else:
            seen = self._documents + self.params.background_docs + 1.0
            idf = np.log(seen / (self._df[slots] + self._background[slots] + 1.0)) + 1.0
        weights = (1.0 + np.log(np.maximum(tf, 1e-9))) * idf
        weights = np.maximum(weights, 0.0)
        norm = math.sqrt(float(weights @ weights))
        if norm == 0.0:
            return EMPTY
        return SparseVector(slots, weights / norm)


@dataclass(frozen=True, slots=True)
class SparseVector:
    """Hashed term slots (unique) and their weights, as parallel numpy arrays."""

    idx: np.ndarray
    val: np.ndarray

    def __len__(self) -> int:
        return len(self.idx)

    @property
    def norm(self) -> float:
        return math.sqrt(float(self.val @ self.val))

    def __reduce__(self) -> tuple:
        return (SparseVector, (self.idx, self.val))


EMPTY = SparseVector(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


def _sentence_starts(text: str) -> list[str]:
    """The words that open a sentence or a line, in order: the first word (if the text
    opens with one), then each word after a sentence end or a line break."""
    first = _FIRST_WORD.match(text)
    if first is None:
        return _START_WORD.findall(text)
    return [first.group(1), *_START_WORD.findall(text, first.end())]


def _sparse(counts: dict[int, float]) -> SparseVector:
    if not counts:
        return EMPTY
    return SparseVector(
        np.fromiter(counts, dtype=np.int64, count=len(counts)),
        np.fromiter(counts.values(), dtype=np.float64, count=len(counts)),
    )


def top_terms(vector: SparseVector, k: int) -> np.ndarray:
    """Slots of the ``k`` heaviest terms, heaviest first (stable, so deterministic)."""
    return vector.idx[top_positions(vector, k)]


def top_positions(vector: SparseVector, k: int, ordered: bool = True) -> np.ndarray:
    """Positions of the ``k`` heaviest terms: heaviest first (ties: lower position first),
    or, unordered, just which ones (the same set, for callers that only need the set)."""
    if len(vector) <= k:
        if not ordered:
            return np.arange(len(vector))
        return (-vector.val).argsort(kind="stable")
    part = (-vector.val).argpartition(k - 1)[:k]
    if ordered:
        part = part[np.lexsort((part, -vector.val[part]))]
    return part


def add_vectors(a: SparseVector, b: SparseVector, limit: int) -> SparseVector:
    """``a + b`` (slots in ascending order), truncated to its ``limit`` heaviest terms (ties:
    lower position first).

    A stable sort puts the two entries of a shared slot side by side, ``a``'s first; summed
    in float64 (``a``'s value plus ``b``'s, as a bincount over both would).
    """
    if not len(b):
        return a
    if not len(a):
        return _truncate(b, limit)
    idx = np.concatenate((a.idx, b.idx))
    val = np.concatenate((a.val, b.val), dtype=np.float64)
    order = idx.argsort(kind="stable")
    idx, val = idx[order], val[order]
    shared = (idx[1:] == idx[:-1]).nonzero()[0]  # slot i+1 repeats slot i
    val[shared] += val[shared + 1]
    keep = np.ones(len(idx), dtype=bool)
    keep[shared + 1] = False
    return _truncate(SparseVector(idx[keep], val[keep]), limit)


def _truncate(vector: SparseVector, limit: int) -> SparseVector:
    if len(vector) <= limit:
        return vector
    keep = (-vector.val).argpartition(limit - 1)[:limit]
    keep.sort()
    return SparseVector(vector.idx[keep], vector.val[keep])


class DenseScratch:
    """Dense arrays ("planes") vectors are spread into, so dot products with them are gathers.

    Reused for every article (and zeroed after), so comparing an article with a story costs
    one gather over the story's terms instead of a Python loop. One plane per vector loaded
    together (an article's terms and its names), so ``dots`` serves both in one bincount.
    """

    def __init__(self, hash_bits: int, planes: int = 1) -> None:
        size = 1 << hash_bits
        self._dense = np.zeros(planes * size, dtype=np.float64)
        self._planes = [self._dense[i * size : (i + 1) * size] for i in range(planes)]
        self._loaded: list[tuple[np.ndarray, np.ndarray]] = []

    def load(self, *vectors: SparseVector) -> None:
        """Spread vector ``i`` into plane ``i``."""
        self.clear()
        for plane, vector in zip(self._planes, vectors, strict=False):
            plane[vector.idx] = vector.val
            self._loaded.append((plane, vector.idx))

    def dot(self, other: SparseVector, plane: int = 0) -> float:
        return float(self._planes[plane][other.idx] @ other.val)

    def dots(self, *groups: list[SparseVector]) -> list[float]:
        """Dot products of plane ``p``'s vector with each vector of ``groups[p]``, in order.

        One gather per plane and one bincount for all: numpy's per-call cost, not the
        arithmetic, dominates for a few dozen vectors of ~150 terms. Each sum runs in term
        order over the non-zero products only (adding an exact 0.0 changes no sum).
        """
        gathered: list[np.ndarray] = []
        values: list[np.ndarray] = []
        lengths: list[int] = []
        for plane, group in zip(self._planes, groups, strict=False):
            if group:
                # int64 positions: numpy gathers with them much faster than with int32.
                gathered.append(plane.take(np.concatenate([v.idx for v in group], dtype=np.int64)))
                values.extend([v.val for v in group])
                lengths.extend([len(v.idx) for v in group])
        if not lengths:
            return []
        loaded = gathered[0] if len(gathered) == 1 else np.concatenate(gathered)
        hits = (loaded != 0.0).nonzero()[0]  # on booleans: ~3x faster than on floats
        owner = np.repeat(np.arange(len(lengths)), lengths)[hits]
        products = loaded[hits] * np.concatenate(values)[hits]
        return np.bincount(owner, weights=products, minlength=len(lengths)).tolist()

    def clear(self) -> None:
        for plane, idx in self._loaded:
            plane[idx] = 0.0
        self._loaded = []
