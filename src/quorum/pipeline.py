"""From stored articles to published stories: assemble, enrich, gate, compose, store.

The steps, mirrored by ``# n.`` comments in ``build_stories``:

1. replay the in-beat articles by publication time and URL (``arrival_order``: the same
   articles give the same stories, whatever order their fetches finished in) through the
   online story clusterer (the same one ``quorum eval clustering`` measures), with a merge
   pass every ``merge_every`` arrivals and at the end; story ids come from the founding
   articles' canonical URLs;
2. group each story's copies into origins (one per text) and count its independent
   sources (the owner groups of its origins);
3. run the enrichers (entities, claims, sentiment, impact, confidence, gate, page text) —
   a story whose articles did not change since the last build keeps its stored results;
4. link each story to related earlier stories (the timeline);
5. store the stories, log articles that changed story, refresh the search and entity
   index, and POST new action items to the webhooks.

``build_stories`` runs them incrementally (``quorum.builder``): a build files only the
articles stored since the last one into the kept clusterer and redoes steps 2-5 for the
stories they changed; ``assemble`` is the same replay over a given list of articles.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from quorum.assemble import cluster_params
from quorum.assemble.cluster import StoryClusterer, story_id_for
from quorum.assemble.syndication import build_story
from quorum.desk import Desk
from quorum.enrich.align import SourcedArticle
from quorum.enrich.pipeline import StoryContext
from quorum.records import Article, Story
from quorum.settings import Config

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
    new_articles: int = 0  # articles this build filed for the first time
    touched: int = 0  # stories this build wrote
    full: bool = True  # every article replayed (no checkpoint, settings changed, --full)
    seconds: dict[str, float] = field(default_factory=dict)  # per stage

    def __str__(self) -> str:
        text = (
            f"stories: {self.stories} ({self.verified} verified, {self.single_source} "
            f"single-source shown labelled, {self.held} held back); {self.moved} "
            f"article(s) changed story; {self.reused} unchanged stories reused"
        )
        if self.skipped:
            text += f"; {self.skipped} left out on errors (see `quorum status`)"
        return text

    def stages(self) -> str:
        """One line for a build log: what it took in and what each stage cost."""
        kind = "full" if self.full else "incremental"
        spent = ", ".join(f"{k} {v:.2f}s" for k, v in self.seconds.items())
        return (
            f"{kind} build: {self.new_articles} new article(s), {self.touched} "
            f"story(ies) touched; {spent or 'nothing to do'}"
        )


# data that no enricher reads: the demo corpus, eval labels, hand judgements and floors
_NOT_KNOWLEDGE = {"sample", "beat_labels", "floors", "labels"}


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


def arrival_order(articles: Sequence[Article]) -> list[Article]:
    """Articles in the order the clusterer replays them: by publication time, then
    canonical URL, undated last.

    Row ids say only in which order one poll's concurrent fetches finished, so the same
    articles must give the same stories whatever ids they got.
    """

    def key(a: Article) -> tuple[bool, float, str]:
        return (a.published is None, _timestamp(a.published), a.url)

    return sorted(articles, key=key)


def _timestamp(published: datetime | None) -> float:
    if published is None:
        return 0.0
    return (published if published.tzinfo else published.replace(tzinfo=UTC)).timestamp()


def published_ids(founders: dict[str, Article]) -> dict[str, str]:
    """Clusterer story id -> published story id, from each story's founding article.

    The id is ``story_id_for`` of the founder's canonical URL: the same across runs,
    re-ingests and databases. A clash (two founders hashing alike) is settled by URL order:
    the later founder's id (by URL, then clusterer id) is hashed again until it is free.
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    for sid, founder in sorted(founders.items(), key=lambda kv: (kv[1].url, kv[0])):
        pid = story_id_for(founder.url)
        while pid in taken:
            pid = story_id_for(pid)
        taken.add(pid)
        out[sid] = pid
    return out


def assemble(
    articles: Sequence[Article],
    owner_of: Callable[[str], str],
    config: Config,
    domain_named: Callable[[str], str | None] | None = None,
) -> tuple[list[Story], dict[int, str]]:
    """Steps 1-2: stories (with origins) from articles in ``arrival_order``, plus the move
    reasons the merge passes gave, by article id.

    The clusterer keys articles by row id; the published story ids come from the founding
    articles' canonical URLs (``published_ids``).
    """
    articles = arrival_order(articles)
    params = cluster_params(config)
    clusterer = StoryClusterer(params)
    by_key = {str(a.id): a for a in articles}
    founders: dict[str, Article] = {}
    raw_moves: list[tuple[int, str, str, float]] = []
    for n, article in enumerate(articles, 1):
        founders.setdefault(clusterer.add(article, str(article.id)), article)
        if n % params.merge_every == 0 or n == len(articles):
            raw_moves.extend(
                (int(m.article_key), m.from_story, m.to_story, m.similarity)
                for m in clusterer.merge_pass()
            )
    ids = published_ids(founders)
    why_moved = {
        aid: f"merge pass: story {ids[a]} joined {ids[b]} (similarity {sim:.2f})"
        for aid, a, b, sim in raw_moves
    }
    stories = []
    for sid, keys in clusterer.stories().items():
        members = [(k, by_key[k]) for k in keys]
        stories.append(
            build_story(
                ids[sid],
                members,
                owner_of,
                containment=config.near_duplicate_containment,
                domain_named=domain_named,
            )
        )
    stories.sort(key=lambda s: s.id)
    return stories, why_moved


def copy_ids(story: Story, articles: Mapping) -> set:
    """Keys of the story's copies: in each origin (one text) the earliest article is the
    original and the rest are copies (``articles`` maps the story's keys to articles)."""
    copies = set()
    for origin in story.origins:
        ids = sorted(
            origin.article_ids,
            key=lambda i: (
                articles[i].published is None,
                _timestamp(articles[i].published),
                articles[i].id,
            ),
        )
        copies.update(ids[1:])
    return copies


def _context(story: Story, articles: dict[int, Article]) -> StoryContext:
    """The enrichers' view: each article with its independent source (the first origin of
    its owner group, so claims count sources, not texts), and the copies of each text."""
    origin_of: dict[int, str] = {}
    source_key: dict[str, str] = {}
    for origin in story.origins:
        key = source_key.setdefault((origin.source or origin.key).lower(), origin.key)
        for i in origin.article_ids:
            origin_of[int(i)] = key
    keyed = {k: articles[int(k)] for k in story.article_ids}
    copies = {int(i) for i in copy_ids(story, keyed)}
    sourced = [
        SourcedArticle(articles[int(i)], origin_of[int(i)], articles[int(i)].outlet)
        for i in story.article_ids
    ]
    return StoryContext(story, sourced, frozenset(copies))


def assemble_stored(
    store,
    owner_of: Callable[[str], str],
    config: Config,
    domain_named: Callable[[str], str | None] | None = None,
    in_beat: bool | None = True,
) -> tuple[list[Story], list[Article]]:
    """Steps 1-2 over the stored articles (``in_beat`` None: all of them), as a build does;
    also returns the articles, keyed in the stories by ``str(article.id)``."""
    articles = list(store.articles(in_beat=in_beat))
    stories, _ = assemble(articles, owner_of, config, domain_named)
    return stories, articles


def build_stories(
    desk: Desk, progress: Progress | None = None, *, full: bool = False, wait: float = 0.0
) -> BuildSummary:
    """Bring the stored stories up to date: only the articles stored since the last build
    are clustered, and only the stories they change are rebuilt (``quorum.builder``);
    ``full`` replays every article in the order the builds took them."""
    from quorum.builder import build

    return build(desk, progress, full=full, wait=wait)


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
    # the text this article tells (the enrichers see its source's key instead)
    origin = next(o.key for o in ctx.story.origins if str(article.id) in map(str, o.article_ids))
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
