"""The site in a real headless Chromium: navigation, citations, escaping, accessibility.

Chromium comes from the Debian package (/usr/bin/chromium), driven by Playwright; the
server is uvicorn in a thread on a free loopback port over the fixture database. Without
Chromium or Playwright the tests skip with the reason, except under CI (CI=true), where a
missing browser must not hide a regression.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from quorum.settings import Config
from quorum.store import Store

CHROMIUM = os.environ.get("QUORUM_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FIXTURES = Path(__file__).parent / "fixtures" / "web"


def _need(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required under CI)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory) -> Iterator[str]:
    import uvicorn

    from quorum.web.app import create_app

    spec = importlib.util.spec_from_file_location("web_build_db", FIXTURES / "build_db.py")
    build_db = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_db)
    path = str(tmp_path_factory.mktemp("browser") / "web.db")
    build_db.build(path)
    store = Store.open(path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(store, Config()), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("playwright is not installed (pip install playwright)")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _need(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert not errors, errors


def _accessible(pg) -> None:
    """One h1, no skipped heading levels, alt on every img, a label for every input."""
    levels = pg.eval_on_selector_all("h1,h2,h3,h4,h5,h6", "els => els.map(e => +e.tagName[1])")
    assert levels and levels[0] == 1 and levels.count(1) == 1, levels
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    assert (
        pg.eval_on_selector_all("img", "els => els.filter(e => !e.hasAttribute('alt')).length") == 0
    )
    unlabelled = pg.eval_on_selector_all(
        "input:not([type=hidden]), select, textarea",
        "els => els.filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))"
        ".map(e => e.name)",
    )
    assert unlabelled == []
    assert pg.get_attribute("html", "lang") == "en"


def test_home_story_trends_and_search_load(page, base_url):
    page.goto(base_url + "/")
    assert page.locator("h1").inner_text() == "Verified stories"
    cards = page.locator("ol.cards article h3 a")
    assert cards.first.inner_text().startswith("SDA awards")
    _accessible(page)

    cards.first.click()
    page.wait_for_url("**/story/sda-tranche2")
    assert page.locator("h1").inner_text().startswith("SDA awards")
    assert page.locator("h2", has_text="Where sources disagree").count() == 1
    _accessible(page)

    page.goto(base_url + "/trends")
    assert page.locator("svg.chart").count() >= 4
    assert page.locator("svg.chart polyline").count() >= 1
    _accessible(page)

    page.goto(base_url + "/")
    page.fill("#site-search", "tranche")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/search?q=tranche")
    assert page.locator("ol.cards article h3 a").all_inner_texts() == [
        "SDA awards $1.9 billion for Tranche 2 tracking satellites"
    ]
    _accessible(page)


def test_citation_link_lands_on_the_source_sentence(page, base_url):
    page.goto(base_url + "/story/sda-tranche2")
    link = page.locator("section[aria-labelledby=h-takeaways] a.cite").first
    cited_text = "The satellites will fly in low Earth orbit as part of Tranche 2."
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url("**" + href)
    fragment = href.split("#", 1)[1]
    target = page.locator(":target")
    assert target.get_attribute("id") == fragment
    assert target.inner_text() == cited_text
    # the :target rule highlights it
    assert page.eval_on_selector(":target", "e => getComputedStyle(e).backgroundColor") not in (
        "rgba(0, 0, 0, 0)",
        "transparent",
    )


def test_hostile_markup_renders_as_inert_text(page, base_url):
    for path in ("/article/5", "/story/launch-scrub"):
        page.goto(base_url + path)
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert page.locator("img").count() == 0
    page.goto(base_url + "/article/5")
    assert page.locator("h1").inner_text() == "<script>window.__xss=1</script> Launch delayed"
    assert '<img src=x onerror="window.__xss=2">' in page.locator(".text").inner_text()
    page.goto(base_url + "/story/launch-scrub")
    assert page.get_by_text("<script>window.__xss=1</script> Launch delayed").is_visible()
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_keyboard_reaches_search_and_first_story_with_visible_focus(page, base_url):
    page.goto(base_url + "/")
    reached: dict[str, bool] = {}
    for _ in range(40):
        page.keyboard.press("Tab")
        info = page.evaluate(
            "() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return {id: e.id, story: !!e.closest('ol.cards'),"
            " outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,"
            " shadow: s.boxShadow !== 'none'} }"
        )
        if info["id"] == "site-search":
            reached["search"] = info["outline"] or info["shadow"]
        if info["story"] and "story" not in reached:
            reached["story"] = info["outline"] or info["shadow"]
        if len(reached) == 2:
            break
    assert reached == {"search": True, "story": True}


def test_skip_link_is_first_and_moves_focus_to_main(page, base_url):
    page.goto(base_url + "/story/sda-tranche2")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


# --- phone and desktop widths ----------------------------------------------------------------

WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
WIDE_PAGES = [
    "/",
    "/story/sda-tranche2",
    "/story/launch-scrub",
    "/article/1",
    "/entity/Space%20Development%20Agency",
    "/outlet/spacenews.com",
    "/trends",
    "/glossary",
    "/methodology",
    "/search?q=tranche",
]


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    """Where the width tests keep a full-page screenshot of every page at every width:
    pytest's temporary folder, ``<basetemp>/screenshots0/<width>/<page>.png`` (pytest keeps
    the last three runs; ``--basetemp DIR`` puts them somewhere to look at)."""
    return tmp_path_factory.mktemp("screenshots")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_no_page_scrolls_sideways_at_phone_or_desktop_width(browser, base_url, width, screenshots):
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h})
    pg = context.new_page()
    folder = screenshots / width
    folder.mkdir(exist_ok=True)
    too_wide = {}
    try:
        for path in WIDE_PAGES:
            pg.goto(base_url + path)
            name = path.strip("/").replace("/", "_").replace("?", "_") or "home"
            pg.screenshot(path=str(folder / f"{name}.png"), full_page=True)
            scroll = pg.evaluate("document.documentElement.scrollWidth")
            if scroll > w:
                too_wide[path] = scroll
    finally:
        context.close()
    assert too_wide == {}, f"wider than {w}px: {too_wide} (screenshots in {folder})"
    assert len(list(folder.glob("*.png"))) == len(WIDE_PAGES)


def test_story_chips_navigation_and_disclosures_on_a_phone(browser, base_url):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    pg = context.new_page()
    try:
        pg.goto(base_url + "/story/sda-tranche2")
        # impact, tone and the action item are visible chips, not buried in a line of text
        for chip in (".chip.impact", ".chip.tone", ".chip.action"):
            assert pg.locator("main " + chip).first.is_visible(), chip
        # the in-page navigation reaches a section far down the page
        pg.locator("nav.toc a[href='#h-sources']").click()
        assert pg.evaluate("location.hash") == "#h-sources"
        top = pg.evaluate("document.getElementById('h-sources').getBoundingClientRect().top")
        assert 0 <= top < 844
        # score evidence is folded until asked for
        evidence = pg.locator("details.evidence ul").first
        assert not evidence.is_visible()
        pg.locator("details.evidence summary").first.click()
        assert evidence.is_visible()
        # a copied text and its copy are drawn in one origin box
        pg.goto(base_url + "/story/launch-scrub")
        box = pg.locator("li.origin.copied").first
        assert box.locator(".chip.outlet").count() == 2 and box.locator(".copy").count() == 1
        _accessible(pg)
    finally:
        context.close()


def test_article_page_reads_as_text_without_underlined_sentences(page, base_url):
    page.goto(base_url + "/article/1")
    assert page.locator(".text .sentence.cited").count() >= 1
    marked = page.eval_on_selector_all(
        ".text .sentence",
        "els => els.filter(e => getComputedStyle(e).textDecorationLine !== 'none').length",
    )
    assert marked == 0
    width = page.eval_on_selector(".text", "e => e.getBoundingClientRect().width")
    assert width <= 42 * 16 + 1  # a readable measure, not the full window
