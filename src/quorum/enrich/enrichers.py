"""The default story enrichers, each wrapping one stage module.

Order matters and is checked (see ``pipeline.check_order``): entities and claims first,
then the scores that use them, then the gate, then the page text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from quorum.compose import Cited, SourceArticle
from quorum.compose.llm import LLMWriter
from quorum.compose.sections import analysis, headline_for, what_to_watch, whos_affected
from quorum.compose.takeaways import key_takeaways
from quorum.enrich.align import align_claims
from quorum.enrich.entities import EntityRecognizer
from quorum.enrich.impact import load_rubric, score_impact
from quorum.enrich.pipeline import Enricher, FunctionEnricher, StoryContext
from quorum.enrich.sentiment import SentimentScorer
from quorum.gate import gate_story
from quorum.records import Evidence, Score, Span
from quorum.settings import Config
from quorum.text import sentence_spans


@dataclass
class Models:
    """Loaded once per build and shared by every story (read-only after loading)."""

    entities: EntityRecognizer
    sentiment: SentimentScorer
    rubric: Any
    writer: LLMWriter | None = None  # only when `llm_base_url` is set

    @classmethod
    def load(cls, config: Config) -> Models:
        return cls(
            EntityRecognizer.load(config),
            SentimentScorer.load(config=config),
            load_rubric(),
            LLMWriter.from_config(config),
        )


def _sources(ctx: StoryContext) -> list[SourceArticle]:
    return [
        SourceArticle(s.article, s.origin_key, s.article.id in ctx.copies) for s in ctx.articles
    ]


def default_enrichers(
    models: Models, config: Config, outlet_names: frozenset[str] = frozenset()
) -> list[Enricher]:
    """The enrichers in their checked order. ``outlet_names`` are media outlets, whose names
    turn up in datelines and credit lines ("(Orbital Wire) —"): they are sources, not
    entities the story is about."""

    def entities(ctx: StoryContext) -> dict[str, Any]:
        mentions = []
        for s in ctx.originals():
            mentions += models.entities.find(s.article.text, s.article.id)
        return {"entities": [m for m in mentions if m.entity.name not in outlet_names]}

    def claims(ctx: StoryContext) -> dict[str, Any]:
        return {"claims": align_claims(ctx.articles)}

    def sentiment(ctx: StoryContext) -> dict[str, Any]:
        per_article = [
            models.sentiment.score_article(s.article.title, s.article.text, article_id=s.article.id)
            for s in ctx.originals()
        ]
        return {"sentiment": models.sentiment.score_story(per_article)}

    def impact(ctx: StoryContext) -> dict[str, Any]:
        sentences = [
            (Span(s.article.id, a, b, s.article.text[a:b]), s.article.text[a:b])
            for s in ctx.originals()
            for a, b in sentence_spans(s.article.text)
        ]
        group_claims = [g.claim for g in ctx["claims"].groups]
        names = sorted({m.entity.name for m in ctx["entities"]})
        return {"impact": score_impact(sentences, group_claims, names, models.rubric)}

    def confidence(ctx: StoryContext) -> dict[str, Any]:
        story = ctx.story
        evidence = tuple(
            Evidence(
                factor="independent source",
                weight=1.0,
                rule="; ".join(o.why) or "reported independently",
                span=None,
            )
            for o in story.origins
        )
        label = (
            f"Verified by {story.independent_sources} independent sources"
            if story.independent_sources >= config.min_sources
            else "Single source — unverified"
        )
        return {
            "confidence": Score("confidence", float(story.independent_sources), label, evidence)
        }

    def gate(ctx: StoryContext) -> dict[str, Any]:
        return {"gate": gate_story(ctx.story, ctx["claims"], config)}

    def compose(ctx: StoryContext) -> dict[str, Any]:
        sources = _sources(ctx)
        takeaways = key_takeaways(sources, k=5)
        entity_pairs = [(m.entity.type, m.entity.name) for m in ctx["entities"]]
        sentences = [
            Cited(s.article.text[a:b], s.article.id, a, b)
            for s in ctx.originals()
            for a, b in sentence_spans(s.article.text)
        ]
        written = models.writer.write_summary(sources) if models.writer else None
        return {
            "summary": written,
            "headline": headline_for(sources),
            "takeaways": takeaways,
            "analysis": analysis(sources, exclude=takeaways),
            "what_to_watch": what_to_watch(sources),
            "stakeholders": whos_affected(entity_pairs, sentences),
        }

    return [
        FunctionEnricher("entities", ("articles",), ("entities",), entities),
        FunctionEnricher("claims", ("articles",), ("claims",), claims),
        FunctionEnricher("sentiment", ("articles",), ("sentiment",), sentiment),
        FunctionEnricher("impact", ("claims", "entities"), ("impact",), impact),
        FunctionEnricher("confidence", ("story",), ("confidence",), confidence),
        FunctionEnricher("gate", ("claims",), ("gate",), gate),
        FunctionEnricher(
            "compose",
            ("entities",),
            ("summary", "headline", "takeaways", "analysis", "what_to_watch", "stakeholders"),
            compose,
        ),
    ]


def entity_counts(ctx: StoryContext) -> Counter:
    return Counter(m.entity.name for m in ctx["entities"])
