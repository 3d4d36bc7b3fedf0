"""A poll is bounded: hostile markup does not stall other fetches, and slow pages or long
Crawl-delays cost at most the feed's and the run's budget, the rest waiting for the next poll.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from httpserver import LocalHTTPServer, Reply
from test_ingest import FAST, PARAS, page, rss

from quorum.desk import Desk
from quorum.ingest import Ingestor

HTML = {"Content-Type": "text/html; charset=utf-8"}
WHEN = datetime(2026, 11, 2, 10, tzinfo=UTC)


def poll(db: str, feeds: list[str], **overrides):
    with Desk.open(db, None, **{**FAST, **overrides}) as desk:
        ingestor = Ingestor(desk.store, desk.config, desk.registry, desk.beat)
        report = asyncio.run(ingestor.poll_feeds(feeds))
        stored = {a.url.rsplit("/", 1)[-1]: a for a in desk.store.articles()}
        states = {f: desk.store.feed_state(f) for f in feeds}
        return report, stored, states, desk.store.reason_counts(report.run_id)


def item(server: LocalHTTPServer, path: str, host: str | None = None) -> dict:
    slug = path.rsplit("/", 1)[-1]
    return {
        "link": server.url(path, host=host),
        "title": f"Item {slug}",
        "date": WHEN,
        "summary": f"Summary of {slug}.",
    }


def article(title: str) -> bytes:
    """A page of its own text (the store keeps one copy of a text per outlet)."""
    return page(title, [f"{title}: {p}" for p in PARAS])


def deep_page(depth: int = 40_000) -> bytes:
    paragraphs = "".join(f"<p>Deep down: {p}</p>" for p in PARAS)
    return (
        "<!doctype html><html><head><title>Deep article</title>"
        '<link rel="canonical" href="/a/deep"></head><body>'
        + "<div>" * depth
        + f"<article>{paragraphs}</article>"
        + "</div>" * depth
        + "</body></html>"
    ).encode()


@pytest.mark.parametrize("hostile", ["page", "summary"])
def test_hostile_markup_does_not_stall_the_other_fetches(tmp_path, http_server, hostile):
    # Feed A brings markup nested 40,000 deep (its page, or its item's summary); feed B's
    # page is on its way meanwhile. Parsed on the event loop, the deep markup held it for
    # seconds and B's fetch overran its read_timeout.
    deep_summary = "<div>" * 40_000 + "Summary of the deep item." + "</div>" * 40_000
    if hostile == "page":
        http_server.route("/a/deep", deep_page(), headers=HTML)
        a_items = [item(http_server, "/a/deep")]
    else:
        http_server.route("/a/deep", "gone", status=404)
        a_items = [{**item(http_server, "/a/deep"), "summary": deep_summary}]
    # A's feed comes a little later, so that B's page is already in flight when it arrives.
    http_server.route(
        "/a.xml", replies=[Reply(200, rss(a_items), {"Content-Type": "text/xml"}, delay=0.3)]
    )
    http_server.route("/b/steady", article("Steady article"), headers=HTML, delay=0.6)
    http_server.route("/b.xml", rss([item(http_server, "/b/steady")]), content_type="text/xml")
    _, stored, _, reasons = poll(
        str(tmp_path / "q.db"),
        [http_server.url("/a.xml"), http_server.url("/b.xml")],
        read_timeout=2.5,
    )
    assert ("page", "timeout") not in reasons
    assert stored["steady"].via == "page", "the other feed's page was fetched in time"
    deep = stored["deep"]
    if hostile == "page":
        assert deep.via == "page" and deep.text.startswith("Deep down: The Space Force")
    else:
        assert deep.via == "feed-summary" and deep.text == "Summary of the deep item."


def trickle() -> Reply:
    """A page that sends one byte every 0.3 s: 12 s for the whole of it."""
    return Reply(200, headers=HTML, stream=[b"<html>"] + [b" "] * 40, chunk_delay=0.3)


def test_pages_left_when_the_feed_budget_runs_out_are_fetched_by_the_next_poll(
    tmp_path, http_server
):
    fast, slow = ["f1", "f2", "f3"], ["s1", "s2", "s3"]
    for slug in fast:
        http_server.route(f"/a/{slug}", article(f"Fast {slug}"), headers=HTML)
    for slug in slow:  # trickles during the first poll, answers at once in the second
        http_server.route(
            f"/a/{slug}", replies=[trickle(), Reply(200, article(f"Slow {slug}"), HTML)]
        )
    body = rss([item(http_server, f"/a/{s}") for s in fast + slow])
    http_server.route(
        "/feed.xml",
        handler=lambda req: (
            Reply(304)
            if req.headers.get("if-none-match") == '"v1"'
            else Reply(200, body, {"ETag": '"v1"', "Content-Type": "application/rss+xml"})
        ),
    )
    feed, db = http_server.url("/feed.xml"), str(tmp_path / "q.db")
    report, stored, states, reasons = poll(db, [feed], read_timeout=8.0, feed_budget=1.5)
    assert sorted(stored) == fast, "pages cut off by the budget are not stored (no fallback)"
    assert reasons[("page", "budget")] == 3 and report.reasons["budget"] == 3
    assert states[feed] is None, "validators kept back, so the next poll reads the feed again"

    report, stored, states, reasons = poll(db, [feed], read_timeout=8.0, feed_budget=1.5)
    assert sorted(stored) == fast + slow
    assert all(stored[s].via == "page" for s in slow)
    assert report.stored == 3 and ("page", "budget") not in reasons
    assert states[feed] is not None and states[feed].etag == '"v1"'


def test_the_run_budget_bounds_slow_feeds_and_slow_pages(tmp_path, http_server):
    http_server.route("/a/quick", article("Quick"), headers=HTML)
    http_server.route("/a/slow", replies=[trickle(), Reply(200, article("Slow one"), headers=HTML)])
    pages = rss([item(http_server, "/a/quick"), item(http_server, "/a/slow")])
    http_server.route("/pages.xml", pages, content_type="application/rss+xml")
    late = rss([item(http_server, "/a/late")])
    http_server.route("/a/late", article("Late"), headers=HTML)
    http_server.route(
        "/late.xml",
        replies=[
            Reply(
                200, headers={"Content-Type": "text/xml"}, stream=[late[:50]] * 40, chunk_delay=0.3
            ),
            Reply(200, late, {"Content-Type": "text/xml"}),
        ],
    )
    feeds, db = (
        [http_server.url("/pages.xml"), http_server.url("/late.xml")],
        str(tmp_path / "q.db"),
    )
    _, stored, states, reasons = poll(db, feeds, read_timeout=8.0, feed_budget=0, run_budget=1.5)
    assert sorted(stored) == ["quick"]
    assert reasons[("page", "budget")] == 1 and reasons[("feed", "budget")] == 1
    assert states == {feeds[0]: None, feeds[1]: None}

    _, stored, states, reasons = poll(db, feeds, read_timeout=8.0, feed_budget=0, run_budget=1.5)
    assert sorted(stored) == ["late", "quick", "slow"]
    assert ("page", "budget") not in reasons and ("feed", "budget") not in reasons


def test_crawl_delay_waits_count_against_the_feed_budget(tmp_path, http_server):
    # The pages live on "localhost", whose robots.txt asks for 3 s between requests: the
    # robots.txt request starts at once, the first page 3 s later, the second 6 s later;
    # a 5 s budget leaves the first page 2 s to finish on a busy machine.
    http_server.route(
        "/robots.txt",
        handler=lambda req: Reply(
            200,
            b"User-agent: *\nCrawl-delay: 3\n"
            if req.headers["host"].startswith("localhost")
            else b"",
            {"Content-Type": "text/plain"},
        ),
    )
    slugs = ["p1", "p2", "p3", "p4"]
    for slug in slugs:
        http_server.route(f"/a/{slug}", article(f"Page {slug}"), headers=HTML)
    feed_body = rss([item(http_server, f"/a/{s}", host="localhost") for s in slugs])
    http_server.route("/feed.xml", feed_body, content_type="application/rss+xml")
    feed, db = http_server.url("/feed.xml"), str(tmp_path / "q.db")
    _, stored, states, reasons = poll(db, [feed], feed_budget=5.0)
    # On an idle machine only p1 fits; on a loaded one perhaps none. Either way the waits
    # ran out the budget before the last pages, each of which is logged and not fetched.
    assert len(stored) < len(slugs)
    assert reasons[("page", "budget")] == len(slugs) - len(stored)
    # Items wait for their Crawl-delay slot concurrently, so which one goes first is open;
    # no page is requested that is not then stored.
    fetched = [r.path for r in http_server.requests if r.path.startswith("/a/")]
    assert sorted(fetched) == sorted(f"/a/{slug}" for slug in stored)
    assert states[feed] is None
