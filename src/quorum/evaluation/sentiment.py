"""Sentiment evaluation on NewsMTSC-style or SemEval-2007-style JSONL, beside VADER.

The format is detected per file from the keys of its rows:

- NewsMTSC: ``sentence``, ``target`` (+ ``target_start``/``target_end``), ``label`` in
  negative/neutral/positive. Three-class figures only.
- SemEval-2007 Affective Text: ``headline``, ``valence`` (-100..100), ``label_5``. Five tiers
  (cut at +/-10 and +/-50) and three classes (the tiers folded: neutral is |valence| <= 10).

The VADER baseline is measured in the same run: compound cut at +/-0.05 for three classes
(VADER's own recommended cut) and at +/-0.05 / +/-0.5 for five tiers (the strong cut where
VADER's compound saturates for one clearly emotive word).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from quorum.enrich.sentiment import CLASSES, TIERS, coarse, mark_target, polarity_tier
from quorum.evaluation.jsonl import SkipRow, read_jsonl

log = logging.getLogger(__name__)

# VADER's recommended +/-0.05 neutral band; 0.5 for "very", where one clearly emotive word
# ("killed", "wins") already puts a short headline.
VADER_NEUTRAL, VADER_STRONG = 0.05, 0.5
HOLDOUT_SHARE = 10  # one sentence in ten of NewsMTSC train is held out, one more is dev


@dataclass(frozen=True, slots=True)
class LabelledText:
    """One evaluation row: the text (target marked), its 3-class label, its tier if known.

    ``sentence`` is the unmarked text (models that read the target by name want it) and
    ``group`` what splits go by: NewsMTSC repeats a sentence once per target (and a few
    sentences under two ``sentence_id``s), so the group is the sentence's own text.
    """

    text: str
    target: str | None
    label: str
    tier: str | None = None
    id: str = ""
    sentence: str = ""
    group: str = ""


def split_of(group: str) -> str:
    """NewsMTSC train split by a hash of the sentence (``LabelledText.group``): ``heldout``
    (a tenth, never trained or tuned on), ``dev`` (a tenth, for epochs and cuts) or ``train``."""
    bucket = int(hashlib.sha1(group.encode("utf-8")).hexdigest()[:8], 16) % HOLDOUT_SHARE
    return "heldout" if bucket == 0 else "dev" if bucket == 1 else "train"


def in_holdout(group: str) -> bool:
    """Whether a NewsMTSC sentence (its group) is in the held-out tenth."""
    return split_of(group) == "heldout"


def tier_of_valence(valence: float) -> str:
    """SemEval-2007's five tiers: cuts at +/-10 and +/-50 on the -100..100 valence."""
    return polarity_tier(valence, 10.0, 50.0)


def parse_row(row: dict) -> LabelledText | None:
    """A row in either format, or None when it fits neither."""
    if "sentence" in row and row.get("label") in CLASSES:
        sentence = str(row["sentence"])
        target = row.get("target")
        text = mark_target(sentence, target, row.get("target_start"), row.get("target_end"))
        row_id = str(row.get("id", ""))
        group = " ".join(sentence.lower().split())
        return LabelledText(text, target, row["label"], None, row_id, sentence, group)
    if "headline" in row and ("label_5" in row or "valence" in row):
        tier = row.get("label_5")
        if tier not in TIERS:
            tier = tier_of_valence(float(row["valence"]))
        headline, row_id = str(row["headline"]), str(row.get("id", ""))
        return LabelledText(headline, None, coarse(tier), tier, row_id, headline, row_id)
    return None


def read_rows(path: Path, holdout_only: bool = False) -> list[LabelledText]:
    """Rows of a JSONL file; rows in neither format are logged and skipped."""

    def parse(row: dict) -> LabelledText | None:
        parsed = parse_row(row)
        if parsed is None:
            raise SkipRow("neither NewsMTSC nor SemEval format")
        return None if holdout_only and not in_holdout(parsed.group) else parsed

    return list(read_jsonl(path, parse))


def macro_f1(gold: Sequence[str], guess: Sequence[str], labels: Sequence[str] = CLASSES) -> float:
    """Unweighted mean of per-class F1 (a class absent from both counts as F1 0)."""
    scores = []
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, guess, strict=True))
        predicted = sum(p == label for p in guess)
        actual = sum(g == label for g in gold)
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        scores.append(2 * precision * recall / (precision + recall) if tp else 0.0)
    return sum(scores) / len(scores)


def tier_figures(gold: Sequence[str], guess: Sequence[str]) -> dict[str, float]:
    """Five-tier accuracy and mean absolute tier distance (0..4)."""
    pos = {t: k for k, t in enumerate(TIERS)}
    pairs = list(zip(gold, guess, strict=True))
    return {
        "accuracy": sum(g == p for g, p in pairs) / len(pairs),
        "mae": sum(abs(pos[g] - pos[p]) for g, p in pairs) / len(pairs),
    }


def evaluate(
    rows: Sequence[LabelledText],
    tier_fn: Callable[[LabelledText], str],
    vader_fn: Callable[[str], float],
) -> dict:
    """Figures of a tier function and of VADER on the same rows, as one flat dict."""
    if not rows:
        raise ValueError("no usable rows")
    guess = [tier_fn(r) for r in rows]
    vader = [
        polarity_tier(
            vader_fn(r.text.replace("qtarget", r.target or "")), VADER_NEUTRAL, VADER_STRONG
        )
        for r in rows
    ]
    gold3 = [r.label for r in rows]
    out: dict = {
        "examples": len(rows),
        "macro_f1_3class": round(macro_f1(gold3, [coarse(t) for t in guess]), 4),
        "vader_macro_f1_3class": round(macro_f1(gold3, [coarse(t) for t in vader]), 4),
        "tier_accuracy": None,
        "tier_mae": None,
        "vader_tier_accuracy": None,
        "vader_tier_mae": None,
    }
    if all(r.tier for r in rows):
        gold5 = [r.tier for r in rows]
        ours, theirs = tier_figures(gold5, guess), tier_figures(gold5, vader)
        out.update(
            tier_accuracy=round(ours["accuracy"], 4),
            tier_mae=round(ours["mae"], 4),
            vader_tier_accuracy=round(theirs["accuracy"], 4),
            vader_tier_mae=round(theirs["mae"], 4),
        )
    return out


# --- story tiers against judged real-news stories ------------------------------------------


@dataclass(frozen=True, slots=True)
class StoryVerdict:
    """A judged story: its founder and member ids in the real-news dump, the judged tier,
    and its half (``tune``: cuts chosen on it; ``heldout``: reported only)."""

    founder: str
    members: tuple[str, ...]
    tier: str
    half: str


def read_story_verdicts(path: Path) -> list[StoryVerdict]:
    """``realnews-sentiment.jsonl`` rows (ids and verdicts only, no texts)."""

    def parse(row: dict) -> StoryVerdict:
        if row.get("tier") not in TIERS:
            raise SkipRow(f"tier must be one of {TIERS}")
        members = tuple(str(m) for m in row["members"])
        return StoryVerdict(str(row["story_founder"]), members, row["tier"], row["half"])

    return list(read_jsonl(path, parse))


def read_dump_articles(path: Path, wanted: set[str]) -> dict[str, tuple[str, str]]:
    """id -> (title, text) of the wanted articles of a real-news JSONL dump."""

    def parse(row: dict) -> tuple[str, str, str] | None:
        key = str(row["id"])
        return (key, row.get("title") or "", row.get("text") or "") if key in wanted else None

    return {key: (title, text) for key, title, text in read_jsonl(path, parse)}


def story_polarities(scorer, verdicts: Sequence[StoryVerdict], articles: dict) -> list[float]:
    """Each judged story's polarity as ``scorer`` computes it (articles missing from the
    dump are left out; a story with none scores 0)."""
    out = []
    for verdict in verdicts:
        scores = [
            scorer.score_article(*articles[m], article_id=m)
            for m in verdict.members
            if m in articles
        ]
        out.append(scorer.score_story(scores).value)
    return out


def story_figures(gold: Sequence[str], guess: Sequence[str]) -> dict:
    """Five-tier accuracy, MAE, three-class macro-F1 and how often each tier was given."""
    figures = tier_figures(gold, guess)
    return {
        "stories": len(gold),
        "tier_accuracy": round(figures["accuracy"], 4),
        "tier_mae": round(figures["mae"], 4),
        "macro_f1_3class": round(
            macro_f1([coarse(t) for t in gold], [coarse(t) for t in guess]), 4
        ),
        "tiers_given": {t: sum(g == t for g in guess) for t in TIERS},
        "tiers_judged": {t: sum(g == t for g in gold) for t in TIERS},
    }


def evaluate_stories(scorer, dump: Path, labels: Path) -> dict:
    """Story-tier figures of ``scorer`` on each half of the judged stories, and on all."""
    verdicts = read_story_verdicts(labels)
    articles = read_dump_articles(dump, {m for v in verdicts for m in v.members})
    polarity = story_polarities(scorer, verdicts, articles)
    out = {}
    for half in ("tune", "heldout", "all"):
        idx = [k for k, v in enumerate(verdicts) if half in ("all", v.half)]
        guess = [scorer.cuts.aggregate_tier(polarity[k]) for k in idx]
        out[half] = story_figures([verdicts[k].tier for k in idx], guess)
    return out
