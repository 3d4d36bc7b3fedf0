"""Extraction quality on the Fundus benchmark format, scored like the published figures.

Ground truth is ``{file: {url, crawl_date, body: [paragraph, ...]}}``; a paragraph wrapped
in ``[`` ``]`` is optional (bylines, captions, teasers a good extractor may or may not keep).
Each article is scored with ROUGE-LSum F1 against its paragraphs joined by newlines, taking
the best variant over keeping or dropping the optional paragraphs; the figure is the mean
over articles. Precision and recall are those of the best-F1 variant, also averaged.
"""

from __future__ import annotations

import gzip
import itertools
import json
import logging
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from quorum.evaluation.rouge import (
    RougeScore,
    f_measure,
    lcs_indices,
    sentence_tokens,
    summary_level_lcs,
    tokenize,
    union_lcs,
)
from quorum.records import Extracted

log = logging.getLogger(__name__)

# 2**10 = 1024 variants is still cheap (union LCS is computed once per paragraph, a variant
# only recounts tokens). Past that, the optional paragraphs beyond the first ten are tried
# only all-in or all-out, which keeps the cost bounded on a page with dozens of captions.
MAX_FREE_OPTIONAL = 10


class TruthError(ValueError):
    """A ground-truth file that cannot be used, with the reason in the message."""


@dataclass(frozen=True, slots=True)
class TruthArticle:
    """One page's expected body; ``optional[i]`` says whether ``paragraphs[i]`` may be left out."""

    file: str
    url: str
    paragraphs: tuple[str, ...]
    optional: tuple[bool, ...]


@dataclass(frozen=True, slots=True)
class ArticleResult:
    file: str
    score: RougeScore
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ExtractionReport:
    """Mean ROUGE-LSum over the pages, each 0..1, plus the extraction speed."""

    precision: float
    recall: float
    f1: float
    pages: int
    seconds: float
    results: tuple[ArticleResult, ...]

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else 0.0

    def figures(self) -> dict[str, float]:
        """Figures on the 0-100 scale the Fundus paper publishes (93.62 = trafilatura 1.12)."""
        return {
            "precision": round(100 * self.precision, 2),
            "recall": round(100 * self.recall, 2),
            "f1": round(100 * self.f1, 2),
            "pages": self.pages,
            "pages_per_second": round(self.pages_per_second, 2),
        }


def split_optional(paragraph: str) -> tuple[str, bool]:
    """``"[Photo: NASA]"`` -> ``("Photo: NASA", True)``; other paragraphs are required."""
    text = paragraph.strip()
    if len(text) >= 2 and text.startswith("[") and text.endswith("]"):
        return text[1:-1].strip(), True
    return text, False


def load_truth(path: Path) -> list[TruthArticle]:
    """Read a ground-truth JSON file, refusing ones that are not in the benchmark's shape."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TruthError(f"{path}: cannot read ground truth: {exc}") from exc
    if not isinstance(raw, dict):
        raise TruthError(f"{path}: expected an object mapping file names to articles")
    articles = []
    for name, entry in sorted(raw.items()):
        body = entry.get("body") if isinstance(entry, dict) else None
        if not isinstance(body, list) or not all(isinstance(p, str) for p in body):
            raise TruthError(f"{path}: {name}: 'body' must be a list of strings")
        pairs = [split_optional(p) for p in body]
        pairs = [(text, opt) for text, opt in pairs if text]
        articles.append(
            TruthArticle(
                file=name,
                url=str(entry.get("url") or ""),
                paragraphs=tuple(t for t, _ in pairs),
                optional=tuple(o for _, o in pairs),
            )
        )
    return articles


def _keep_masks(optional: Sequence[bool]) -> Iterator[tuple[bool, ...]]:
    """Which paragraphs to keep in each variant (see MAX_FREE_OPTIONAL for the cap)."""
    positions = [i for i, opt in enumerate(optional) if opt]
    free, tied = positions[:MAX_FREE_OPTIONAL], positions[MAX_FREE_OPTIONAL:]
    choices = [(False, True)] * len(free) + ([(False, True)] if tied else [])
    for picks in itertools.product(*choices):
        keep = [True] * len(optional)
        for index, pick in zip(free, picks, strict=False):
            keep[index] = pick
        if tied:
            for index in tied:
                keep[index] = picks[-1]
        yield tuple(keep)


# (reference sentence, candidate sentence) -> LCS indices, for scoring many texts of a page
LcsMemo = dict[tuple[tuple[str, ...], tuple[str, ...]], list[int]]


def _union_lcs(reference: list[str], candidates: list[list[str]], memo: LcsMemo) -> list[str]:
    """``rouge.union_lcs``, re-using the LCS of sentence pairs already seen."""
    vocabulary, ref_key = set(reference), tuple(reference)
    covered: set[int] = set()
    for candidate in candidates:
        if vocabulary.isdisjoint(candidate):
            continue
        key = (ref_key, tuple(candidate))
        if key not in memo:
            memo[key] = lcs_indices(reference, candidate)
        covered.update(memo[key])
    return [reference[i] for i in sorted(covered)]


def score_article(
    truth: TruthArticle, extracted_text: str, memo: LcsMemo | None = None
) -> RougeScore:
    """Best ROUGE-LSum F1 over the optional-paragraph variants of one article.

    Paragraphs may hold newlines; like rouge-score on ``"\\n".join(body)`` each line is a
    sentence. Union LCS of a line does not depend on which other lines are kept, so it is
    computed once and each variant only re-counts clipped hits. ``memo`` lets a caller
    scoring many texts of one page (leave-one-publisher-out) reuse sentence-pair LCS.
    """
    candidate = sentence_tokens(extracted_text)
    per_paragraph = [sentence_tokens(p) for p in truth.paragraphs]
    if memo is None:
        unions = [[union_lcs(s, candidate) for s in sents] for sents in per_paragraph]
    else:
        unions = [[_union_lcs(s, candidate, memo) for s in sents] for sents in per_paragraph]
    best = RougeScore(0.0, 0.0, 0.0)
    for keep in _keep_masks(truth.optional):
        ref = [s for k, sents in zip(keep, per_paragraph, strict=True) if k for s in sents]
        ref_unions = [u for k, us in zip(keep, unions, strict=True) if k for u in us]
        score = summary_level_lcs(ref_unions, ref, candidate)
        if score.f1 > best.f1 or (score.f1 == best.f1 and score.recall > best.recall):
            best = score
    return best


# Word 4-grams: the shingle size of the "4-gram F1" that issue 15 quotes for Quorum and
# trafilatura; long enough that boilerplate and article text rarely share one.
SHINGLE_SIZE = 4


def _shingles(text: str, size: int) -> set[tuple[str, ...]]:
    """Word n-grams of each line (as ROUGE-LSum, a line break ends a sentence)."""
    found: set[tuple[str, ...]] = set()
    for line in text.split("\n"):
        tokens = tokenize(line)
        found.update(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))
    return found


def shingle_f1(truth: TruthArticle, extracted_text: str, size: int = SHINGLE_SIZE) -> float:
    """F1 of the sets of word ``size``-grams, best over the optional-paragraph variants.

    A second, order-free view beside ROUGE-LSum: it counts furniture and missing text
    alike, whatever their position.
    """
    candidate = _shingles(extracted_text, size)
    per_paragraph = [_shingles(p, size) for p in truth.paragraphs]
    best = 0.0
    for keep in _keep_masks(truth.optional):
        reference = set().union(*(s for k, s in zip(keep, per_paragraph, strict=True) if k))
        hits = len(candidate & reference)
        precision = hits / len(candidate) if candidate else 0.0
        recall = hits / len(reference) if reference else 0.0
        best = max(best, f_measure(precision, recall))
    return best


def read_page(path: Path) -> bytes:
    """Raw bytes of an ``.html`` or ``.html.gz`` page (gzip recognised by its magic bytes)."""
    data = Path(path).read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def evaluate(
    html_dir: Path,
    truth: Sequence[TruthArticle],
    extractor: Callable[[bytes, str | None], Extracted],
) -> ExtractionReport:
    """Extract every page named in ``truth`` from ``html_dir`` and score it.

    A page that is missing or unreadable scores 0 (logged), as it would count against an
    extractor in the published benchmark; the timing covers extraction only, not scoring.
    """
    results: list[ArticleResult] = []
    seconds = 0.0
    for article in truth:
        path = Path(html_dir) / article.file
        try:
            page = read_page(path)
        except (OSError, EOFError, zlib.error) as exc:
            log.warning("skipping %s: %s", path, exc)
            results.append(ArticleResult(article.file, RougeScore(0.0, 0.0, 0.0), str(exc)))
            continue
        started = time.perf_counter()
        extracted = extractor(page, article.url or None)
        seconds += time.perf_counter() - started
        results.append(ArticleResult(article.file, score_article(article, extracted.text)))
    count = len(results)

    def mean(values: list[float]) -> float:
        return sum(values) / count if count else 0.0

    return ExtractionReport(
        precision=mean([r.score.precision for r in results]),
        recall=mean([r.score.recall for r in results]),
        f1=mean([r.score.f1 for r in results]),
        pages=count,
        seconds=seconds,
        results=tuple(results),
    )
