"""Origins: syndicated copies, wire credits, RSS <source> and owner groups count once."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from quorum.assemble.syndication import CreditLines, build_story, find_origins
from quorum.records import Article

FIXTURE = Path(__file__).parent / "fixtures" / "clustering" / "articles.jsonl"
OWNERS = {"nbcnews.com": "NBCUniversal", "cnbc.com": "NBCUniversal"}


def _articles(cluster: str) -> list[tuple[str, Article]]:
    out = []
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["cluster"] == cluster:
            published = datetime.fromisoformat(row["date"].replace("Z", "+00:00"))
            out.append(
                (
                    row["id"],
                    Article(
                        url=row["url"],
                        title=row["title"],
                        text=row["text"],
                        outlet=row["source"],
                        published=published,
                    ),
                )
            )
    return out


def _origin_of(origins, key):
    return next(o for o in origins if key in o.article_ids)


def test_syndicated_trio_is_one_origin_and_says_why():
    origins = find_origins(_articles("starlink"), OWNERS.get)
    trio = _origin_of(origins, "e1-ap")
    assert set(trio.article_ids) == {"e1-ap", "e1-sfgate", "e1-wral"}
    assert set(trio.outlets) == {"apnews.com", "sfgate.com", "wral.com"}
    assert any(w.startswith("near-duplicate") for w in trio.why)
    assert "credit line: Associated Press" in trio.why
    assert _origin_of(origins, "e1-spacenews").article_ids == ("e1-spacenews",)
    assert len(origins) == 2
    assert trio.key == "e1-ap"  # the first article's key names the origin


def test_credit_line_reprint_joins_the_wire_even_when_rewritten():
    origins = find_origins(_articles("h3"), None)
    wire = _origin_of(origins, "e4-reuters")
    assert set(wire.article_ids) == {"e4-reuters", "e4-japantimes"}
    assert "credit line: Reuters" in wire.why
    assert not any(w.startswith("near-duplicate") for w in wire.why)  # texts differ


def test_same_owner_outlets_count_once():
    without = find_origins(_articles("h3"), None)
    with_owner = find_origins(_articles("h3"), OWNERS.get)
    assert len(without) == 3
    assert len(with_owner) == 2
    nbc = _origin_of(with_owner, "e4-nbc")
    assert set(nbc.article_ids) == {"e4-nbc", "e4-cnbc"}
    assert "same owner: NBCUniversal" in nbc.why


def test_independent_outlets_stay_apart():
    origins = find_origins(_articles("pac3"), OWNERS.get)
    assert [o.article_ids for o in origins] == [("e2-defensenews",), ("e2-breaking",)]
    assert all(o.why == () for o in origins)


def test_rss_source_reprint_joins_the_named_outlet():
    original = Article(
        url="https://reuters.com/a",
        title="Satellite launch",
        text="A rocket carried a weather satellite to orbit on Monday.",
        outlet="reuters.com",
    )
    reprint = Article(
        url="https://example-news.com/b",
        title="Weather satellite launched",
        text="Officials said the new satellite will improve storm forecasts.",
        outlet="example-news.com",
        reprint_of="Reuters",
    )
    origins = find_origins([("a", original), ("b", reprint)], None)
    assert len(origins) == 1
    assert "rss <source>: Reuters" in origins[0].why


def test_a_wire_named_mid_text_is_not_a_credit():
    text = (
        "The minister told The Associated Press on Monday that the launch would go ahead. " * 3
        + "More paragraphs follow here. " * 20
        + "The launch is set for June."
    )
    assert CreditLines.load().credited_wire(text) is None
    assert CreditLines.load().credited_wire("LONDON (Reuters) - Shares rose.").name == "Reuters"
    assert (
        CreditLines.load()
        .credited_wire("Shares rose.\nThe Associated Press contributed to this report.")
        .domain
        == "apnews.com"
    )


def test_credit_table_is_data():
    table = CreditLines.load(
        '[[wire]]\nname = "Example Wire"\ndomain = "wire.example"\n'
        'aliases = ["EW"]\npatterns = []\n'
    )
    assert table.credited_wire("PARIS (EW) — A launch.").domain == "wire.example"
    assert table.wire_named("ew").name == "Example Wire"


def test_build_story_records_origins_and_count():
    story = build_story("st-1", _articles("starlink"), OWNERS.get)
    assert story.id == "st-1"
    assert story.title == "SpaceX launches 22 Starlink satellites from California"
    assert story.article_ids == ("e1-ap", "e1-sfgate", "e1-wral", "e1-spacenews")
    assert story.independent_sources == 2 == len(story.origins)
    assert story.first_seen < story.last_seen
    assert story.outlets[0] == "apnews.com"


def test_bad_input_is_handled():
    with pytest.raises(ValueError):
        build_story("st-empty", [], None)
    empty = Article(url="u", title="", text="", outlet="")
    origins = find_origins([("x", empty), ("y", empty)], lambda d: None)
    assert len(origins) == 2  # empty texts are not near-duplicates of each other
