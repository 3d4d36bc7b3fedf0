"""Story enrichers and the pipeline that runs them in a checked order.

Like spaCy's components, each enricher declares what it ``requires`` and what it
``assigns``; ``check_order`` refuses a pipeline where something is needed before it is
made. Enrichers are pure functions of the story's articles (and of results assigned before
them), so re-running the pipeline gives the same results: it is idempotent by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from quorum.enrich.align import SourcedArticle
from quorum.records import Story

GIVEN = ("story", "articles")  # what every StoryContext starts with


class PipelineError(ValueError):
    """Enrichers listed in an order where one needs what no earlier one assigns."""


@dataclass
class StoryContext:
    """One story under enrichment: its articles and the results assigned so far.

    ``articles`` holds one entry per article with its origin (independent source);
    ``copies`` are the ids of articles that repeat another article of their origin and are
    never quoted twice.
    """

    story: Story
    articles: Sequence[SourcedArticle]
    copies: frozenset = frozenset()
    results: dict[str, Any] = field(default_factory=dict)

    def originals(self) -> list[SourcedArticle]:
        return [s for s in self.articles if s.article.id not in self.copies]

    def __getitem__(self, name: str) -> Any:
        return self.results[name]


class Enricher(Protocol):
    name: str
    requires: tuple[str, ...]
    assigns: tuple[str, ...]

    def __call__(self, ctx: StoryContext) -> dict[str, Any]: ...


@dataclass(frozen=True)
class FunctionEnricher:
    """An enricher made from a function ``ctx -> {name: value}``."""

    name: str
    requires: tuple[str, ...]
    assigns: tuple[str, ...]
    fn: Callable[[StoryContext], dict[str, Any]]

    def __call__(self, ctx: StoryContext) -> dict[str, Any]:
        return self.fn(ctx)


def check_order(enrichers: Sequence[Enricher]) -> None:
    """Raise PipelineError unless every requirement is assigned by an earlier enricher."""
    available = set(GIVEN)
    for enricher in enrichers:
        missing = [r for r in enricher.requires if r not in available]
        if missing:
            raise PipelineError(
                f"enricher {enricher.name!r} requires {', '.join(missing)}, "
                f"which no earlier enricher assigns"
            )
        available.update(enricher.assigns)


def run_enrichers(enrichers: Sequence[Enricher], ctx: StoryContext) -> dict[str, Any]:
    """Run ``enrichers`` in order on ``ctx``; each must return exactly what it assigns."""
    for enricher in enrichers:
        produced = enricher(ctx)
        if set(produced) != set(enricher.assigns):
            raise PipelineError(
                f"enricher {enricher.name!r} assigned {sorted(produced)}, "
                f"declared {sorted(enricher.assigns)}"
            )
        ctx.results.update(produced)
    return ctx.results
