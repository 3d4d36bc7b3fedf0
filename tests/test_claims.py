"""Claim extraction: values with subjects, dated events, actors, quotes, hedges, spans."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quorum.enrich.claims import attribution, extract_claims, hedge_cue, is_update_article
from quorum.records import Article

PUB = datetime(2026, 11, 5, 14, 0)  # a Thursday


def article(text: str, **kw) -> Article:
    return Article(
        url="https://news.example/1",
        title=kw.pop("title", "A story"),
        text=text,
        outlet="news.example",
        published=PUB,
        id=kw.pop("id", 7),
        **kw,
    )


def test_every_claim_span_is_exact_text_of_the_article():
    text = (
        "SpaceX launched 22 Starlink satellites on Tuesday, the U.S. Space Force said. "
        "“We are ready,” said Gen. John Smith."
    )
    a = article(text)
    claims = extract_claims(a)
    assert claims
    for c in claims:
        assert c.span.article_id == 7
        assert text[c.span.start : c.span.end] == c.span.text
        assert c.outlet == "news.example"


def test_quantity_claims_name_what_is_counted():
    a = article(
        "The Pentagon awarded Lockheed Martin a $1.2 billion contract for 40 "
        "interceptors. Russia fired 12 missiles and 30 drones overnight."
    )
    got = {
        (c.subject, c.quantity.value, c.quantity.unit)
        for c in extract_claims(a)
        if c.kind == "quantity"
    }
    assert got == {
        ("contract", 1.2e9, "USD"),
        ("interceptor", 40, "count"),
        ("missile", 12, "count"),
        ("drone", 30, "count"),
    }


def test_money_subject_synonyms_share_one_subject():
    deal = extract_claims(article("The $900 million deal was signed."))
    contract = extract_claims(article("A contract worth $900 million was signed."))
    assert [c.subject for c in deal if c.kind == "quantity"] == ["contract"]
    assert [c.subject for c in contract if c.kind == "quantity"] == ["contract"]


def test_date_claims_take_the_nearest_event_word():
    a = article("The launch is scheduled for Nov. 20. The test on Tuesday failed.")
    got = [(c.subject, c.date) for c in extract_claims(a) if c.kind == "date"]
    assert got == [("launch", "2026-11-20"), ("test", "2026-11-03")]


def test_dates_of_nothing_named_are_not_claims():
    assert [c for c in extract_claims(article("It rained on Nov. 3.")) if c.kind == "date"] == []


def test_actor_claims():
    a = article(
        "The Pentagon awarded the contract. On Monday it rained. Lockheed Martin "
        "has delivered the first jets."
    )
    got = [c.subject for c in extract_claims(a) if c.kind == "actor"]
    assert got == ["Pentagon award", "Lockheed Martin deliver"]


@pytest.mark.parametrize(
    ("text", "speaker", "hedged"),
    [
        ("“We are ready to fly again,” said Gen. John Smith.", "Gen. John Smith", False),
        ('"We are ready to fly again," Smith said.', "Smith", False),
        ("Smith said: “We are ready to fly again.”", "Smith", False),
        (
            'NASA Administrator Jane Doe said, "We are ready to fly again."',
            "NASA Administrator Jane Doe",
            False,
        ),
        ("“We are ready to fly again,” a source said.", "a source", True),
        ("“We are ready to fly again.”", None, True),  # unattributed
    ],
)
def test_quotes_and_speakers(text, speaker, hedged):
    quotes = [c for c in extract_claims(article(text)) if c.kind == "quote"]
    assert len(quotes) == 1
    assert quotes[0].speaker == speaker
    assert quotes[0].hedged is hedged
    assert quotes[0].subject == "we are ready to fly again"


def test_pronoun_speaker_is_the_person_quoted_before():
    text = (
        "“The test went well for everyone,” said Jane Doe. “We will fly again in spring,” she said."
    )
    quotes = [c for c in extract_claims(article(text)) if c.kind == "quote"]
    assert [q.speaker for q in quotes] == ["Jane Doe", "Jane Doe"]


def test_scare_quotes_are_not_quotations():
    text = 'The so-called "Golden Dome" plan was unveiled.'
    assert [c for c in extract_claims(article(text)) if c.kind == "quote"] == []


@pytest.mark.parametrize(
    ("sentence", "cue"),
    [
        ("The satellite reportedly failed.", "reportedly"),
        ("It allegedly carried 3 payloads.", "allegedly"),
        (
            "The deal is worth $2 billion, according to people familiar with the matter.",
            "according to people familiar",
        ),
        ("Sources say the test failed.", "sources say"),
        ("The missile is said to reach Mach 10.", "is said to"),
        ("The contract could be worth $5 billion.", "could"),
        ("The Pentagon awarded the contract.", None),
        ("The launch is set for May 3.", None),
    ],
)
def test_hedge_cues(sentence, cue):
    assert hedge_cue(sentence) == cue
    claims = extract_claims(article(sentence))
    for c in claims:
        if c.kind != "quote":
            assert c.hedged is (cue is not None)


def test_named_attribution_is_not_a_hedge():
    sentence = "The launch is scheduled for Nov. 3, according to NASA."
    assert attribution(sentence) == "NASA"
    assert all(not c.hedged for c in extract_claims(article(sentence)))


def test_update_markers():
    assert is_update_article(article("UPDATED: the count rose.", title="x"))
    assert is_update_article(article("Text.", title="Correction: launch date"))
    assert not is_update_article(article("The launch went well."))


def test_empty_article_gives_no_claims():
    assert extract_claims(article("")) == []


PIECES = list("abcXYZ0123456789 ,.$€%-“”\"'\n") + [
    " said ",
    " Nov. ",
    " Tuesday ",
    " billion ",
    " satellites ",
    " about ",
    " to ",
    " reportedly ",
    " according to ",
    " NASA ",
    " launched ",
]
NEWSY = st.lists(st.sampled_from(PIECES), max_size=80).map("".join)


@settings(max_examples=150, deadline=None)
@given(NEWSY)
def test_any_text_gives_exact_spans_and_no_crash(text):
    for c in extract_claims(article(text)):
        assert text[c.span.start : c.span.end] == c.span.text
        assert c.kind in ("quantity", "date", "actor", "quote")


def _speakers(text: str) -> list[tuple[str | None, bool]]:
    return [(c.speaker, c.hedged) for c in extract_claims(article(text)) if c.kind == "quote"]


def test_page_furniture_is_never_a_speaker():
    text = (
        "President Barack Obama spoke at the base on Monday.\n\nStory Continued Below\n\n"
        "He said: “We will not send ground troops into this war.”"
    )
    assert _speakers(text) == [("President Barack Obama", False)]


def test_a_description_points_back_to_the_person_named():
    text = (
        "House Speaker Paul Ryan criticised the deal on Tuesday.\n\n"
        "“This agreement leaves the program in place,” the Wisconsin Republican said."
    )
    [(speaker, hedged)] = _speakers(text)
    assert speaker.endswith("Paul Ryan") and not hedged


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("“We are ready to fly again,” the secretary said.", "the secretary"),
        ("“We are ready to fly again,” a Pentagon spokesman said.", "a Pentagon spokesman"),
    ],
)
def test_a_role_is_an_attribution_not_unattributed(text, speaker):
    assert _speakers(text) == [(speaker, False)]


def test_the_president_is_the_person_given_that_title():
    text = (
        "President Obama met the families on Friday.\n\n"
        "“We will bring the killers to justice,” the president said."
    )
    assert _speakers(text) == [("President Obama", False)]


def test_a_quote_continued_after_its_attribution_keeps_the_speaker():
    text = (
        "“The launch went well for everyone,” said Col. Maria Okafor. "
        "“We have a procedure for this kind of thing.”\n\n"
        "“The array will open within a week or two,” she added."
    )
    assert _speakers(text) == [("Col. Maria Okafor", False)] * 3


def test_speaker_with_an_appositive_and_an_anonymous_one():
    text = (
        "“The second stage performed exactly as designed,” McCain, 78, said in an interview.\n\n"
        "“The second stage was never the real problem,” said an engineer who asked not to be "
        "named."
    )
    assert _speakers(text) == [("McCain", False), ("an engineer", True)]


def test_a_quoted_title_is_not_a_quotation():
    text = 'He is the author of the book "A Modern History of Vietnam" and other works.'
    assert _speakers(text) == []


def test_he_said_after_a_name_set_off_by_commas():
    text = (
        "Treasury's acting director of sanctions policy, Helena Marchetti, said in a briefing "
        "that the network had been tracked for 18 months. "
        '"We watched how they moved the parts before we moved against them," she said.'
    )
    assert _speakers(text) == [("Helena Marchetti", False)]


@pytest.mark.parametrize(
    "sentence",
    [
        "One official said the talks would resume.",
        "Two officials said the memo was real.",
        "Residents were told to call 911 immediately.",
        "No one was hurt in the launch.",
        "Two women walk past the embassy. (AP Photo/Jane Doe)",
        "Thousands of people gathered outside.",
    ],
)
def test_numbers_that_measure_nothing_are_no_claims(sentence):
    article = Article(url="u", title="", text=sentence, outlet="o")
    assert [c for c in extract_claims(article) if c.kind == "quantity"] == []


def test_casualty_counts_and_distances_stay_measures():
    text = "Two soldiers were killed. The intercept happened 175 kilometers above the ocean."
    claims = extract_claims(Article(url="u", title="", text=text, outlet="o"))
    assert {(c.subject, c.quantity.value) for c in claims if c.kind == "quantity"} == {
        ("soldier", 2),
        ("altitude", 175),
    }


def test_the_date_of_a_statement_dates_no_event():
    text = "Four satellites launched last week are healthy, the Space Force said Monday."
    article = Article(url="u", title="", text=text, outlet="o", published=datetime(2026, 11, 10))
    assert [c for c in extract_claims(article) if c.kind == "date"] == []
