"""Storage: idempotent upserts, arrival order, fetch log and stories, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from quorum.records import Article, BeatScore, FetchResult, Outlet
from quorum.store import Store


def _article(n: int, text: str | None = None, **kw) -> Article:
    return Article(
        url=f"https://news.example/a/{n}",
        title=f"Title {n}",
        text=text or f"Body of article number {n} about satellites.",
        outlet="news.example",
        published=datetime(2026, 10, n % 28 + 1, 12, tzinfo=UTC),
        **kw,
    )


def test_same_url_or_same_normalised_text_is_stored_once(store: Store):
    first = store.add_article(_article(1), raw_html=b"<p>x</p>")
    assert first.created
    assert not store.add_article(_article(1)).created  # same URL
    moved = Article(
        url="https://news.example/moved?id=1",
        title="Title 1 (updated)",
        text="BODY of article number 1, about satellites!",
        outlet="news.example",
    )
    again = store.add_article(moved)  # same outlet, same text after normalisation
    assert not again.created and again.id == first.id
    assert store.add_article(_article(2)).created
    assert store.count_articles() == 2


def test_the_same_text_on_another_outlet_is_a_copy_and_is_kept(store: Store):
    store.add_article(_article(1))
    copy = Article(
        url="https://sister.example/copy",
        title="Title 1 - Sister",
        text=_article(1).text,
        outlet="sister.example",
    )
    assert store.add_article(copy).created  # story assembly groups it as a copy later
    assert store.count_articles() == 2


def test_articles_come_back_in_arrival_order_with_their_fields(store: Store):
    for n in (3, 1, 2):
        store.add_article(
            _article(n, author=f"Author {n}", extra={"lang": "en"}),
            beat=BeatScore(True, 4.5, (("satellite", 2.0),)),
        )
    got = list(store.articles(batch=2))  # a small batch exercises the paging
    assert [a.title for a in got] == ["Title 3", "Title 1", "Title 2"]
    assert got[0].author == "Author 3" and got[0].extra == {"lang": "en"}
    assert got[0].published == datetime(2026, 10, 4, 12, tzinfo=UTC)
    assert store.beat_of(got[0].id) is True


def test_raw_html_is_kept_compressed_and_given_back(store: Store):
    html = b"<html><body>" + b"<p>paragraph</p>" * 1000 + b"</body></html>"
    res = store.add_article(_article(4), raw_html=html)
    assert store.raw_html(res.id) == html


def test_outlet_registry_data_wins_over_on_the_fly_records(store: Store):
    store.upsert_outlet(Outlet("nbcchicago.com", "nbcchicago.com"))
    store.upsert_outlet(
        Outlet("nbcchicago.com", "NBC Chicago", owner="NBCUniversal", kind="broadcaster")
    )
    (outlet,) = store.outlets()
    assert outlet.name == "NBC Chicago" and outlet.owner == "NBCUniversal"


def test_fetch_log_and_feed_validators(store: Store):
    store.log_fetch(
        "run-1",
        "feed",
        FetchResult("https://f.example/rss", ok=False, reason="timeout", detail="read timed out"),
    )
    store.log("run-1", "page", "https://f.example/a", ok=True, reason="ok")
    assert store.last_run_id() == "run-1"
    assert store.reason_counts("run-1") == {("feed", "timeout"): 1, ("page", "ok"): 1}
    [row] = store.fetch_log("run-1", failures_only=True)
    assert row.reason == "timeout" and row.detail == "read timed out"

    ok = FetchResult("https://f.example/rss", ok=True, etag='"v1"', last_modified="Mon")
    store.save_feed_state("https://f.example/rss", ok)
    store.save_feed_state(
        "https://f.example/rss",
        FetchResult("https://f.example/rss", ok=False, reason="not_modified"),
    )
    state = store.feed_state("https://f.example/rss")
    assert state.etag == '"v1"' and state.last_reason == "not_modified"


def test_stories_are_replaced_as_a_whole(store: Store):
    ids = [store.add_article(_article(n)).id for n in (1, 2, 3)]
    story = {
        "id": "st-1",
        "title": "One",
        "article_ids": ids[:2],
        "independent_sources": 2,
        "first_seen": datetime(2026, 10, 1, tzinfo=UTC),
        "last_seen": datetime(2026, 10, 2, tzinfo=UTC),
        "data": {"why": ["x"]},
    }
    store.replace_stories(
        [story, {"id": "st-2", "title": "Two", "article_ids": ids[2:]}],
        moves=[
            {"article_id": ids[1], "from_story": "st-9", "to_story": "st-1", "why": "merge pass"}
        ],
    )
    assert [s.id for s in store.stories()] == ["st-1", "st-2"]
    assert store.story_article_ids("st-1") == ids[:2]
    assert store.story("st-1").data == {"why": ["x"]}
    assert store.story("st-1").last_seen.tzinfo is not None
    store.replace_stories([{"id": "st-3", "title": "All", "article_ids": ids}])
    assert [s.id for s in store.stories()] == ["st-3"]
    assert store.story_moves()[0].to_story == "st-1"


def test_reopening_migrates_nothing_and_keeps_data(db_url):
    with Store.open(db_url) as s:
        s.add_article(_article(1))
    with Store.open(db_url) as s:
        assert s.count_articles() == 1
