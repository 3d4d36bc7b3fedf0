"""Impact score: factors with evidence, log-scaled money, breadth, caps, the action-item
threshold, hedges and negations, and coverage volume never raising impact."""

from __future__ import annotations

import math

import pytest

from quorum.enrich.claims import extract_claims
from quorum.enrich.impact import RubricError, load_rubric, score_impact
from quorum.records import Article, Quantity, Span


def sentences(*texts: str, article: str = "a1") -> list[tuple[Span, str]]:
    out, start = [], 0
    for text in texts:
        out.append((Span(article, start, start + len(text), text), text))
        start += len(text) + 1
    return out


def factors(score):
    return {(e.factor, e.rule.split(":")[0]) for e in score.evidence}


def test_evidence_sums_to_the_score():
    score = score_impact(
        sentences(
            "The U.S. imposed sanctions on Russia and China over the anti-satellite test.",
            "Lockheed Martin won a $3 billion contract.",
            "The strike killed 12 soldiers, Ukraine said.",
        )
    )
    assert math.isclose(sum(e.weight for e in score.evidence), score.value, abs_tol=0.051)
    for e in score.evidence:
        assert e.factor in {
            "base",
            "regulatory",
            "financial",
            "operational",
            "governance",
            "breadth",
            "scale",
        }


def test_each_factor_names_its_rule_and_sentence():
    text = "The Commerce Department added 12 firms to the entity list under export controls."
    score = score_impact(sentences(text))
    assert ("regulatory", "sanctions") in factors(score)
    assert ("regulatory", "export controls") in factors(score)
    fired = [e for e in score.evidence if e.factor == "regulatory" and e.weight > 0]
    assert all(e.span is not None and e.span.text == text for e in fired)


def test_money_on_a_log_scale():
    def money_points(text):
        score = score_impact(sentences(text))
        return sum(e.weight for e in score.evidence if e.rule.startswith("largest sum"))

    assert money_points("A $500,000 grant.") == 0
    assert money_points("A $2 million grant.") == 0.5
    assert money_points("A $450 million grant.") == 1.5
    assert money_points("A $1.2 billion grant.") == 2.0
    assert money_points("A €30 billion grant.") == 2.5  # euros converted before the scale
    assert money_points("A 1.5 trillion yen grant.") == 2.5  # about $10 billion


def test_quantities_argument_is_used_and_hedged_claims_ignored():
    art = Article(
        url="u",
        title="",
        outlet="o",
        id="a1",
        text="The deal could be worth $50 billion. The firm won a $5 million order.",
    )
    claims = extract_claims(art)
    spans = [(c.span, c.span.text) for c in claims]
    score = score_impact(spans, claims)
    money = [e for e in score.evidence if e.rule.startswith("largest sum")]
    assert len(money) == 1 and "$5 million" in money[0].rule
    bare = score_impact(
        sentences("Boeing won a $2 billion order."), [Quantity(2e9, "USD", text="$2 billion")]
    )
    assert any(e.rule.startswith("largest sum") and e.weight == 2.0 for e in bare.evidence)
    # a value no sentence holds cannot cite its sentence, so it scores nothing
    nowhere = score_impact(sentences("Nothing here."), [Quantity(2e9, "USD", text="$2 billion")])
    assert not any(e.rule.startswith("largest sum") for e in nowhere.evidence)


def test_coverage_volume_does_not_raise_impact():
    fluff = "SpaceX CEO Elon Musk attended a gala dinner in Los Angeles."
    once = score_impact(sentences(fluff))
    many = score_impact(sentences(*[fluff] * 40))
    assert once.value == many.value <= 2
    busy = "SpaceX launched a Falcon 9 rocket from Florida on Tuesday."
    assert score_impact(sentences(busy)).value == score_impact(sentences(*[busy] * 25)).value


def test_breadth_counts_distinct_countries_not_mentions():
    repeated = score_impact(sentences(*["Russia warned Russia and Russia again."] * 10))
    several = score_impact(sentences("Russia, China, Iran and North Korea held talks."))
    assert not any(e.factor == "breadth" for e in repeated.evidence)
    breadth = [e for e in several.evidence if e.factor == "breadth"]
    assert len(breadth) == 1 and breadth[0].weight == 1.5
    assert "4 countries" in breadth[0].rule


def test_distinct_entities_add_breadth_once():
    base = score_impact(sentences("A meeting took place."))
    wide = score_impact(
        sentences("A meeting took place."), entities=["NASA", "ESA", "JAXA", "nasa", "ISRO", "CNSA"]
    )
    assert wide.value == pytest.approx(base.value + 0.5)  # five names: one is a repeat


def test_negated_and_hedged_terms():
    negated = score_impact(sentences("There were no casualties in the test."))
    assert ("operational", "casualties") not in factors(negated)
    hedged = score_impact(sentences("Washington could impose sanctions next week."))
    sanction = [e for e in hedged.evidence if e.rule.startswith("sanctions")]
    assert sanction and sanction[0].weight == 1.0  # half of 2.0
    assert "hedged" in sanction[0].rule


def test_routine_story_is_low_and_crisis_is_an_action_item():
    routine = score_impact(sentences("Rocket Lab launched a small satellite for NASA."))
    assert routine.value <= 3 and routine.label == ""
    crisis = score_impact(
        sentences(
            "The United States and the European Union imposed sweeping sanctions and export "
            "controls on Russia after the strike.",
            "The missile strike killed 40 people in Ukraine, officials said.",
            "Germany and France announced a $12 billion air-defense package.",
            "Congress passed the bill raising the defense budget.",
        ),
        entities=["Pentagon", "NATO", "Kremlin"],
    )
    assert crisis.value >= 8
    assert crisis.label == "action item"
    assert crisis.value <= 10
    caps = [e for e in crisis.evidence if e.rule.startswith("cap")]
    assert caps and all(e.weight < 0 for e in caps)


def test_threshold_comes_from_the_rubric(tmp_path):
    source = (load_rubric.__module__, None)
    assert source[0] == "quorum.enrich.impact"
    from importlib import resources

    text = (resources.files("quorum") / "data" / "impact_rubric.toml").read_text("utf-8")
    custom = tmp_path / "rubric.toml"
    custom.write_text(text.replace("action_item_threshold = 8.0", "action_item_threshold = 2.0"))
    rubric = load_rubric(custom)
    score = score_impact(sentences("Rocket Lab launched a small satellite."), rubric=rubric)
    assert score.value >= 2 and score.label == "action item"


def test_broken_rubric_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("base = 1.0\n")
    with pytest.raises(RubricError, match="impact rubric"):
        load_rubric(bad)


def test_score_is_between_one_and_ten_with_one_decimal():
    for texts in ([""], ["Nothing happened."], ["sanctions export controls treaty " * 5]):
        score = score_impact(sentences(*texts))
        assert 1 <= score.value <= 10
        assert round(score.value, 1) == score.value
        assert score.name == "impact"


def story(*articles: list[str]) -> list[tuple[Span, str]]:
    """Sentences of several articles, each article its own Span.article_id."""
    out = []
    for i, texts in enumerate(articles):
        out.extend(sentences(*texts, article=f"art{i}"))
    return out


def test_more_outlets_telling_the_same_story_do_not_raise_impact():
    lead = ["Rocket Lab launched a small satellite for NASA.", "The mission went well."]
    one = score_impact(story(lead))
    twenty = score_impact(story(*[lead] * 20))
    assert one.value == twenty.value
    assert any("20/20 articles" in e.rule for e in twenty.evidence)


def test_an_aside_in_one_article_of_many_does_not_count():
    plain = ["The Space Force opened a new office in Colorado.", "Officials cut a ribbon."]
    aside = [
        "The Space Force opened a new office in Colorado.",
        "Separately, Washington imposed sanctions on a shipping firm last year.",
    ]
    score = score_impact(story(aside, *[plain] * 5))
    assert ("regulatory", "sanctions") not in factors(score)
    assert ("regulatory", "sanctions") in factors(score_impact(story(aside)))


def test_only_the_lead_counts():
    background = [f"Filler sentence number {i}." for i in range(10)]
    late = score_impact(story(background + ["The strike killed 40 soldiers."]))
    early = score_impact(story(["The strike killed 40 soldiers."] + background))
    assert ("operational", "casualties") not in factors(late)
    assert ("operational", "casualties") in factors(early)


def test_decisions_an_analyst_acts_on_have_factors():
    """Directives, laws, leadership and organisational changes, military action, casualties:
    each fires its own rule, cited with its sentence (issue 15: a Space Force directive
    scored 2, a defense secretary's resignation 5.5)."""
    cases = {
        ("regulatory", "policy directive"): "The president signed an executive order directing "
        "the Space Force to take over launch ranges.",
        ("regulatory", "legislation"): "The Senate voted to repeal the regulation on Tuesday.",
        ("governance", "leadership change"): "Defense Secretary Jim Mattis resigned on Thursday.",
        ("governance", "seizure of power"): "Thailand's army seized power in a coup on Thursday.",
        ("governance", "organisational change"): "The United States is leaving the U.N. Human "
        "Rights Council, the ambassador said.",
        ("operational", "military action"): "The army declared martial law across the country.",
        ("operational", "casualties"): "Islamic State militants beheaded an American journalist.",
        ("regulatory", "investigation or hearing"): "The attorney general opened an "
        "investigation into the data firm.",
    }
    for (factor, rule), text in cases.items():
        score = score_impact(sentences(text))
        fired = [e for e in score.evidence if e.rule.split(":")[0] == rule]
        assert fired and fired[0].factor == factor, (rule, text)
        assert fired[0].span is not None and fired[0].span.text == text


def test_a_directive_and_a_resignation_rank_above_a_routine_launch():
    routine = score_impact(sentences("Rocket Lab launched a small satellite for NASA."))
    directive = score_impact(
        sentences("The Pentagon issued a directive reorganizing the Space Force's commands.")
    )
    resignation = score_impact(
        sentences(
            "Defense Secretary Jim Mattis resigned, saying the president deserves a secretary "
            "whose views are better aligned with his."
        )
    )
    assert directive.value >= routine.value + 2
    assert resignation.value > routine.value


def test_a_coup_with_casualties_is_an_action_item():
    score = score_impact(
        sentences(
            "Thailand's army seized power in a coup on Thursday and declared martial law.",
            "Three people were killed in clashes in Bangkok, officials said.",
            "The United States suspended $3.5 million in military aid to Thailand.",
        ),
        entities=["Thai army", "Prayuth Chan-ocha", "Yingluck Shinawatra"],
    )
    assert score.value >= 8 and score.label == "action item"


def money_rules(score):
    return [e for e in score.evidence if e.rule.startswith("largest sum")]


def test_background_sums_do_not_count():
    """Money counts only when its sentence reports the story's event, never a budget total
    named in passing or an old payment recalled."""
    resigned = "Defense Secretary Jim Mattis resigned on Thursday."
    resignation = score_impact(
        story(
            [resigned, "He oversaw the Pentagon's $750 billion budget."],
            [resigned, "His letter criticised the president."],
            [resigned, "Allies were dismayed."],
        )
    )
    assert ("governance", "leadership change") in factors(resignation)
    assert money_rules(resignation) == []
    recalled = score_impact(
        sentences(
            "Lawmakers criticised the agreement with Iran.",
            "The U.S. paid $400 million to Iran in 2008.",
        )
    )
    assert money_rules(recalled) == []
    award = score_impact(sentences("Lockheed Martin won a $3 billion contract on Monday."))
    assert [e.weight for e in money_rules(award)] == [2.0]
    assert money_rules(award)[0].span.text.startswith("Lockheed Martin won")


def test_a_sum_in_a_sentence_reporting_a_fired_rule_counts():
    score = score_impact(sentences("The president imposed tariffs on $360 billion of imports."))
    assert ("regulatory", "policy directive") in factors(score)
    assert [e.weight for e in money_rules(score)] == [3.0]


def test_claims_outside_the_lead_are_background():
    text = " ".join(
        ["The Space Force opened a new office in Colorado."]
        + [f"Filler sentence number {i}." for i in range(8)]
        + ["Boeing won a $3 billion contract in a separate deal."]
    )
    art = Article(url="u", title="", outlet="o", id="a1", text=text)
    claims = extract_claims(art)
    assert any(c.quantity is not None and c.quantity.unit == "USD" for c in claims)
    from quorum.text import sentence_spans

    spans = [(Span("a1", a, b, text[a:b]), text[a:b]) for a, b in sentence_spans(text)]
    assert money_rules(score_impact(spans, claims)) == []
