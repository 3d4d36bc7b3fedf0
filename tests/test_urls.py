"""URL canonicalisation, registrable domains and hostile canonical links."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quorum.urls import (
    BadURLError,
    canonical_from_html,
    canonical_url,
    date_from_url,
    registrable_domain,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://WWW.Example.COM", "http://www.example.com/"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        (
            "https://example.com/a?utm_source=rss&id=7&utm_medium=feed&fbclid=X&page=2",
            "https://example.com/a?id=7&page=2",
        ),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?b=2&a=1"),  # order kept
        (
            "https://example.com/a?gclid=1&mc_cid=2&mc_eid=3&ocid=4&cmpid=5&ref=6&ref_src=7"
            "&smid=8&sh=9&UTM_Campaign=10",
            "https://example.com/a",
        ),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/%7euser/%e2%82%ac", "https://example.com/%7Euser/%E2%82%AC"),
        ("https://example.com/caf\u00e9", "https://example.com/caf%C3%A9"),
        ("https://b\u00fccher.example/", "https://xn--bcher-kva.example/"),
        ("https://user:pw@example.com/x", "https://example.com/x"),
        ("  https://example.com/x\n", "https://example.com/x"),
        ("https://example.com.", "https://example.com/"),
        ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
        ("https://example.com/search?q=a+b&empty=", "https://example.com/search?q=a+b&empty="),
    ],
)
def test_canonical_url(url: str, expected: str):
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("href", "base", "expected"),
    [
        ("/news/1", "https://site.example/feed.xml", "https://site.example/news/1"),
        ("2?utm_source=x", "https://site.example/news/1", "https://site.example/news/2"),
        ("../up", "https://site.example/a/b/c", "https://site.example/a/up"),
        ("//cdn.example/x", "https://site.example/", "https://cdn.example/x"),
        ("https://other.example/x", "https://site.example/", "https://other.example/x"),
    ],
)
def test_canonical_url_resolves_against_base(href: str, base: str, expected: str):
    assert canonical_url(href, base=base) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "mailto:a@b.example",
        "javascript:alert(1)",
        "ftp://x.example/",
        "/rel",
        "http://",
        "https://example.com:99999/",
    ],
)
def test_canonical_url_rejects(bad: str):
    with pytest.raises(BadURLError):
        canonical_url(bad)


@given(st.text(max_size=40))
def test_canonical_url_is_idempotent_or_refuses(path: str):
    try:
        once = canonical_url("https://example.com/" + path)
    except BadURLError:
        return
    assert canonical_url(once) == once


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://www.nbcchicago.com/x", "nbcchicago.com"),
        ("nbcchicago.com", "nbcchicago.com"),
        ("https://www.bbc.co.uk/news", "bbc.co.uk"),
        ("news.abc.net.au", "abc.net.au"),
        ("https://www.gov.uk/government/news", "www.gov.uk"),
        ("https://www.smh.com.au/world", "smh.com.au"),
        ("https://news.site.example/a", "site.example"),
        ("https://a.b.c.site.example:8080/", "site.example"),
        ("http://localhost:8000/x", "localhost"),
        ("http://127.0.0.1:8000/x", "127.0.0.1"),
        ("http://[::1]:8000/x", "::1"),
        ("WWW.SpaceNews.COM.", "spacenews.com"),
        ("https://someone.substack.com/p/x", "someone.substack.com"),
    ],
)
def test_registrable_domain(value: str, expected: str):
    assert registrable_domain(value) == expected


def test_registrable_domain_rejects_empty():
    with pytest.raises(BadURLError):
        registrable_domain("")


PAGE = "https://www.site.example/2026/11/story"


def _html(head: str) -> str:
    return f"<html><head>{head}</head><body><p>text</p></body></html>"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (
            '<link rel="canonical" href="https://site.example/2026/11/story?utm_source=x">',
            "https://site.example/2026/11/story",
        ),
        (
            '<link rel="Canonical" href="/2026/11/story-amp-free">',
            "https://www.site.example/2026/11/story-amp-free",
        ),
        (
            '<meta property="og:url" content="https://m.site.example/2026/11/story">',
            "https://m.site.example/2026/11/story",
        ),
        # rel=canonical wins over og:url
        (
            '<meta property="og:url" content="https://site.example/og">'
            '<link rel="canonical" href="https://site.example/link">',
            "https://site.example/link",
        ),
        # a hostile canonical is ignored, the same-site og:url is used
        (
            '<link rel="canonical" href="https://victim.example/their-story">'
            '<meta property="og:url" content="https://site.example/ours">',
            "https://site.example/ours",
        ),
        (
            '<base href="https://www.site.example/base/"><link rel="canonical" href="rel">',
            "https://www.site.example/base/rel",
        ),
    ],
)
def test_canonical_from_html(head: str, expected: str):
    assert canonical_from_html(_html(head), PAGE) == expected


@pytest.mark.parametrize(
    "head",
    [
        '<link rel="canonical" href="https://victim.example/their-story">',
        '<link rel="canonical" href="https://site.example.evil.example/x">',
        '<link rel="canonical" href="javascript:alert(1)">',
        '<link rel="canonical" href="ftp://site.example/x">',
        '<link rel="canonical" href="https://site.example/">',  # every page -> home page
        '<link rel="canonical" href="">',
        '<meta property="og:url" content="http://127.0.0.1/admin">',
        "",
    ],
)
def test_canonical_from_html_refuses(head: str):
    assert canonical_from_html(_html(head), PAGE) is None


def test_canonical_from_html_trusted_mirror():
    html = _html('<link rel="canonical" href="https://www.spacenews.example/story">')
    mirror = "http://127.0.0.1:8000/spacenews/story"
    assert canonical_from_html(html, mirror) is None
    assert canonical_from_html(html, mirror, trusted_hosts=["127.0.0.1"]) == (
        "https://www.spacenews.example/story"
    )


def test_canonical_from_html_bad_input():
    assert canonical_from_html("", PAGE) is None
    assert canonical_from_html(_html('<link rel="canonical" href="/x">'), "not a url") is None


@pytest.mark.parametrize(
    ("url", "day"),
    [
        ("https://a.example/2019/09/04/slug", "2019-09-04"),
        ("https://a.example/world/2019/9/4/slug", "2019-09-04"),
        ("https://a.example/news/2019-09-04-slug", "2019-09-04"),
        ("https://a.example/20190904/slug", "2019-09-04"),
        ("https://a.example/news/2018/11/mbs-report-181120115807476.html", "2018-11-20"),
        ("https://a.example/2019/02/31/slug", None),  # no such day
        ("https://a.example/2019/09/slug", None),  # a month is not a day
        ("https://a.example/news/world-44438908", None),
        ("https://a.example/news/2018/11/report-190101115807476.html", None),  # slug disagrees
        ("urn:quorum:dump:7", None),
    ],
)
def test_date_from_url(url, day):
    found = date_from_url(url)
    assert (found.date().isoformat() if found else None) == day
