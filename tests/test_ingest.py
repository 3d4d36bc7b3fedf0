"""Ingestion end to end against a real local HTTP server, on SQLite and PostgreSQL.

One poll meets every failure kind the desk must survive; each must leave a fetch-log line
with its reason, and every good article must be stored exactly once.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from httpserver import LocalHTTPServer, Reply

from quorum.desk import Desk
from quorum.ingest import Ingestor

FAST = dict(
    allow_private_hosts=True,
    read_timeout=1.5,
    connect_timeout=1.0,
    retries=0,
    retry_backoff=0.01,
    per_host_delay=0.0,
    per_host_concurrency=8,
)


def rss(items: list[dict], title: str = "Test feed") -> bytes:
    """An RSS 2.0 document; each item: link, title, summary, date (datetime or None)."""
    parts = [
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>http://x/</link><description>d</description>"
    ]
    for it in items:
        date = f"<pubDate>{format_datetime(it['date'])}</pubDate>" if it.get("date") else ""
        parts.append(
            f"<item><title>{escape(it['title'])}</title><link>{escape(it['link'])}"
            f"</link><description>{escape(it.get('summary', ''))}</description>"
            f"{date}</item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def page(
    title: str,
    paragraphs: list[str],
    date: str | None = "2026-11-02T10:00:00Z",
    charset: str = "utf-8",
) -> bytes:
    meta_date = f'<meta property="article:published_time" content="{date}">' if date else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="{charset}">'
        f"<title>{escape(title)}</title>{meta_date}</head><body><nav><a href='/'>Home</a>"
        f"<a href='/world'>World</a></nav><article><h1>{escape(title)}</h1>{body}"
        f"</article><footer>Copyright Test News</footer></body></html>"
    )
    return html.encode(charset)


PARAS = [
    "The Space Force awarded a contract worth $1.2 billion for twelve navigation satellites "
    "on Monday, officials said at a briefing in Colorado.",
    "The satellites are expected to launch in batches of four starting next year from Cape "
    "Canaveral aboard heavy-lift rockets, the program office said.",
    "Lawmakers have questioned the cost of the program during budget hearings this autumn, "
    "and a further review is due before the end of the fiscal year.",
]


def serve_newsroom(server: LocalHTTPServer) -> dict[str, str]:
    """Routes for one good feed whose item pages fail in every way, plus broken feeds."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    server.route("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    server.route("/a/good", page("Good article", PARAS), headers=html)
    server.route("/a/undated", page("Undated article", PARAS[::-1], date=None), headers=html)
    cp1252 = page("Café sélection", ["Le café « spécial » coûte 3 €. " * 8], charset="windows-1252")
    server.route("/a/latin", cp1252, content_type="text/html")  # charset only in <meta>
    server.route("/a/missing", "gone", status=404)
    server.route(
        "/a/stall",
        stream=lambda: iter([b"<html>"] + [b" "] * 30),
        chunk_delay=0.5,
        content_type="text/html",
    )
    server.route(
        "/a/huge", stream=lambda: (b"x" * 1_000_000 for _ in range(50)), content_type="text/html"
    )  # 50 MB, chunked, never built in memory
    server.route("/a/binary", bytes(range(256)) * 40, content_type="application/octet-stream")
    server.route("/a/loop", redirect="/a/loop2")
    server.route("/a/loop2", redirect="/a/loop")
    server.route("/private/secret", page("Secret", PARAS), headers=html)
    # bytes that are neither UTF-8 nor defined in cp1252, under a UTF-8 label
    garbage = (
        b"<html><head><meta charset='utf-8'></head><body>"
        + bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]) * 400
        + b"</body></html>"
    )
    server.route("/a/garbage", garbage, content_type="text/html; charset=utf-8")
    when = datetime(2026, 11, 2, 10, tzinfo=UTC)
    items = [
        {
            "link": server.url(f"/a/{slug}"),
            "title": f"Item {slug}",
            "date": when,
            "summary": f"Summary of {slug}: the Pentagon announced a satellite programme review.",
        }
        for slug in [
            "good",
            "undated",
            "latin",
            "missing",
            "stall",
            "huge",
            "binary",
            "loop",
            "garbage",
        ]
    ] + [
        {"link": server.url("/private/secret"), "title": "Robots says no", "summary": ""},
        {"link": server.url("/a/nodate"), "title": "No date anywhere", "summary": "s"},
    ]
    server.route("/a/nodate", page("No date anywhere", PARAS[1:], date=None), headers=html)
    server.route("/feed.xml", rss(items), content_type="application/rss+xml")
    server.route("/html-feed", page("Not a feed", PARAS), headers=html)
    server.route("/malformed.xml", b"<rss><channel><item><title>x</ti", content_type="text/xml")
    server.route("/truncated.xml", rss(items[:2])[:-40], content_type="application/rss+xml")
    server.route("/empty.xml", b"", content_type="application/rss+xml")
    server.route("/binary-feed", b"\x89PNG\r\n\x1a\n" + bytes(2000), content_type="image/png")
    server.route("/feed-500", "boom", status=500)
    return {
        "good": server.url("/feed.xml"),
        "html": server.url("/html-feed"),
        "malformed": server.url("/malformed.xml"),
        "truncated": server.url("/truncated.xml"),
        "empty": server.url("/empty.xml"),
        "binary": server.url("/binary-feed"),
        "error": server.url("/feed-500"),
        "dns": "http://no-such-host.invalid/feed.xml",
    }


def poll(db_url: str, feeds: list[str], **overrides) -> tuple[Desk, object]:
    desk = Desk.open(db_url, None, **{**FAST, **overrides})
    report = asyncio.run(
        Ingestor(desk.store, desk.config, desk.registry, desk.beat).poll_feeds(feeds)
    )
    return desk, report


def test_every_failure_is_logged_with_its_reason_and_the_run_completes(db_url, http_server):
    feeds = serve_newsroom(http_server)
    desk, report = poll(db_url, list(feeds.values()))
    with desk:
        reasons = desk.store.reason_counts(report.run_id)
        by_reason = {r for (_kind, r) in reasons}
        for expected in [
            "dns",
            "html_not_feed",
            "malformed_feed",
            "truncated_feed",
            "empty_feed",
            "binary_content",
            "http_500",
            "http_404",
            "timeout",
            "too_large",
            "redirect_loop",
            "robots",
            "undecodable",
            "missing_date",
        ]:
            assert expected in by_reason, f"{expected} not logged; got {sorted(by_reason)}"

        stored = {a.title: a for a in desk.store.articles()}
        good = stored["Good article"]
        assert good.via == "page" and good.text.startswith("The Space Force awarded")
        assert "Copyright" not in good.text and "World" not in good.text
        assert good.published == datetime(2026, 11, 2, 10, tzinfo=UTC)
        assert "Café sélection" in stored and "coûte 3 €" in stored["Café sélection"].text
        assert stored["Undated article"].published == datetime(2026, 11, 2, 10, tzinfo=UTC), (
            "the feed's date stands in when the page has none"
        )
        # pages that failed fall back to the feed's summary, and say so
        fallback = stored["Item missing"]
        assert fallback.via == "feed-summary" and fallback.text.startswith("Summary of missing")
        assert stored["No date anywhere"].published is None
        assert "Robots says no" not in stored, "no page and no summary: nothing to store"
        assert report.fallbacks >= 5
        assert desk.store.count_articles() == len(stored)


def test_a_second_poll_adds_nothing_and_uses_conditional_get(db_url, http_server):
    feeds = serve_newsroom(http_server)
    etag_feed = http_server.url("/etag.xml")
    body = rss(
        [
            {
                "link": http_server.url("/a/good"),
                "title": "Good",
                "date": datetime(2026, 11, 2, tzinfo=UTC),
            }
        ]
    )
    http_server.route(
        "/etag.xml",
        handler=lambda req: (
            Reply(304)
            if req.headers.get("if-none-match") == '"v1"'
            else Reply(200, body, {"ETag": '"v1"', "Content-Type": "application/rss+xml"})
        ),
    )
    desk, first = poll(db_url, [feeds["good"], etag_feed])
    n = desk.store.count_articles()
    page_fetches = len(http_server.requests_to("/a/good"))
    desk.close()
    desk, second = poll(db_url, [feeds["good"], etag_feed])
    with desk:
        assert desk.store.count_articles() == n
        assert second.stored == 0
        assert desk.store.reason_counts(second.run_id).get(("feed", "not_modified")) == 1
        assert len(http_server.requests_to("/a/good")) == page_fetches, (
            "known items are not fetched again"
        )


def test_jsonl_dump_keeps_extra_fields_and_skips_bad_lines(db_url, tmp_path: Path):
    dump = tmp_path / "dump.jsonl"
    rows = [
        {
            "id": "1",
            "title": "Satellite contract",
            "text": PARAS[0],
            "date": "2026-11-01",
            "source": "spacenews.com",
            "url": "https://spacenews.com/a?utm_source=x",
            "lang": "en",
        },
        {
            "id": "2",
            "title": "No url",
            "text": PARAS[1],
            "date": "1 Nov 2026",
            "source": None,
            "url": None,
        },
        {
            "id": "3",
            "title": "Bad date",
            "text": PARAS[2],
            "date": "not a date",
            "source": "defensenews.com",
            "url": "https://defensenews.com/b",
        },
        {"id": "4", "title": "No text", "text": "", "date": None, "source": None, "url": None},
    ]
    lines = [json.dumps(r) for r in rows] + ["{not json", "[1, 2]"]
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Desk.open(db_url, None) as desk:
        report = Ingestor(desk.store, desk.config, desk.registry, desk.beat).ingest_jsonl(dump)
        assert report.stored == 3
        assert report.reasons == {"bad_date": 1, "missing_text": 1, "bad_json": 2}
        arts = {a.source_id: a for a in desk.store.articles()}
        assert arts["1"].url == "https://spacenews.com/a" and arts["1"].extra == {"lang": "en"}
        assert arts["1"].outlet == "spacenews.com" and arts["1"].via == "dump"
        assert arts["2"].published == datetime(2026, 11, 1, tzinfo=UTC)
        assert arts["3"].published is None
        again = Ingestor(desk.store, desk.config, desk.registry, desk.beat).ingest_jsonl(dump)
        assert again.stored == 0 and desk.store.count_articles() == 3


def test_a_ten_thousand_item_feed_is_ingested_whole(tmp_path, http_server):
    when = datetime(2026, 11, 2, tzinfo=UTC)
    items = [
        {
            "link": f"https://big.example/a/{i}",
            "title": f"Launch report {i}",
            "summary": f"Report {i}: a rocket launched satellite number {i} to orbit.",
            "date": when,
        }
        for i in range(10_000)
    ]
    http_server.route("/big.xml", rss(items), content_type="application/rss+xml")
    desk, report = poll(
        str(tmp_path / "big.db"),
        [http_server.url("/big.xml")],
        fetch_pages=False,
        max_items_per_feed=10_000,
    )
    with desk:
        assert report.stored == 10_000
        assert desk.store.count_articles() == 10_000


@pytest.mark.parametrize("private", [False, True])
def test_private_addresses_are_refused_unless_allowed(tmp_path, http_server, private):
    http_server.route("/feed.xml", rss([]), content_type="application/rss+xml")
    desk, report = poll(
        str(tmp_path / "p.db"), [http_server.url("/feed.xml")], allow_private_hosts=private
    )
    with desk:
        reasons = {r for (_k, r) in desk.store.reason_counts(report.run_id)}
        assert ("private_host" in reasons) is not private


def test_an_undated_dump_row_takes_the_day_its_url_states(db_url, tmp_path: Path):
    dump = tmp_path / "dump.jsonl"
    rows = [
        {"id": "u1", "text": PARAS[0], "url": "https://spacenews.com/2025/03/04/launch/"},
        {"id": "u2", "text": PARAS[1], "url": "https://spacenews.com/launch-report/"},
        {
            "id": "u3",
            "text": PARAS[2],
            "date": "2025-03-06",
            "url": "https://spacenews.com/2020/01/02/x/",
        },
    ]
    dump.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with Desk.open(db_url, None) as desk:
        report = Ingestor(desk.store, desk.config, desk.registry, desk.beat).ingest_jsonl(dump)
        arts = {a.source_id: a for a in desk.store.articles()}
        assert arts["u1"].published.date().isoformat() == "2025-03-04"
        assert arts["u2"].published is None  # the URL states no day
        assert arts["u3"].published.date().isoformat() == "2025-03-06"  # a given date wins
        assert report.reasons["date_from_url"] == 1 and report.reasons["missing_date"] == 1
