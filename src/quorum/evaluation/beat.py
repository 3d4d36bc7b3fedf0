"""Beat-filter evaluation: precision/recall of in-beat decisions on a hand-labelled sample.

The labels file holds only (dataset, id, label): the article texts stay in the dataset files
(whose licences forbid copying them into the repository) and are looked up by id here.
A Multi-News id names a cluster and a document index: ``multinews-validation-12#3``.

The sample is split into two halves by a hash of the id, so the vocabulary and threshold
can be tuned on one half and reported on the other (see data/beat_labels/README.md).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from quorum.beat import BeatScorer
from quorum.records import BeatScore

log = logging.getLogger(__name__)

SPLITS = ("all", "tuning", "held-out")


class BeatEvalError(ValueError):
    """Labels or data that cannot be evaluated, with the reason."""


@dataclass(frozen=True, slots=True)
class BeatLabel:
    dataset: str  # the dataset's file name, e.g. ecbplus-dev.jsonl
    id: str
    label: bool  # True: on the space & defense beat

    @property
    def split(self) -> str:
        return split_of(self.dataset, self.id)


@dataclass(frozen=True, slots=True)
class LabelledArticle:
    label: BeatLabel
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class BeatEvalRunInput:
    """The labelled articles found in the data, and the labels whose ids were not."""

    articles: tuple[LabelledArticle, ...]
    missing: tuple[BeatLabel, ...]


@dataclass(frozen=True, slots=True)
class Judged:
    """One labelled article with the scorer's verdict on it."""

    article: LabelledArticle
    result: BeatScore


@dataclass(frozen=True, slots=True)
class BeatFigures:
    """Confusion counts and the figures derived from them, for the in-beat class."""

    tp: int
    fp: int
    fn: int
    tn: int
    threshold: float

    @property
    def examples(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / self.examples if self.examples else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "accuracy": round(self.accuracy, 4),
            "examples": self.examples,
            "threshold": self.threshold,
            "in_beat": self.tp + self.fn,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
        }


@dataclass(frozen=True, slots=True)
class BeatEvalRun:
    """Everything one run produced: verdicts per article and what could not be found."""

    judged: tuple[Judged, ...]
    missing: tuple[BeatLabel, ...] = field(default=())
    threshold: float = 0.0

    def figures(self, split: str = "all") -> BeatFigures:
        if split not in SPLITS:
            raise BeatEvalError(f"unknown split {split!r} (choose {', '.join(SPLITS)})")
        chosen = [j for j in self.judged if split == "all" or j.article.label.split == split]
        return confusion(
            ((j.article.label.label, j.result.in_beat) for j in chosen), self.threshold
        )

    def errors(self, split: str = "all") -> list[Judged]:
        """Articles the scorer got wrong, false positives first, highest scores first."""
        wrong = [
            j
            for j in self.judged
            if j.article.label.label != j.result.in_beat
            and (split == "all" or j.article.label.split == split)
        ]
        return sorted(wrong, key=lambda j: (j.article.label.label, -j.result.score))


def split_of(dataset: str, article_id: str) -> str:
    """tuning or held-out, fixed by a hash of the id so it never depends on file order."""
    digest = hashlib.sha256(f"{dataset}:{article_id}".encode()).digest()
    return "tuning" if digest[0] % 2 == 0 else "held-out"


def confusion(pairs: Iterable[tuple[bool, bool]], threshold: float) -> BeatFigures:
    """Confusion counts from (gold, predicted) pairs."""
    tp = fp = fn = tn = 0
    for gold, predicted in pairs:
        if gold and predicted:
            tp += 1
        elif predicted:
            fp += 1
        elif gold:
            fn += 1
        else:
            tn += 1
    return BeatFigures(tp, fp, fn, tn, threshold)


def read_labels(path: Path) -> list[BeatLabel]:
    """The labels CSV (columns dataset, id, label; others ignored). Bad rows are errors."""
    path = Path(path)
    if not path.is_file():
        raise BeatEvalError(f"labels file not found: {path}")
    labels: list[BeatLabel] = []
    seen: set[tuple[str, str]] = set()
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing_cols = {"dataset", "id", "label"} - set(reader.fieldnames or ())
        if missing_cols:
            raise BeatEvalError(f"{path}: missing column(s) {', '.join(sorted(missing_cols))}")
        for line, row in enumerate(reader, start=2):
            value = (row["label"] or "").strip()
            if value not in ("0", "1"):
                raise BeatEvalError(f"{path}:{line}: label must be 0 or 1, got {value!r}")
            key = (row["dataset"].strip(), row["id"].strip())
            if not all(key):
                raise BeatEvalError(f"{path}:{line}: empty dataset or id")
            if key in seen:
                raise BeatEvalError(f"{path}:{line}: {key[0]} {key[1]} is labelled twice")
            seen.add(key)
            labels.append(BeatLabel(key[0], key[1], value == "1"))
    if not labels:
        raise BeatEvalError(f"{path}: no labels")
    return labels


def find_dataset(data_dir: Path, name: str) -> Path:
    """The dataset file called ``name`` in ``data_dir`` or any folder below it."""
    direct = data_dir / name
    if direct.is_file():
        return direct
    found = sorted(p for p in data_dir.rglob(name) if p.is_file())
    if not found:
        raise BeatEvalError(f"dataset {name} not found under {data_dir}")
    return found[0]


def _rows(path: Path) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                log.warning("%s:%d: not JSON, skipped", path.name, number)


def _as_list(value: object) -> list:
    """Multi-News stores lists either as JSON lists or as JSON text of a list."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return []
    return value if isinstance(value, list) else []


def load_articles(labels: list[BeatLabel], data_dir: Path) -> BeatEvalRunInput:
    """Look up each labelled id in its dataset file; ids that are not there are reported."""
    wanted: dict[str, dict[str, BeatLabel]] = {}
    for label in labels:
        wanted.setdefault(label.dataset, {})[label.id] = label
    found: dict[tuple[str, str], LabelledArticle] = {}
    for dataset, by_id in wanted.items():
        path = find_dataset(data_dir, dataset)
        for row in _rows(path):
            row_id = str(row.get("id", ""))
            if "documents" in row:  # a cluster row: one labelled id per document index
                documents = _as_list(row["documents"])
                for index, document in enumerate(documents):
                    label = by_id.get(f"{row_id}#{index}")
                    if label is not None and isinstance(document, str):
                        found[(dataset, label.id)] = LabelledArticle(label, "", document)
            elif row_id in by_id:
                title = row.get("title") or ""
                text = row.get("text") or ""
                found[(dataset, row_id)] = LabelledArticle(by_id[row_id], title, text)
    articles = tuple(found[(lb.dataset, lb.id)] for lb in labels if (lb.dataset, lb.id) in found)
    missing = tuple(lb for lb in labels if (lb.dataset, lb.id) not in found)
    for label in missing:
        log.warning(
            "labelled article %s %s not found in the data, skipped", label.dataset, label.id
        )
    return BeatEvalRunInput(articles, missing)


def run_beat_eval(scorer: BeatScorer, labels_path: Path, data_dir: Path) -> BeatEvalRun:
    """Score every labelled article that can be found; the figures come from the run."""
    loaded = load_articles(read_labels(labels_path), Path(data_dir))
    if not loaded.articles:
        raise BeatEvalError("none of the labelled articles was found in the data")
    judged = tuple(Judged(a, scorer.score(a.title, a.text)) for a in loaded.articles)
    return BeatEvalRun(judged, loaded.missing, scorer.threshold)


def packaged_labels() -> Path:
    """The labels file shipped with Quorum."""
    return Path(__file__).resolve().parent.parent / "data" / "beat_labels" / "labels.csv"
