"""``quorum eval impact``: the impact score on real news, against hand-judged verdicts.

Real news has no gold impact, so the score is compared with judgements kept as labels (dump
ids and verdicts, never texts) in one JSONL file, one story a line::

    {"story_founder": ID, "members": [IDs], "impact": 6.5, "why": "...", "half": "tune"}

A judged story is found again in the build as the built story holding its founder. The
figure is agreement: the share of judged stories whose score is within ``TOLERANCE`` points
of the verdict, per half (``tune``: the stories the rubric was tuned on; ``heldout``: the
others; the labels record the half, else it comes from an MD5 of the founder id), with the
mean absolute error beside it.

The dump is ingested into a throwaway SQLite database and assembled as ``quorum eval
stories`` does (every article, the beat filter relaxed); only the judged stories are
enriched (entities, claims, impact), with the enrichers a build runs.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from quorum.enrich.enrichers import Models, default_enrichers
from quorum.enrich.entities import EntityRecognizer
from quorum.enrich.impact import load_rubric
from quorum.enrich.pipeline import run_enrichers
from quorum.evaluation.stories import assemble_dump as stories_of_dump
from quorum.outlets import OutletRegistry
from quorum.pipeline import _context
from quorum.records import Article, Score, Story
from quorum.settings import Config

# An analyst reading two scores a point apart would act the same; 1.5 is the band.
TOLERANCE = 1.5


class ImpactLabelError(ValueError):
    """An impact labels file that cannot be read, with the line and reason."""


@dataclass(frozen=True)
class Verdict:
    founder: str
    members: tuple[str, ...]
    impact: float
    why: str
    half: str


def read_labels(path: Path) -> list[Verdict]:
    """The judged stories of ``path`` (a bad line raises ImpactLabelError)."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                impact = float(row["impact"])
                if not 1 <= impact <= 10:
                    raise ValueError(f"impact {impact} outside 1-10")
                out.append(
                    Verdict(
                        str(row["story_founder"]),
                        tuple(str(m) for m in row.get("members", ())),
                        impact,
                        str(row.get("why", "")),
                        str(row.get("half") or half_of(str(row["story_founder"]))),
                    )
                )
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise ImpactLabelError(f"{path}:{n}: {type(exc).__name__}: {exc}") from exc
    return out


def half_of(founder: str) -> str:
    """``tune`` or ``heldout``, from an MD5 of the founder's dump id (stable, unbiased)."""
    return "tune" if int(hashlib.md5(founder.encode()).hexdigest(), 16) % 2 == 0 else "heldout"


@dataclass(frozen=True)
class BuiltStories:
    """The assembled stories of a dump and its articles, by dump id."""

    stories: list[Story]
    articles: dict[int, Article]  # row id -> article

    def dump_id(self, key: str | int) -> str:
        a = self.articles[int(key)]
        return a.source_id or a.url

    def founder(self, story: Story) -> str:
        return self.dump_id(story.article_ids[0])

    def members(self, story: Story) -> list[str]:
        return [self.dump_id(k) for k in story.article_ids]

    def holding(self, dump_id: str) -> Story | None:
        for story in self.stories:
            if dump_id in self.members(story):
                return story
        return None


def assemble_dump(data: Path, config: Config) -> BuiltStories:
    """Ingest ``data`` into a throwaway database and assemble every article's stories."""
    stories, articles = stories_of_dump(data, config, in_beat=None)
    return BuiltStories(stories, {a.id: a for a in articles})


def sample_stories(built: BuiltStories, n: int, seed: int) -> list[Story]:
    """``n`` stories of two or more articles, drawn at random with ``seed``."""
    multi = sorted((s for s in built.stories if len(s.article_ids) > 1), key=lambda s: s.id)
    return random.Random(seed).sample(multi, min(n, len(multi)))


class ImpactScorer:
    """The build's entities, claims and impact enrichers, loaded once."""

    def __init__(self, config: Config, built: BuiltStories) -> None:
        models = Models(EntityRecognizer.load(config), None, load_rubric())  # type: ignore[arg-type]
        media = frozenset(o.name for o in OutletRegistry.load() if o.kind != "government")
        wanted = {"entities", "claims", "impact"}
        self.enrichers = [e for e in default_enrichers(models, config, media) if e.name in wanted]
        self.built = built

    def score(self, story: Story) -> Score:
        ctx = _context(story, self.built.articles)
        return run_enrichers(self.enrichers, ctx)["impact"]


def agreement(pairs: Iterable[tuple[float, float]]) -> dict:
    """Share of (verdict, score) pairs within TOLERANCE, mean absolute error, count."""
    pairs = list(pairs)
    if not pairs:
        return {"judged": 0, "agreement": None, "mean_abs_error": None}
    close = sum(abs(v - s) <= TOLERANCE for v, s in pairs)
    return {
        "judged": len(pairs),
        "agreement": round(close / len(pairs), 4),
        "mean_abs_error": round(sum(abs(v - s) for v, s in pairs) / len(pairs), 2),
    }


def evaluate(built: BuiltStories, labels: list[Verdict], config: Config) -> dict:
    """Agreement per half and overall, plus each judged story's verdict and score."""
    scorer = ImpactScorer(config, built)
    rows, unscored = [], []
    for verdict in labels:
        story = built.holding(verdict.founder)
        if story is None:
            unscored.append(verdict.founder)
            continue
        value = scorer.score(story).value
        rows.append(
            {
                "founder": verdict.founder,
                "half": verdict.half,
                "impact": verdict.impact,
                "score": value,
            }
        )
    out: dict = {}
    for half in ("tune", "heldout"):
        out[half] = agreement((r["impact"], r["score"]) for r in rows if r["half"] == half)
    out["all"] = agreement((r["impact"], r["score"]) for r in rows)
    out["stories"] = rows
    out["not_scored"] = unscored
    return out
