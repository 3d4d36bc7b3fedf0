"""The demo web site: every feed in its format, article pages that name their outlet."""

from __future__ import annotations

import calendar
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from protego import Protego
from selectolax.lexbor import LexborHTMLParser

from quorum.sample_site import PACKAGED_SAMPLE_DIR, SampleDataError, SampleSite

FIXTURES = Path(__file__).parent / "fixtures" / "sample_site"
FEEDPARSER_VERSIONS = {"rss2": "rss20", "atom": "atom10", "rss1": "rss10", "rss091": "rss091"}
MEDIA_TYPES = {
    "rss2": "application/rss+xml",
    "atom": "application/atom+xml",
    "rss1": "application/rdf+xml",
    "rss091": "application/rss+xml",
}
SCRIPT_TITLE = "Test <script>alert(1)</script> headline"


@pytest.fixture(scope="module")
def site() -> Iterator[SampleSite]:
    with SampleSite(FIXTURES) as running:
        yield running


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as http:
        yield http


def page(client: httpx.Client, url: str) -> LexborHTMLParser:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return LexborHTMLParser(response.text)


def meta(tree: LexborHTMLParser, key: str) -> str | None:
    node = tree.css_first(f'meta[property="{key}"]') or tree.css_first(f'meta[name="{key}"]')
    return node.attributes.get("content") if node else None


def test_every_feed_parses_in_its_format(site: SampleSite, client: httpx.Client) -> None:
    urls = site.feed_urls()
    assert len(urls) == len(site.outlets) == 4
    for sample, url in zip(site.sample_outlets, urls, strict=True):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(MEDIA_TYPES[sample.feed_format])
        feed = feedparser.parse(response.content)
        assert not feed.bozo, (url, feed.get("bozo_exception"))
        assert feed.version.startswith(FEEDPARSER_VERSIONS[sample.feed_format])
        assert feed.feed.title == sample.outlet.name
        expected = sorted(
            (a for a in site.articles if a.outlet == sample.domain),
            key=lambda a: a.published,
            reverse=True,
        )
        assert [e.title for e in feed.entries] == [a.title for a in expected]
        for entry, article in zip(feed.entries, expected, strict=True):
            assert entry.link == site.article_url(article.id)
            if sample.feed_format == "rss091":
                assert "published_parsed" not in entry  # 0.91 has no per-item dates
                continue
            assert entry.id == article.canonical_url
            parsed = entry.get("published_parsed") or entry.get("updated_parsed")
            assert calendar.timegm(parsed) == int(article.published.timestamp())


def test_rss2_items_carry_guid_author_and_source(site: SampleSite, client: httpx.Client) -> None:
    feed = feedparser.parse(client.get(site.feed_urls()[0]).content)
    entries = {e.id: e for e in feed.entries}
    wire = entries["https://orbitalwire.example/2026/10/06/relay-satellite-launch.html"]
    assert wire.guidislink is False
    assert wire.author == "Dana Whitlock"
    assert wire.summary == (
        "A commercial relay satellite reached orbit on Tuesday after two "
        "weather delays, its operator said."
    )
    assert "source" not in wire
    reprint = entries["https://orbitalwire.example/2026/10/04/ground-station.html"]
    assert reprint.source.title == "Sea Power Brief"
    assert reprint.source.href == "https://seapowerbrief.example/index.rdf"


def test_atom_entry_names_the_reprinted_outlet(site: SampleSite, client: httpx.Client) -> None:
    feed = feedparser.parse(client.get(site.feed_urls()[1]).content)
    reprint = next(e for e in feed.entries if e.title == "Relay satellite reaches orbit")
    assert reprint.source.title == "Orbital Wire"
    assert "author" not in reprint  # the row has no author; nothing is made up


def test_feed_text_is_escaped_xml(site: SampleSite, client: httpx.Client) -> None:
    body = client.get(site.feed_urls()[0]).content
    assert b"<script>" not in body
    titles = etree.fromstring(body).findall("channel/item/title")
    assert SCRIPT_TITLE in [t.text for t in titles]
    assert "Tracking contract worth $1.2 billion & options <awarded>" in [t.text for t in titles]


@pytest.mark.parametrize(
    ("article_id", "headline_class"),
    [("ow-1", "entry-title"), ("kv-2", "article-headline"), ("sp-1", "story__headline")],
)
def test_article_page_states_its_outlet(
    site: SampleSite, client: httpx.Client, article_id: str, headline_class: str
) -> None:
    article = next(a for a in site.articles if a.id == article_id)
    outlet = next(o for o in site.outlets if o.domain == article.outlet)
    tree = page(client, site.article_url(article_id))
    canonical = tree.css_first('link[rel="canonical"]').attributes["href"]
    assert canonical == article.canonical_url
    assert canonical.startswith(f"https://{outlet.domain}/")
    assert meta(tree, "og:url") == canonical
    assert meta(tree, "og:site_name") == outlet.name
    assert meta(tree, "og:title") == article.title
    assert meta(tree, "article:published_time") == article.row["published"]
    assert meta(tree, "author") == article.author
    assert tree.css_first(f"h1.{headline_class}").text() == article.title
    paragraphs = [p.text() for p in tree.css("article p")]
    assert paragraphs[: len(article.paragraphs)] == article.paragraphs
    assert tree.css_first("time").attributes["datetime"] == article.row["published"]
    ld = json.loads(tree.css_first('script[type="application/ld+json"]').text())
    assert ld["@type"] == "NewsArticle"
    assert ld["headline"] == article.title
    assert ld["datePublished"] == article.row["published"]
    assert ld.get("author", {}).get("name") == article.author
    text = tree.body.text()
    assert "Related stories" in text and "Accept all" in text and "Sign up" in text
    if article.author:
        assert f"By {article.author}" in " ".join(text.split())


def test_related_stories_link_to_the_same_outlet(site: SampleSite, client: httpx.Client) -> None:
    tree = page(client, site.article_url("ow-1"))
    links = [a.attributes["href"] for a in tree.css(".related-posts a")]
    assert len(links) == 3
    own = {
        site.article_url(a.id).removeprefix(site.base_url)
        for a in site.articles
        if a.outlet == "orbitalwire.example" and a.id != "ow-1"
    }
    assert set(links) == own
    for link in links:
        assert client.get(site.base_url + link).status_code == 200


def test_hostile_title_is_escaped_in_the_page(site: SampleSite, client: httpx.Client) -> None:
    html = client.get(site.article_url("ow-3")).text
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    tree = LexborHTMLParser(html)
    assert tree.css_first("h1").text() == SCRIPT_TITLE
    assert len(tree.css("script")) == 1  # only the JSON-LD block
    assert json.loads(tree.css_first("script").text())["headline"] == SCRIPT_TITLE
    assert tree.css_first("article p").text().startswith("A paragraph with <b>markup-like</b>")
    assert meta(tree, "author") == 'Lee "Ace" O\'Brien'


def test_home_page_lists_the_outlets_articles(site: SampleSite, client: httpx.Client) -> None:
    tree = page(client, site.home_url("orbitalwire.example"))
    links = [a.attributes["href"] for a in tree.css(".article-list a")]
    assert len(links) == 4
    assert (
        tree.css_first('link[rel="canonical"]').attributes["href"] == "https://orbitalwire.example/"
    )
    index = page(client, site.base_url + "/")
    assert len(index.css("li")) == 4


def test_robots_allows_everything(site: SampleSite, client: httpx.Client) -> None:
    response = client.get(site.base_url + "/robots.txt")
    assert response.status_code == 200
    robots = Protego.parse(response.text)
    assert robots.can_fetch(site.feed_urls()[0], "QuorumBot")
    assert robots.can_fetch(site.article_url("ow-1"), "QuorumBot")


@pytest.mark.parametrize(
    "path",
    [
        "/nope",
        "/orbitalwire.example/2026/10/06/nope.html",
        "/unknown.example/",
        "/orbitalwire.example/feed.xml/extra",
    ],
)
def test_unknown_paths_are_404(site: SampleSite, client: httpx.Client, path: str) -> None:
    response = client.get(site.base_url + path)
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_conditional_get_and_head(site: SampleSite, client: httpx.Client) -> None:
    url = site.feed_urls()[0]
    first = client.get(url)
    assert first.headers["last-modified"] == "Wed, 07 Oct 2026 09:05:00 GMT"
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    since = client.get(url, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304
    head = client.head(site.article_url("ow-1"))
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) > 1000


def test_urls_need_a_running_site() -> None:
    site = SampleSite(FIXTURES)
    with pytest.raises(RuntimeError, match="start"):
        site.feed_urls()
    assert site.respond("/robots.txt").status == 200  # rendering itself needs no server
    base = site.start()
    try:
        assert site.article_url("ow-1").startswith(base + "/orbitalwire.example/2026/10/06/")
        with pytest.raises(KeyError):
            site.article_url("no-such-id")
    finally:
        site.stop()
    with pytest.raises(RuntimeError):
        site.article_url("ow-1")


def test_packaged_sample_renders_every_page() -> None:
    if not (PACKAGED_SAMPLE_DIR / "articles.jsonl").exists():
        pytest.skip("packaged sample newsroom not written yet")
    site = SampleSite()
    site.base_url = "http://127.0.0.1:1"  # render without binding a port
    assert site.outlets and site.articles
    for article in site.articles:
        response = site.respond(f"/{article.outlet}{article.path}")
        assert response.status == 200
        tree = LexborHTMLParser(response.body.decode("utf-8"))
        canonical = tree.css_first('link[rel="canonical"]').attributes["href"]
        assert canonical.startswith(f"https://{article.outlet}/")
    for sample in site.sample_outlets:
        feed = feedparser.parse(site.respond(f"/{sample.domain}{sample.feed_path}").body)
        assert not feed.bozo
        assert len(feed.entries) == sum(a.outlet == sample.domain for a in site.articles)


def copy_fixtures(tmp_path: Path) -> Path:
    shutil.copy(FIXTURES / "outlets.toml", tmp_path / "outlets.toml")
    shutil.copy(FIXTURES / "articles.jsonl", tmp_path / "articles.jsonl")
    return tmp_path


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            '{"id": "x", "outlet": "nowhere.example", "slug": "s", "title": "T", "text": "P"}',
            "not in outlets.toml",
        ),
        (
            '{"id": "ow-1", "outlet": "orbitalwire.example", "slug": "s", "title": "T", '
            '"text": "P"}',
            "used twice",
        ),
        (
            '{"id": "x", "outlet": "orbitalwire.example", "slug": "a b", "title": "T", '
            '"text": "P"}',
            "not URL-safe",
        ),
        (
            '{"id": "x", "outlet": "orbitalwire.example", "slug": "s", "title": "T", "text": "P", '
            '"published": "yesterday"}',
            "not an ISO date",
        ),
        ('{"id": "x"', "not valid JSON"),
        (
            '{"id": "x", "outlet": "orbitalwire.example", "slug": "s", "title": "T\\u0001", '
            '"text": "P"}',
            "control character XML forbids",
        ),
    ],
)
def test_bad_article_rows_name_file_and_line(tmp_path: Path, row: str, message: str) -> None:
    data = copy_fixtures(tmp_path)
    with (data / "articles.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(row + "\n")
    with pytest.raises(SampleDataError, match=message) as caught:
        SampleSite(data)
    assert f"articles.jsonl:{9 + 1}" in str(caught.value)


def test_bad_feed_format_is_a_clear_error(tmp_path: Path) -> None:
    data = copy_fixtures(tmp_path)
    path = data / "outlets.toml"
    path.write_text(path.read_text().replace('"rss091"', '"rss3"'), encoding="utf-8")
    with pytest.raises(SampleDataError, match=r"lakeshore12.example.*feed_format"):
        SampleSite(data)


@settings(max_examples=40, deadline=None)
@given(
    title=st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Zl", "Zp")),
        min_size=1,
        max_size=60,
    ).filter(lambda t: t.strip()),
    paragraph=st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Zl", "Zp")),
        min_size=1,
        max_size=80,
    ).filter(lambda t: t.strip()),
)
def test_any_text_survives_feed_and_page_unchanged(title: str, paragraph: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = copy_fixtures(Path(tmp))
        row = {
            "id": "h-1",
            "outlet": "orbitalwire.example",
            "slug": "h",
            "title": title,
            "text": paragraph,
            "published": "2026-10-09T10:00:00Z",
        }
        with (data / "articles.jsonl").open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")
        site = SampleSite(data)
    site.base_url = "http://127.0.0.1:1"  # render without binding a port
    article = next(a for a in site.articles if a.id == "h-1")
    feed = etree.fromstring(site.respond("/orbitalwire.example/feed.xml").body)
    item = feed.find("channel/item")  # newest first
    assert item.findtext("title") == article.title
    assert item.findtext("description") == article.paragraphs[0]
    tree = LexborHTMLParser(site.respond(f"/orbitalwire.example{article.path}").body.decode())
    assert tree.css_first("h1").text() == article.title
    assert tree.css_first("article p").text() == article.paragraphs[0]
    ld = json.loads(tree.css_first('script[type="application/ld+json"]').text())
    assert ld["headline"] == article.title
