"""``quorum eval stories``: stories and sources on real news, against hand-judged labels.

Real news has no gold clusters, so quality is measured against judgements kept as labels
(dump ids and verdicts, never texts) in one JSONL file, one judgement per line:

- ``{"kind": "pair", "a": ID, "b": ID, "same": true|false}``: are two articles about the
  same event? Scored as same-story precision (of judged pairs the desk put together, the
  share judged same) and recall (of pairs judged same, the share the desk put together).
- ``{"kind": "story", "founder": ID, "sources": N}`` (or ``{"story_id": ID,
  "independent_sources": N}``, stable ids derive from the founder's URL): the right number
  of independent sources of the story holding ``founder``. Scored as source-count accuracy.
- ``{"kind": "copy", "article": ID, "verdict": "copy"|"original"}`` (or ``article_id``,
  without ``kind``): is the article's text
  substantially another's? Scored as copy precision (of judged articles the desk marks as
  copies, the share judged copies) and, where both verdicts exist, copy recall.

Unlabelled, it reports the share of clustered articles (in stories of two or more) whose
story spans more than 30 and 180 days, and the share of undated articles that joined a
story holding a dated article. Judgements about articles not in the build are listed as
not scored, never silently counted.

The dump is ingested through the real ingest path into a throwaway SQLite database and
assembled by the same function ``quorum build`` uses, so the figures are the desk's.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from quorum.beat import BeatScorer
from quorum.ingest import Ingestor
from quorum.outlets import OutletRegistry
from quorum.pipeline import assemble_stored, copy_ids
from quorum.records import Article, Story
from quorum.settings import Config
from quorum.store import Store

SPANS_DAYS = (30, 180)


class LabelError(ValueError):
    """A labels file that cannot be read, with the line and reason."""


@dataclass
class Labels:
    pairs: list[tuple[str, str, bool]] = field(default_factory=list)
    # (founder or "id:" story id, judged sources, the members judged; empty: not recorded)
    stories: list[tuple[str, int, frozenset[str]]] = field(default_factory=list)
    copies: list[tuple[str, bool]] = field(default_factory=list)

    @classmethod
    def read(cls, *paths: Path) -> Labels:
        labels = cls()
        for path in paths:
            labels._read(path)
        return labels

    def _read(self, path: Path) -> None:
        labels = self
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    kind = row.get("kind") or _kind_of(row)
                    if kind == "pair":
                        labels.pairs.append((str(row["a"]), str(row["b"]), bool(row["same"])))
                    elif kind == "story":
                        members = frozenset(map(str, row.get("members") or ()))
                        if "story_id" in row:  # a story judged by its (stable) id
                            ref = "id:" + str(row["story_id"])
                            count = int(row["independent_sources"])
                        else:
                            ref, count = str(row["founder"]), int(row["sources"])
                        labels.stories.append((ref, count, members))
                    elif kind == "copy":
                        if row["verdict"] not in ("copy", "original"):
                            raise ValueError(f"verdict {row['verdict']!r}")
                        article = str(row.get("article", row.get("article_id")))
                        labels.copies.append((article, row["verdict"] == "copy"))
                    # other kinds (facts, quotes) belong to other evals: ignored here
                except (ValueError, KeyError, TypeError, AttributeError) as exc:
                    raise LabelError(f"{path}:{n}: {type(exc).__name__}: {exc}") from exc


def _kind_of(row: dict) -> str | None:
    """The kind of a row written without one (the copy judgements' own layout)."""
    if "article_id" in row and row.get("verdict") in ("copy", "original"):
        return "copy"
    if "story_id" in row and "independent_sources" in row:
        return "story"
    return None


@dataclass(frozen=True)
class Built:
    """The desk's stories over one dump, by dump id."""

    story_of: dict[str, str]  # dump id -> story id
    members: dict[str, list[str]]  # story id -> dump ids
    sources: dict[str, int]  # story id -> independent sources
    copies: frozenset[str]  # dump ids marked as copies
    span_days: dict[str, float]  # story id -> days between first and last dated article
    dated: frozenset[str]  # dump ids with a publication date


def assemble_dump(
    data: Path, config: Config, in_beat: bool | None = None
) -> tuple[list[Story], list[Article]]:
    """Ingest ``data`` through the real ingest path into a throwaway database and assemble
    its stories as a build does (``in_beat`` None: every article)."""
    registry = OutletRegistry.load()
    beat = BeatScorer.load(threshold=config.beat_threshold)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "eval.db")
        try:
            Ingestor(store, config, registry, beat).ingest_jsonl(data)
            return assemble_stored(
                store, registry.owner_of, config, registry.domain_named, in_beat=in_beat
            )
        finally:
            store.close()


def build(data: Path, config: Config, in_beat_only: bool = False) -> Built:
    """The desk's stories over ``data``, by dump id."""
    stories, articles = assemble_dump(data, config, in_beat=True if in_beat_only else None)
    by_key = {str(a.id): a for a in articles}

    def dump_id(key: str) -> str:
        a = by_key[str(key)]
        return a.source_id or a.url

    story_of, members, sources, span_days, copies = {}, {}, {}, {}, set()
    for story in stories:
        ids = [dump_id(k) for k in story.article_ids]
        members[story.id] = ids
        sources[story.id] = story.independent_sources
        for i in ids:
            story_of[i] = story.id
        copies.update(dump_id(k) for k in copy_ids(story, by_key))
        if story.first_seen and story.last_seen:
            span_days[story.id] = (story.last_seen - story.first_seen).total_seconds() / 86400
    dated = frozenset(dump_id(k) for k, a in by_key.items() if a.published is not None)
    return Built(story_of, members, sources, frozenset(copies), span_days, dated)


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def score(built: Built, labels: Labels) -> dict:
    """Every figure of the issue, with the counts behind each ratio."""
    out: dict = {}
    # pairs
    together = judged_same = both = 0
    unscored: list[str] = []
    for a, b, same in labels.pairs:
        if a not in built.story_of or b not in built.story_of:
            unscored.append(f"pair {a} {b}")
            continue
        joined = built.story_of[a] == built.story_of[b]
        together += joined
        judged_same += same
        both += joined and same
    out["pairs_judged"] = len(labels.pairs) - sum(u.startswith("pair") for u in unscored)
    out["same_story_precision"] = _ratio(both, together)
    out["same_story_recall"] = _ratio(both, judged_same)
    # stories
    right = n = 0
    for founder, sources, judged in labels.stories:
        if founder.startswith("id:"):
            sid = founder[3:] if founder[3:] in built.members else None
        else:
            sid = built.story_of.get(founder)
        if sid is None:
            unscored.append(f"story {founder}")
            continue
        if judged and set(built.members[sid]) != judged:
            # A count judged over other members says nothing about this story: re-judge it.
            unscored.append(f"story {founder} (members changed)")
            continue
        n += 1
        right += built.sources[sid] == sources
    out["stories_judged"] = n
    out["source_count_accuracy"] = _ratio(right, n)
    # copies
    marked = marked_right = judged_copies = found = 0
    for article, is_copy in labels.copies:
        if article not in built.story_of:
            unscored.append(f"copy {article}")
            continue
        flagged = article in built.copies
        marked += flagged
        marked_right += flagged and is_copy
        judged_copies += is_copy
        found += flagged and is_copy
    out["copies_judged"] = len(labels.copies) - sum(u.startswith("copy") for u in unscored)
    out["copy_precision"] = _ratio(marked_right, marked)
    out["copy_recall"] = _ratio(found, judged_copies)
    out.update(unlabelled(built))
    out["not_scored"] = unscored
    return out


def unlabelled(built: Built) -> dict:
    """Span and undated figures that need no labels."""
    out: dict = {}
    clustered = {sid: ids for sid, ids in built.members.items() if len(ids) > 1}
    n_clustered = sum(len(ids) for ids in clustered.values())
    out["articles"] = len(built.story_of)
    out["stories"] = len(built.members)
    out["multi_article_stories"] = len(clustered)
    for days in SPANS_DAYS:
        long = sum(len(ids) for sid, ids in clustered.items() if built.span_days.get(sid, 0) > days)
        out[f"share_in_stories_over_{days}_days"] = _ratio(long, n_clustered)
    undated = [i for i in built.story_of if i not in built.dated]
    joined = sum(
        1 for i in undated if any(m in built.dated for m in built.members[built.story_of[i]])
    )
    out["undated_articles"] = len(undated)
    out["undated_joined_dated_share"] = _ratio(joined, len(undated))
    return out


def story_members(built: Built, ids: Iterable[str]) -> dict[str, list[str]]:
    """The built story of each of ``ids`` (for judging helpers)."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for i in ids:
        sid = built.story_of.get(i)
        if sid:
            grouped[sid] = built.members[sid]
    return dict(grouped)
