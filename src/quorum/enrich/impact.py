"""Impact score, 1-10: how much a story changes things, with every point explained.

Impact is about consequence, not attention: a rule counts once per story however many
outlets repeat it, only when it is in the lead of a good share of the story's articles (a
share does not grow with coverage), and breadth counts distinct countries, never mentions.
The rubric (terms, points, caps, money breakpoints, the action-item threshold) lives in
``quorum/data/impact_rubric.toml``, whose header documents the method.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from quorum.enrich.claims import hedge_cue
from quorum.enrich.quantities import find_quantities, unit_kind
from quorum.records import Claim, Evidence, Quantity, Score, Span


class RubricError(ValueError):
    """An impact rubric file that cannot be used, with the reason."""


@dataclass(frozen=True, slots=True)
class Rule:
    component: str
    name: str
    points: float
    pattern: re.Pattern
    # Lower-case first words of the terms: a sentence holding none of them cannot match, and
    # a substring test is far cheaper than the pattern (this keeps scoring as fast as before).
    anchors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rubric:
    """The parsed rubric: rules, caps and thresholds."""

    base: float
    max_score: float
    action_threshold: float
    action_label: str
    hedged_factor: float
    lead_sentences: int
    min_article_share: float
    negation: re.Pattern
    negation_window: int
    rules: tuple[Rule, ...]
    caps: Mapping[str, float]
    money_breakpoints: tuple[tuple[float, float], ...]
    money_event: re.Pattern
    money_background: re.Pattern
    usd_rates: Mapping[str, float]
    country_breakpoints: tuple[tuple[float, float], ...]
    actor_breakpoints: tuple[tuple[float, float], ...]
    countries: re.Pattern
    country_aliases: Mapping[str, str]


def _term_re(terms: Sequence[str], flags: int = re.IGNORECASE) -> re.Pattern:
    parts = []
    for term in sorted(terms, key=len, reverse=True):
        body = re.escape(term.rstrip("*")).replace(r"\ ", r"\s+")
        parts.append(body + (r"[\w-]*" if term.endswith("*") else ""))
    return re.compile(rf"(?<![\w-])(?:{'|'.join(parts)})(?![\w-])", flags)


def load_rubric(path: str | Path | None = None) -> Rubric:
    """Read the packaged rubric, or the file at ``path``; a broken file raises RubricError."""
    try:
        if path is None:
            ref = resources.files("quorum") / "data" / "impact_rubric.toml"
            raw = tomllib.loads(ref.read_text(encoding="utf-8"))
        else:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        return _parse_rubric(raw)
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise RubricError(f"impact rubric {path or 'impact_rubric.toml'}: {exc!r}") from exc


def _parse_rubric(raw: dict[str, Any]) -> Rubric:
    comps = raw["components"]
    rules = []
    # Every component with term rules, in file order (breadth has scales, not rules).
    for component, comp in comps.items():
        for rule in comp.get("rules", ()):
            terms = rule["terms"]
            anchors = tuple({t.rstrip("*").split()[0].lower() for t in terms if t.strip("*")})
            rules.append(
                Rule(component, rule["name"], float(rule["points"]), _term_re(terms), anchors)
            )
    breadth = comps["breadth"]
    financial = comps["financial"]
    return Rubric(
        base=float(raw["base"]),
        max_score=float(raw["max_score"]),
        action_threshold=float(raw["action_item_threshold"]),
        action_label=raw["action_item_label"],
        hedged_factor=float(raw["hedged_factor"]),
        lead_sentences=int(raw["lead_sentences"]),
        min_article_share=float(raw["min_article_share"]),
        negation=_term_re(raw["negations"]),
        negation_window=int(raw["negation_window"]),
        rules=tuple(rules),
        caps={name: float(c["cap"]) for name, c in comps.items()},
        money_breakpoints=tuple((float(a), float(b)) for a, b in financial["money_breakpoints"]),
        money_event=_term_re(financial["money_event_terms"]),
        money_background=_term_re(financial["money_background_cues"]),
        usd_rates=dict(financial["usd_rates"]),
        country_breakpoints=tuple((float(a), float(b)) for a, b in breadth["country_breakpoints"]),
        actor_breakpoints=tuple((float(a), float(b)) for a, b in breadth["actor_breakpoints"]),
        # Case-sensitive: "US" is a country, "us" is a pronoun.
        countries=_term_re(breadth["countries"], flags=0),
        country_aliases=dict(breadth.get("country_aliases", {})),
    )


def _negated(sentence: str, start: int, rubric: Rubric) -> bool:
    words = re.findall(r"[\w']+", sentence[:start])[-rubric.negation_window :]
    return bool(rubric.negation.search(" ".join(words)))


def _step(value: float, breakpoints: Sequence[tuple[float, float]]) -> float:
    points = 0.0
    for threshold, pts in breakpoints:
        if value >= threshold:
            points = pts
    return points


@dataclass(frozen=True, slots=True)
class _Money:
    usd: float
    quantity: Quantity
    span: Span | None


def _largest_money(
    sentences: Sequence[tuple[Span, str]],
    quantities: Sequence[Claim | Quantity] | None,
    rubric: Rubric,
    fired: Sequence[Rule] = (),
) -> _Money | None:
    """The largest sum that belongs to the story's event, from the ``sentences`` (the lead).

    A sum counts only in a sentence that reports the event (a term of a ``fired`` rule or a
    money-event term) and carries no background cue; a value whose sentence cannot be found
    counts nowhere, since every point must cite its sentence.
    """
    found: list[tuple[Quantity, Span, str]] = []
    if quantities is None:
        for span, text in sentences:
            found.extend((q.quantity, span, text) for q in find_quantities(text))
    else:
        by_article: dict = {}
        for span, text in sentences:
            by_article.setdefault(span.article_id, []).append((span, text))
        for item in quantities:
            if isinstance(item, Claim):
                if item.quantity is None or item.hedged:
                    continue
                # the lead sentence holding the claim; a claim outside the lead is background
                lead = by_article.get(item.span.article_id, ())
                place = next(((s, t) for s, t in lead if _within(item.span, s)), None)
                if place is not None:
                    found.append((item.quantity, place[0], place[1]))
            else:
                place = next(((s, t) for s, t in sentences if item.text and item.text in t), None)
                if place is not None:
                    found.append((item, place[0], place[1]))
    best = None
    for q, span, text in found:
        if unit_kind(q.unit) != "money" or q.unit not in rubric.usd_rates:
            continue
        if not _reports_event(text, rubric, fired) or rubric.money_background.search(text):
            continue
        # A range or "up to" counts at its lower end: the sum surely committed.
        amount = q.low if q.low is not None else q.value
        usd = amount * rubric.usd_rates[q.unit]
        if best is None or usd > best.usd:
            best = _Money(usd, q, span)
    return best


def _within(inner: Span, outer: Span) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def _reports_event(text: str, rubric: Rubric, fired: Sequence[Rule]) -> bool:
    """Does the sentence report the story's event: a money-event word or a fired rule's term?"""
    if rubric.money_event.search(text):
        return True
    return any(rule.pattern.search(text) for rule in fired)


def _countries(sentences: Sequence[tuple[Span, str]], rubric: Rubric, needed: int) -> dict:
    """Countries named in the leads of at least ``needed`` articles -> first sentence."""
    first: dict[str, Span] = {}
    articles: dict[str, set] = {}
    for span, text in sentences:
        for m in rubric.countries.finditer(text):
            name = rubric.country_aliases.get(m.group(0), m.group(0))
            first.setdefault(name, span)
            articles.setdefault(name, set()).add(span.article_id)
    return {name: span for name, span in first.items() if len(articles[name]) >= needed}


def _leads(sentences: Sequence[tuple[Span, str]], per_article: int) -> list[tuple[Span, str]]:
    """The first ``per_article`` sentences of each article, in the order given."""
    by_article: dict = {}
    for span, text in sentences:
        by_article.setdefault(span.article_id, []).append((span, text))
    keep = set()
    for items in by_article.values():
        for span, _ in sorted(items, key=lambda item: item[0].start)[:per_article]:
            keep.add((span.article_id, span.start, span.end))
    return [
        (span, text) for span, text in sentences if (span.article_id, span.start, span.end) in keep
    ]


@dataclass(frozen=True, slots=True)
class _Hit:
    span: Span
    term: str
    hedge: str | None


def _rule_hits(rule: Rule, sentences: Sequence[tuple[Span, str]], rubric: Rubric) -> list[_Hit]:
    """The first un-negated match of ``rule`` in each sentence, with the sentence's hedge."""
    hits = []
    for span, text in sentences:
        low = text.lower()
        if rule.anchors and not any(a in low for a in rule.anchors):
            continue
        match = next(
            (m for m in rule.pattern.finditer(text) if not _negated(text, m.start(), rubric)),
            None,
        )
        if match is not None:
            hits.append(_Hit(span, match.group(0), hedge_cue(text)))
    return hits


def score_impact(
    story_sentences: Sequence[tuple[Span, str]],
    quantities: Sequence[Claim | Quantity] | None = None,
    entities: Sequence[str] = (),
    rubric: Rubric | None = None,
) -> Score:
    """Impact of a story from its sentences (Span, text), its values and named entities.

    ``quantities`` are the story's values (Claims carry their sentence; bare Quantities are
    matched to a sentence by text); None means: find them in the sentences. ``entities`` are
    actor names from the entity stage; only distinct names count.
    """
    rubric = rubric or load_rubric()
    evidence: list[Evidence] = []
    totals = {rule.component: 0.0 for rule in rubric.rules} | {"breadth": 0.0}
    lead = _leads(story_sentences, rubric.lead_sentences)
    articles = len({span.article_id for span, _ in story_sentences})
    needed = max(1, math.ceil(rubric.min_article_share * articles - 1e-9))
    # 1. Keyword rules: each fires once per story, when enough articles' leads name it.
    story_rules: list[Rule] = []
    for rule in rubric.rules:
        fired = _rule_hits(rule, lead, rubric)
        if len({hit.span.article_id for hit in fired}) < needed:
            continue
        story_rules.append(rule)
        first = next((h for h in fired if not h.hedge), fired[0])
        points = rule.points * (rubric.hedged_factor if first.hedge else 1.0)
        why = f"{rule.name}: '{first.term}'" + (
            f" (hedged: '{first.hedge}')" if first.hedge else ""
        )
        if articles > 1:
            why += f" in {len({h.span.article_id for h in fired})}/{articles} articles"
        evidence.append(Evidence(rule.component, points, why, first.span))
        totals[rule.component] += points
    # 2. Money on a log scale: the largest figure of the story's own event only.
    money = _largest_money(lead, quantities, rubric, story_rules)
    if money is not None:
        points = _step(money.usd, rubric.money_breakpoints)
        if points:
            step = f"10^{int(math.log10(max(money.usd, 1)))}"
            evidence.append(
                Evidence(
                    "financial",
                    points,
                    f"largest sum '{money.quantity.text}' ~ {step} USD",
                    money.span,
                )
            )
            totals["financial"] += points
    # 3. Breadth: distinct countries named, distinct actors given.
    countries = _countries(lead, rubric, needed)
    points = _step(len(countries), rubric.country_breakpoints)
    if points:
        names = ", ".join(sorted(countries))
        evidence.append(
            Evidence(
                "breadth",
                points,
                f"{len(countries)} countries: {names}",
                next(iter(countries.values())),
            )
        )
        totals["breadth"] += points
    actors = {e.strip().lower() for e in entities if e and e.strip()}
    points = _step(len(actors), rubric.actor_breakpoints)
    if points:
        evidence.append(Evidence("breadth", points, f"{len(actors)} distinct actors"))
        totals["breadth"] += points
    # 4. Caps per component, recorded so the evidence sums to the score.
    for component, total in totals.items():
        cap = rubric.caps.get(component, math.inf)
        if total > cap:
            evidence.append(Evidence(component, cap - total, f"cap {cap:g} on {component}"))
            totals[component] = cap
    raw = rubric.base + sum(totals.values())
    if raw > rubric.max_score:
        evidence.append(
            Evidence("scale", rubric.max_score - raw, f"the scale ends at {rubric.max_score:g}")
        )
    value = round(min(rubric.max_score, max(1.0, raw)), 1)
    label = rubric.action_label if value >= rubric.action_threshold else ""
    evidence.insert(0, Evidence("base", rubric.base, "every story starts here"))
    return Score("impact", value, label, tuple(evidence))
