"""The editorial gate: N >= 2 verified, N = 1 held or labelled, hedged claims labelled and
never key facts, single-source and contradicted claims never key facts."""

from __future__ import annotations

import pytest
from claim_stories import story_items

from quorum.enrich.align import SourcedArticle, align_claims
from quorum.gate import GateError, gate_story
from quorum.records import Article, Origin, Story
from quorum.settings import SETTINGS, Config


def make_story(items: list[SourcedArticle]) -> Story:
    origins: dict[str, list[SourcedArticle]] = {}
    for item in items:
        origins.setdefault(item.origin_key, []).append(item)
    return Story(
        id="s1",
        title="t",
        article_ids=tuple(i.article.id for i in items),
        origins=tuple(
            Origin(key, tuple(i.article.id for i in group), tuple(i.outlet for i in group))
            for key, group in origins.items()
        ),
        independent_sources=len(origins),
    )


def decide(name: str, **settings):
    items = story_items(name)
    return gate_story(make_story(items), align_claims(items), Config(settings))


def test_settings_are_declared_with_hold_by_default():
    names = {s.name: s.default for s in SETTINGS}
    assert names["min_sources"] == 2
    assert names["single_source_policy"] == "hold"


def test_single_source_is_held_by_default():
    d = decide("single_source")
    assert d.status == "held" and not d.publishable
    assert d.key_facts == ()
    assert "Held" in d.label


def test_single_source_labelled_under_label_policy():
    d = decide("single_source", single_source_policy="label")
    assert d.status == "single_source" and d.publishable
    assert d.label == "Single source — unverified"
    assert d.key_facts == ()  # one source's claims are never key facts
    # Its hedged claim is still listed with its label.
    assert [h.label for h in d.hedged] == ["reported, unverified"]


def test_two_independent_sources_verify_and_give_key_facts():
    d = decide("hedged_deal")
    assert d.status == "verified" and d.independent_sources == 2
    facts = {(g.kind, g.subject, g.value) for g in d.key_facts}
    assert ("quantity", "contract", "9e+08 USD") in facts
    assert ("quantity", "drone", "40 count") in facts
    for g in d.key_facts:
        assert len(g.unhedged_origins) >= 2


def test_hedged_claims_are_labelled_and_never_key_facts():
    d = decide("hedged_deal")
    # "reportedly in talks to buy 25 helicopters" is stated by both origins, but hedged.
    assert all(g.subject != "helicopter" for g in d.key_facts)
    helicopters = [h for h in d.hedged if h.claim.subject == "helicopter"]
    assert len(helicopters) == 1
    assert helicopters[0].label == "reported, unverified"
    assert helicopters[0].cue == "reportedly"
    assert helicopters[0].origins == ("H", "I")


def test_named_attribution_label():
    items = [
        SourcedArticle(
            Article(
                url="u1",
                title="",
                outlet="a",
                id="1",
                text="The rocket could carry 20 satellites, according to NASA.",
            ),
            "A",
            "a",
        ),
        SourcedArticle(
            Article(url="u2", title="", outlet="b", id="2", text="SpaceX launched a rocket."),
            "B",
            "b",
        ),
    ]
    d = gate_story(make_story(items), align_claims(items), Config())
    assert [h.label for h in d.hedged] == ["attributed to NASA"]


def test_contradicted_values_are_not_key_facts():
    d = decide("launch_disagreement")
    assert d.status == "verified"
    assert all(g.subject not in ("satellite", "launch") or g.kind == "actor" for g in d.key_facts)
    assert {c.subject for c in d.disputed} == {"satellite", "launch"}
    # Sentences carrying a disputed value are not shown even through an actor claim.
    for g in d.key_facts:
        for m in g.members:
            assert "satellites" not in m.claim.span.text


def test_quote_given_to_two_speakers_is_not_a_key_fact():
    d = decide("quote_two_speakers")
    assert d.status == "verified"
    assert [g for g in d.key_facts if g.kind == "quote"] == []


def test_min_sources_raised():
    d = decide("hedged_deal", min_sources=3, single_source_policy="label")
    assert d.status == "single_source" and d.key_facts == ()


def test_bad_settings_give_clear_errors():
    items = story_items("single_source")
    with pytest.raises(GateError, match="single_source_policy"):
        gate_story(
            make_story(items), align_claims(items), Config({"single_source_policy": "maybe"})
        )
    with pytest.raises(GateError, match="min_sources"):
        gate_story(make_story(items), align_claims(items), Config({"min_sources": 0}))


def test_story_without_sources_is_held_even_under_label():
    empty = Story(id="e", title="t", article_ids=())
    d = gate_story(empty, align_claims([]), Config({"single_source_policy": "label"}))
    assert d.status == "held"


def test_same_owner_origins_count_once_for_key_facts():
    items = story_items("hedged_deal")
    d = gate_story(make_story(items), align_claims(items), Config(), source_of={"I": "H"})
    assert d.key_facts == ()


def test_reported_claims_are_ranked_and_capped_by_the_setting():
    """Claims more origins repeat come first, values before quotes; the page shows
    ``hedged_shown`` of them."""
    lines = [f"The agency reportedly plans to buy {n} drones." for n in range(30, 42)]
    quotes = " ".join(f"“We will {w} the new satellites next year.”" for w in ("test", "move"))
    items = [
        SourcedArticle(
            Article(url="u1", title="", outlet="a", id="1", text=quotes + " " + " ".join(lines)),
            "A",
            "a",
        ),
        SourcedArticle(
            Article(
                url="u2",
                title="",
                outlet="b",
                id="2",
                text="The agency reportedly plans to buy 41 drones. SpaceX launched a rocket.",
            ),
            "B",
            "b",
        ),
    ]
    d = gate_story(make_story(items), align_claims(items), Config({"hedged_shown": 3}))
    assert d.hedged_shown == 3
    assert d.hedged[0].origins == ("A", "B")  # told by both origins: first
    kinds = [h.claim.kind for h in d.hedged]
    assert kinds.index("quote") > max(i for i, k in enumerate(kinds) if k == "quantity")
