"""Stories and their ids depend on the articles, not on fetch order or database row ids."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from quorum.assemble.cluster import story_id_for
from quorum.outlets import OutletRegistry
from quorum.pipeline import arrival_order, assemble, published_ids
from quorum.records import Article
from quorum.sample_site import SampleSite
from quorum.settings import Config

SAMPLE = Path(__file__).parent.parent / "src" / "quorum" / "data" / "sample"


@pytest.fixture(scope="module")
def newsroom() -> tuple[list[Article], OutletRegistry]:
    """The demo newsroom's in-beat articles as stored records (ids unset)."""
    registry = OutletRegistry.load([SAMPLE / "outlets.toml"])
    articles = [
        Article(
            url=a.canonical_url,
            title=a.title,
            text=a.text,
            outlet=a.outlet,
            published=a.published,
            author=a.author,
            reprint_of=a.reprint_source,
        )
        for a in SampleSite().articles
        if a.in_beat is not False
    ]
    return articles, registry


def _stories(articles: list[Article], registry: OutletRegistry) -> dict[str, list[str]]:
    stories, _ = assemble(articles, registry.owner_of, Config(), registry.domain_named)
    urls = {str(a.id): a.url for a in articles}
    return {s.id: sorted(urls[str(k)] for k in s.article_ids) for s in stories}


def _stored(articles: list[Article], seed: int) -> list[Article]:
    """The articles as one poll might store them: shuffled, row ids in that order."""
    order = list(articles)
    random.Random(seed).shuffle(order)
    return [replace(a, id=i) for i, a in enumerate(order, start=1)]


def test_same_articles_give_same_stories_and_ids_whatever_the_fetch_order(newsroom):
    articles, registry = newsroom
    first = _stories(_stored(articles, 1), registry)
    for seed in (2, 3):
        assert _stories(_stored(articles, seed), registry) == first
    assert len(first) > 10


def test_story_id_comes_from_the_founding_articles_url(newsroom):
    articles, registry = newsroom
    stored = _stored(articles, 4)
    stories, _ = assemble(stored, registry.owner_of, Config(), registry.domain_named)
    by_key = {str(a.id): a for a in stored}
    for story in stories:
        founder = by_key[str(story.article_ids[0])]
        assert story.id == story_id_for(founder.url)
    # A one-article database gets its article's id, whatever the row id.
    lone = replace(articles[0], id=1)
    alone, _ = assemble([lone], registry.owner_of, Config())
    assert alone[0].id == story_id_for(lone.url)
    assert alone[0].id != story_id_for("1")


def test_arrival_order_is_by_date_then_url_undated_last(newsroom):
    articles, _ = newsroom
    undated = replace(articles[0], url="https://a.example/undated", published=None)
    ordered = arrival_order([undated, *reversed(articles)])
    assert ordered[-1] is undated
    keys = [(a.published, a.url) for a in ordered[:-1]]
    assert keys == sorted(keys)


def test_clashing_ids_are_settled_by_url_order():
    a = Article(url="https://a.example/1", title="", text="", outlet="a.example")
    b = Article(url="https://a.example/1", title="", text="", outlet="a.example")
    ids = published_ids({"st-x": a, "st-y": b})
    assert ids["st-x"] == story_id_for(a.url)
    assert ids["st-y"] == story_id_for(ids["st-x"])
    assert published_ids({"st-y": b, "st-x": a}) == ids
