"""Feed parsing: formats, dates, links, broken and hostile bodies, and a 10,000-item feed."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quorum import feeds
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


# --- one bad item costs only itself (issue 16, item 8) --------------------------------------

XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def assert_xml_safe(feed: ParsedFeed) -> None:
    for item in feed.items:
        for value in (item.url, item.title, item.summary, item.author, item.source_title):
            assert value is None or not XML_ILLEGAL.search(value), (item, value)
        assert item.guid is None or not XML_ILLEGAL.search(item.guid)
    assert not XML_ILLEGAL.search(feed.title)


def rss_around(bad_title: bytes) -> bytes:
    """An RSS feed whose middle item has ``bad_title``; the other two are fine."""
    return (
        b"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>T</title>"
        b"<item><title>first</title><link>https://x.example/1</link></item>"
        b"<item><title>" + bad_title + b"</title><link>https://x.example/bad</link>"
        b"<description>also " + bad_title + b"</description></item>"
        b"<item><title>last</title><link>https://x.example/3</link></item></channel></rss>"
    )


@pytest.mark.parametrize(
    "bad",
    [
        b"&#xD800;",  # lone surrogate
        b"&#56320;",  # the same, decimal
        b"&#x110000;",  # past U+10FFFF
        b"&#99999999999999999999;",
        b"&#0;",
        b"&#x1;",
        b"&#27;",  # ESC
        b"&#xFFFE;",
        b"\x00",
        b"\x01\x1b\x7f",
        "\ufffe\uffff".encode(),
    ],
)
def test_a_forbidden_character_costs_only_its_item(bad: bytes):
    feed = parse_feed(rss_around(b"bad " + bad + b" title"), FEED_URL, 10)
    assert feed.error is None
    assert [i.url for i in feed.items] == [
        "https://x.example/1",
        "https://x.example/bad",
        "https://x.example/3",
    ]
    assert feed.items[1].title.startswith("bad ") and feed.items[1].title.endswith(" title")
    assert_xml_safe(feed)


def test_valid_references_and_text_are_untouched():
    feed = parse_feed(rss_around("caf&#xE9; &#128640; &amp; ok – ü".encode()), FEED_URL, 10)
    assert feed.items[1].title == "café 🚀 & ok – ü"


def test_utf16_feed_with_a_surrogate_reference_keeps_its_items():
    body = rss_around(b"bad &#xD800; title").decode().replace("utf-8", "utf-16")
    feed = parse_feed(body.encode("utf-16"), FEED_URL, 10)
    assert len(feed.items) == 3 and feed.items[1].title == "bad \ufffd title"


def json_feed(*items: object) -> bytes:
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "items": list(items)}
    ).encode()


@pytest.mark.parametrize(
    "date",
    [
        "9999-12-31T23:59:59-05:00",
        "0001-01-01T00:00:00+05:00",
        "0001-01-01T00:00:00Z",
        "1899-12-31",
    ],
)
def test_json_feed_dates_out_of_range_become_none(date: str):
    feed = parse_feed(
        json_feed(
            {"url": "https://j.example/bad", "date_published": date},
            {"url": "https://j.example/ok", "date_published": "2026-11-02T10:00:00Z"},
        ),
        FEED_URL,
        10,
    )
    by_url = {i.url: i.published for i in feed.items}
    assert by_url == {
        "https://j.example/ok": datetime(2026, 11, 2, 10, 0, tzinfo=UTC),
        "https://j.example/bad": None,
    }
    assert any(w.startswith("bad_date") and date in w for w in feed.warnings)


@pytest.mark.parametrize(
    "pub_date", ["Mon, 01 Jan 0001 00:00:00 +0500", "Fri, 31 Dec 9999 23:59:59 -0500"]
)
def test_rss_dates_out_of_range_become_none(pub_date: str):
    body = rss_around(b"t").replace(
        b"<title>t</title>", f"<title>t</title><pubDate>{pub_date}</pubDate>".encode()
    )
    feed = parse_feed(body, FEED_URL, 10)
    assert len(feed.items) == 3 and all(i.published is None for i in feed.items)
    assert any(w.startswith("bad_date") for w in feed.warnings)


def test_a_date_more_than_a_day_ahead_is_not_a_publication_date():
    now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    body = json_feed(
        {"url": "https://j.example/soon", "date_published": "2026-12-06T06:00:00Z"},
        {"url": "https://j.example/later", "date_published": "2027-01-01T00:00:00Z"},
    )
    feed = parse_feed(body, FEED_URL, 10, now=now)
    by_url = {i.url: i.published for i in feed.items}
    assert by_url["https://j.example/soon"] == datetime(2026, 12, 6, 6, 0, tzinfo=UTC)
    assert by_url["https://j.example/later"] is None


def test_deeply_nested_feeds_never_raise():
    deep_json = b'{"version": "https://jsonfeed.org/version/1.1", "items": [' + b"[" * 100_000
    deep_json += b"]" * 100_000 + b"]}"
    assert parse_feed(deep_json, FEED_URL, 10).error == "malformed_feed"
    deep_xml = rss_around(b"<b>" * 50_000 + b"</b>" * 50_000)
    feed = parse_feed(deep_xml, FEED_URL, 10)
    assert [i.url for i in feed.items][::2] == ["https://x.example/1", "https://x.example/3"]


def test_json_feed_items_of_odd_shapes_cost_only_themselves():
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "J\\u0000", "items": ['
        b'{"url": "https://j.example/1", "authors": 5},'
        b'{"url": "https://j.example/2", "authors": {"name": "x"}},'
        b'"not an object", 7, null,'
        b'{"url": "https://j.example/3", "title": "raw\x01control \xff byte",'
        b' "summary": "\\ud800 lone \\u001b", "id": "g\\u0000", "author": {"name": "A\\u0007"}}'
        b"]}"
    )
    feed = parse_feed(body, FEED_URL, 10)
    assert [i.url for i in feed.items] == [f"https://j.example/{n}" for n in (1, 2, 3)]
    third = feed.items[2]
    assert third.title == "raw control \ufffd byte"
    assert third.summary == "lone" and third.guid == "g" and third.author == "A"
    assert feed.title == "J"
    assert sum(w.startswith("bad_item") for w in feed.warnings) == 3
    assert_xml_safe(feed)


def test_titles_and_summaries_are_capped():
    title = " ".join(["headline"] * 100)  # 899 characters
    summary = "word " * 5_000
    body = json_feed({"url": "https://j.example/1", "title": title, "summary": summary})
    item = parse_feed(body, FEED_URL, 10).items[0]
    assert len(item.title) <= 300 and item.title.endswith("headline…")
    assert len(item.summary) <= 5_000 and item.summary.startswith("word word")


def test_an_item_that_breaks_the_builder_costs_only_itself():
    # feedparser and the JSON reader only hand over strings; an entry of another shape
    # stands for whatever they might one day hand over.
    entries = [
        {"link": "https://x.example/1"},
        {"link": ["no", "str"]},
        {"link": "https://x.example/3"},
    ]
    warnings = feeds._Warnings()
    dated = feeds._newest_first(entries, warnings, datetime(2100, 1, 1, tzinfo=UTC))
    items = feeds._items(dated, FEED_URL, 10, warnings)
    assert [i.url for i in items] == ["https://x.example/1", "https://x.example/3"]
    assert any(w.startswith("bad_item: item 2") for w in warnings.finish())
