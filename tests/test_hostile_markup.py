"""Deeply nested markup is flattened before any tree is built, and its text survives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from xml.sax.saxutils import escape

from selectolax.lexbor import LexborHTMLParser

from quorum.extract import ExtractOptions, clean_paragraphs, default_boilerplate, extract
from quorum.feeds import parse_feed
from quorum.markup import MAX_DEPTH, bound_markup, plain_text, tags_outside_text
from quorum.urls import canonical_from_html

ROOT = Path(__file__).resolve().parent.parent
TEXT = (
    "The Space Force awarded a contract worth $1.2 billion for twelve navigation satellites "
    "on Monday, officials said at a briefing in Colorado."
)


def nested(depth: int, inner: str, tag: str = "div") -> str:
    return f"<{tag}>" * depth + inner + f"</{tag}>" * depth


def page(body: str, head: str = "") -> str:
    return f"<!doctype html><html><head><title>Deep</title>{head}</head><body>{body}</body></html>"


def lexbor_depth(markup: str) -> int:
    """Deepest element of the tree Lexbor builds (walked without recursion)."""
    deepest, stack = 0, [(LexborHTMLParser(markup).root, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        child = node.child
        while child is not None:
            if child.tag != "-text":
                stack.append((child, depth + 1))
            child = child.next
    return deepest


def test_nesting_beyond_the_limit_is_flattened_and_keeps_its_text():
    for tag in ("div", "b", "div/", "span"):
        markup = page(nested(10_000, f"<p>{TEXT}</p>", tag))
        bounded = bound_markup(markup)
        assert bounded is not markup
        assert lexbor_depth(bounded) <= MAX_DEPTH + 2, tag  # + html and body
        assert TEXT in LexborHTMLParser(bounded).body.text()
        assert bound_markup(bounded) is bounded, "a bounded page is left as it is"


def test_past_the_tag_cap_only_the_text_is_kept():
    markup = "".join(f"<p><b>word{i}</b> &amp; more</p>" for i in range(100))
    bounded = bound_markup(markup, max_tags=40)
    assert bounded.count("<") == 40
    words = LexborHTMLParser(bounded).body.text(separator=" ").split()
    assert [w for w in words if w.startswith("word")] == [f"word{i}" for i in range(100)]
    assert words.count("&") == 100


def test_ordinary_pages_are_left_alone_however_many_siblings_they_have():
    # Unclosed paragraphs, list items and table cells are siblings, not nesting.
    paragraphs = "<p>" + "<p>".join(f"Paragraph {i} <b>bold</b> text." for i in range(2000))
    items = "<ul>" + "".join(f"<li><a href='/{i}'>link {i}</a>" for i in range(2000)) + "</ul>"
    rows = "<table>" + "".join(f"<tr><td>{i}<td>{i * 2}" for i in range(2000)) + "</table>"
    script = "<script>for (var i = 0; i<n; i++) { s += '<div>'; }</script>" * 300
    icons = "<svg>" + "<path d='M0 0'/>" * 1000 + "</svg>"
    deep_but_real = nested(60, "<p>deep template</p>", "div")
    for body in (paragraphs, items, rows, script, icons, deep_but_real):
        markup = page(body)
        assert bound_markup(markup) is markup, body[:40]


def test_an_article_under_ten_thousand_wrappers_still_gives_its_text():
    # lxml stops reading past 256 levels; unflattened, the page gave no text at all.
    html = page(nested(10_000, f"<article><p>{TEXT}</p><p>{TEXT[::-1]}</p></article>"))
    extracted = extract(html, "https://news.example/a/deep")
    assert extracted.title == "Deep"
    assert TEXT in extracted.text


def test_paragraphs_split_on_line_breaks_whatever_the_spaces_around_them():
    # A run of spaces without a line break once made the split backtrack quadratically.
    text = "  First  para \r\n\n\t Second\u00a0para  \nThird" + " " * 50_000 + "part"
    options = ExtractOptions(drop_boilerplate_lines=False)
    paragraphs = clean_paragraphs(text, "", None, options, default_boilerplate())
    assert paragraphs == ["First para", "Second para", "Third part"]


def test_the_canonical_link_of_a_deep_page_is_read_without_a_tree_of_the_page():
    head = (
        "<!-- <link rel='canonical' href='https://news.example/old-template'> -->"
        '<script>document.write(\'<link rel="canonical" href="/from-script">\')</script>'
        '<meta name="description" content="a > b, and <link rel=canonical href=/attr>">'
        '<link rel="stylesheet" href="/s.css"><link rel="canonical" href="/a/deep?utm_source=x">'
    )
    html = page(nested(40_000, "<p>text</p>"), head)
    assert canonical_from_html(html, "https://news.example/a/deep-copy") == (
        "https://news.example/a/deep"
    )
    found = list(tags_outside_text(html, frozenset({"link"})))
    assert len(found) == 2 and "from-script" not in "".join(found)


def test_a_feed_summary_nested_deep_becomes_its_text():
    summary = nested(40_000, f"<p>{escape(TEXT)}</p>")
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
        "<title>Deep &lt;b&gt;summary&lt;/b&gt;</title><link>https://news.example/a/1</link>"
        f"<description>{escape(summary)}</description></item></channel></rss>"
    ).encode()
    (item,) = parse_feed(body, "https://news.example/feed.xml", 10).items
    assert item.summary == TEXT
    assert item.title == "Deep summary"


def test_plain_text_drops_tags_scripts_and_comments_and_decodes_entities():
    fragment = "Sp<b>ace</b> &amp; <script>x('<p>')</script>AT&T a < b <!-- c --> &lt;i&gt;"
    assert " ".join(plain_text(fragment).split()) == "Sp ace & AT&T a < b <i>"
    assert plain_text("no markup") == "no markup"


def test_the_benchmark_prints_its_figures():
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_hostile_markup.py"), "--depths", "300"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    for path in ("extract", "canonical", "feed_summary"):
        assert f"depth     300  {path}" in out
    assert out.count("result: text") == 2 and "result: url" in out and "MiB" in out
