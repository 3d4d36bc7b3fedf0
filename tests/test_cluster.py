"""The online story clusterer: grouping, determinism, stable ids, merges and bounded state."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quorum.assemble import cluster_params
from quorum.assemble.cluster import ClusterParams, Move, StoryClusterer, story_id_for
from quorum.assemble.vectorize import Vectorizer, VectorParams
from quorum.records import Article
from quorum.settings import Config

FIXTURE = Path(__file__).parent / "fixtures" / "clustering" / "articles.jsonl"


def _rows() -> list[dict]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]


def _article(row: dict, dated: bool = True) -> Article:
    published = None
    if dated and row.get("date"):
        published = datetime.fromisoformat(row["date"].replace("Z", "+00:00"))
    return Article(
        url=row["url"],
        title=row["title"],
        text=row["text"],
        outlet=row["source"],
        published=published,
    )


def _partition(assign: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for key, sid in assign.items():
        groups.setdefault(sid, set()).add(key)
    return {frozenset(g) for g in groups.values()}


def _gold() -> set[frozenset[str]]:
    return _partition({r["id"]: r["cluster"] for r in _rows()})


def _run(rows, params=ClusterParams(), dated=True) -> tuple[StoryClusterer, dict[str, str]]:
    clusterer = StoryClusterer(params)
    for row in rows:
        clusterer.add(_article(row, dated), row["id"])
    clusterer.merge_pass()
    return clusterer, {r["id"]: clusterer.story_of(r["id"]) for r in rows}


def test_fixture_events_come_out_as_gold_stories():
    _, assign = _run(_rows())
    assert _partition(assign) == _gold()


def test_two_contract_awards_stay_apart_and_developing_story_stays_together():
    _, assign = _run(_rows())
    assert assign["e2-defensenews"] == assign["e2-breaking"]
    assert assign["e3-navytimes"] == assign["e3-defensenews"]
    assert assign["e2-defensenews"] != assign["e3-navytimes"]  # same kind, different event
    h3 = {assign[k] for k in ("e4-reuters", "e4-japantimes", "e4-nbc", "e4-cnbc")}
    assert len(h3) == 1  # three days of one developing story


def test_undated_articles_work():
    _, assign = _run(_rows(), dated=False)
    assert _partition(assign) == _gold()


def test_deterministic_same_order_same_ids():
    _, first = _run(_rows())
    _, second = _run(_rows())
    assert first == second


def test_weighing_as_a_stage_of_its_own_gives_the_same_stories_as_add():
    rows = _rows()
    _, assign = _run(rows)
    weigher = Vectorizer()  # as in another process, ahead of the clusterer
    clusterer = StoryClusterer()
    for row in rows:
        vectors = weigher.admit(weigher.count(row["title"], row["text"]))
        clusterer.add_vectors(row["id"], vectors, _article(row).published)
    clusterer.merge_pass()
    assert {r["id"]: clusterer.story_of(r["id"]) for r in rows} == assign


def test_story_id_comes_from_founder_and_stays_as_story_grows():
    clusterer = StoryClusterer()
    rows = [r for r in _rows() if r["cluster"] == "h3"]
    ids = [clusterer.add(_article(r), r["id"]) for r in rows]
    assert ids == [story_id_for("e4-reuters")] * len(rows)
    assert clusterer.stories() == {ids[0]: [r["id"] for r in rows]}
    assert clusterer.add(_article(rows[0]), rows[0]["id"]) == ids[0]  # replay is a no-op


def test_merge_pass_repairs_fragments_and_logs_moves():
    rows = [r for r in _rows() if r["cluster"] == "pac3"]
    # A join threshold no pair reaches makes two fragments; the merge pass then joins them.
    params = ClusterParams(threshold=2.0, merge_threshold=0.1)
    clusterer = StoryClusterer(params)
    first = clusterer.add(_article(rows[0]), rows[0]["id"])
    second = clusterer.add(_article(rows[1]), rows[1]["id"])
    assert first != second
    moves = clusterer.merge_pass()
    assert len(moves) == 1
    move = moves[0]
    assert isinstance(move, Move)
    assert (move.article_key, move.from_story, move.to_story) == (rows[1]["id"], second, first)
    assert 0.1 <= move.similarity <= 1.0
    assert clusterer.story_of(rows[1]["id"]) == first
    assert clusterer.merge_pass() == []  # nothing changed since: nothing to do


def test_merge_pass_keeps_different_events_apart():
    params = ClusterParams(threshold=2.0)  # every article founds its own story
    clusterer, _ = _run([r for r in _rows() if r["cluster"] in ("pac3", "spy6")], params)
    assign = {k: clusterer.story_of(k) for k in ("e2-defensenews", "e3-navytimes")}
    assert assign["e2-defensenews"] != assign["e3-navytimes"]


def test_idle_stories_expire_and_state_stays_bounded():
    params = ClusterParams(
        expire_days=2.0, followup_days=2.0, expire_arrivals=100, keep_expired_members=False
    )
    clusterer = StoryClusterer(params)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(1200):
        day = start + timedelta(days=i // 50)
        text = f"Report {i}: word{i} alpha{i} beta{i} gamma{i} delta{i} epsilon{i}."
        clusterer.add(
            Article(url=f"u{i}", title=f"Item{i}", text=text, outlet="x.com", published=day),
            f"k{i}",
        )
    # 50 one-article stories a day; the sweep at arrival 1000 (day 20) drops every story
    # more than 2 days and 100 arrivals behind: about 150 remain, plus the 200 since.
    assert clusterer.active_count() <= 400
    assert len(clusterer.stories()) == clusterer.active_count()
    assert clusterer.story_of("k0") is None  # forgotten with its expired story
    assert clusterer.story_of("k1199") is not None


def _article_on(i: int, day: datetime | None, text: str) -> tuple[Article, str]:
    return Article(url=f"u{i}", title="", text=text, outlet="x.com", published=day), f"k{i}"


def test_big_stories_take_follow_ups_for_longer_than_small_ones():
    start = datetime(2025, 1, 1, tzinfo=UTC)
    verdict = start + timedelta(days=400)  # past expire_days, inside followup_days
    shooting = "Gunman Ortiz opened fire at the Lakewood depot; deputies arrested Ortiz."
    trial = "A jury convicted Ortiz of the Lakewood depot shooting, deputies said."
    params = ClusterParams(expire_days=90.0, followup_days=730.0, followup_size=3)
    for size, joins in ((3, True), (2, False)):
        clusterer = StoryClusterer(params)
        for i in range(size):
            clusterer.add(*_article_on(i, start + timedelta(hours=i), shooting))
        filed = clusterer.add(*_article_on(99, verdict, trial))
        assert (filed == clusterer.story_of("k0")) is joins, size
    # Past the follow-up window even a big story is out of reach.
    clusterer = StoryClusterer(params)
    for i in range(3):
        clusterer.add(*_article_on(i, start, shooting))
    late = clusterer.add(*_article_on(99, start + timedelta(days=800), trial))
    assert late != clusterer.story_of("k0")


def test_empty_and_odd_articles_do_not_crash():
    clusterer = StoryClusterer()
    a = clusterer.add(Article(url="u1", title="", text="", outlet=""), "a")
    b = clusterer.add(Article(url="u2", title="!!!", text="... 123", outlet=""), "b")
    assert a and b
    assert clusterer.merge_pass() == []


def test_params_are_one_frozen_set_and_settings_override_them():
    params = ClusterParams()
    assert dataclasses.is_dataclass(params)
    assert 0.0 < params.threshold < 1.0
    assert cluster_params(Config()) == params  # the settings' defaults are the tuned ones
    tuned = cluster_params(Config({"cluster_threshold": 0.5, "story_expire_days": 3.0}))
    assert (tuned.threshold, tuned.expire_days) == (0.5, 3.0)


def test_lead_articles_are_kept_bounded():
    params = ClusterParams(lead_members=2)
    clusterer, _ = _run(_rows(), params)
    stories = list(clusterer._active.values())
    assert any(s.size > 2 for s in stories)
    for story in stories:
        assert len(story.leads) == min(story.size, 2)
        for lead in story.leads:
            assert abs(lead.norm - 1.0) < 1e-4  # unit vectors: their dots are cosines


def test_lead_weight_changes_scores_but_not_the_fixture_stories():
    rows = _rows()
    with_leads, assign = _run(rows, ClusterParams(lead_weight=0.3))
    without, assign_plain = _run(rows, ClusterParams(lead_weight=0.0))
    assert _partition(assign) == _gold() == _partition(assign_plain)
    # Same stories, but the join scores differ: the leads take part in the score.
    article = _article(rows[-1])
    counts_a = with_leads._vectorizer.count(article.title, article.text)
    counts_b = without._vectorizer.count(article.title, article.text)
    vec_a, vec_b = with_leads._vectorizer.weigh(counts_a), without._vectorizer.weigh(counts_b)
    _, score_a = with_leads._best_story(vec_a, None)
    _, score_b = without._best_story(vec_b, None)
    assert score_a != score_b


_ORTIZ = (
    "Gunman Ortiz opened fire at the Lakewood depot; deputies arrested Ortiz after the shooting."
)


def test_what_an_article_says_picks_its_story_and_time_only_breaks_ties():
    start = datetime(2025, 1, 1, tzinfo=UTC)
    diaz = (
        "Gunman Diaz opened fire at the Riverside mall; deputies arrested Diaz after the shooting."
    )
    # Names Ortiz but borrows words from the Diaz story, which grew just now.
    follow_up = "Gunman Ortiz opened fire; deputies arrested a gunman after the mall shooting."
    picked = {}
    for name, params in (("default", ClusterParams()), ("full", ClusterParams(recency_rank=0.25))):
        clusterer = StoryClusterer(params)
        for i in range(2):
            clusterer.add(*_article_on(i, start, _ORTIZ))
        for i in range(2, 4):
            clusterer.add(*_article_on(i, start + timedelta(days=10), diaz))
        filed = clusterer.add(*_article_on(9, start + timedelta(days=10), follow_up))
        picked[name] = "ortiz" if filed == clusterer.story_of("k0") else "diaz"
    # Ranked with the full recency bonus the fresh story wins; by content, Ortiz's does.
    assert picked == {"default": "ortiz", "full": "diaz"}


def test_an_undated_article_needs_more_to_join_a_quiet_dated_story():
    start = datetime(2025, 1, 1, tzinfo=UTC)
    other = (
        "Gunman Ruiz opened fire at a Lakewood bank; police arrested Ruiz after a shooting spree."
    )
    filed, scores = {}, {}
    for margin in (0.0, ClusterParams().untimed_margin):
        clusterer = StoryClusterer(ClusterParams(untimed_margin=margin))
        for i in range(2):
            clusterer.add(*_article_on(i, start, _ORTIZ))
        for i in range(2, 102):  # the Ortiz story goes quiet
            filler = f"Report {i}: word{i} alpha{i} beta{i} gamma{i} delta{i} epsilon{i}."
            clusterer.add(*_article_on(i, start, filler))
        vectorizer = clusterer._vectorizer
        vectors = vectorizer.weigh(vectorizer.count("", other))
        scores[margin] = clusterer._best_story(vectors, start.timestamp() / 86400)[1]
        filed[margin] = clusterer.add(*_article_on(999, None, other)) == clusterer.story_of("k0")
    assert filed == {0.0: True, ClusterParams().untimed_margin: False}
    assert scores[0.0] == scores[ClusterParams().untimed_margin]  # a dated one: no margin


def test_merge_pass_asks_more_of_a_dated_and_an_undated_story():
    start = datetime(2025, 1, 1, tzinfo=UTC)
    ruiz = (
        "Gunman Ruiz opened fire at the Lakewood depot; deputies arrested Ruiz after the shooting."
    )
    merged = {}
    for dated in (True, False):
        clusterer = StoryClusterer(ClusterParams(threshold=2.0))  # each article founds a story
        clusterer.add(*_article_on(0, start, _ORTIZ))
        clusterer.add(*_article_on(1, start if dated else None, ruiz))
        moves = clusterer.merge_pass()
        merged[dated] = [m.similarity for m in moves]
    # Their centroids agree at ~0.52: above merge_threshold, below merge_untimed_threshold.
    assert len(merged[True]) == 1
    assert (
        ClusterParams().merge_threshold <= merged[True][0] < ClusterParams().merge_untimed_threshold
    )
    assert merged[False] == []


def test_a_story_without_dates_earns_a_dated_article_no_recency():
    day = datetime(2025, 1, 1, tzinfo=UTC)
    nearby = "Deputies arrested a gunman after a shooting at a Denver bank."
    joined = {}
    # Online weights only: with the background statistics the texts alone are close enough
    # to join, and the test is about what time adds.
    params = ClusterParams(vectors=VectorParams(background_docs=0.0))
    for published in (None, day):
        clusterer = StoryClusterer(params)
        for i in range(2):
            clusterer.add(*_article_on(i, None, _ORTIZ))  # an undated story, active just now
        filed = clusterer.add(*_article_on(9, published, nearby))
        joined[published is not None] = filed == clusterer.story_of("k0")
    # Undated, the article has only its arrival to go by, and it arrived right after the
    # story's; dated, its clock is days, on which the undated story shows nothing.
    assert joined == {False: True, True: False}


_AWARD = [
    (
        "spacenews.com",
        "Space Force picks Vantor Orbital for $1.8 billion missile-warning satellites",
        "The U.S. Space Force awarded Vantor Orbital a $1.8 billion contract to build 12 "
        "missile-warning satellites, with the first launch planned for 2029. Vantor Orbital "
        "beat two rivals for the award, the service said on Tuesday.",
    ),
    (
        "breakingdefense.com",
        "Vantor Orbital lands missile warning constellation deal",
        "Vantor Orbital has won a contract worth $1.8 billion from the Space Force for a "
        "constellation of 12 missile-warning spacecraft. Officials expect the first of the "
        "satellites to fly in 2029, according to a statement released Tuesday.",
    ),
    (
        "defensenews.com",
        "12 new warning satellites: Space Force contract goes to Vantor",
        "In a $1.8 billion deal announced Tuesday, Vantor Orbital will deliver 12 satellites "
        "to spot missile launches for the Space Force. A first launch is scheduled for 2029.",
    ),
]
_OTHER = [
    (
        "navytimes.com",
        "Navy christens new destroyer in Maine",
        "The Navy christened its newest guided-missile destroyer at Bath Iron Works on "
        "Saturday in a ceremony attended by sailors and shipbuilders.",
    ),
    (
        "armytimes.com",
        "Army updates fitness test scoring",
        "The Army announced changes to how soldiers are scored on the combat fitness test, "
        "with new standards taking effect next year.",
    ),
    (
        "airforcetimes.com",
        "Air Force tanker fleet faces maintenance backlog",
        "Maintenance delays have grounded part of the Air Force tanker fleet, officials said, "
        "as the service waits for spare parts from suppliers.",
    ),
]


def _cold_start_articles() -> list[Article]:
    day = datetime(2025, 6, 3, 14, tzinfo=UTC)
    rows = _OTHER[:1] + _AWARD + _OTHER[1:]
    return [
        Article(
            url=f"https://{outlet}/a{i}",
            title=title,
            text=text,
            outlet=outlet,
            published=day + timedelta(hours=14 * i),
            id=i + 1,
        )
        for i, (outlet, title, text) in enumerate(rows)
    ]


def test_a_new_desk_weighs_common_words_low_from_the_start():
    # One article seen: online counts alone weigh every word alike; the background
    # statistics already know "time" and "officials" are common and "Vantor" is not.
    def weights(docs: float) -> dict[str, float]:
        vec = Vectorizer(VectorParams(background_docs=docs))
        counts = vec.count("", "Vantor officials time")
        terms = vec.admit(counts).terms
        slot = {w: vec._info(w)[0] for w in ("vantor", "officials", "time")}
        return {w: float(terms.val[list(terms.idx).index(s)]) for w, s in slot.items()}

    flat, informed = weights(0.0), weights(VectorParams().background_docs)
    assert flat["vantor"] == pytest.approx(flat["time"])
    assert informed["vantor"] > informed["officials"] > informed["time"]
    assert informed["vantor"] > 1.5 * informed["time"]


def test_cold_start_three_outlets_one_award_is_one_story_of_three_sources():
    from quorum.outlets import OutletRegistry
    from quorum.pipeline import assemble
    from quorum.settings import Config

    stories, _ = assemble(_cold_start_articles(), OutletRegistry.load().owner_of, Config())
    holding = [s for s in stories if {"2", "3", "4"} & set(map(str, s.article_ids))]
    assert [sorted(map(str, s.article_ids)) for s in holding] == [["2", "3", "4"]]
    assert holding[0].independent_sources == 3
    assert len(stories) == 4  # the unrelated articles stay on their own
