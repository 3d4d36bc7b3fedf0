"""From stored articles to published stories: assemble, enrich, gate, compose, store.

The steps, mirrored by ``# n.`` comments in ``build_stories``:

1. replay the in-beat articles in arrival order through the online story clusterer (the
   same one ``quorum eval clustering`` measures), with a merge pass every
   ``merge_every`` arrivals and at the end;
2. group each story's copies into origins and count its independent sources;
3. run the enrichers (entities, claims, sentiment, impact, confidence, gate, page text) —
   a story whose articles did not change since the last build keeps its stored results;
4. link each story to related earlier stories (the timeline);
5. replace the stored stories in one transaction, log articles that changed story,
   refresh the search and entity index, and POST new action items to the webhooks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from quorum.assemble import cluster_params
from quorum.assemble.cluster import StoryClusterer
from quorum.assemble.syndication import build_story
from quorum.compose.timeline import StorySketch, related_stories
from quorum.desk import Desk
from quorum.enrich.align import SourcedArticle
from quorum.enrich.enrichers import Models, default_enrichers
from quorum.enrich.pipeline import StoryContext, check_order, run_enrichers
from quorum.records import Article, Story
from quorum.settings import Config
from quorum.storydata import story_data

# Bump when the stored data changes shape, so cached enrichment is recomputed.
DATA_VERSION = "1"

Progress = Callable[[int], None]


@dataclass(frozen=True)
class BuildSummary:
    stories: int
    verified: int
    single_source: int
    held: int
    moved: int
    reused: int
    skipped: int = 0  # stories left out because enrichment failed (see the fetch log)

    def __str__(self) -> str:
        text = (
            f"stories: {self.stories} ({self.verified} verified, {self.single_source} "
            f"single-source shown labelled, {self.held} held back); {self.moved} "
            f"article(s) changed story; {self.reused} unchanged stories reused"
        )
        if self.skipped:
            text += f"; {self.skipped} left out on errors (see `quorum status`)"
        return text


# data that no enricher reads: the demo corpus, eval labels and floors
_NOT_KNOWLEDGE = {"sample", "beat_labels", "floors"}


def knowledge_hash() -> str:
    """Hash of the domain data the enrichers read (rubric, gazetteer, models, cue lists), so
    editing any of them makes the next build recompute every story."""
    digest = hashlib.sha1()
    root = Path(str(resources.files("quorum") / "data"))
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.relative_to(root).parts[0] not in _NOT_KNOWLEDGE:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _fingerprint(article_ids: Sequence[int], config: Config, knowledge: str) -> str:
    """Identity of a story's inputs: its articles, the settings that change its data, and
    the domain data files."""
    inputs = [
        DATA_VERSION,
        knowledge,
        config.llm_base_url,
        config.llm_model,
        config.min_sources,
        config.single_source_policy,
        config.ner_model,
    ]
    text = repr(inputs) + ":" + ",".join(str(i) for i in sorted(article_ids))
    return hashlib.sha1(text.encode()).hexdigest()


def assemble(
    articles: Sequence[Article], owner_of: Callable[[str], str], config: Config
) -> tuple[list[Story], dict[int, str]]:
    """Steps 1-2: stories (with origins) from articles in arrival order, plus the move
    reasons the merge passes gave, by article id."""
    params = cluster_params(config)
    clusterer = StoryClusterer(params)
    by_key = {str(a.id): a for a in articles}
    why_moved: dict[int, str] = {}
    for n, article in enumerate(articles, 1):
        clusterer.add(article, str(article.id))
        if n % params.merge_every == 0 or n == len(articles):
            for move in clusterer.merge_pass():
                why_moved[int(move.article_key)] = (
                    f"merge pass: story {move.from_story} joined {move.to_story} "
                    f"(similarity {move.similarity:.2f})"
                )
    stories = []
    for story_id, keys in sorted(clusterer.stories().items()):
        members = [(k, by_key[k]) for k in keys]
        stories.append(
            build_story(story_id, members, owner_of, containment=config.near_duplicate_containment)
        )
    return stories, why_moved


def _context(story: Story, articles: dict[int, Article]) -> StoryContext:
    origin_of: dict[int, str] = {}
    copies = set()
    for origin in story.origins:
        ids = sorted(
            (int(i) for i in origin.article_ids),
            key=lambda i: (articles[i].published is None, articles[i].published, i),
        )
        for n, aid in enumerate(ids):
            origin_of[aid] = origin.key
            if n:  # the first article of an origin is the original; the rest are copies
                copies.add(aid)
    sourced = [
        SourcedArticle(articles[int(i)], origin_of[int(i)], articles[int(i)].outlet)
        for i in story.article_ids
    ]
    return StoryContext(story, sourced, frozenset(copies))


def build_stories(desk: Desk, progress: Progress | None = None) -> BuildSummary:
    """Rebuild every story from the stored in-beat articles and store the result."""
    store, registry, config = desk.store, desk.registry, desk.config
    # A story that cannot be enriched is left out and logged under this run id (kind
    # ``build``, reason ``enrich_error``), so ``quorum status`` shows it; the rest is built.
    run_id = "build-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S-%f")
    articles = list(store.articles(in_beat=True))
    by_id = {a.id: a for a in articles}
    # 1-2. assemble
    stories, why_moved = assemble(articles, registry.owner_of, config)
    # 3. enrich (reusing unchanged stories)
    models = Models.load(config)
    # media outlets' names (not government ones: NASA publishes and is also news)
    media = frozenset(o.name for o in registry if o.kind != "government")
    enrichers = default_enrichers(models, config, media)
    check_order(enrichers)
    previous = {row.id: row for row in store.stories()}
    knowledge = knowledge_hash()
    old_story_of = store.story_of_articles()
    rows, reused, skipped = [], 0, 0
    for story in stories:
        ids = [int(i) for i in story.article_ids]
        fp = _fingerprint(ids, config, knowledge)
        old = previous.get(story.id)
        if old is not None and old.data.get("fingerprint") == fp:
            data, reused = dict(old.data), reused + 1
            status, impact, sentiment = old.status, old.impact, old.sentiment
        else:
            try:
                ctx = _context(story, by_id)
                run_enrichers(enrichers, ctx)
                meta = [_article_meta(by_id[i], ctx, registry) for i in ids]
                outlets = {o.key: o.outlets for o in story.origins}
                data = story_data(ctx, meta, outlets)
            except Exception as exc:  # one story's data must never stop the whole build
                _log_skip(store, run_id, story, exc)
                skipped += 1
                if progress:
                    progress(1)
                continue
            data["fingerprint"] = fp
            status = ctx["gate"].status
            impact = ctx["impact"].value
            sentiment = ctx["sentiment"].value
        title = (data.get("headline") or {}).get("text") or story.title
        rows.append(
            {
                "id": story.id,
                "title": title,
                "article_ids": ids,
                "first_seen": story.first_seen,
                "last_seen": story.last_seen,
                "independent_sources": story.independent_sources,
                "status": status,
                "impact": impact,
                "sentiment": sentiment,
                "data": data,
            }
        )
        if progress:
            progress(1)
    # 4. timeline: related earlier stories, from entity names and headline terms
    sketches = [
        StorySketch(
            r["id"],
            r["title"],
            r["first_seen"],
            tuple(e["name"] for e in r["data"].get("entities", [])[:15]),
        )
        for r in rows
    ]
    for row, sketch in zip(rows, sketches, strict=True):
        row["data"]["timeline"] = [
            {
                "story_id": e.story_id,
                "title": e.title,
                "date": e.date.isoformat() if e.date else None,
                "shared": list(e.shared_terms),
            }
            for e in related_stories(sketch, sketches)
        ]
    # 5. store, log moves, reindex
    moves = []
    for row in rows:
        for aid in row["article_ids"]:
            before = old_story_of.get(aid)
            if before is not None and before != row["id"]:
                moves.append(
                    {
                        "article_id": aid,
                        "from_story": before,
                        "to_story": row["id"],
                        "why": why_moved.get(aid, "re-clustered on rebuild"),
                    }
                )
    store.replace_stories(rows, moves)
    _reindex(store)
    if config.webhook_urls:
        from quorum.web.webhooks import notify_action_items

        notify_action_items(desk, rows)
    counts = {
        s: sum(1 for r in rows if r["status"] == s) for s in ("verified", "single_source", "held")
    }
    return BuildSummary(
        len(rows),
        counts["verified"],
        counts["single_source"],
        counts["held"],
        len(moves),
        reused,
        skipped,
    )


def _log_skip(store, run_id: str, story: Story, exc: Exception) -> None:
    store.log(
        run_id,
        "build",
        f"story:{story.id}",
        ok=False,
        reason="enrich_error",
        detail=f"articles {', '.join(str(i) for i in story.article_ids)}: "
        f"{type(exc).__name__}: {exc}",
    )


def _article_meta(article: Article, ctx: StoryContext, registry) -> dict:
    origin = next(s.origin_key for s in ctx.articles if s.article.id == article.id)
    outlet = registry.lookup(article.outlet)
    return {
        "id": article.id,
        "outlet": article.outlet,
        "outlet_name": outlet.name,
        "title": article.title,
        "url": article.url,
        "published": article.published.isoformat() if article.published else None,
        "origin": origin,
        "is_copy": article.id in ctx.copies,
        "via": article.via,
    }


def _reindex(store) -> None:
    try:
        from quorum.store.index import reindex
    except ImportError:  # the web index is optional for a build
        return
    reindex(store)
