"""Feed parsing: formats, dates, links, broken and hostile bodies, and a 10,000-item feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quorum.feeds import ParsedFeed, parse_feed

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
FEED_URL = "https://news.orbital.example/feed.xml"


def parse(name: str, max_items: int = 50, url: str = FEED_URL) -> ParsedFeed:
    return parse_feed((FIXTURES / name).read_bytes(), url, max_items)


def test_rss20_items_are_canonical_dated_and_newest_first():
    feed = parse("rss20.xml")
    assert feed.error is None and feed.version == "rss20"
    assert feed.title == "Orbital Desk & Defense Wire"
    assert [i.url for i in feed.items] == [
        "https://news.orbital.example/2026/11/contract",
        "https://news.orbital.example/2026/11/launch-delayed?id=42",  # relative, utm_ dropped
        "https://news.orbital.example/2026/11/guid-only",  # permalink guid stands in for link
        "https://news.orbital.example/2026/11/broken-date",  # undated last
    ]
    contract, launch, _, broken = feed.items
    assert contract.source_title == "Associated Press"
    assert launch.title == "Launch delayed to Friday"  # markup stripped
    assert launch.summary == "The launch of the Falcon rocket slipped. Weather was cited."
    assert launch.author == "Jane Roe" and launch.guid == "orbital-1001"
    assert launch.published == datetime(2026, 11, 3, 8, 0, tzinfo=UTC)  # +0200 -> UTC
    assert broken.published is None


def test_rss20_warnings_name_what_was_skipped():
    warnings = parse("rss20.xml").warnings
    assert any(w.startswith("bad_date:") and "Novembruary" in w for w in warnings)
    assert any(w.startswith("no_link:") and "Item without any link" in w for w in warnings)
    assert any(w.startswith("duplicate_item:") for w in warnings)


def test_published_is_always_timezone_aware():
    for name in ("rss20.xml", "atom.xml", "rss10.rdf", "jsonfeed.json"):
        for item in parse(name).items:
            assert item.published is None or item.published.utcoffset() == timedelta(0), name


def test_atom_with_xml_base_and_updated_only():
    feed = parse("atom.xml", url="https://mil.example/feeds/atom.xml")
    assert feed.error is None and feed.version == "atom10"
    radar, updated_only = feed.items
    assert radar.url == "https://mil.example/news/radar-upgrade"
    assert radar.title == "Radar & sensors upgrade"
    assert radar.summary == "The Army upgraded its radar."
    assert radar.published == datetime(2026, 11, 5, 13, 0, tzinfo=UTC)
    assert radar.author == "John Doe"
    assert updated_only.published == datetime(2026, 11, 4, 10, 0, tzinfo=UTC)
    assert updated_only.summary == "Content instead of summary."


def test_rss10_rss091_and_json_feed():
    rdf = parse("rss10.rdf")
    assert rdf.version == "rss10" and [i.url for i in rdf.items] == ["https://rdf.example/a"]
    assert rdf.items[0].published == datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    old = parse("rss091.xml")
    assert old.items[0].title == "Café launch party" and old.items[0].published is None
    json_feed = parse("jsonfeed.json")
    assert json_feed.version == "json1.1" and json_feed.items[0].url == "https://json.example/x"
    assert json_feed.items[0].published == datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def test_max_items_keeps_the_newest():
    feed = parse("rss20.xml", max_items=2)
    assert [i.title for i in feed.items] == [
        "Satellite contract awarded",
        "Launch delayed to Friday",
    ]
    with pytest.raises(ValueError):
        parse("rss20.xml", max_items=0)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", "empty_feed"),
        (b"  \n\t ", "empty_feed"),
        ((FIXTURES / "page.html").read_bytes(), "html_not_feed"),
        ((FIXTURES / "malformed.xml").read_bytes(), "malformed_feed"),
        (b"this is not xml at all {", "malformed_feed"),
        (b"<?xml version='1.0'?><inventory><part/></inventory>", "malformed_feed"),
        (b'{"not": "a feed"}', "malformed_feed"),
        (b"<?xml version='1.0'?><rss><channel><item><title>cut he", "malformed_feed"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "malformed_feed"),
    ],
)
def test_not_a_feed_gives_an_error(body: bytes, error: str):
    feed = parse_feed(body, FEED_URL, 10)
    assert feed.error == error and feed.items == []


def test_truncated_feed_keeps_items_before_the_cut():
    body = (FIXTURES / "rss20.xml").read_bytes()
    cut = body[: body.index(b"Item with a broken date") + 10]  # inside the third item
    feed = parse_feed(cut, FEED_URL, 10)
    assert feed.error is None
    assert any(w.startswith("truncated_feed") for w in feed.warnings)
    assert [i.title for i in feed.items] == [
        "Satellite contract awarded",
        "Launch delayed to Friday",
    ]


def test_valid_feed_without_items_is_not_an_error():
    body = b"<?xml version='1.0'?><rss version='2.0'><channel><title>Quiet</title></channel></rss>"
    feed = parse_feed(body, FEED_URL, 10)
    assert feed.error is None and feed.items == [] and feed.title == "Quiet"


def test_bad_dates_become_none_never_an_exception():
    dates = [
        "not a date",
        "Mon, 99 Foo 2026 25:61:00 XYZ",
        "0000-00-00T00:00:00Z",
        "",
        "Tue, 03 Nov 2026 10:00:00 GMT",
    ]
    items = "".join(
        f"<item><title>t{n}</title><link>https://x.example/{n}</link><pubDate>{d}</pubDate></item>"
        for n, d in enumerate(dates)
    )
    feed = parse_feed(f"<rss version='2.0'><channel>{items}</channel></rss>".encode(), FEED_URL, 10)
    by_url = {i.url: i.published for i in feed.items}
    assert by_url["https://x.example/4"] == datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
    assert all(by_url[f"https://x.example/{n}"] is None for n in range(4))
    assert sum(w.startswith("bad_date") for w in feed.warnings) == 3  # the empty one is absent


def test_hostile_links_are_skipped():
    items = "".join(
        f"<item><title>t{n}</title><link>{link}</link></item>"
        for n, link in enumerate(
            [
                "javascript:alert(1)",
                "mailto:x@y.example",
                "ftp://f.example/",
                "https://ok.example/a",
            ]
        )
    )
    feed = parse_feed(f"<rss version='2.0'><channel>{items}</channel></rss>".encode(), FEED_URL, 10)
    assert [i.url for i in feed.items] == ["https://ok.example/a"]
    assert sum(w.startswith("bad_link") for w in feed.warnings) == 3


def test_ten_thousand_items():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    items = "".join(
        f"<item><title>Item {n}</title><link>https://big.example/a/{n}?utm_source=rss</link>"
        f"<description>&lt;p&gt;Summary {n}&lt;/p&gt;</description>"
        f"<pubDate>{(start + timedelta(minutes=n)).strftime('%a, %d %b %Y %H:%M:%S GMT')}"
        "</pubDate></item>"
        for n in range(10_000)
    )
    body = f"<?xml version='1.0'?><rss version='2.0'><channel>{items}</channel></rss>".encode()
    feed = parse_feed(body, "https://big.example/feed", 500)
    assert feed.error is None and len(feed.items) == 500
    assert feed.items[0].url == "https://big.example/a/9999"  # the last item in the body
    assert feed.items[-1].url == "https://big.example/a/9500"
    assert feed.items[0].summary == "Summary 9999"
    dates = [i.published for i in feed.items]
    assert dates == sorted(dates, reverse=True)
