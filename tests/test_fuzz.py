"""Property and fuzz tests over everything that reads hostile input.

Parsers, extractors, URL handling, the address guard and the JSONL reader take bytes from
the open web; these properties say what must hold for any input. The default run is brief
(``QUORUM_FUZZ_EXAMPLES``, 60 examples a property); ``benchmarks/fuzz.py`` runs the same
properties far longer. A failure prints the smallest input found: add it as a regression
test beside the module's other tests.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quorum.desk import Desk
from quorum.extract import extract
from quorum.feeds import EARLIEST_DATE, FUTURE_TOLERANCE, parse_feed
from quorum.ingest import Ingestor
from quorum.netguard import is_public_address
from quorum.urls import canonical_url, registrable_domain

EXAMPLES = int(os.environ.get("QUORUM_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # the machine is shared: timing is a benchmark's business, not a test's
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")

# --- hostile strings ---------------------------------------------------------------------

# Character references a feed may carry, legal or not (surrogates, past U+10FFFF, controls).
char_refs = st.one_of(
    st.integers(0, 0x11FFFF).map(lambda c: f"&#{c};"),
    st.integers(0, 0x11FFFF).map(lambda c: f"&#x{c:X};"),
    st.sampled_from(["&#xD800;", "&#xDFFF;", "&#0;", "&#x110000;", "&#9999999999999;", "&#1;"]),
)
snippets = st.sampled_from(
    [
        "\x00",
        "\x1b[31m",
        "\ufffe",
        "\uffff",
        "\ud800",
        "\u202e",  # right-to-left override
        "\u0301" * 20,  # a pile of combining accents
        "<script>alert(1)</script>",
        "]]>",
        "<![CDATA[x]]>",
        "&amp;amp;",
        "&nbsp;",
        "𝕳𝖊𝖑𝖑𝖔",
        "a" * 3000,
    ]
)
# Text as it may arrive: any code point (lone surrogates too), interleaved with the above.
hostile_text = st.lists(
    st.one_of(st.text(st.characters(codec=None, exclude_categories=())), snippets),
    max_size=6,
).map("".join)


def nested(depth: int, text: str) -> str:
    return "<b>" * depth + text + "</b>" * depth


# --- feeds -------------------------------------------------------------------------------

offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
any_datetime = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    offsets,
)
dates = st.one_of(
    st.none(),
    any_datetime.map(format_datetime),  # RFC 822, as RSS writes it
    any_datetime.map(lambda d: d.isoformat()),  # RFC 3339, as Atom and JSON Feed write it
    hostile_text,
)


@st.composite
def feed_items(draw: st.DrawFn) -> list[dict[str, object]]:
    count = draw(st.integers(0, 6))
    return [
        {
            "link": f"https://fuzz.example/item/{n}",
            "title": draw(hostile_text),
            "summary": nested(draw(st.integers(0, 3000)), draw(hostile_text)),
            "date": draw(dates),
            "author": draw(hostile_text),
            "refs": draw(st.lists(char_refs, max_size=4)),
        }
        for n in range(count)
    ]


def _text(value: object, refs: list[str]) -> str:
    """XML character data: escaped, with raw character references spliced in."""
    return escape(str(value)) + "".join(refs)


def rss(items: list[dict[str, object]]) -> bytes:
    body = "".join(
        f"<item><title>{_text(i['title'], i['refs'])}</title><link>{i['link']}</link>"
        f"<description>{_text(i['summary'], [])}</description>"
        f"<author>{_text(i['author'], [])}</author>"
        + (f"<pubDate>{_text(i['date'], [])}</pubDate>" if i["date"] is not None else "")
        + "</item>"
        for i in items
    )
    doc = (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>{body}</channel></rss>"
    )
    return doc.encode("utf-8", "surrogatepass")  # lone surrogates arrive as raw bytes too


def atom(items: list[dict[str, object]]) -> bytes:
    body = "".join(
        f"<entry><title>{_text(i['title'], i['refs'])}</title>"
        f"<link href={quoteattr(str(i['link']))}/><id>{i['link']}</id>"
        f"<summary type='html'>{_text(i['summary'], [])}</summary>"
        f"<author><name>{_text(i['author'], [])}</name></author>"
        + (f"<updated>{_text(i['date'], [])}</updated>" if i["date"] is not None else "")
        + "</entry>"
        for i in items
    )
    doc = f"<feed xmlns='http://www.w3.org/2005/Atom'><title>F</title>{body}</feed>"
    return doc.encode("utf-8", "surrogatepass")


def json_feed(items: list[dict[str, object]]) -> bytes:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "F",
            "items": [
                {
                    "url": i["link"],
                    "title": i["title"],
                    "content_html": i["summary"],
                    "authors": [{"name": i["author"]}],
                    **({"date_published": i["date"]} if i["date"] is not None else {}),
                }
                for i in items
            ],
        }
    ).encode()


def check_feed_output(body: bytes, items: list[dict[str, object]]) -> None:
    now = datetime.now(UTC)
    feed = parse_feed(body, "https://fuzz.example/feed", 50, now=now)
    assert feed.error is None or not items, feed.warnings
    assert {i.url for i in feed.items} == {str(i["link"]) for i in items}  # valid items kept
    for item in feed.items:
        for value in (item.url, item.title, item.summary, item.author, item.guid):
            assert value is None or not XML_ILLEGAL.search(value), value
        assert len(item.title) <= 300
        if item.published is not None:
            assert item.published.tzinfo is not None
            assert EARLIEST_DATE <= item.published <= now + FUTURE_TOLERANCE
    assert not XML_ILLEGAL.search(feed.title)


@FUZZ
@given(feed_items(), st.sampled_from([rss, atom, json_feed]))
def test_parse_feed_keeps_valid_items_and_gives_xml_safe_strings(items, render):
    check_feed_output(render(items), items)


@FUZZ
@given(st.binary(max_size=4000), st.sampled_from([b"", b"<rss version='2.0'><channel>", b"{"]))
def test_parse_feed_never_raises_on_bytes(data: bytes, prefix: bytes):
    feed = parse_feed(prefix + data, "https://fuzz.example/feed", 10)
    assert feed.error in (None, "empty_feed", "html_not_feed", "malformed_feed")
    for item in feed.items:
        assert not XML_ILLEGAL.search(item.title + item.summary)


# --- extraction --------------------------------------------------------------------------

tags = st.sampled_from(["p", "div", "article", "main", "span", "b", "table", "td", "h1", "li"])


@st.composite
def hostile_pages(draw: st.DrawFn) -> str | bytes:
    parts = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.integers(0, 4))
        text = draw(hostile_text)
        if kind == 0:
            parts.append(nested(draw(st.integers(0, 2000)), text))
        elif kind == 1:
            tag = draw(tags)
            parts.append(f"<{tag} class={quoteattr(draw(hostile_text))}>{text}</{tag}>")
        elif kind == 2:
            parts.append(f"<meta property='article:published_time' content={quoteattr(text)}>")
        elif kind == 3:
            ld = draw(st.sampled_from(["{", "[" * 5000, json.dumps({"@type": "NewsArticle"})]))
            parts.append(f"<script type='application/ld+json'>{ld}{text}</script>")
        else:
            parts.append(text)
    page = f"<html><head><title>{draw(hostile_text)}</title></head><body>{''.join(parts)}</body>"
    if draw(st.booleans()):
        return page.encode(draw(st.sampled_from(["utf-8", "utf-16", "cp1252"])), "replace")
    return page


@FUZZ
@given(hostile_pages())
def test_extract_never_raises_and_returns_strings(page):
    result = extract(page, "https://fuzz.example/a")
    assert isinstance(result.title, str) and isinstance(result.text, str)
    assert result.author is None or isinstance(result.author, str)


# --- URLs --------------------------------------------------------------------------------

url_parts = st.sampled_from(
    ["http://", "https://", "//", "[", "]", "::1", "%", "%zz", "@", ":", "/..", "?", "#", "xn--"]
)
urlish = st.lists(st.one_of(url_parts, hostile_text), max_size=8).map("".join)


@FUZZ
@given(urlish, st.one_of(st.none(), urlish))
def test_canonical_url_raises_only_value_error(url: str, base: str | None):
    try:
        canonical_url(url, base=base)
    except ValueError:
        pass


@FUZZ
@given(urlish)
def test_registrable_domain_raises_only_value_error(url: str):
    try:
        registrable_domain(url)
    except ValueError:
        pass


# --- the address guard -------------------------------------------------------------------

_PRIVATE_V4 = [
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12 "
        "192.0.0.0/24 192.88.99.0/24 192.168.0.0/16 198.18.0.0/15 224.0.0.0/4 240.0.0.0/4"
    ).split()
]
private_v4 = st.builds(
    lambda net, offset: net[offset % net.num_addresses],
    st.sampled_from(_PRIVATE_V4),
    st.integers(0, 2**32),
)


def _v6(value: int) -> str:
    return str(ipaddress.IPv6Address(value))


# Each takes (IPv4 as int, 64 random bits) and returns an IPv6 address that carries it.
EMBEDDINGS = {
    "mapped": lambda v4, r: _v6(0xFFFF << 32 | v4),
    "compatible": lambda v4, r: _v6(v4),
    "siit": lambda v4, r: _v6(0xFFFF << 48 | v4),
    "nat64": lambda v4, r: _v6(0x64FF9B << 96 | v4),
    # RFC 6052 /48 layout: IPv4 bits 0-15 after the prefix, the u octet, then bits 16-31.
    "nat64-local": lambda v4, r: _v6(
        0x64FF9B0001 << 80 | (v4 >> 16) << 64 | (v4 & 0xFFFF) << 48 | (r & 0xFFFF)
    ),
    "6to4": lambda v4, r: _v6(0x2002 << 112 | v4 << 80 | r),
    # Teredo: 2001:0000, server IPv4, flags, port and client IPv4 both obfuscated (XOR 1s).
    "teredo-client": lambda v4, r: _v6(
        0x20010000 << 96 | (r & 0xFFFFFFFF) << 64 | (r >> 32 & 0xFFFF) << 32 | (v4 ^ 0xFFFFFFFF)
    ),
    "teredo-server": lambda v4, r: _v6(0x20010000 << 96 | v4 << 64 | (r & 0xFFFFFFFFFFFF)),
}


@FUZZ
@given(private_v4, st.sampled_from(sorted(EMBEDDINGS)), st.integers(0, 2**64 - 1))
def test_an_address_embedding_a_private_ipv4_is_not_public(v4, form, noise):
    address = EMBEDDINGS[form](int(v4), noise)
    assert not is_public_address(address), (form, str(v4), address)


@FUZZ
@given(st.one_of(st.ip_addresses(), urlish))
def test_is_public_address_answers_anything(value):
    assert is_public_address(str(value)) in (True, False)


# --- the JSONL reader --------------------------------------------------------------------


class _Desk:
    """The desk under a short name: hypothesis prints a failing case's arguments."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def __repr__(self) -> str:
        return "<SQLite desk>"


@pytest.fixture(scope="module")
def sqlite_desk() -> Iterator[_Desk]:
    # One SQLite store for all examples (opening one per example would dominate the run);
    # the property looks only at its own run's report and log.
    with tempfile.TemporaryDirectory() as folder, Desk.open(str(Path(folder) / "f.db")) as d:
        yield _Desk(d)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), hostile_text),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=8,
)
records = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.integers(), hostile_text, json_values),
        "title": st.one_of(hostile_text, json_values),
        "text": st.one_of(hostile_text, json_values),
        "date": st.one_of(dates, json_values),
        "source": st.one_of(hostile_text, st.just("spacenews.com"), json_values),
        "url": st.one_of(urlish, st.just("https://spacenews.com/a"), json_values),
        "extra": json_values,
    },
)
# A line is a JSON record, some other JSON value, or text that is no JSON at all. Line
# breaks stay out of raw lines: JSONL is split on "\n", and they would split the line.
raw_lines = st.text(st.characters(codec="utf-8", exclude_characters="\n\r\x0b\x0c\x1c\x1d\x1e"))
lines = st.one_of(records.map(json.dumps), json_values.map(json.dumps), raw_lines)


@FUZZ
@given(st.lists(lines, max_size=8))
def test_every_jsonl_line_is_stored_or_logged_with_its_number(sqlite_desk, dump_lines):
    desk = sqlite_desk.desk
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dump.jsonl"
        path.write_text("\n".join(dump_lines) + "\n", encoding="utf-8")
        ingestor = Ingestor(desk.store, desk.config, desk.registry, desk.beat)
        report = ingestor.ingest_jsonl(path)
    numbered = {n for n, line in enumerate(dump_lines, 1) if line.strip()}
    failed = {
        int(row.url.rsplit(":", 1)[1])
        for row in desk.store.fetch_log(report.run_id, failures_only=True)
    }
    assert failed <= numbered
    assert len(failed) + report.stored + report.already_had == len(numbered), report


def test_a_source_that_is_no_host_is_logged_not_raised(sqlite_desk, tmp_path):
    # Found by the property above: registrable_domain raised BadURLError out of the reader.
    desk = sqlite_desk.desk
    dump = tmp_path / "one.jsonl"
    dump.write_text('{"text": "0", "source": "\\u0080"}\n', encoding="utf-8")
    report = Ingestor(desk.store, desk.config, desk.registry, desk.beat).ingest_jsonl(dump)
    assert report.stored + sum(report.reasons.values()) >= 1
