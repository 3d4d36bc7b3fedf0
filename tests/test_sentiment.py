"""Sentiment: tiers ordered on clear cases, evidence with exact spans, bad input tolerated."""

from __future__ import annotations

import numpy as np
import pytest

from quorum.enrich.sentiment import (
    CLASSES,
    TIERS,
    SentimentScorer,
    TierCuts,
    load_news_lexicon,
    mark_target,
    news_vader,
    polarity_tier,
)
from quorum.records import Score


@pytest.fixture(scope="module")
def scorer() -> SentimentScorer:
    return SentimentScorer.load()


def rank(tier: str) -> int:
    return TIERS.index(tier)


def test_clear_cases_are_ordered(scorer):
    bad = scorer.score_sentence("Bombing kills dozens in horrific massacre at crowded market")
    neutral = scorer.score_sentence("The committee will meet on Thursday at 10 a.m.")
    good = scorer.score_sentence("Rescued crew safely home after brilliant, flawless mission")
    assert bad.polarity < neutral.polarity < good.polarity
    assert rank(bad.tier) < rank(neutral.tier) < rank(good.tier)
    assert bad.tier in ("very_negative", "negative")
    assert good.tier in ("very_positive", "positive")
    assert neutral.tier == "neutral"


def test_sentence_result_is_well_formed(scorer):
    result = scorer.score_sentence("Critics slammed the disastrous, wasteful program.")
    assert -1.0 <= result.polarity <= 1.0
    assert set(result.probabilities) == set(CLASSES)
    assert sum(result.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert result.words and all(weight < 0 for _, weight in result.words)


def test_target_is_marked_for_the_model(scorer):
    assert mark_target("Smith praised Jones.", "Jones") == "Smith praised  qtarget ."
    assert mark_target("No target here.", "Jones") == "No target here."
    assert mark_target("Jones won.", "Jones", 0, 5) == " qtarget  won."
    result = scorer.score_sentence("Voters praised Jones for a brilliant effort.", "Jones")
    assert result.polarity > 0


def test_empty_and_blank_input_are_neutral(scorer):
    assert scorer.score_sentence("").tier == "neutral"
    assert scorer.score_sentence("   ").polarity == 0.0
    empty = scorer.score_article("", "", article_id=1)
    assert empty == Score("sentiment", 0.0, "neutral", ())


def test_article_evidence_points_at_exact_sentences(scorer):
    text = (
        "The launch was scrubbed again after a second engine failure.\n"
        "Engineers said the disastrous anomaly destroyed the test stand.\n"
        "The company will publish a schedule next week."
    )
    score = scorer.score_article("Rocket explodes in fiery test failure", text, article_id=42)
    assert score.name == "sentiment"
    assert score.value < 0 and score.label in ("negative", "very_negative")
    assert 1 <= len(score.evidence) <= 3
    weights = [e.weight for e in score.evidence]
    assert weights == sorted(weights)  # strongest (most negative) first
    for ev in score.evidence:
        assert ev.weight < 0
        if ev.span is not None:
            assert ev.span.article_id == 42
            assert text[ev.span.start : ev.span.end] == ev.span.text
        else:
            assert ev.factor == "headline"


def test_story_averages_articles_and_keeps_evidence(scorer):
    a = scorer.score_article("Satellite contract win celebrated", "Staff cheered the award.", 1)
    b = scorer.score_article("Mission a triumph", "The flawless flight delighted everyone.", 2)
    story = scorer.score_story([a, b])
    assert story.value == pytest.approx((a.value + b.value) / 2, abs=1e-4)
    assert story.value > 0 and story.evidence
    assert scorer.score_story([]).label == "neutral"


def test_evidence_count_follows_the_setting():
    class Config:
        sentiment_evidence_sentences = 1

    one = SentimentScorer.load(config=Config())
    text = "It failed. It crashed. It exploded."
    assert len(one.score_article("Disaster", text, 1).evidence) == 1


def test_tier_rules():
    assert [polarity_tier(v, 10, 50) for v in (-50, -11, -10, 10, 11, 49, 50)] == [
        "very_negative",
        "negative",
        "neutral",
        "neutral",
        "positive",
        "positive",
        "very_positive",
    ]
    cuts = TierCuts(neutral_bias=0.0, strong=0.5, vader_weight=0.0)
    assert cuts.sentence_tier(np.array([0.1, 0.2, 0.7])) == "very_positive"
    assert cuts.sentence_tier(np.array([0.2, 0.4, 0.4 - 1e-9])) == "neutral"
    assert cuts.sentence_tier(np.array([0.5, 0.1, 0.4])) == "negative"
    mixed = TierCuts(0.0, 0.5, vader_weight=1.0).blend(np.array([1.0, 0.0, 0.0]), 0.6)
    assert mixed == pytest.approx([0.0, 0.4, 0.6])


def test_news_lexicon_extends_vader_per_instance():
    lexicon = load_news_lexicon()
    assert lexicon["bombing"] < 0 < lexicon["breakthrough"]
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    assert news_vader().polarity_scores("Earthquake")["compound"] < 0
    assert SentimentIntensityAnalyzer().polarity_scores("Earthquake")["compound"] == 0
