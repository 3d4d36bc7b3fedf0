"""Hostile data never stops the desk (issue 16): impossible dates, huge titles, characters
XML and PostgreSQL refuse, malformed dump lines. Whatever arrives, by feed, dump or straight
through the Store API, ingest finishes, the build finishes with every other story, and what
was skipped or repaired is in the log ``quorum status`` prints."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from httpserver import LocalHTTPServer
from sqlalchemy import text
from typer.testing import CliRunner

from quorum.cli import app
from quorum.desk import Desk
from quorum.enrich.quantities import find_dates
from quorum.enrich.sentiment import news_vader
from quorum.extract import MAX_TITLE_CHARS
from quorum.ingest import Ingestor
from quorum.pipeline import build_stories
from quorum.records import Article
from quorum.sanitize import clean_text, sanitize
from quorum.store import NewArticle, Store

FAST = dict(allow_private_hosts=True, retries=0, per_host_delay=0.0, fetch_pages=False)

# In-beat texts on distinct developments, so each good one makes its own story.
GOOD = {
    "contract": "The Space Force awarded a contract worth $1.2 billion for twelve navigation "
    "satellites on Monday, officials said at a briefing in Colorado.",
    "hypersonic": "The Army fired a hypersonic missile from a launcher in New Mexico, and the "
    "Pentagon said the interceptor test met its goals.",
    "nato": "NATO allies agreed to buy air defense systems and artillery shells for Ukraine "
    "after a meeting of defense ministers in Brussels.",
}
# In-beat too, so the build meets every hostile record.
HOSTILE_TEXT = (
    "A SpaceX Falcon 9 rocket launched a spy satellite for the National Reconnaissance Office "
    "from Vandenberg on Tuesday, and another launch is planned next Friday."
)
BAD_CHARS = "\x1b[31m \x01\x02\x03\x04\x05\x06\x07\x08 \x7f \ufffe \uffff \x00"
LONG_TITLE = "Launch " * 100_000  # 700 kB


def _when() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)


# --- the pieces ----------------------------------------------------------------------------


def test_weekday_and_deictic_dates_at_the_ends_of_the_calendar_resolve_or_drop():
    for base in (date(1, 1, 1), date(1, 1, 3), date(9999, 12, 31)):
        found = find_dates("On Tuesday, last Monday, next Friday, yesterday and tomorrow.", base)
        assert all(date.min.isoformat() <= f.iso <= date.max.isoformat() for f in found)
    # the ordinary case is unchanged
    assert [f.iso for f in find_dates("on Tuesday", date(2026, 11, 5))] == ["2026-11-03"]


def test_sanitize_caps_cleans_and_range_checks_every_field():
    article = Article(
        url="https://example.com/" + "a" * 3000,
        title=LONG_TITLE + BAD_CHARS,
        text="Body\ud800 text\x00 " * 3,
        outlet="example.com",
        author="x" * 1000,
        published=datetime(1, 1, 1, tzinfo=UTC),
        extra={"nan": float("nan"), "inf": float("-inf"), "deep": _nested(50), "k\x00": "v\x1b"},
    )
    cleaned = sanitize(article)
    a, reasons = cleaned.article, {r for r, _ in cleaned.notes}
    assert len(a.title) <= MAX_TITLE_CHARS and a.title.startswith("Launch Launch")
    assert a.text == "Body text " * 3
    assert len(a.author) == 512 and a.published is None
    assert a.url.startswith("urn:quorum:long-url:") and len(a.url) < 100
    assert a.extra["nan"] is None and a.extra["inf"] is None and a.extra["k"] == "v"
    json.dumps(a.extra, allow_nan=False)  # JSON any database accepts
    assert {"long_title", "control_chars", "bad_date", "bad_extra", "long_url"} <= reasons
    assert sanitize(a).notes == ()  # a clean article passes unchanged


@pytest.mark.parametrize(
    "published",
    [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime.fromisoformat("0001-01-01T00:00:00+14:00"),  # year 0 in UTC
        datetime.fromisoformat("9999-12-31T23:59:59-14:00"),  # year 10000 in UTC
        datetime(1899, 12, 31, tzinfo=UTC),
        datetime.now(UTC) + timedelta(days=30),
    ],
)
def test_impossible_publication_dates_are_dropped(published):
    cleaned = sanitize(Article("https://e.com/a", "t", "x", "e.com", published=published))
    assert cleaned.article.published is None
    assert [r for r, _ in cleaned.notes] == ["bad_date"]


def test_vader_reads_only_a_window_around_each_word_and_scores_as_before(monkeypatch):
    """The negation and idiom checks used to lower-case the whole text for every word
    (quadratic: 16k words took 5.5 s); they now see at most six words."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer as Vader

    plain = Vader()
    seen: list[int] = []
    for name in ("_negation_check", "_special_idioms_check"):
        check = getattr(Vader, name)

        def probe(valence, words, *rest, check=check):
            seen.append(len(words))
            return check(valence, words, *rest)

        monkeypatch.setattr(Vader, name, staticmethod(probe))
    words = "the launch was not good but never so bad , kind of great without doubt".split()
    long_text = " ".join(words * 1000)
    news_vader({}).polarity_scores(long_text)
    assert seen and max(seen) <= 6
    monkeypatch.undo()
    linear = news_vader({})
    for n in range(1, len(words) + 1):
        for start in range(0, len(words), 3):
            sentence = " ".join((words * 2)[start : start + n])
            assert linear.polarity_scores(sentence) == plain.polarity_scores(sentence), sentence


# --- dumps ---------------------------------------------------------------------------------


def _nested(depth: int) -> object:
    value: object = "bottom"
    for _ in range(depth):
        value = [value]
    return value


def _dump_lines() -> list[str]:
    """Good records first and last; between them every hostile record of the issue."""
    when = _when().isoformat()

    def row(rid: str, **fields) -> str:
        base = {"id": rid, "title": f"Record {rid}", "text": HOSTILE_TEXT + f" Ref {rid}."}
        return json.dumps({**base, "date": when, **fields})

    deep = '{"id": "deep", "text": "x", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}"
    return [
        json.dumps({"id": "good-1", "title": "Contract", "text": GOOD["contract"], "date": when}),
        row("dots", source="..."),
        row("scheme", source="http://"),
        row("ipv6", source="http://[::1"),
        row("idna", source="http://" + "é" * 64 + ".com/"),
        row("surrogate", title="Lone \ud800 surrogate", author="\udfff"),
        deep,
        row("nested", extra=_nested(900)),
        row("nul", title="NUL\x00 in title", text=HOSTILE_TEXT + "\x00 Ref nul."),
        row("nan", extra={"score": float("nan")}, id2=float("inf")),
        row("year1", date="0001-01-01T00:00:00+14:00"),
        row("year10000", date="9999-12-31T23:59:59-14:00"),
        row("longtitle", title=LONG_TITLE),
        row("controls", title="Launch " + BAD_CHARS + " delayed"),
        json.dumps(
            {"id": "good-2", "title": "Hypersonic", "text": GOOD["hypersonic"], "date": when}
        ),
    ]


def test_hostile_dump_lines_are_logged_and_skipped_or_stored_cleaned(db_url, tmp_path: Path):
    dump = tmp_path / "hostile.jsonl"
    dump.write_text("\n".join(_dump_lines()) + "\n", encoding="utf-8")
    with Desk.open(db_url, None) as desk:
        ingestor = Ingestor(desk.store, desk.config, desk.registry, desk.beat)
        report = ingestor.ingest_jsonl(dump)
        stored = {a.source_id: a for a in desk.store.articles()}
        # only the line nested 100k deep cannot be read at all
        assert set(stored) == {
            "good-1", "good-2", "dots", "scheme", "ipv6", "idna", "surrogate", "nested",
            "nul", "nan", "year1", "year10000", "longtitle", "controls",
        }  # fmt: skip
        assert report.reasons["bad_json"] == 1 and report.reasons["bad_source"] == 4
        log = {(r.url.rsplit(":", 1)[1], r.reason) for r in desk.store.fetch_log(report.run_id)}
        assert ("7", "bad_json") in log and ("2", "bad_source") in log
        assert {("11", "bad_date"), ("12", "bad_date"), ("13", "long_title")} <= log
        assert ("14", "control_chars") in log and ("6", "control_chars") in log
        assert stored["year1"].published is None and stored["year10000"].published is None
        assert len(stored["longtitle"].title) <= MAX_TITLE_CHARS
        assert stored["controls"].title == clean_text(stored["controls"].title)
        assert stored["nul"].title == "NUL in title" and stored["surrogate"].author == ""
        assert stored["nan"].extra == {"extra": {"score": None}, "id2": None}
        assert stored["dots"].outlet == "unknown"
        summary = build_stories(desk)
        assert summary.stories >= 3 and summary.skipped == 0
        placed = desk.store.story_of_articles()
        assert all(a.id in placed for a in desk.store.articles(in_beat=True))


# --- feeds ---------------------------------------------------------------------------------


def _rss(items: list[tuple[str, str, str, str]]) -> bytes:
    """RSS with raw (unescaped) dates and titles already escaped by the caller."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        "<link>http://x/</link><description>d</description>"
    ]
    for link, title, summary, pub in items:
        parts.append(
            f"<item><title>{title}</title><link>{link}</link>"
            f"<description>{summary}</description><pubDate>{pub}</pubDate></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def test_a_hostile_feed_is_stored_cleaned_and_every_later_build_succeeds(
    db_url, http_server: LocalHTTPServer
):
    ok = _when().strftime("%a, %d %b %Y %H:%M:%S +0000")
    items = [
        ("https://a.example/good", "Good", GOOD["nato"], ok),
        ("https://a.example/year1", "Launch report", HOSTILE_TEXT, "Mon, 01 Jan 0001 00:00:00 GMT"),
        ("https://a.example/long", "Launch " * 100_000, HOSTILE_TEXT + " Again.", ok),
        ("https://a.example/esc", "Esc &#27;[31m &#1; \x7f \ufffe end", HOSTILE_TEXT + " Esc.", ok),
    ]
    http_server.route("/feed.xml", _rss(items), content_type="application/rss+xml")
    with Desk.open(db_url, None, **FAST) as desk:
        ingestor = Ingestor(desk.store, desk.config, desk.registry, desk.beat)
        report = asyncio.run(ingestor.poll_feeds([http_server.url("/feed.xml")]))
        assert report.stored == 4
        arts = {a.url.rsplit("/", 1)[1]: a for a in desk.store.articles()}
        assert arts["year1"].published is None
        assert len(arts["long"].title) <= MAX_TITLE_CHARS
        esc = arts["esc"].title  # the feed parser may also turn bad references into U+FFFD
        assert esc == clean_text(esc) and esc.startswith("Esc") and esc.endswith("end")
        assert "bad_date" in report.reasons  # the repairs are logged (whichever stage made them)
        for _ in range(2):  # every later build too
            assert build_stories(desk).skipped == 0
        placed = desk.store.story_of_articles()
        assert all(a.id in placed for a in arts.values())


# --- straight through the Store API, and rows of older versions ---------------------------


def _hostile_articles() -> list[Article]:
    when = _when()

    def art(key: str, **fields) -> Article:
        base = dict(
            url=f"https://h.example/{key}",
            title=f"Launch {key}",
            text=HOSTILE_TEXT + f" Ref {key}.",
            outlet="h.example",
            published=when,
        )
        return Article(**{**base, **fields})

    return [
        art("year1", published=datetime.fromisoformat("0001-01-01T00:00:00+14:00")),
        art("year10000", published=datetime.fromisoformat("9999-12-31T23:59:59-14:00")),
        art("nul", title="NUL\x00 title"),
        art("surrogate", title="Lone \ud800"),
        art("nan", extra={"v": float("nan")}),
        art("deep", extra={"v": _nested(900)}),
        art("longtitle", title=LONG_TITLE),
        art("controls", title="Esc " + BAD_CHARS),
        art("longtext", text=(HOSTILE_TEXT + " ") * 300),
    ]


def _good_articles() -> list[Article]:
    return [
        Article(f"https://g.example/{k}", k.title(), v, "g.example", published=_when())
        for k, v in GOOD.items()
    ]


def test_hostile_records_through_the_store_api_cost_only_themselves(db_url):
    goods, bad = _good_articles(), _hostile_articles()
    with Desk.open(db_url, None) as desk:
        items = [NewArticle(a, beat=desk.beat.score(a.title, a.text)) for a in goods + bad]
        results = desk.store.add_articles(items)
        by_url = dict(zip((a.url for a in goods + bad), results, strict=True))
        assert all(by_url[a.url].created for a in goods)
        # whatever the database refused is reported per record, not raised
        failed = {url.rsplit("/", 1)[1] for url, r in by_url.items() if r.error}
        # SQLite refuses the lone surrogate; PostgreSQL also NUL (in "controls" too) and NaN
        refusable = {"surrogate"} | (
            {"nul", "controls", "nan"} if db_url.startswith("post") else set()
        )
        assert "surrogate" in failed and failed <= refusable
        assert all(r.id is None for r in results if r.error)
        stored = {a.url.rsplit("/", 1)[1]: a for a in desk.store.articles()}
        assert stored["year1"].published is None and stored["year10000"].published is None
        summary = build_stories(desk)
        assert summary.skipped == 0
        placed = desk.store.story_of_articles()
        assert all(a.id in placed for a in desk.store.articles(in_beat=True))
        assert len({placed[a.id] for a in desk.store.articles() if a.url in GOOD_URLS}) == 3


GOOD_URLS = {f"https://g.example/{k}" for k in GOOD}


def test_rows_written_by_older_versions_are_repaired_on_open(db_url):
    """Dates no calendar can shift, written before ingest checked them, are nulled by
    migration 0003 (PostgreSQL cannot even hand year 10000 to psycopg)."""
    from quorum.store.migrate import upgrade

    store = Store.open(db_url, migrate=False)
    upgrade(store.engine, "0002")  # the schema of the older version
    goods = _good_articles()
    for a in goods:
        store.add_article(a)
    old = [
        ("https://old.example/y1", "0001-01-01 00:00:00"),
        ("https://old.example/y10000", "10000-01-01 13:59:59+00"),
    ]
    for n, (url, when) in enumerate(old):
        if store.dialect == "sqlite" and when.startswith("10000"):
            continue  # SQLite never stored it: Python cannot make the datetime
        store.add_article(Article(url, f"Old {n}", HOSTILE_TEXT + f" Old {n}.", "old.example"))
        with store.engine.begin() as conn:
            conn.execute(
                text(f"UPDATE articles SET published = '{when}' WHERE url = :u"), {"u": url}
            )
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE articles SET in_beat = true"))
    store.close()
    with Desk.open(db_url, None) as desk:
        arts = list(desk.store.articles())  # readable again
        assert {a.url for a in arts if a.url.startswith("https://old")} and all(
            a.published is None for a in arts if a.url.startswith("https://old")
        )
        assert build_stories(desk).stories >= 3


# --- the build's own safety net, and where it shows ---------------------------------------


def test_a_story_that_cannot_be_enriched_is_logged_and_the_rest_are_built(
    db_url, tmp_path, monkeypatch
):
    """A failure nobody foresaw (here: an enricher that raises on one story) leaves that
    story out, logs it with kind ``build`` and reason ``enrich_error``; ``quorum status``
    prints it."""
    import quorum.builder as builder

    real = builder.run_enrichers

    def failing_on_nato(enrichers, ctx):
        if any("NATO" in s.article.text for s in ctx.articles):
            raise ValueError("enricher bug on this story")
        return real(enrichers, ctx)

    monkeypatch.setattr(builder, "run_enrichers", failing_on_nato)
    with Desk.open(db_url, None) as desk:
        for a in _good_articles():
            desk.store.add_articles([NewArticle(a, beat=desk.beat.score(a.title, a.text))])
        summary = build_stories(desk)
        assert summary.stories == 2 and summary.skipped == 1
        assert "1 left out on errors" in str(summary)
        (line,) = [row for row in desk.store.fetch_log() if row.kind == "build"]
        assert (line.kind, line.reason, line.ok) == ("build", "enrich_error", False)
        assert "enricher bug on this story" in line.detail
    out = CliRunner().invoke(app, ["status", "--db", db_url])
    assert out.exit_code == 0, out.output
    assert "enrich_error" in out.output and "enricher bug on this story" in out.output


def test_atom_feeds_and_build_site_carry_titles_with_control_characters(tmp_path):
    """Story titles stored by older versions may hold characters XML cannot carry."""
    import importlib.util

    from quorum.settings import Config
    from quorum.store.index import reindex
    from quorum.web.feeds import build_feed
    from quorum.web.pages import Site
    from quorum.web.static_site import build_site

    builder = Path(__file__).parent / "fixtures" / "web" / "build_db.py"
    spec = importlib.util.spec_from_file_location("web_build_db", builder)
    build_db = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_db)
    db = str(tmp_path / "web.db")
    build_db.build(db)
    with Store.open(db) as store:
        rows = store.stories()
        payload = []
        for row in rows:
            data = dict(row.data)
            if row.id == "sda-tranche2":
                data["headline"] = {**data["headline"], "text": "SDA \x1b[31m awards\x01 \ufffe"}
                data["takeaways"] = [
                    {**t, "text": t["text"] + "\x7f\x08"} for t in data["takeaways"]
                ]
            payload.append(
                {
                    **{k: getattr(row, k) for k in ("id", "title", "first_seen", "last_seen")},
                    **{k: getattr(row, k) for k in ("status", "impact", "sentiment")},
                    "independent_sources": row.independent_sources,
                    "article_ids": store.story_article_ids(row.id),
                    "data": data,
                }
            )
        store.replace_stories(payload)
        reindex(store)
        site = Site.create(store, Config())
        feed = feedparser.parse(build_feed(site, "verified", "http://x/"))
        assert not feed.bozo, feed.bozo_exception
        assert "SDA [31m awards" in [e.title for e in feed.entries]
        report = build_site(store, Config(), tmp_path / "site")
        assert (report.folder / "feeds" / "verified.atom").exists()
