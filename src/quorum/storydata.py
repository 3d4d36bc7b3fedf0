"""The story page's data: enrichment records turned into the JSON stored with each story.

This dict is the contract between the pipeline and the web app (see README, "Story data"):
every sentence in it is a *cited* span ``{"text", "article_id", "start", "end"}`` with
``text == article.text[start:end]``, so pages and the JSON API can point at the source.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from quorum.compose import Cited
from quorum.enrich.pipeline import StoryContext
from quorum.enrich.quantities import find_dates, find_quantities
from quorum.records import Claim, Score, Span


def cited(item: Cited | Span | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {"text": item.text, "article_id": item.article_id, "start": item.start, "end": item.end}


def score_data(score: Score) -> dict[str, Any]:
    return {
        "value": score.value,
        "label": score.label,
        "evidence": [
            {
                "factor": e.factor,
                "weight": round(e.weight, 3),
                "rule": e.rule,
                "cited": cited(e.span),
            }
            for e in score.evidence
        ],
    }


def _claim_value(claim: Claim) -> str:
    if claim.quantity is not None:
        return claim.quantity.text or f"{claim.quantity.value:g} {claim.quantity.unit}".strip()
    if claim.date:
        return claim.date
    if claim.speaker:
        return claim.speaker
    return claim.span.text


def _one_row_per_sentence(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One sentence can hold several facts (a count, a date, an actor): show it once, with
    the widest support among them, so a page never repeats a sentence."""
    by_text: dict[str, dict[str, Any]] = {}
    for fact in facts:
        kept = by_text.get(fact["text"])
        if kept is None or fact["sources"] > kept["sources"]:
            by_text[fact["text"]] = fact
    return sorted(by_text.values(), key=lambda f: -f["sources"])


# --- each fact once ---------------------------------------------------------------------------

Fact = tuple[str, str]


def _facts_in(text: str, published: Any) -> frozenset[Fact]:
    """The dates and the telling values a sentence states ("Dec. 1", "$60 million").

    Bare small counts ("three squadrons") are left out: they recur in unrelated sentences.
    """
    dates = find_dates(text, published)
    facts = {("date", d.iso) for d in dates}
    for q in find_quantities(text, skip=[(d.start, d.end) for d in dates]):
        if _telling(q.quantity):
            facts.add(("value", f"{q.quantity.value:g} {q.quantity.unit}".strip()))
    return frozenset(facts)


def _telling(quantity: Any) -> bool:
    # 10: "three squadrons", "one of the four" recur in unrelated sentences; 14 companies
    # or $60 million name one fact.
    return quantity.unit not in ("", "count") or quantity.value >= 10


def _key_fact(claim: Claim) -> Fact | None:
    if claim.kind == "date" and claim.date:
        return ("date", claim.date)
    if claim.kind == "quantity" and claim.quantity is not None and _telling(claim.quantity):
        return ("value", f"{claim.quantity.value:g} {claim.quantity.unit}".strip())
    return None


class _Ledger:
    """What the page has already stated, in reading order (takeaways, key facts, analysis,
    what to watch): a later sentence that only repeats stated facts, or is a sentence
    already shown, is left out, so one date is not read four times."""

    def __init__(self, published: Mapping[Any, Any]) -> None:
        self.published = published
        self.facts: set[Fact] = set()
        self.sentences: set[str] = set()

    def facts_of(self, item: Mapping[str, Any]) -> frozenset[Fact]:
        article_id = item.get("article_id")
        if article_id is None and item.get("cited"):  # a key-fact row: its first source
            article_id = item["cited"][0]["article_id"]
        return _facts_in(item["text"], self.published.get(article_id))

    def repeats(self, item: Mapping[str, Any]) -> bool:
        facts = self.facts_of(item)
        return item["text"] in self.sentences or bool(facts) and facts <= self.facts

    def add(self, item: Mapping[str, Any]) -> None:
        self.sentences.add(item["text"])
        self.facts |= self.facts_of(item)

    def keep(self, items: Sequence[dict[str, Any] | None]) -> list[dict[str, Any]]:
        kept = []
        for item in items:
            if item is not None and not self.repeats(item):
                self.add(item)
                kept.append(item)
        return kept


def _fold_key_facts(
    takeaways: list[dict[str, Any]], key_facts: list[dict[str, Any]], ledger: _Ledger
) -> list[dict[str, Any]]:
    """Key facts a takeaway already states become that takeaway's "verified" note instead
    of a second row; the others stay rows (and count as stated)."""
    rows = []
    for fact in key_facts:
        key = fact.pop("fact", None)
        stated = ledger.facts_of(fact)
        home = next((t for t in takeaways if t["text"] == fact["text"]), None)
        if home is None and key is not None:
            home = next((t for t in takeaways if key in ledger.facts_of(t)), None)
        if home is None and stated and stated <= ledger.facts:  # its sentence adds nothing
            home = next((t for t in takeaways if stated & ledger.facts_of(t)), None)
        if home is not None:
            note = home.setdefault("verified", {"sources": 0, "outlets": [], "cited": []})
            if fact["sources"] > note["sources"]:
                home["verified"] = {k: fact[k] for k in ("sources", "outlets", "cited")}
            continue
        if fact["text"] in ledger.sentences or (stated and stated <= ledger.facts):
            continue  # an earlier row already states all of it
        ledger.add(fact)
        rows.append(fact)
    return rows


def _summary(written: Any) -> dict[str, Any] | None:
    """The optional LLM summary: only sentences the support check kept, each with the
    source spans that back it, and a count of what was dropped."""
    if written is None:
        return None
    return {
        "generated": written.used_llm,
        "fallback_reason": written.fallback_reason,
        "dropped": len(written.dropped),
        "sentences": [
            {"text": g.text, "generated": g.generated, "supports": [cited(s) for s in g.supports]}
            for g in written.sentences
        ],
    }


def story_data(
    ctx: StoryContext,
    articles_meta: Sequence[Mapping[str, Any]],
    outlet_of_origin: Mapping[str, Sequence[str]],
) -> dict[str, Any]:
    """The stored data of one enriched story (without the timeline, added afterwards)."""
    r = ctx.results
    gate = r["gate"]
    headline = r["headline"]

    def outlets_of(origins: Sequence[str]) -> list[str]:
        return sorted({o for key in origins for o in outlet_of_origin.get(key, ())})

    entities: dict[str, dict[str, Any]] = {}
    for m in r["entities"]:
        e = entities.setdefault(
            m.entity.name,
            {
                "name": m.entity.name,
                "type": m.entity.type,
                "aliases": list(m.entity.aliases),
                "count": 0,
                "cited": [],
            },
        )
        e["count"] += 1
        if len(e["cited"]) < 3:
            e["cited"].append(cited(m.span))

    key_facts = []
    for group in gate.key_facts:
        per_origin: dict[str, Claim] = {}
        for member in group.members:
            if not member.claim.hedged:
                per_origin.setdefault(member.origin_key, member.claim)
        key_facts.append(
            {
                "text": group.claim.span.text,
                "kind": group.kind,
                "subject": group.subject,
                "value": _claim_value(group.claim),
                "sources": len(group.unhedged_origins),
                "outlets": outlets_of(group.unhedged_origins),
                "cited": [cited(c.span) for c in per_origin.values()],
                "fact": _key_fact(group.claim),
            }
        )

    # Each fact once, in reading order: takeaways, key facts, analysis, what to watch.
    ledger = _Ledger({s.article.id: s.article.published for s in ctx.articles})
    takeaways = ledger.keep([cited(c) for c in r["takeaways"]])
    key_facts = _fold_key_facts(takeaways, _one_row_per_sentence(key_facts), ledger)
    analysis = [
        {"title": s.title, "sentences": sentences}
        for s in r["analysis"]
        if (sentences := ledger.keep([cited(c) for c in s.sentences]))
    ]
    what_to_watch = ledger.keep([cited(c) for c in r["what_to_watch"]])

    # An update shows when each side was reported (14 on Oct. 20, then 12 on Oct. 23).
    published = {str(a.get("id")): a.get("published") for a in articles_meta}
    conflicts = []
    for conflict in r["claims"].conflicts:
        conflicts.append(
            {
                "kind": conflict.kind,
                "subject": conflict.subject,
                "note": conflict.note,
                "sides": [
                    {
                        "value": _claim_value(claim),
                        "cited": cited(claim.span),
                        "outlets": outlets_of(origins),
                        "published": published.get(str(claim.span.article_id)),
                    }
                    for claim, origins in conflict.sides
                ],
            }
        )

    by_type: dict[str, list[str]] = defaultdict(list)
    for e in entities.values():
        by_type[e["type"]].append(e["name"])

    return {
        "headline": (
            {
                "text": headline.text,
                "article_id": headline.article_id,
                "start": headline.start,
                "end": headline.end,
                "field": "title",
            }
            if headline
            else None
        ),
        "label": gate.label or r["confidence"].label,
        "gate_reasons": list(gate.reasons),
        "origins": [
            {
                "key": o.key,
                "article_ids": list(o.article_ids),
                "outlets": list(o.outlets),
                "why": list(o.why),
                "source": o.source,
            }
            for o in ctx.story.origins
        ],
        "articles": list(articles_meta),
        "summary": _summary(r.get("summary")),
        "takeaways": takeaways,
        "what_to_watch": what_to_watch,
        "analysis": analysis,
        "key_facts": key_facts,
        "hedged": [
            {
                "text": h.claim.span.text,
                "label": h.label,
                "cue": h.cue,
                "cited": [cited(h.claim.span)],
                "shown": rank < gate.hedged_shown,  # the rest only in the story's JSON
            }
            for rank, h in enumerate(gate.hedged)
        ],
        "conflicts": conflicts,
        "entities": sorted(entities.values(), key=lambda e: (-e["count"], e["name"])),
        "entities_by_type": {t: sorted(names) for t, names in sorted(by_type.items())},
        "stakeholders": [
            {"group": s.group, "why": "; ".join(f"{e.kind}: {e.matched}" for e in s.evidence)}
            for s in r["stakeholders"]
        ],
        "scores": {name: score_data(r[name]) for name in ("sentiment", "impact", "confidence")},
        "timeline": [],
        "in_beat": True,
    }
