"""Clustering quality figures: B-cubed, pairwise and AMI, from contingency counts.

Everything is computed from the (gold, predicted) contingency table, so the cost is
linear in the number of articles, never quadratic in pairs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass

from sklearn.metrics import adjusted_mutual_info_score


@dataclass(frozen=True, slots=True)
class PRF:
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True, slots=True)
class ClusterScores:
    """All the figures of one clustering against the gold labels."""

    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    ami: float
    clusters_predicted: int
    clusters_gold: int

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def _check(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> None:
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predicted")


def bcubed(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> PRF:
    """B-cubed: per article, precision = share of its predicted cluster in its gold cluster,
    recall = share of its gold cluster in its predicted cluster; averaged; F1 of averages."""
    _check(gold, predicted)
    n = len(gold)
    if n == 0:
        return PRF(0.0, 0.0, 0.0)
    cells = Counter(zip(gold, predicted, strict=True))
    gold_sizes, pred_sizes = Counter(gold), Counter(predicted)
    # Each of the c articles in cell (g, p) has precision c / |p| and recall c / |g|.
    precision = sum(c * c / pred_sizes[p] for (_, p), c in cells.items()) / n
    recall = sum(c * c / gold_sizes[g] for (g, _), c in cells.items()) / n
    return PRF(precision, recall, _f1(precision, recall))


def pairwise(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> PRF:
    """Precision/recall of "same story" over all unordered article pairs.

    With no predicted (or gold) pairs at all, precision (recall) is 1.0 by convention:
    nothing was claimed, so nothing was wrong.
    """
    _check(gold, predicted)

    def pairs(count: int) -> int:
        return count * (count - 1) // 2

    both = sum(pairs(c) for c in Counter(zip(gold, predicted, strict=True)).values())
    pred_pairs = sum(pairs(c) for c in Counter(predicted).values())
    gold_pairs = sum(pairs(c) for c in Counter(gold).values())
    precision = both / pred_pairs if pred_pairs else 1.0
    recall = both / gold_pairs if gold_pairs else 1.0
    return PRF(precision, recall, _f1(precision, recall))


def score_clustering(gold: Sequence[Hashable], predicted: Sequence[Hashable]) -> ClusterScores:
    """B-cubed, pairwise, AMI and cluster counts of ``predicted`` against ``gold``."""
    b3 = bcubed(gold, predicted)
    pw = pairwise(gold, predicted)
    gold_ids = {g: i for i, g in enumerate(dict.fromkeys(gold))}
    pred_ids = {p: i for i, p in enumerate(dict.fromkeys(predicted))}
    ami = float(
        adjusted_mutual_info_score([gold_ids[g] for g in gold], [pred_ids[p] for p in predicted])
    )
    return ClusterScores(
        bcubed_precision=b3.precision,
        bcubed_recall=b3.recall,
        bcubed_f1=b3.f1,
        pairwise_precision=pw.precision,
        pairwise_recall=pw.recall,
        pairwise_f1=pw.f1,
        ami=ami,
        clusters_predicted=len(pred_ids),
        clusters_gold=len(gold_ids),
    )
