"""The web app at the HTTP level: routes, JSON twins, escaping, feeds, search, methodology,
the static build and webhooks. Browser behaviour is in test_browser.py."""

from __future__ import annotations

import http.server
import importlib.util
import json
import re
import threading
import tomllib
import warnings
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote, urlsplit

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quorum.settings import SETTINGS, Config
from quorum.store import Store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from quorum.web.app import create_app  # noqa: E402
from quorum.web.glossary import Glossary  # noqa: E402
from quorum.web.methodology import INTERNAL_SETTINGS  # noqa: E402
from quorum.web.pages import split_article  # noqa: E402
from quorum.web.search import fts5_query  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures" / "web"


def _load_builder():
    spec = importlib.util.spec_from_file_location("web_build_db", FIXTURES / "build_db.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_db = _load_builder()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Iterator[dict]:
    path = str(tmp_path_factory.mktemp("web") / "web.db")
    info = build_db.build(path)
    store = Store.open(path)
    yield {"store": store, "info": info, "path": path}
    store.close()


def client_for(built: dict, **overrides) -> TestClient:
    return TestClient(create_app(built["store"], Config(overrides)))


@pytest.fixture(scope="module")
def client(built) -> TestClient:
    return client_for(built)


# --- routes and JSON twins ---------------------------------------------------------------


PAGES = [
    "/",
    "/story/sda-tranche2",
    "/article/1",
    "/entity/Space%20Development%20Agency",
    "/outlet/spacenews.com",
    "/trends",
    "/glossary",
    "/methodology",
    "/search?q=tranche",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_and_has_a_json_twin(client, path):
    page = client.get(path)
    assert page.status_code == 200, page.text[:500]
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="en">' in html and 'href="#main"' in html
    assert len(re.findall(r"<h1[ >]", html)) == 1
    route, _, query = path.partition("?")
    twin = ("/index.json" if route == "/" else route + ".json") + (f"?{query}" if query else "")
    assert f'href="{twin}"'.replace("&", "&amp;") in html  # the page links its JSON
    data = client.get(twin)
    assert data.status_code == 200 and data.headers["content-type"] == "application/json"
    assert data.json()["title"]


def test_headings_never_skip_a_level(client):
    for path in PAGES:
        levels = [int(h) for h in re.findall(r"<h([1-6])[ >]", client.get(path).text)]
        assert levels[0] == 1
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), path


def test_story_json_carries_every_contract_section(client, built):
    got = client.get("/story/sda-tranche2.json").json()
    for key in (
        "headline",
        "label",
        "takeaways",
        "key_facts",
        "hedged",
        "entity_groups",
        "stakeholders",
        "analysis",
        "what_to_watch",
        "timeline",
        "conflicts",
        "sources",
        "scores",
    ):
        assert got[key], key
    assert got["story"]["action_item"] is True
    assert [s["name"] for s in got["scores"]] == ["impact", "sentiment", "confidence"]


def test_story_page_shows_sections_conflict_sides_and_copies(client):
    html = client.get("/story/sda-tranche2").text
    for heading in (
        "Key takeaways",
        "Key facts",
        "Where sources disagree",
        "What to watch",
        "Who is affected",
        "Analysis",
        "Timeline",
        "Scores and why",
        "Sources",
        "Reported, not verified",
        "Mentioned",
    ):
        assert f">{heading}</h2>" in html, heading
    assert "<strong>54</strong> — spacenews.com" in html
    assert "<strong>56</strong> — breakingdefense.com" in html
    assert 'href="/entity/Space%20Development%20Agency"' in html
    assert 'href="/story/launch-scrub"' in html  # timeline entry is linked
    scrub = client.get("/story/launch-scrub").text
    assert "copy of AP News (syndicated)" in scrub


def test_story_page_reads_as_prose_with_chips_and_navigation(client):
    html = client.get("/story/sda-tranche2").text
    data = client.get("/story/sda-tranche2.json").json()
    # impact and tone as chips, the action item marked
    assert '<span class="chip impact action"' in html and ">Impact 8.4<" in html
    assert '<span class="chip tone positive"' in html
    assert '<strong class="chip action"' in html
    # analysis threads carry no keyword-list headings
    assert "Resolution, cadence, congress" not in html
    # who is affected, said in words rather than as matching rules
    assert "term:" not in html and "entity:" not in html and "(ORG)" not in html
    assert "Names Space Development Agency. Mentions “award”." in html
    stake = {s["group"]: s for s in data["stakeholders"]}
    assert stake["Defense agencies & acquisition"]["terms"] == ["award"]
    assert stake["Losing bidders"]["reason"] == "Analysts expect protests from losing bidders."
    # in-page navigation to every section shown, each target present
    nav = re.search(r'<nav class="toc" aria-label="On this page">(.*?)</nav>', html, re.S)
    assert nav, "no in-page navigation"
    targets = re.findall(r'href="#(h-[a-z]+)"', nav.group(1))
    assert [o["id"] for o in data["outline"]] == targets
    assert {"h-takeaways", "h-sources", "h-origins", "h-scores"} <= set(targets)
    for t in targets:
        assert f'id="{t}"' in html
    # score evidence behind a disclosure
    assert '<details class="evidence">' in html
    assert data["source_mix"]["outlet_kinds"] == [{"kind": "trade", "outlets": 2}]


def test_story_page_draws_who_copies_whom(client):
    data = client.get("/story/launch-scrub.json").json()
    groups = {g["key"]: g for g in data["origin_groups"]}
    assert [a["is_copy"] for a in groups["w1"]["articles"]] == [False, True]
    assert groups["w1"]["copies"] == 1 and groups["w1"]["why"] == ["credit line: (AP)"]
    assert data["source_mix"]["copies"] == 1 and data["source_mix"]["originals"] == 2
    html = client.get("/story/launch-scrub").text
    box = re.search(r'<li class="origin copied">(.*?)</li>', html, re.S).group(1)
    assert box.index("AP News") < box.index("→") < box.index("chip outlet copy")
    assert "credit line: (AP)" in box


def test_long_source_lists_fold_after_the_first_articles(client, monkeypatch):
    from quorum.web import pages

    monkeypatch.setattr(pages, "SOURCES_SHOWN", 1)
    html = client.get("/story/launch-scrub").text
    shown, folded = html.split('<details class="more-sources">')
    assert "Show the other 2 articles" in folded
    rows = lambda part: part.count('<a href="/article/')  # noqa: E731
    assert rows(shown.split('id="h-sources"')[1]) == 1 and rows(folded) == 2


def test_home_cards_say_each_thing_once_with_outlet_names(client):
    html = client.get("/").text
    card = re.search(r'<article class="card action">(.*?)</article>', html, re.S).group(1)
    assert card.count("independent source") == 1
    assert "Verified by 2" not in card
    assert ">SpaceNews</a>" in card and ">spacenews.com</a>" not in card
    assert '<span class="chip impact action"' in card
    data = client.get("/index.json").json()
    first = data["stories"][0]
    assert first["outlet_list"][0] == {
        "domain": "spacenews.com",
        "name": "SpaceNews",
        "kind": "trade",
    }


def test_favicon_is_served(client):
    got = client.get("/favicon.ico")
    assert got.status_code == 200 and got.headers["content-type"] == "image/x-icon"
    assert got.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert client.get("/static/favicon.svg").status_code == 200
    assert 'rel="icon"' in client.get("/").text


def test_story_page_links_glossary_terms(client):
    html = client.get("/story/sda-tranche2").text
    assert 'href="/glossary#g-leo"' in html  # "low Earth orbit" in a takeaway
    assert 'href="/glossary#g-cr"' in html  # "continuing resolution" in the analysis
    glossary = client.get("/glossary").text
    assert 'id="g-leo"' in glossary and 'id="g-cr"' in glossary


def test_unknown_pages_are_404_with_the_name_escaped(client):
    page = client.get("/story/%3Cscript%3Ealert(1)")
    assert page.status_code == 404
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    other = client.get("/no/such/%3Cscript%3E/page")
    assert other.status_code == 404 and "<h1>Not found</h1>" in other.text
    assert client.get("/story/nope.json").status_code == 404
    assert client.get("/entity/Nobody").status_code == 404
    assert client.get("/outlet/none.example.json").json() == {"error": "no outlet 'none.example'"}
    assert client.get("/feeds/entity/Nobody.atom").status_code == 404
    assert client.get("/article/99999999999999999999").status_code == 404
    assert client.get("/article/-1.json").status_code == 404


def test_bad_query_values_are_ignored_not_errors(client):
    assert client.get("/?min_impact=abc&page=-3&tier=bogus").status_code == 200
    assert client.get("/index.json?page=x").json()["page"] == 1
    assert client.get("/index.json?page=1e308").json()["stories"] == []
    assert client.get("/index.json?min_impact=nan&page=inf").json()["page"] == 1
    assert client.get("/search.json?q=launch&page=99999999999999999999").status_code == 200


# --- home: policy, order, filters, pages -----------------------------------------------


def _ids(client, query=""):
    return [s["id"] for s in client.get("/index.json" + query).json()["stories"]]


def test_home_lists_action_items_first_then_newest(client):
    ids = _ids(client)
    assert ids[0] == "sda-tranche2"  # impact 8.4: an action item
    # then newest first: filler-11 (17 Nov) before the launch scrub (10 Nov)
    assert ids[1:5] == ["filler-11", "launch-scrub", "filler-10", "filler-09"]


def test_single_source_hidden_under_hold_and_labelled_under_label(built, client):
    assert "asat-scoop" not in _ids(client)
    assert client.get("/story/asat-scoop").status_code == 404
    labelled = client_for(built, single_source_policy="label")
    assert "asat-scoop" in _ids(labelled)
    assert "Single source — unverified" in labelled.get("/").text
    assert labelled.get("/story/asat-scoop").status_code == 200
    # its entities stay unpublished too: no entity page, not in trends
    assert client.get("/entity/Secret%20Unit").status_code == 404
    assert "Secret Unit" not in client.get("/trends").text
    assert labelled.get("/entity/Secret%20Unit").status_code == 200


def test_an_empty_index_is_rebuilt_when_the_app_starts(built, tmp_path):
    from sqlalchemy import text

    path = str(tmp_path / "stale.db")
    build_db.build(path)
    store = Store.open(path)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM story_cards"))
    try:
        assert "sda-tranche2" in _ids(TestClient(create_app(store, Config())))
    finally:
        store.close()


def test_home_filters(client):
    assert _ids(client, "?min_impact=8") == ["sda-tranche2"]
    assert _ids(client, "?tier=positive") == ["sda-tranche2"]
    assert _ids(client, "?entity=GPS") == ["launch-scrub"]
    assert _ids(client, "?outlet=apnews.com") == ["launch-scrub"]
    assert set(_ids(client, "?entity=Missile%20Defense%20Agency")) == {
        f"filler-{i:02d}" for i in range(8, 12)
    }


def test_home_pages_are_bounded_and_linked(built):
    small = client_for(built, page_size=5)
    first = small.get("/index.json").json()
    second = small.get("/index.json?page=2").json()
    assert len(first["stories"]) == 5 and first["next_page"] == 2
    assert not set(s["id"] for s in first["stories"]) & set(s["id"] for s in second["stories"])
    assert 'href="/?page=2"' in small.get("/").text


# --- escaping ------------------------------------------------------------------------------


def test_hostile_titles_and_bodies_render_as_text(client):
    for path in (
        "/story/launch-scrub",
        "/article/5",
        "/outlet/hostile.example",
        "/search?q=delayed",
        "/",
    ):
        html = client.get(path).text
        assert "<script>window.__xss" not in html, path
        assert "<img src=x onerror" not in html, path
        assert "<b>Outlet</b>" not in html, path
    assert (
        "&lt;script&gt;window.__xss=1&lt;/script&gt; Launch delayed"
        in client.get("/article/5").text
    )
    assert 'href="javascript:' not in client.get("/story/launch-scrub").text
    assert "script-src 'self'" in client.get("/").headers["content-security-policy"]


def test_search_with_hostile_query_is_escaped(client):
    html = client.get('/search?q=<script>alert(1)</script>"').text
    assert "<script>alert(1)" not in html


# --- articles and citations ----------------------------------------------------------------


def _cited(node):
    if isinstance(node, dict):
        if (
            isinstance(node.get("article_id"), int)
            and node.get("field") != "title"
            and "start" in node
        ):
            yield node
        for v in node.values():
            yield from _cited(v)
    elif isinstance(node, list):
        for v in node:
            yield from _cited(v)


class _IdText(HTMLParser):
    """Text of every element with an id (for spans nested in spans)."""

    def __init__(self):
        super().__init__()
        self.stack: list[str | None] = []
        self.texts: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        ident = dict(attrs).get("id")
        self.stack.append(ident)
        if ident:
            self.texts[ident] = ""

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        for ident in self.stack:
            if ident:
                self.texts[ident] += data


def test_every_citation_lands_on_an_element_with_the_cited_text(client):
    for sid in ("sda-tranche2", "launch-scrub"):
        story = client.get(f"/story/{sid}.json").json()
        html = client.get(f"/story/{sid}").text
        for c in _cited(story):
            href = f"/article/{c['article_id']}#s-{c['start']}-{c['end']}"
            assert f'href="{href}"' in html, href
            parser = _IdText()
            parser.feed(client.get(f"/article/{c['article_id']}").text)
            assert parser.texts.get(f"s-{c['start']}-{c['end']}") == c["text"], c


def test_story_page_links_each_quoted_sentence_to_its_span(client):
    html = client.get("/story/sda-tranche2").text
    story = client.get("/story/sda-tranche2.json").json()
    first = story["takeaways"][0]
    assert f'href="/article/{first["article_id"]}#s-{first["start"]}-{first["end"]}"' in html


def test_article_split_wraps_inner_spans_and_anchors_crossing_ones():
    text = "Alpha one. Beta two has $5 million.\nGamma three."
    inner = (text.index("$5"), text.index("$5") + len("$5 million"))
    crossing = (text.index("one"), text.index("Beta") + 4)
    paras = split_article(text, {inner, crossing})
    sentences = [s for p in paras for s in p]
    assert [s["id"] for s in sentences] == ["s-0-10", "s-11-35", "s-36-48"]
    assert [p["id"] for p in sentences[1]["parts"]] == [None, f"s-{inner[0]}-{inner[1]}", None]
    assert "".join(p["text"] for p in sentences[1]["parts"]) == text[11:35]
    assert sentences[0]["anchors"] == [f"s-{crossing[0]}-{crossing[1]}"]
    assert len(paras) == 2


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(["Alpha one.", "Beta two has $5 million.", "Gamma.", "\n", " "]),
        max_size=8,
    ),
    st.lists(st.tuples(st.integers(-2, 120), st.integers(0, 120)), max_size=6),
)
def test_every_valid_citation_gets_exactly_one_element(pieces, raw_spans):
    text = " ".join(pieces)
    cited = set(raw_spans)
    ids = []
    for para in split_article(text, cited):
        for s in para:
            ids += [s["id"], *s["anchors"], *(p["id"] for p in s["parts"] if p["id"])]
            assert "".join(p["text"] for p in s["parts"]) == text[s["start"] : s["end"]]
    assert len(ids) == len(set(ids))
    if text.strip():  # a text with sentences: every valid span has an element
        for a, b in cited:
            if 0 <= a < b <= len(text):
                assert f"s-{a}-{b}" in ids, (a, b)


# --- entity, outlet, trends ------------------------------------------------------------------


def test_entity_page_lists_its_stories_and_feed(client):
    data = client.get("/entity/Golden%20Dome.json").json()
    assert len(data["stories"]) == 12 and data["types"] == ["MISC"]
    assert data["glossary"]["anchor"] == "g-golden-dome"
    assert 'href="/feeds/entity/Golden%20Dome.atom"' in client.get("/entity/Golden%20Dome").text
    assert client.get("/entity/hypersonic.json").json()["types"] == ["TOPIC"]


def test_outlet_page_counts_first_and_only(client):
    sn = client.get("/outlet/spacenews.com.json").json()
    assert sn["outlet"]["owner"] == "Pocket Ventures"
    assert sn["stats"] == {
        "stories": 1,
        "first": 1,
        "only": 0,
        "first_share": 1.0,
        "only_share": 0.0,
    }
    assert client.get("/outlet/breakingdefense.com.json").json()["stats"]["first"] == 0
    assert client.get("/outlet/scoop.example.json").json()["stats"]["only"] == 1


def test_trends_counts_weeks_topics_and_rising(client):
    t = client.get("/trends.json").json()
    assert len(t["weeks"]) == 12 and t["weeks"][-1] == "2026-11-16"
    topics = {s["name"]: s for s in t["topics"]}
    assert topics["hypersonic"]["total"] == 12  # a glossary term in every filler headline
    assert "Golden Dome" in {s["name"] for s in t["entities"]}
    rising = {r["name"]: r for r in t["rising"]}
    assert rising["Missile Defense Agency"]["previous"] == 0
    assert rising["Missile Defense Agency"]["current"] >= 2
    week = next(s for s in t["scores"] if s["week"] == "2026-11-16")
    # sda-tranche2 (impact 8.4, action item) and filler-11 (impact 3.0) share that week
    assert week["stories"] == 2 and week["action_items"] == 1 and week["impact"] == 5.7
    html = client.get("/trends").text
    assert html.count("<svg") >= 4 and "<polyline" in html and "<table>" in html


# --- glossary and methodology ---------------------------------------------------------------


def test_glossary_has_the_beat_terms():
    raw = tomllib.loads(
        (Path(__file__).parents[1] / "src/quorum/data/glossary.toml").read_text("utf-8")
    )
    names = {t["term"] for t in raw["terms"]}
    assert len(names) >= 80
    for must in (
        "ISR",
        "SDA",
        "LEO",
        "GEO",
        "MEO",
        "GPS",
        "PNT",
        "C4ISR",
        "hypersonic",
        "ICBM",
        "SLBM",
        "NDAA",
        "ITAR",
        "EAR",
        "OTA",
        "IDIQ",
        "CR",
        "RDT&E",
        "ASAT",
        "SSA",
        "conjunction",
        "tranche",
        "Golden Dome",
    ):
        assert must in names, must


def test_glossary_matching_respects_case_and_word_edges():
    g = Glossary.load()
    assert g.term_names("A CR passed; the cr and ecrit don't count") == {"CR"}
    assert g.term_names("RDT&E funds for ICBMs") == {"RDT&E", "ICBM"}
    assert g.term_names("a geostationary orbit slot") == {"GEO"}


def test_methodology_is_generated_from_the_live_settings(built):
    c = client_for(
        built, page_size=7, min_sources=3, database="postgresql://quorum:hunter2@db/quorum"
    )
    data = c.get("/methodology.json").json()
    public = [s.name for s in SETTINGS if s.name not in INTERNAL_SETTINGS]
    assert [s["name"] for s in data["settings"]] == public
    by_name = {s["name"]: s for s in data["settings"]}
    assert by_name["page_size"]["value"] == "7" and by_name["page_size"]["changed"]
    assert "hunter2" not in json.dumps(data)
    assert any("at least 3 independent sources" in rule for rule in data["gate"])
    html = c.get("/methodology").text
    for name in public:
        assert f'id="setting-{name}"' in html
    assert "hunter2" not in html
    if (Path(__file__).parents[1] / "src/quorum/data/impact_rubric.toml").exists():
        assert data["impact_rubric"]["components"]
        assert "Impact rubric" in html
    if (Path(__file__).parents[1] / "src/quorum/data/sentiment/TIERS.md").exists():
        assert "very_negative" in json.dumps(data["sentiment_tiers"])
        assert "Sentiment tiers" in html


def test_methodology_reads_as_a_page_not_raw_markdown(client):
    data = client.get("/methodology.json").json()
    html = client.get("/methodology").text
    # the shipped notes: no Markdown syntax left in the text, inline code as <code>
    text = re.sub(r"<[^>]+>", "", html)
    assert "**" not in text and "`" not in text and "| --- |" not in text
    assert "<code>very_negative</code>" in html
    assert "<ol>" in html  # the numbered steps of TIERS.md are a list
    # the section heading once, not again from the note's own title
    assert html.count(">Sentiment tiers<") == 1
    # every rubric component shows something: breadth has no term rules, only scales
    for comp in data["impact_rubric"]["components"]:
        assert comp["rules"] or comp["scales"], comp["name"]
    breadth = next(c for c in data["impact_rubric"]["components"] if c["name"] == "breadth")
    assert "Distinct countries named" in html and breadth["scales"][0]["steps"]
    # the machine's network trust is not published
    for name in ("allow_private_hosts", "canonical_trusted_hosts"):
        assert name not in html and name not in json.dumps(data)
    # settings as a list, not a four-column table that a phone clips
    assert '<table class="settings">' not in html


def test_markdown_notes_keep_inline_markup_as_text_runs():
    from quorum.web.pages import markdown_blocks

    blocks = markdown_blocks("1. Use `<b>` **now**\n   and later.\n2. Two.\n\nA `x` b.")
    assert blocks[0]["kind"] == "list" and blocks[0]["ordered"]
    assert blocks[0]["items"] == ["Use `<b>` **now** and later.", "Two."]
    assert blocks[0]["item_runs"][0] == [
        {"text": "Use ", "style": ""},
        {"text": "<b>", "style": "code"},
        {"text": " ", "style": ""},
        {"text": "now", "style": "b"},
        {"text": " and later.", "style": ""},
    ]
    assert blocks[1]["runs"][1] == {"text": "x", "style": "code"}


def test_markdown_notes_become_blocks_not_markup():
    from quorum.web.pages import markdown_blocks

    blocks = markdown_blocks("# Title\n\n| a | b |\n| --- | --- |\n| <x> | 2 |\n\nText *here*.")
    assert [b["kind"] for b in blocks] == ["heading", "table", "text"]
    assert blocks[1]["header"] == ["a", "b"] and blocks[1]["rows"] == [["<x>", "2"]]


# --- search ---------------------------------------------------------------------------------


def test_fts5_query_quotes_every_word():
    assert fts5_query('space "force NEAR( x*') == '"space" "force" "NEAR" "x"'


def test_search_finds_stemmed_words_and_only_published_stories(client):
    assert [s["id"] for s in client.get("/search.json?q=tranches").json()["stories"]] == [
        "sda-tranche2"
    ]
    assert client.get("/search.json?q=ASAT").json()["stories"] == []  # single-source: held
    for q in ['"', "NEAR(", "*", "-", "a AND OR"]:
        got = client.get("/search.json", params={"q": q})
        assert got.status_code == 200 and got.json()["error"] is None


def test_search_and_cards_on_sqlite_and_postgresql(db_url):  # db_fixtures: both databases
    build_db.build(db_url)
    store = Store.open(db_url)
    try:
        c = TestClient(create_app(store, Config()))
        assert [s["id"] for s in c.get("/search.json?q=satellites").json()["stories"]] == [
            "sda-tranche2"
        ]
        assert _ids(c)[:3] == ["sda-tranche2", "filler-11", "launch-scrub"]
        assert c.get("/trends.json").json()["topics"]
        assert c.get("/outlet/spacenews.com.json").json()["stats"]["first"] == 1
        for path in PAGES + ["/feeds/verified.atom", "/entity/hypersonic.json"]:
            assert c.get(path).status_code == 200, path
        assert c.get("/entity/Golden%20Dome.json").json()["weeks"]
    finally:
        store.close()


# --- feeds and OpenAPI ----------------------------------------------------------------------


def test_atom_feeds(client):
    verified = feedparser.parse(client.get("/feeds/verified.atom").content)
    links = [e.link for e in verified.entries]
    assert "/story/sda-tranche2" in links  # root-relative: no site_url, no listen address
    assert not any("asat-scoop" in link for link in links)
    assert verified.entries[0].link.endswith("/story/sda-tranche2")  # newest first
    action = feedparser.parse(client.get("/feeds/action-items.atom").content)
    assert [e.link for e in action.entries] == ["/story/sda-tranche2"]
    entity = feedparser.parse(client.get("/feeds/entity/GPS.atom").content)
    assert [e.link for e in entity.entries] == ["/story/launch-scrub"]
    assert "<script>" not in client.get("/feeds/verified.atom").text


def test_openapi_lists_the_json_routes_and_docs_is_off(client):
    spec = client.get("/openapi.json").json()
    for path in (
        "/index.json",
        "/story/{story_id}.json",
        "/entity/{name}.json",
        "/outlet/{domain}.json",
        "/trends.json",
        "/glossary.json",
        "/methodology.json",
        "/search.json",
        "/feeds/verified.atom",
    ):
        assert path in spec["paths"], path
        assert spec["paths"][path]["get"]["summary"]
    assert "/story/{story_id}" not in spec["paths"]
    assert client.get("/docs").status_code == 404


# --- static build ---------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key):
                self.hrefs.append(a[key])


def test_build_site_writes_pages_with_working_relative_links(built, tmp_path):
    from typer.testing import CliRunner

    from quorum.cli import app

    result = CliRunner().invoke(app, ["build-site", str(tmp_path / "site"), "--db", built["path"]])
    assert result.exit_code == 0, result.output
    root = tmp_path / "site"
    for rel in (
        "index.html",
        "index.json",
        "story/sda-tranche2/index.html",
        "story/sda-tranche2.json",
        "article/1/index.html",
        "trends/index.html",
        "entity/Golden%20Dome/index.html",
        "entity/Golden%20Dome.json",
        "outlet/spacenews.com/index.html",
        "feeds/verified.atom",
        "feeds/entity/GPS.atom",
        "static/site.css",
        "methodology.json",
    ):
        assert (root / rel).exists(), rel
    assert not (root / "story/asat-scoop").exists()
    checked = 0
    for page in root.rglob("*.html"):
        parser = _Links()
        parser.feed(page.read_text("utf-8"))
        for href in parser.hrefs:
            parts = urlsplit(href)
            if parts.scheme or href.startswith("#"):
                continue
            assert not href.startswith("/"), (page, href)
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.exists(), (page, href)
            checked += 1
    assert checked > 100
    story = json.loads((root / "story/sda-tranche2.json").read_text("utf-8"))
    assert story["headline"]["text"].startswith("SDA awards")


def test_build_site_feeds_without_site_url_link_relative_and_warn(built, tmp_path):
    from typer.testing import CliRunner

    from quorum.cli import app

    result = CliRunner().invoke(app, ["build-site", str(tmp_path / "site"), "--db", built["path"]])
    assert result.exit_code == 0, result.output
    assert "warning: site_url is not set" in result.output
    root = tmp_path / "site"
    for feed_file in (root / "feeds" / "verified.atom", root / "feeds" / "entity" / "GPS.atom"):
        feed = feedparser.parse(feed_file.read_bytes())
        assert feed.entries, feed_file
        for entry in feed.entries:
            assert "localhost" not in entry.link
            target = (feed_file.parent / entry.link).resolve()  # relative to the feed file
            assert (target / "index.html").is_file(), entry.link

    served = tmp_path / "served"
    result = CliRunner().invoke(
        app,
        [
            "build-site",
            str(served),
            "--site-url",
            "https://desk.example.org/",
            "--db",
            built["path"],
        ],
    )
    assert result.exit_code == 0 and "warning" not in result.output
    feed = feedparser.parse((served / "feeds" / "verified.atom").read_bytes())
    assert feed.entries[0].link.startswith("https://desk.example.org/story/")


def test_build_site_refuses_a_foreign_folder_and_replaces_its_own(built, tmp_path):
    from typer.testing import CliRunner

    from quorum.cli import app

    def build(*extra: str):
        return CliRunner().invoke(app, ["build-site", str(folder), *extra, "--db", built["path"]])

    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"jpeg")
    refused = build()
    assert refused.exit_code == 2
    assert "not empty" in refused.output and "--force" in refused.output
    assert sorted(p.name for p in folder.iterdir()) == ["holiday.jpg"]  # nothing written
    assert build("--force").exit_code == 0
    assert (folder / "holiday.jpg").exists() and (folder / "index.html").exists()

    folder = tmp_path / "site"
    assert build().exit_code == 0
    stale = folder / "story" / "gone-story"
    stale.mkdir()
    (stale / "index.html").write_text("a story no longer published", "utf-8")
    (folder / "CNAME").write_text("desk.example.org", "utf-8")  # the owner's file
    again = build()  # an earlier build: rebuilt in place, without its stale pages
    assert again.exit_code == 0, again.output
    assert not stale.exists() and (folder / "CNAME").exists()
    assert (folder / "story" / "sda-tranche2" / "index.html").exists()


def test_serve_command_runs_the_site_on_the_given_host_and_port(built, monkeypatch):
    from typer.testing import CliRunner

    import quorum.web.server as server
    from quorum.cli import app

    calls = []

    def run(self, sockets=None):
        calls.append((self.config, [s.getsockname() for s in sockets]))

    monkeypatch.setattr(server.uvicorn.Server, "run", run)
    result = CliRunner().invoke(app, ["serve", "--db", built["path"], "--port", "8765"])
    assert result.exit_code == 0, result.output
    assert "open http://127.0.0.1:8765/" in result.output
    ((config, sockets),) = calls
    assert sockets == [("127.0.0.1", 8765)]  # bound by the command, served by uvicorn
    assert TestClient(config.app).get("/index.json").json()["stories"]


# --- webhooks -------------------------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[tuple[str, list]]:
    received: list = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def test_webhook_posts_each_new_action_item_once(built, receiver, tmp_path):
    from quorum.web.webhooks import notify_action_items

    url, received = receiver
    store = Store.open(str(tmp_path / "hooks.db"))
    try:
        desk = SimpleNamespace(
            store=store, config=Config({"webhook_urls": [url], "site_url": "https://q.example/"})
        )
        stories = list(built["info"]["stories"].values())
        assert notify_action_items(desk, stories) == ["sda-tranche2"]
        assert len(received) == 1
        assert received[0]["story_id"] == "sda-tranche2"
        assert received[0]["url"] == "https://q.example/story/sda-tranche2"
        assert received[0]["impact"] == 8.4
        assert notify_action_items(desk, stories) == []  # already sent
        assert len(received) == 1
    finally:
        store.close()


def test_webhook_failure_is_logged_and_retried_later(built, tmp_path, caplog):
    from quorum.web.webhooks import notify_action_items

    store = Store.open(str(tmp_path / "hooks.db"))
    try:
        desk = SimpleNamespace(
            store=store,
            config=Config({"webhook_urls": ["http://127.0.0.1:9/nothing"], "webhook_timeout": 1.0}),
        )
        stories = list(built["info"]["stories"].values())
        assert notify_action_items(desk, stories) == []
        assert "webhook" in caplog.text
        assert notify_action_items(desk, stories) == []  # not marked: tried again
    finally:
        store.close()
