"""Entity-level precision/recall/F1 on CoNLL-style BIO data, as conlleval counts them.

An entity counts as found only when its type and both boundaries match exactly. Rows are
``{"tokens": [...], "ner_tags": [...]}`` with BIO tags over PER/ORG/LOC/MISC.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from quorum.enrich.entities import bio_to_spans, fix_bio
from quorum.evaluation.jsonl import SkipRow, read_jsonl

log = logging.getLogger(__name__)

CONLL_TYPES = ("PER", "ORG", "LOC", "MISC")


@dataclass(frozen=True, slots=True)
class PRF:
    precision: float
    recall: float
    f1: float

    @classmethod
    def from_counts(cls, tp: int, predicted: int, gold: int) -> PRF:
        p = tp / predicted if predicted else 0.0
        r = tp / gold if gold else 0.0
        return cls(p, r, 2 * p * r / (p + r) if p + r else 0.0)


@dataclass(frozen=True, slots=True)
class NerResult:
    micro: PRF
    per_type: dict[str, PRF] = field(default_factory=dict)
    sentences: int = 0
    gold_entities: int = 0

    @property
    def micro_f1(self) -> float:
        return self.micro.f1

    def as_dict(self) -> dict:
        return {
            "micro_f1": round(self.micro.f1, 4),
            "micro_precision": round(self.micro.precision, 4),
            "micro_recall": round(self.micro.recall, 4),
            "per_type": {
                t: {
                    "precision": round(v.precision, 4),
                    "recall": round(v.recall, 4),
                    "f1": round(v.f1, 4),
                }
                for t, v in self.per_type.items()
            },
            "sentences": self.sentences,
            "gold_entities": self.gold_entities,
        }


def read_conll_jsonl(path: Path) -> list[tuple[list[str], list[str]]]:
    """(tokens, tags) rows; malformed lines are logged and skipped."""
    return list(read_jsonl(path, _conll_row))


def _conll_row(row: dict) -> tuple[list[str], list[str]] | None:
    tokens, tags = row["tokens"], row["ner_tags"]
    if len(tokens) != len(tags):
        raise SkipRow("tokens and tags differ in length")
    if not tokens or tokens[0] == "-DOCSTART-":
        return None
    return list(tokens), list(tags)


def evaluate_tagger(
    tag: Callable[[Sequence[str]], list[str]],
    rows: Iterable[tuple[Sequence[str], Sequence[str]]],
) -> NerResult:
    """Score a tagging function against gold BIO rows."""
    tp: Counter = Counter()
    predicted: Counter = Counter()
    gold: Counter = Counter()
    sentences = 0
    for tokens, gold_tags in rows:
        sentences += 1
        guess = {(s.start, s.end, s.label) for s in bio_to_spans(fix_bio(list(tag(tokens))))}
        truth = {(s.start, s.end, s.label) for s in bio_to_spans(fix_bio(list(gold_tags)))}
        for _, _, label in guess:
            predicted[label] += 1
        for _, _, label in truth:
            gold[label] += 1
        for _, _, label in guess & truth:
            tp[label] += 1
    per_type = {t: PRF.from_counts(tp[t], predicted[t], gold[t]) for t in CONLL_TYPES}
    micro = PRF.from_counts(sum(tp.values()), sum(predicted.values()), sum(gold.values()))
    return NerResult(micro, per_type, sentences, sum(gold.values()))
