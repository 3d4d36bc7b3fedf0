"""Origins: syndicated copies, wire credits, RSS <source> and owner groups count once."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from quorum.assemble.syndication import CreditLines, build_story, count_sources, find_origins
from quorum.outlets import OutletRegistry
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
    assert len(without) == len(with_owner) == 3  # three texts either way
    assert count_sources(without) == 3
    assert count_sources(with_owner) == 2
    nbc = _origin_of(with_owner, "e4-nbc")
    cnbc = _origin_of(with_owner, "e4-cnbc")
    assert nbc.source == cnbc.source == "NBCUniversal"
    assert nbc.article_ids == ("e4-nbc",)  # two texts of one owner: neither is a copy
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
    contributed = CreditLines.load().credit(
        "Shares rose.\nThe Associated Press contributed to this report."
    )
    assert contributed.wire.domain == "apnews.com" and not contributed.carried


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


def _report(key: str, outlet: str, text: str, day: int = 1) -> tuple[str, Article]:
    body = f"{text} " + " ".join(f"{outlet} reporting word{i} {key}" for i in range(40))
    return key, Article(
        url=f"https://{outlet}/{key}",
        title=f"{outlet} {key}",
        text=body,
        outlet=outlet,
        published=datetime(2019, 6, day, 12),
    )


def test_contribution_credits_do_not_chain_outlets_into_one_source():
    """Issue 11: 'AP contributed' on an outlet's own report made it AP's copy, and 'same
    outlet' then chained Fox and Reuters into one source."""
    registry = OutletRegistry.load()
    ap_credit = "\nThe Associated Press contributed to this report."
    articles = [
        _report("ap", "apnews.com", "WASHINGTON (AP) — Talks resumed."),
        _report("fox1", "foxnews.com", "Talks resumed, officials said." + ap_credit, 2),
        _report(
            "fox2", "foxnews.com", "Officials met again.\nReuters contributed to this report.", 3
        ),
        _report("reuters", "reuters.com", "LONDON (Reuters) - Talks resumed on Monday.", 4),
        _report("foxbiz", "foxbusiness.com", "Markets watched the talks." + ap_credit, 5),
    ]
    origins = find_origins(articles, registry.owner_of)
    assert [o.article_ids for o in origins] == [(k,) for k, _ in articles]  # no copies
    assert count_sources(origins) == 3  # AP, Fox Corporation, Thomson Reuters
    fox = _origin_of(origins, "fox1")
    assert fox.source == "Fox Corporation"
    assert "same owner: Fox Corporation" in fox.why
    assert any(w.startswith("contribution credit: Associated Press") for w in fox.why)


def test_two_reports_of_one_outlet_count_once_and_neither_is_a_copy():
    origins = find_origins(
        [_report("a", "spacenews.com", "First report."), _report("b", "spacenews.com", "Later.")]
    )
    assert [o.article_ids for o in origins] == [("a",), ("b",)]
    assert count_sources(origins) == 1
    assert "same outlet: spacenews.com" in origins[1].why


def test_wire_text_under_a_dateline_counts_for_the_wire():
    registry = OutletRegistry.load()
    carried = _report("usat", "usatoday.com", "Highlights\n\nBEIRUT (AP) — A car bomb exploded.")
    own = _report("usat2", "usatoday.com", "Our reporters in the region said the blast.", 2)
    origins = find_origins([carried, own], registry.owner_of)
    assert origins[0].source == "Associated Press"  # the AP's text, though AP is absent
    assert origins[1].source == "Gannett"
    assert count_sources(origins) == 2
    assert "credit line: Associated Press" in origins[0].why


@pytest.mark.parametrize(
    "text",
    [
        "Top stories:\n- Iran talks stall (The Associated Press)\n-- More below.",
        "He read it aloud:\n\n“VIENNA (AP) -- U.N. chief says talks go on.”",
        "Photo: AP Photo/Evan Vucci. Our correspondent reports from the capital.",
    ],
)
def test_bullets_quotes_and_photo_credits_are_not_wire_texts(text):
    found = CreditLines.load().credit(text)
    assert found is None or not found.carried


def test_dateline_below_photo_captions_is_found():
    caption = "A man walks past a poster in Tehran. (AP Photo/Vahid Salemi)\n\n" * 8
    found = CreditLines.load().credit(caption + "TEHRAN, Iran (AP) — Iran said on Friday.")
    assert found is not None and found.carried and found.wire.name == "Associated Press"
    assert CreditLines.load().credit("Somebody", author="By Reuters").carried


def test_lodestar_follow_ups_are_originals_and_the_tribune_counts():
    """Issue 11: Orbital Wire's own follow-ups were marked copies, and Gulf Coast Tribune's
    own report was chained in through its copy of Orbital Wire: 4 sources shown, not 5."""
    sample = Path(__file__).parent.parent / "src" / "quorum" / "data" / "sample"
    registry = OutletRegistry.load([sample / "outlets.toml"])
    from quorum.sample_site import SampleSite

    launch = [
        (
            a.id,
            Article(
                url=a.canonical_url,
                title=a.title,
                text=a.text,
                outlet=a.outlet,
                published=a.published,
                reprint_of=a.reprint_source,
            ),
        )
        for a in sorted(SampleSite().articles, key=lambda a: a.published)
        if a.story == "navsat-batch-launch"
    ]
    story = build_story("st-l", launch, registry.owner_of, domain_named=registry.domain_named)
    assert story.independent_sources == 5
    wire_copy = _origin_of(story.origins, "a073")
    assert set(wire_copy.article_ids) == {"a073", "a075"}  # the Tribune's reprint
    for own in ("a057", "a070", "a108", "a064"):  # Orbital Wire's follow-ups, Tribune's own
        assert _origin_of(story.origins, own).article_ids == (own,)


def test_a_wire_dateline_joins_only_the_same_dispatch_of_the_wire():
    """A reprint of one AP dispatch is not a copy of another AP report in the story, but
    both count for the AP."""
    registry = OutletRegistry.load()
    ap = _report("ap-march", "apnews.com", "JERUSALEM (AP) — Exit polls show a lead.", 1)
    reprint = _report("wt-sept", "washingtontimes.com", "JERUSALEM (AP) — Parties deadlocked.", 2)
    origins = find_origins([ap, reprint], registry.owner_of)
    assert [o.article_ids for o in origins] == [("ap-march",), ("wt-sept",)]
    assert origins[1].source == "Associated Press"
    assert count_sources(origins) == 1
