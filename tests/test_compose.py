"""Story composition: takeaways, headline, analysis, what to watch, who's affected, timeline."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quorum.compose import Cited, SourceArticle
from quorum.compose.sections import (
    ForwardCues,
    analysis,
    clean_headline,
    clean_title,
    headline_for,
    what_to_watch,
    whos_affected,
)
from quorum.compose.takeaways import (
    SentenceRules,
    is_quotable,
    key_takeaways,
    prepare,
    quotable_articles,
)
from quorum.compose.timeline import StorySketch, related_stories
from quorum.records import Article, Entity

FIXTURE = Path(__file__).parent / "fixtures" / "compose" / "story.json"
COPY_ID = 104


def load_story() -> list[SourceArticle]:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return [
        SourceArticle(
            Article(
                url=f"https://{a['outlet']}/{a['id']}",
                title=a["title"],
                text=a["text"],
                outlet=a["outlet"],
                published=datetime.fromisoformat(a["published"]),
                id=a["id"],
            ),
            origin_key=a["origin"],
            is_copy=a["is_copy"],
        )
        for a in data["articles"]
    ]


@pytest.fixture(scope="module")
def story() -> list[SourceArticle]:
    return load_story()


def text_of(story: list[SourceArticle], article_id: int) -> str:
    return next(s.article.text for s in story if s.article.id == article_id)


def assert_exact(story: list[SourceArticle], cited: list[Cited]) -> None:
    for c in cited:
        assert c.text == text_of(story, c.article_id)[c.start : c.end]


# --- takeaways ----------------------------------------------------------------------------------


def test_takeaways_are_exact_spans(story):
    takeaways = key_takeaways(story, k=5)
    assert 3 <= len(takeaways) <= 5
    assert_exact(story, takeaways)


def test_copies_are_never_quoted(story):
    # the copy is listed first and has the same text plus a credit line: its original wins
    body = key_takeaways(story, k=5) + [c for s in analysis(story) for c in s.sentences]
    cited = body + what_to_watch(story)
    assert cited
    assert all(c.article_id != COPY_ID for c in cited)
    texts = [c.text for c in body]  # takeaways and analysis never say a sentence twice
    assert len(texts) == len(set(texts))


def test_a_copy_stands_in_for_an_origin_without_original(story):
    only_copy = [s for s in story if s.article.id != 101]
    ids = [s.article.id for _, s in quotable_articles(only_copy)]
    assert COPY_ID in ids
    two_copies = only_copy + [SourceArticle(story[0].article, "o1", True)]
    assert [s.article.id for _, s in quotable_articles(two_copies)].count(COPY_ID) == 1


def test_near_identical_sentences_are_not_both_takeaways(story):
    takeaways = key_takeaways(story, k=5)
    award = [
        c
        for c in takeaways
        if "contracts worth a combined $1.5 billion" in c.text or "deals worth about" in c.text
    ]
    assert len(award) == 1  # three origins say it; it is shown once


def test_takeaways_skip_furniture_questions_and_bare_quotes(story):
    texts = " ".join(c.text for c in key_takeaways(story, k=5))
    assert "newsletter" not in texts
    assert "?" not in texts
    candidates = [c.text for c in prepare(story).candidates]
    assert not any("newsletter" in t for t in candidates)
    assert '"It is a big day."' not in candidates
    assert not any(t.endswith("?") for t in candidates)
    # a quote with its speaker is a statement and stays
    assert any(t.startswith('"We are moving') for t in candidates)


def test_is_quotable_rules():
    rules = SentenceRules()
    assert is_quotable("The agency awarded two contracts for the satellites on Tuesday.", rules, [])
    assert not is_quotable("Read more.", rules, [])
    assert not is_quotable("Will the agency award two more contracts next year?", rules, [])
    assert not is_quotable('"This is a very big day for all of us here."', rules, [])
    assert not is_quotable(" ".join(["word"] * 80) + ".", rules, [])


def test_takeaways_are_deterministic_and_favour_agreed_facts(story):
    first, second = key_takeaways(story, k=4), key_takeaways(story, k=4)
    assert first == second
    assert "36 missile-tracking satellites" in first[0].text  # stated by three origins


def test_takeaways_handle_empty_input():
    assert key_takeaways([]) == []
    empty = SourceArticle(Article(url="u", title="t", text="   ", outlet="x.com", id=1), "o1")
    assert key_takeaways([empty]) == []
    with pytest.raises(ValueError):
        key_takeaways([empty], k=0)


def test_articles_without_ids_are_still_traceable():
    text = "The Space Force launched a new weather satellite from California on Monday night."
    source = SourceArticle(
        Article(url="https://x.com/a", title="t", text=text, outlet="x.com"), "o"
    )
    [cited] = key_takeaways([source], k=3)
    assert cited.article_id == "https://x.com/a"
    assert text[cited.start : cited.end] == cited.text


# --- headline -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Rocket launch from Cape Canaveral delayed again – NBC Chicago",
            "Rocket launch from Cape Canaveral delayed again",
        ),
        ("SDA awards Tranche 3 contracts | SpaceNews", "SDA awards Tranche 3 contracts"),
        (
            "UPDATE: Starship flight test set for next week",
            "Starship flight test set for next week",
        ),
        ("EXCLUSIVE: Navy weighs new frigate | Defense | Reuters", "Navy weighs new frigate"),
        (
            "Space Force - Lockheed deal faces new review",
            "Space Force - Lockheed deal faces new review",
        ),
        ("Falcon 9 launches 24 Starlink satellites", "Falcon 9 launches 24 Starlink satellites"),
    ],
)
def test_clean_title(title, expected):
    start, end = clean_title(title)
    assert title[start:end] == expected


def test_clean_title_strips_a_known_site_name_after_a_dash():
    title = "Army picks new helicopter engine - defensenews"
    start, end = clean_title(title, ["defensenews"])
    assert title[start:end] == "Army picks new helicopter engine"


def test_headline_is_central_cleaned_and_traced(story):
    headline = headline_for(story)
    assert headline is not None
    assert headline.article_id != COPY_ID
    title = next(s.article.title for s in story if s.article.id == headline.article_id)
    assert title[headline.start : headline.end] == headline.source_text
    assert "|" not in headline.text and "EXCLUSIVE" not in headline.text
    assert "Breaking Defense" not in headline.text


def test_headline_avoids_capitals_and_shows_them_as_written():
    titles = [
        (1, "SPACE FORCE AWARDS LAUNCH CONTRACTS TO SPACEX"),
        (2, "Space Force awards launch contracts to SpaceX and ULA"),
    ]
    assert clean_headline(titles).article_id == 2
    title = "C.I.A. DIRECTOR BRIEFS IRAN PANEL ON SATELLITE IMAGES | Breaking Defense"
    only = clean_headline([(1, title)], ["Breaking Defense"])
    # the citation contract: what the page shows is exactly the source's span
    assert only.text == only.source_text == title[only.start : only.end]
    assert only.text == "C.I.A. DIRECTOR BRIEFS IRAN PANEL ON SATELLITE IMAGES"
    assert clean_headline([(1, ""), (2, "  ")]) is None


# --- analysis -----------------------------------------------------------------------------------


def test_analysis_groups_other_sentences_by_subtopic(story):
    takeaways = key_takeaways(story, k=5)
    sections = analysis(story, k_sections=3, exclude=takeaways)
    assert 1 <= len(sections) <= 3
    shown = {(c.article_id, c.start) for c in takeaways}
    for section in sections:
        assert section.title and section.terms
        assert not any(t.isdigit() for t in section.terms)
        assert len(section.sentences) >= 2
        assert_exact(story, section.sentences)
        assert not shown & {(c.article_id, c.start) for c in section.sentences}


def test_analysis_is_empty_for_a_one_sentence_story():
    text = "The Army tested a new long-range missile over the Pacific Ocean on Friday."
    source = SourceArticle(Article(url="u", title="t", text=text, outlet="x.com", id=1), "o1")
    assert analysis([source]) == []


# --- what to watch ------------------------------------------------------------------------------


def test_what_to_watch_finds_forward_looking_sentences(story):
    items = what_to_watch(story, k=6)
    assert_exact(story, items)
    texts = " ".join(i.text for i in items)
    assert "hearing next month" in texts
    assert "by the end of the year" in texts
    assert "March 12" in texts  # a date after the article's publication date
    # past expectations and plain past facts are not things to watch
    assert "was expected to come in the spring" not in texts
    assert "Congress cut" not in texts
    assert all(i.cues for i in items)
    assert items == sorted(items, key=lambda i: -i.score)


def test_will_alone_is_not_enough():
    cues = ForwardCues.load()
    text = "The satellites will carry infrared sensors built by a California company."
    source = SourceArticle(Article(url="u", title="t", text=text, outlet="x.com", id=1), "o1")
    assert what_to_watch([source], cues=cues) == []


# --- who's affected -----------------------------------------------------------------------------


def test_whos_affected_maps_entities_and_terms_with_evidence(story):
    sentences = [c.cite() for c in prepare(story).candidates]
    entities = [
        ("COMPANY", "Lockheed Martin"),
        Entity("House Armed Services Committee", "AGENCY"),
        ("SERVICE", "U.S. Space Force"),
        "not an entity pair",
    ]
    groups = {s.group: s for s in whos_affected(entities, sentences)}
    primes = groups["Defense primes"]
    assert primes.evidence[0].kind == "entity"
    assert "Lockheed Martin" in primes.evidence[0].matched
    assert "Lockheed Martin" in primes.evidence[0].sentence.text
    congress = groups["Congress & appropriators"]
    kinds = {e.kind for e in congress.evidence}
    assert {"entity", "term"} <= kinds
    investors = groups["Investors"]
    assert investors.evidence[0].kind == "term"
    assert "shares" in investors.evidence[-1].sentence.text
    assert groups["Military services"].evidence[0].kind == "entity-type"
    # most evidence first
    counts = [len(s.evidence) for s in whos_affected(entities, sentences)]
    assert counts == sorted(counts, reverse=True)
    assert "Launch providers" not in groups or groups["Launch providers"].evidence


def test_whos_affected_with_nothing_matching():
    assert whos_affected([], [Cited("A quiet day.", 1, 0, 12)]) == []


# --- timeline -----------------------------------------------------------------------------------


def test_related_stories_are_earlier_dated_and_sorted():
    now = datetime(2026, 2, 11, tzinfo=UTC)

    def sketch(sid, days_ago, terms):
        when = None if days_ago is None else now - timedelta(days=days_ago)
        return StorySketch(sid, f"story {sid}", when, terms)

    target = sketch("t", 0, ["Space Development Agency", "Tracking Layer", "Lockheed Martin"])
    archive = [
        target,
        sketch("old-close", 200, ["Tracking Layer", "Space Development Agency"]),
        sketch("recent", 3, ["Space Development Agency", "Transport Layer"]),
        sketch("future", -2, ["Tracking Layer", "Space Development Agency"]),
        sketch("undated", None, ["Tracking Layer"]),
        sketch("unrelated", 5, ["NASA", "Artemis"]),
        sketch("generic", 1, ["Pentagon"]),
    ]
    entries = related_stories(target, archive, k=6)
    ids = [e.story_id for e in entries]
    assert set(ids) == {"old-close", "recent"}
    assert [e.date for e in entries] == sorted(e.date for e in entries)
    assert all(e.date < target.first_seen for e in entries)
    close = next(e for e in entries if e.story_id == "old-close")
    assert set(close.shared_terms) == {"Tracking Layer", "Space Development Agency"}
    recent = next(e for e in entries if e.story_id == "recent")
    assert close.score > recent.score  # closer relation outweighs recency
    assert related_stories(target, archive, k=1)[0].story_id == "old-close"


def test_related_stories_mixed_timezones_and_empty_terms():
    target = StorySketch("t", "Starship", datetime(2026, 2, 11), ["SpaceX", "Starship"])
    archive = [
        StorySketch("a", "A", datetime(2026, 2, 1, tzinfo=UTC), ["Starship"]),
        StorySketch("b", "B", datetime(2026, 2, 12, tzinfo=UTC), ["Starship"]),
    ]
    assert [e.story_id for e in related_stories(target, archive)] == ["a"]
    assert related_stories(StorySketch("t", "T", None, []), archive) == []
    # an undated target is compared with every dated story
    undated = StorySketch("t", "T", None, ["Starship"])
    assert {e.story_id for e in related_stories(undated, archive)} == {"a", "b"}


def test_datelines_and_page_furniture_are_never_quoted():
    text = (
        "WASHINGTON (Orbital Wire) — The Treasury Department on Thursday imposed sanctions on "
        "14 companies that supplied satellite parts to missile programs.\n\n"
        "Timeline Recent tensions between the two countries over satellite parts Show Hide\n\n"
        "The companies moved more than $60 million worth of parts since 2024, officials said.\n\n"
        "Hide Caption 2 of 44 Photos: Satellite parts seized by customs agents at the port\n\n"
        "The Treasury said more sanctions on satellite suppliers would follow next year.\n\n"
        "Copyright © 2019 The Washington Times, LLC. Click here for reprint permission."
    )
    article = Article(
        url="https://wire.example/1", title="Sanctions", text=text, outlet="wire.example", id=1
    )
    quoted = prepare([SourceArticle(article, "wire.example")]).candidates
    assert quoted, "the real sentences are still quotable"
    for c in quoted:
        assert text[c.start : c.end] == c.text
        assert not c.text.startswith("WASHINGTON")
        for furniture in ("Show Hide", "Hide Caption", "Copyright", "reprint"):
            assert furniture not in c.text
    assert quoted[0].text.startswith("The Treasury Department on Thursday")
