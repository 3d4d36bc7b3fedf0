"""ROUGE-N, ROUGE-L and ROUGE-LSum, written out so no NLTK data is needed.

They reproduce Google's ``rouge-score`` package (the reference implementation most papers
report) with its default tokenizer and no stemming, so our figures can be set beside the
published ones: the Fundus extraction benchmark reports ROUGE-LSum, summarisation papers
report ROUGE-1/2/L. ``rouge-score`` splits ROUGE-LSum summaries with NLTK when asked; here
sentences are always the newline-separated lines, as in its ``split_summaries=False`` mode.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class RougeScore:
    """Precision, recall and F1 of one candidate against one reference, each 0..1."""

    precision: float
    recall: float
    f1: float


def f_measure(precision: float, recall: float) -> float:
    """Harmonic mean; 0 when both are 0 (an empty candidate or reference)."""
    if precision + recall <= 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def _score(hits: int, candidate_total: int, reference_total: int) -> RougeScore:
    precision = hits / candidate_total if candidate_total else 0.0
    recall = hits / reference_total if reference_total else 0.0
    return RougeScore(precision, recall, f_measure(precision, recall))


def tokenize(text: str) -> list[str]:
    """rouge-score's default tokens: lower case, every run of non-[a-z0-9] is a separator.

    Non-ASCII letters are separators too (as in rouge-score), so "café" gives ``caf``.
    """
    return _NON_ALNUM.sub(" ", text.lower()).split()


def ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    """Counts of the ``n``-grams of ``tokens``."""
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def rouge_n(reference: str, candidate: str, n: int = 1) -> RougeScore:
    """ROUGE-N: clipped n-gram overlap (ROUGE-1 for n=1, ROUGE-2 for n=2)."""
    if n < 1:
        raise ValueError(f"ROUGE-N needs n >= 1, got {n}")
    ref = ngrams(tokenize(reference), n)
    cand = ngrams(tokenize(candidate), n)
    hits = sum((ref & cand).values())
    return _score(hits, sum(cand.values()), sum(ref.values()))


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token lists (two-row DP)."""
    if len(a) < len(b):
        a, b = b, a
    previous = [0] * (len(b) + 1)
    for token in a:
        current = [0]
        for j, other in enumerate(b, start=1):
            if token == other:
                current.append(previous[j - 1] + 1)
            else:
                current.append(max(current[j - 1], previous[j]))
        previous = current
    return previous[-1]


def rouge_l(reference: str, candidate: str) -> RougeScore:
    """ROUGE-L: longest common subsequence of the two texts taken as one token sequence."""
    ref = tokenize(reference)
    cand = tokenize(candidate)
    return _score(lcs_length(ref, cand), len(cand), len(ref))


def lcs_indices(reference: Sequence[str], candidate: Sequence[str]) -> list[int]:
    """Indices into ``reference`` of one LCS, chosen with rouge-score's tie-breaking.

    The choice matters for ROUGE-LSum, which unions these indices over candidate
    sentences; the backtrack below prefers the same cells as rouge-score's
    ``_backtrack_norec`` so our scores match it exactly.
    """
    rows, cols = len(reference), len(candidate)
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(1, rows + 1):
        above, row, token = table[i - 1], table[i], reference[i - 1]
        for j in range(1, cols + 1):
            if token == candidate[j - 1]:
                row[j] = above[j - 1] + 1
            else:
                row[j] = row[j - 1] if row[j - 1] > above[j] else above[j]
    found: list[int] = []
    i, j = rows, cols
    while i > 0 and j > 0:
        if reference[i - 1] == candidate[j - 1]:
            found.append(i - 1)
            i -= 1
            j -= 1
        elif table[i][j - 1] > table[i - 1][j]:
            j -= 1
        else:
            i -= 1
    found.reverse()
    return found


def union_lcs(reference: Sequence[str], candidates: Sequence[Sequence[str]]) -> list[str]:
    """Tokens of ``reference`` in the union of its LCS with each candidate sentence, in order."""
    vocabulary = set(reference)
    covered: set[int] = set()
    for candidate in candidates:
        # A sentence sharing no word with the reference has an empty LCS: skip the DP.
        if vocabulary.isdisjoint(candidate):
            continue
        covered.update(lcs_indices(reference, candidate))
    return [reference[i] for i in sorted(covered)]


def sentence_tokens(text: str) -> list[list[str]]:
    """Tokens of each non-empty newline-separated line: ROUGE-LSum's "sentences"."""
    return [tokenize(line) for line in text.split("\n") if line]


def summary_level_lcs(
    reference_unions: Sequence[Sequence[str]],
    reference_sentences: Sequence[Sequence[str]],
    candidate_sentences: Sequence[Sequence[str]],
) -> RougeScore:
    """ROUGE-LSum from precomputed union-LCS tokens (one list per reference sentence).

    Split out so a caller scoring many variants of one reference against one candidate
    (the extraction eval's optional paragraphs) computes each union LCS once. A token is
    a hit only while both texts still have an unmatched copy of it, as in rouge-score.
    """
    ref_total = sum(len(s) for s in reference_sentences)
    cand_total = sum(len(s) for s in candidate_sentences)
    if not ref_total or not cand_total:
        return RougeScore(0.0, 0.0, 0.0)
    ref_left: Counter[str] = Counter()
    for sentence in reference_sentences:
        ref_left.update(sentence)
    cand_left: Counter[str] = Counter()
    for sentence in candidate_sentences:
        cand_left.update(sentence)
    hits = 0
    for union in reference_unions:
        for token in union:
            if cand_left[token] > 0 and ref_left[token] > 0:
                hits += 1
                cand_left[token] -= 1
                ref_left[token] -= 1
    return _score(hits, cand_total, ref_total)


def rouge_lsum(reference: str, candidate: str) -> RougeScore:
    """ROUGE-LSum: summary-level LCS over newline-separated sentences (rouge-score's
    ``rougeLsum`` with ``split_summaries=False``)."""
    ref_sentences = sentence_tokens(reference)
    cand_sentences = sentence_tokens(candidate)
    unions = [union_lcs(s, cand_sentences) for s in ref_sentences]
    return summary_level_lcs(unions, ref_sentences, cand_sentences)
