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
