"""Time-expression scoring as TempEval-3 Task A does it.

Rows are ``{"doc_id", "corpus", "dct": "YYYY-MM-DD", "text", "timexes": [{"start", "end",
"type", "value"}]}``. A system timex matches a gold one (relaxed) when their spans overlap,
strictly when the spans are identical; each timex matches at most once. Value accuracy is the
share of relaxed matches whose values are equal, and TempEval-3 ranks systems by
Value F1 = relaxed F1 x value accuracy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from quorum.enrich.timex import Timex
from quorum.evaluation.jsonl import SkipRow, read_jsonl


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    type: str
    value: str


@dataclass(frozen=True, slots=True)
class TimexDoc:
    doc_id: str
    corpus: str
    dct: date
    text: str
    gold: tuple[Span, ...]


def read_docs(path: Path, corpus: str | None = None) -> list[TimexDoc]:
    """Documents of a TempEval-style JSONL file, optionally one corpus only."""
    docs = list(read_jsonl(path, _row))
    if corpus:
        docs = [d for d in docs if d.corpus.lower() == corpus.lower()]
    return docs


def _row(row: dict) -> TimexDoc:
    text = row["text"]
    if not isinstance(text, str):
        raise SkipRow("text is not a string")
    gold = tuple(
        Span(int(t["start"]), int(t["end"]), str(t.get("type", "")), str(t["value"]))
        for t in row.get("timexes", [])
    )
    return TimexDoc(
        str(row["doc_id"]),
        str(row.get("corpus", "")),
        date.fromisoformat(str(row["dct"])[:10]),
        text,
        gold,
    )


@dataclass(slots=True)
class Counts:
    gold: int = 0
    system: int = 0
    strict: int = 0
    relaxed: int = 0
    value_ok: int = 0
    type_ok: int = 0

    def add(self, gold: Iterable[Span], system: Iterable[Span]) -> None:
        gold, system = list(gold), list(system)
        self.gold += len(gold)
        self.system += len(system)
        for g, s in align(gold, system):
            self.relaxed += 1
            self.strict += (g.start, g.end) == (s.start, s.end)
            self.value_ok += g.value == s.value
            self.type_ok += g.type == s.type

    def as_dict(self) -> dict:
        relaxed_f1 = _f1(self.relaxed, self.system, self.gold)
        value_acc = self.value_ok / self.relaxed if self.relaxed else 0.0
        type_acc = self.type_ok / self.relaxed if self.relaxed else 0.0
        return {
            "strict_f1": round(_f1(self.strict, self.system, self.gold), 4),
            "relaxed_f1": round(relaxed_f1, 4),
            "relaxed_precision": round(self.relaxed / self.system if self.system else 0.0, 4),
            "relaxed_recall": round(self.relaxed / self.gold if self.gold else 0.0, 4),
            "value_accuracy": round(value_acc, 4),
            "value_f1": round(relaxed_f1 * value_acc, 4),
            "type_accuracy": round(type_acc, 4),
            "gold": self.gold,
            "system": self.system,
        }


def _f1(tp: int, predicted: int, gold: int) -> float:
    return 2 * tp / (predicted + gold) if predicted + gold else 0.0


def align(gold: list[Span], system: list[Span]) -> list[tuple[Span, Span]]:
    """One-to-one pairs of overlapping spans, exact spans first, then largest overlap."""
    pairs = []
    for g in gold:
        for s in system:
            overlap = min(g.end, s.end) - max(g.start, s.start)
            if overlap > 0:
                exact = (g.start, g.end) == (s.start, s.end)
                pairs.append((not exact, -overlap, g.start, s.start, g, s))
    pairs.sort(key=lambda p: p[:4])
    used_g: set[int] = set()
    used_s: set[int] = set()
    out = []
    for *_, g, s in pairs:
        if id(g) in used_g or id(s) in used_s:
            continue
        used_g.add(id(g))
        used_s.add(id(s))
        out.append((g, s))
    return out


def evaluate(
    docs: Iterable[TimexDoc],
    find: Callable[[str, date], list[Timex]],
    predictions: Path | None = None,
) -> dict:
    """Task A figures of ``find`` over ``docs``; per-document predictions to a JSONL file."""
    total = Counts()
    n = 0
    out = open(predictions, "w", encoding="utf-8") if predictions else None
    try:
        for doc in docs:
            n += 1
            found = find(doc.text, doc.dct)
            spans = [Span(t.start, t.end, t.type, t.value) for t in found]
            total.add(doc.gold, spans)
            if out is not None:
                row = {
                    "doc_id": doc.doc_id,
                    "timexes": [
                        {"start": t.start, "end": t.end, "type": t.type, "value": t.value}
                        for t in found
                    ],
                }
                out.write(json.dumps(row) + "\n")
    finally:
        if out is not None:
            out.close()
    return {"documents": n, **total.as_dict()}
