"""``quorum eval clustering``: replay a labelled dataset through the online clusterer.

Datasets: JSONL rows ``id, title, text, date, source, url, cluster`` (the ECB+ files), or a
gzipped Multi-News file whose rows are gold stories holding a list of documents. The same
``StoryClusterer`` the pipeline uses runs over the articles in arrival order (``date``: by
date, undated articles last in file order, like ``ORDER BY published NULLS LAST``; or
``file``), with a merge pass every ``merge_every`` articles and at the end. A batch
baseline (TF-IDF, cosine, average-linkage agglomerative clustering) is scored beside it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer

from quorum.assemble.cluster import ClusterParams, StoryClusterer
from quorum.evaluation.cluster_metrics import ClusterScores, score_clustering
from quorum.evaluation.jsonl import SkipRow, read_jsonl
from quorum.records import Article

log = logging.getLogger(__name__)

# Cosine similarity at which the batch baseline merges clusters (average linkage). Tuned by
# `tune_baseline_threshold` on ecbplus-train + ecbplus-dev (best mean B-cubed F1 over a
# 0.02-step grid), then fixed here so every dataset is scored with the same baseline.
BASELINE_THRESHOLD = 0.2


class DatasetError(ValueError):
    """A dataset file that cannot be read, with the reason."""


@dataclass(frozen=True, slots=True)
class LabelledArticle:
    key: str
    article: Article
    gold: str


@dataclass(frozen=True, slots=True)
class ClusteringRun:
    """Figures of one online run, plus the baseline's B-cubed F1 and the throughput."""

    scores: ClusterScores
    articles: int
    seconds: float
    baseline_bcubed_f1: float | None

    @property
    def articles_per_second(self) -> float:
        return self.articles / self.seconds if self.seconds > 0 else float("inf")

    def figures(self) -> dict[str, float | int | None]:
        out: dict[str, float | int | None] = dict(self.scores.as_dict())
        out["articles_per_second"] = round(self.articles_per_second, 1)
        out["baseline_bcubed_f1"] = self.baseline_bcubed_f1
        return out


# --- loading ------------------------------------------------------------------------------


def _parse_date(value: object) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _multinews_rows(row: dict) -> list[LabelledArticle]:
    docs = row["documents"]
    if isinstance(docs, str):  # some releases store the list as a JSON string
        try:
            docs = json.loads(docs)
        except json.JSONDecodeError as exc:
            raise SkipRow("documents is not a JSON list") from exc
    if not isinstance(docs, list):
        raise SkipRow("documents should be a list")
    skip = set(row.get("mnp_irrelevant_doc_indices") or ())
    story = str(row["id"])
    out = []
    for i, doc in enumerate(docs):
        if i in skip or not isinstance(doc, str) or not doc.strip():
            continue
        key = f"{story}#{i}"
        # No titles or dates in Multi-News: the title stays empty (the first sentence is the
        # lead anyway and is weighted as such).
        article = Article(
            url=f"dataset:{key}", title="", text=doc, outlet="", via="dump", source_id=key
        )
        out.append(LabelledArticle(key, article, story))
    return out


def _row_article(row: dict) -> LabelledArticle:
    missing = [k for k in ("id", "text", "cluster") if k not in row]
    if missing:
        raise SkipRow(f"missing field(s) {', '.join(missing)}")
    key = str(row["id"])
    article = Article(
        url=row.get("url") or f"dataset:{key}",
        title=row.get("title") or "",
        text=row.get("text") or "",
        outlet=row.get("source") or "",
        published=_parse_date(row.get("date")),
        via="dump",
        source_id=key,
    )
    return LabelledArticle(key, article, str(row["cluster"]))


def _parse_row(row: object) -> list[LabelledArticle]:
    if not isinstance(row, dict):
        raise SkipRow("not a JSON object")
    return _multinews_rows(row) if "documents" in row else [_row_article(row)]


def load_dataset(path: Path) -> list[LabelledArticle]:
    """Read a labelled JSONL (optionally gzipped) of articles or of Multi-News clusters.

    Unusable lines are logged and skipped (``quorum.evaluation.jsonl``); a missing or
    unreadable file, or one without a single usable article, is a ``DatasetError``.
    """
    if not path.exists():
        raise DatasetError(f"no such file: {path}")
    out: list[LabelledArticle] = []
    seen: set[str] = set()
    try:
        for items in read_jsonl(path, _parse_row):
            for item in items:
                if item.key in seen:
                    log.warning("%s: duplicate id %s skipped", path.name, item.key)
                    continue
                seen.add(item.key)
                out.append(item)
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise DatasetError(f"{path}: cannot read: {exc}") from exc
    if not out:
        raise DatasetError(f"{path}: no usable articles")
    return out


def arrival_order(items: Sequence[LabelledArticle], order: str) -> list[int]:
    """Indices in replay order: ``file``, or ``date`` (undated last, in file order)."""
    if order == "file":
        return list(range(len(items)))
    if order != "date":
        raise ValueError(f"unknown order {order!r} (date or file)")
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(range(len(items)), key=lambda i: (items[i].article.published or far, i))


# --- the online run -------------------------------------------------------------------------


def cluster_online(
    items: Sequence[LabelledArticle], order: str = "date", params: ClusterParams = ClusterParams()
) -> list[str]:
    """Story id of each item (in the items' own order) after replaying them in ``order``."""
    clusterer = StoryClusterer(params)
    for n, i in enumerate(arrival_order(items, order), 1):
        clusterer.add(items[i].article, items[i].key)
        if params.merge_every and n % params.merge_every == 0:
            clusterer.merge_pass()
    clusterer.merge_pass()
    labels = []
    for item in items:
        sid = clusterer.story_of(item.key)
        labels.append(sid if sid is not None else f"lost:{item.key}")
    return labels


def evaluate(
    path: Path, order: str = "date", params: ClusterParams = ClusterParams(), baseline: bool = True
) -> ClusteringRun:
    """Load ``path``, run the online clusterer (timed) and the batch baseline, score both."""
    items = load_dataset(path)
    gold = [it.gold for it in items]
    start = time.perf_counter()
    predicted = cluster_online(items, order, params)
    seconds = time.perf_counter() - start
    baseline_f1 = None
    if baseline:
        baseline_f1 = score_clustering(gold, batch_baseline(items)).bcubed_f1
    return ClusteringRun(score_clustering(gold, predicted), len(items), seconds, baseline_f1)


# --- the batch baseline ---------------------------------------------------------------------


def _tfidf(items: Sequence[LabelledArticle]) -> csr_matrix:
    docs = [f"{it.article.title}\n{it.article.text}" for it in items]
    return TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(docs)


def batch_baseline(
    items: Sequence[LabelledArticle], threshold: float = BASELINE_THRESHOLD
) -> list[int]:
    """Average-linkage agglomerative clustering on TF-IDF cosine, cut at ``threshold``.

    Exact but cheap: an average-linkage merge needs at least one pair above the threshold,
    so clusters never cross the connected components of the "cosine > threshold" graph;
    linkage runs inside each component only.
    """
    return _agglomerate(_tfidf(items), threshold)


def _agglomerate(x: csr_matrix, threshold: float) -> list[int]:
    n = x.shape[0]
    rows, cols = [], []
    for start in range(0, n, 1000):
        block = (x[start : start + 1000] @ x.T).toarray()
        r, c = np.nonzero(block > threshold)
        rows.append(r + start)
        cols.append(c)
    r, c = np.concatenate(rows), np.concatenate(cols)
    graph = csr_matrix((np.ones(len(r)), (r, c)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    labels = np.zeros(n, dtype=np.int64)
    next_label = 0
    for comp in np.unique(component):
        members = np.flatnonzero(component == comp)
        if len(members) == 1:
            labels[members] = next_label
            next_label += 1
            continue
        sims = (x[members] @ x[members].T).toarray()
        dist = np.clip(1.0 - sims[np.triu_indices(len(members), 1)], 0.0, 2.0)
        found = fcluster(linkage(dist, method="average"), t=1.0 - threshold, criterion="distance")
        labels[members] = found + next_label
        next_label += int(found.max()) + 1
    return labels.tolist()


def tune_baseline_threshold(
    paths: Sequence[Path],
    grid: Sequence[float] = tuple(round(0.04 + 0.02 * i, 2) for i in range(28)),
) -> float:
    """The baseline threshold with the best mean B-cubed F1 over ``paths`` (train + dev)."""
    data = []
    for path in paths:
        items = load_dataset(path)
        data.append((_tfidf(items), [it.gold for it in items]))
    best, best_f1 = grid[0], -1.0
    for t in grid:
        f1 = float(np.mean([score_clustering(g, _agglomerate(x, t)).bcubed_f1 for x, g in data]))
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return round(best, 2)
