"""Cross-source alignment and conflicts: contradiction, approximation, update, quotes,
copies inside one origin, and the conservative cases that must not conflict."""

from __future__ import annotations

from datetime import datetime

import pytest
from claim_stories import story_items as story

from quorum.enrich.align import (
    SourcedArticle,
    SourcedClaim,
    align_claims,
    find_conflicts,
    group_claims,
)
from quorum.records import Article, Claim, Quantity, Span


def by_subject(conflicts):
    return {c.subject: c for c in conflicts}


def test_contradictions_on_counts_and_dates():
    conflicts = by_subject(align_claims(story("launch_disagreement")).conflicts)
    satellites = conflicts["satellite"]
    assert satellites.kind == "contradiction"
    sides = {c.quantity.value: origins for c, origins in satellites.sides}
    assert sides == {12: ("A", "C"), 14: ("B",)}
    launch = conflicts["launch"]
    assert launch.kind == "contradiction"
    assert {c.date for c, _ in launch.sides} == {"2026-11-03", "2026-11-04"}


def test_approximation_within_rounding():
    conflicts = by_subject(align_claims(story("launch_disagreement")).conflicts)
    contract = conflicts["contract"]
    assert contract.kind == "approximation"
    assert {c.quantity.text for c, _ in contract.sides} == {"$2.4 billion", "about $2.5 billion"}


def test_groups_record_independent_origins_not_copies():
    groups = align_claims(story("launch_disagreement")).groups
    twelve = next(g for g in groups if g.subject == "satellite" and g.claim.quantity.value == 12)
    assert twelve.origins == ("A", "C")  # a1 and a2 are copies: origin A counts once
    assert len(twelve.members) == 3


def test_update_when_a_later_report_revises():
    conflicts = align_claims(story("budget_update")).conflicts
    assert [c.kind for c in conflicts] == ["update"]
    assert "has risen" in conflicts[0].note


def test_quote_attributed_to_two_speakers():
    conflicts = align_claims(story("quote_two_speakers")).conflicts
    assert len(conflicts) == 1
    c = conflicts[0]
    assert c.kind == "contradiction" and c.subject.startswith("quote:")
    speakers = {claim.speaker: origins for claim, origins in c.sides}
    # "Gen. John Raymond" and "Raymond" are one speaker; Saltzman is another.
    assert speakers == {"Gen. John Raymond": ("Q", "S"), "Chance Saltzman": ("R",)}


def test_copies_within_one_origin_never_conflict():
    # w1 and w2 are copies (origin W) giving 12 and 14; X agrees with w2. W states two
    # values, so which it means is unknown: no conflict is reported.
    assert align_claims(story("copies_updated")).conflicts == ()


def test_copies_alone_never_conflict():
    items = [i for i in story("copies_updated") if i.origin_key == "W"]
    assert align_claims(items).conflicts == ()


def _claim(text: str, subject: str, value: float, article: str, hedged: bool = False) -> Claim:
    return Claim(
        "quantity",
        Span(article, 0, len(text), text),
        subject=subject,
        quantity=Quantity(value, "count", text=str(int(value))),
        hedged=hedged,
    )


def test_different_subjects_never_conflict():
    claims = [
        SourcedClaim(_claim("12 satellites", "satellite", 12, "a"), "A"),
        SourcedClaim(_claim("14 rockets", "rocket", 14, "b"), "B"),
    ]
    assert find_conflicts(group_claims(claims)) == []


def test_hedged_and_unnamed_values_never_conflict():
    claims = [
        SourcedClaim(_claim("12 satellites", "satellite", 12, "a"), "A"),
        SourcedClaim(_claim("reportedly 14 satellites", "satellite", 14, "b", hedged=True), "B"),
        SourcedClaim(_claim("rose 5", "", 5, "c"), "C"),
        SourcedClaim(_claim("rose 7", "", 7, "d"), "D"),
    ]
    assert find_conflicts(group_claims(claims)) == []


def test_later_report_without_revision_cue_is_a_contradiction():
    early = SourcedClaim(
        _claim("SpaceX launched 12 satellites", "satellite", 12, "a"), "A", datetime(2026, 11, 1)
    )
    late = SourcedClaim(
        _claim("SpaceX launched 14 satellites", "satellite", 14, "b"), "B", datetime(2026, 11, 2)
    )
    assert [c.kind for c in find_conflicts(group_claims([early, late]))] == ["contradiction"]
    # "Updated" on another outlet's article says nothing about A's figure (real news:
    # such markers were false updates) ...
    marked = SourcedClaim(late.claim, "B", datetime(2026, 11, 2), update_article=True)
    assert [c.kind for c in find_conflicts(group_claims([early, marked]))] == ["contradiction"]
    # ... but A's own updated article revises A's figure, which B confirms.
    own = SourcedClaim(late.claim, "A", datetime(2026, 11, 3), update_article=True)
    kinds = [c.kind for c in find_conflicts(group_claims([early, late, own]))]
    assert kinds == ["update"]


def test_reports_days_apart_are_different_events():
    early = SourcedClaim(
        _claim("SpaceX launched 12 satellites", "satellite", 12, "a"), "A", datetime(2026, 11, 1)
    )
    late = SourcedClaim(
        _claim("SpaceX launched 14 satellites", "satellite", 14, "b"), "B", datetime(2026, 11, 6)
    )
    assert find_conflicts(group_claims([early, late])) == []


def test_articles_without_text_are_skipped():
    empty = SourcedArticle(Article(url="u", title="t", text="", outlet="o"), "Z", "o")
    assert align_claims([empty]).groups == ()


def test_postponed_date_is_an_update():
    def item(i, origin, day, text):
        art = Article(
            url=f"https://o{i}/",
            title="",
            text=text,
            outlet=f"o{i}",
            published=datetime(2026, 11, day, 9),
            id=str(i),
        )
        return SourcedArticle(art, origin, f"o{i}")

    items = [
        item(1, "A", 1, "SpaceX's Starship launch is scheduled for Nov. 3 from Texas."),
        item(2, "B", 2, "SpaceX's Starship launch was postponed to Nov. 10 from Texas."),
    ]
    conflicts = align_claims(items).conflicts
    assert [(c.kind, c.subject) for c in conflicts] == [("update", "launch")]
    assert "postponed" in conflicts[0].note
    # The same two reports published in the other order: the earlier one cannot revise.
    items[1] = item(2, "B", 1, items[1].article.text)
    items[0] = item(1, "A", 2, items[0].article.text)
    assert [c.kind for c in align_claims(items).conflicts] == ["contradiction"]


# --- the demo newsroom: its known true and false conflicts (issue 12) ------------------


@pytest.fixture(scope="module")
def demo_conflicts(tmp_path_factory) -> dict[str, list[dict]]:
    """Conflicts of the built demo, by development of the answer key (the development most
    of a story's articles belong to)."""
    from collections import Counter

    from typer.testing import CliRunner

    from quorum.cli import app
    from quorum.desk import Desk
    from quorum.sample_site import SampleSite

    db = str(tmp_path_factory.mktemp("demo") / "demo.db")
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--db", db])
    assert result.exit_code == 0, result.output
    key = {a.canonical_url: a for a in SampleSite().articles}
    out: dict[str, list[dict]] = {}
    with Desk.open(db) as desk:
        for row in desk.store.stories():
            devs = Counter(key[a["url"]].story for a in row.data["articles"])
            out.setdefault(devs.most_common(1)[0][0] or "", []).extend(row.data["conflicts"])
    return out


def _values(conflict: dict) -> list[str]:
    return [side["value"] for side in conflict["sides"]]


@pytest.mark.xfail(
    strict=True,
    reason="replayed in publication order, the clusterer files Halcyon's Nov. 5 weather-satellite "
    "award into the Oct. 8-20 Bastion award story (see tests/test_pipeline.py); in the merged "
    "story the $2.4 billion vs about $2.5 billion approximation is not compared.",
)
def test_demo_true_conflicts_are_caught(demo_conflicts):
    contract = [c for c in demo_conflicts["satcom-contract-award"] if c["subject"] == "contract"]
    assert [(c["kind"], sorted(_values(c))) for c in contract] == [
        ("approximation", ["$2.4 billion", "about $2.5 billion"])
    ]
    quotes = [c for c in demo_conflicts["interceptor-test"] if c["subject"].startswith("quote")]
    assert [c["kind"] for c in quotes] == ["contradiction"]
    assert {v for c in quotes for v in _values(c)} == {
        "Rear Adm. Dana Whitcombe",
        "Capt. Leon Marsh",
    }


def test_demo_revisions_are_updates_with_both_dates(demo_conflicts):
    (satellites,) = [c for c in demo_conflicts["tactical-isr-constellation"]]
    assert satellites["kind"] == "update" and _values(satellites) == ["14", "12"]
    early, late = (side["published"][:10] for side in satellites["sides"])
    assert early == "2026-10-20" and late > early  # the outlet's own 14, then 12
    altitude = [c for c in demo_conflicts["interceptor-test"] if c["subject"] == "altitude"]
    assert [(c["kind"], _values(c)) for c in altitude] == [
        ("update", ["about 180 kilometers", "roughly 175 kilometers"])
    ]
    assert all(side["published"] for side in altitude[0]["sides"])


def test_demo_has_none_of_the_known_false_conflicts(demo_conflicts):
    everything = [c for conflicts in demo_conflicts.values() for c in conflicts]
    contradictions = [c["subject"] for c in everything if c["kind"] == "contradiction"]
    # The one quote credited to two officials is the demo's only true contradiction.
    assert contradictions == ["quote: this was the hardest target we have ever put in front of the"]
    # Not "the Space Force said Monday" (resolved after publication) set against "launched
    # on Nov. 3", nor a protest's confirmation date set against the award date.
    assert [c for c in everything if c["subject"] in ("launch", "contract", "announcement")] == [
        c for c in demo_conflicts["satcom-contract-award"] if c["kind"] == "approximation"
    ]
