"""Sentiment: tiers ordered on clear cases, evidence with exact spans, bad input tolerated.

Most tests run on both sentence models; the MiniLM ones are skipped (with the reason) when
onnxruntime or the shipped model file is missing, as the scorer then falls back to classic.
"""

from __future__ import annotations

import logging
import shutil
from importlib import resources

import numpy as np
import pytest

from quorum.enrich.sentiment import (
    CLASSES,
    TIERS,
    SentimentScorer,
    TierCuts,
    load_news_lexicon,
    mark_target,
    minilm_available,
    news_vader,
    polarity_tier,
    unmark_target,
)
from quorum.evaluation.sentiment import parse_row, split_of
from quorum.records import Score

needs_minilm = pytest.mark.skipif(
    not minilm_available(), reason="onnxruntime/tokenizers or data/sentiment/minilm missing"
)


@pytest.fixture(scope="module", params=["classic", pytest.param("minilm", marks=needs_minilm)])
def scorer(request) -> SentimentScorer:
    return SentimentScorer.load(model=request.param)


@pytest.fixture(scope="module")
def minilm() -> SentimentScorer:
    if not minilm_available():
        pytest.skip("onnxruntime/tokenizers or data/sentiment/minilm missing")
    return SentimentScorer.load(model="minilm")


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
    if scorer.model_name == "classic":
        assert result.words and all(weight < 0 for _, weight in result.words)
    else:
        assert result.words == ()  # the evidence is the sentence, never word fragments


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


@pytest.mark.parametrize("model", ["classic", pytest.param("minilm", marks=needs_minilm)])
def test_evidence_count_follows_the_setting(model):
    class Config:
        sentiment_evidence_sentences = 1
        sentiment_model = model

    one = SentimentScorer.load(config=Config())
    assert one.model_name == model
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


def test_batch_scoring_matches_one_by_one(scorer):
    texts = ["Rocket explodes on the pad.", "", "Crew lands safely.", "Jones won.", "  "]
    targets = [None, None, None, "Jones", None]
    batch = scorer.score_sentences(texts, targets)
    single = [scorer.score_sentence(t, g) for t, g in zip(texts, targets, strict=True)]
    if scorer.model_name == "classic":
        assert batch == single
    else:  # int8 activations are quantised per batch: padding-mates move the last digits
        assert [b.polarity for b in batch] == pytest.approx([s.polarity for s in single], abs=0.06)
    assert batch[1].tier == batch[4].tier == "neutral"


def test_unmark_target_undoes_mark_target():
    sentence = "Critics said Jones misled Congress."
    marked = mark_target(sentence, "Jones", 13, 18)
    assert unmark_target(marked, "Jones") == sentence
    assert unmark_target(sentence, None) == sentence


def test_classic_stays_the_default_setting():
    from quorum.settings import Config

    assert Config().sentiment_model == "classic"  # MiniLM lost on SemEval and story tiers
    assert SentimentScorer.load().model_name == "classic"
    with pytest.raises(ValueError, match="sentiment_model"):
        SentimentScorer.load(model="bert-large")


def test_minilm_falls_back_to_classic_without_its_files(tmp_path, caplog):
    shipped = resources.files("quorum") / "data" / "sentiment"
    for name in ("model.npz", "tiers.json"):
        with resources.as_file(shipped / name) as path:
            shutil.copy(path, tmp_path / name)
    assert not minilm_available(tmp_path)
    with caplog.at_level(logging.WARNING):
        fallback = SentimentScorer.load(tmp_path, model="minilm")
    assert fallback.model_name == "classic" and "classic" in caplog.text
    assert fallback.score_sentence("Bombing kills dozens at crowded market").polarity < 0


@needs_minilm
@pytest.mark.xfail(
    strict=True,
    reason="issue 15 not met yet: the shipped MiniLM gives 'negative' to a bombing that killed "
    "43 and to an ISIS leader's killing, 'neutral' to freed hostages (TIERS.md)",
)
def test_minilm_reaches_the_extremes_on_extreme_news(minilm):
    """Issue 15: attacks with dozens killed read as very negative, rescues, successes and a
    terrorist leader's killing as positive, routine news as neutral."""
    very_bad = [
        "A suicide bomber killed 43 people and wounded more than 100 at a crowded market.",
        "Gunmen massacred dozens of villagers, including children, in a night-time attack.",
    ]
    good = [
        "Freed hostages were reunited with their families after months in captivity.",
        "The interceptor successfully destroyed the incoming missile, protecting the city.",
    ]
    calm = ["The committee will meet on Thursday to review the budget schedule."]
    for text in very_bad:
        assert minilm.score_sentence(text).tier == "very_negative", text
    for text in good:
        assert minilm.score_sentence(text).tier in ("positive", "very_positive"), text
    for text in calm:
        assert minilm.score_sentence(text).tier == "neutral", text


@needs_minilm
def test_minilm_article_evidence_is_whole_sentences(minilm):
    text = (
        "The satellite reached orbit on Monday.\n"
        "A second rocket exploded minutes after liftoff, killing three workers.\n"
        "Officials will brief reporters next week."
    )
    score = minilm.score_article("Deadly explosion at launch site", text, article_id=7)
    assert score.value < 0
    assert score.evidence and all("words:" not in e.rule for e in score.evidence)
    spans = [e.span for e in score.evidence if e.span is not None]
    assert any("exploded" in span.text for span in spans)
    for span in spans:
        assert text[span.start : span.end] == span.text


def test_newsmtsc_split_keeps_a_sentence_in_one_part():
    sentence = "Smith attacked Jones over the budget."
    rows = [
        parse_row(
            {
                "id": f"r{k}",
                "sentence_id": f"s{k}",
                "sentence": sentence,
                "target": target,
                "label": "negative",
            }
        )
        for k, target in enumerate(("Smith", "Jones"))
    ]
    assert rows[0].group == rows[1].group  # two sentence ids, one sentence: one group
    assert len({split_of(r.group) for r in rows}) == 1
    groups = [f"sentence number {k}" for k in range(2000)]
    share = {name: sum(split_of(g) == name for g in groups) / 2000 for name in ("dev", "heldout")}
    assert 0.07 < share["dev"] < 0.13 and 0.07 < share["heldout"] < 0.13


def test_aggregate_strong_cut_is_separate_from_the_sentence_cut():
    cuts = TierCuts(0.0, 0.7, 0.0, aggregate_neutral=0.05, aggregate_strong=0.3)
    assert cuts.aggregate_tier(-0.35) == "very_negative"
    assert cuts.aggregate_tier(-0.2) == "negative"
    assert cuts.aggregate_tier(0.04) == "neutral"
    assert TierCuts(0.0, 0.7, 0.0, 0.05).aggregate_tier(-0.35) == "negative"  # None: strong


def test_story_evaluation_on_a_generated_dump(tmp_path):
    import json

    from quorum.evaluation.sentiment import evaluate_stories

    articles = {
        "a1": ("Bombing kills dozens at market", "A bomb killed 40 people. Dozens were hurt."),
        "a2": ("Massacre at market", "Attackers killed dozens of shoppers in a horrific attack."),
        "b1": ("Committee meets Thursday", "The committee will meet on Thursday at 10 a.m."),
    }
    dump = tmp_path / "dump.jsonl"
    dump.write_text(
        "".join(
            json.dumps({"id": k, "title": t, "text": x}) + "\n" for k, (t, x) in articles.items()
        )
    )
    labels = tmp_path / "labels.jsonl"
    rows = [
        {
            "story_founder": "a1",
            "members": ["a1", "a2", "gone"],
            "tier": "very_negative",
            "half": "tune",
        },
        {"story_founder": "b1", "members": ["b1"], "tier": "neutral", "half": "heldout"},
        {"story_founder": "x", "members": ["x"], "tier": "awful", "half": "tune"},  # skipped
    ]
    labels.write_text("".join(json.dumps(r) + "\n" for r in rows))
    scorer = SentimentScorer.load(model="classic")
    out = evaluate_stories(scorer, dump, labels)
    assert out["all"]["stories"] == 2 and out["tune"]["stories"] == 1
    assert out["heldout"]["tiers_given"]["neutral"] == 1
    assert out["tune"]["tiers_judged"]["very_negative"] == 1
    assert out["tune"]["tiers_given"]["very_negative"] + out["tune"]["tiers_given"]["negative"] == 1
