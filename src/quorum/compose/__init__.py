"""Story composition: the extractive text of a story page, every sentence traced to a source.

Inputs are plain records (no database): each article of a story arrives as a
``SourceArticle`` that knows its independent-source group and whether it is a syndicated
copy. Every sentence the page shows is a ``Cited``: its text is exactly
``article.text[start:end]``, so the page can link it to the sentence it came from.

Modules:
    takeaways  -- central, non-redundant sentences (the key takeaways; also the eval system)
    sections   -- headline cleaning, analysis by sub-topic, what to watch, who's affected
    timeline   -- related earlier stories
    llm        -- optional OpenAI-compatible writer whose sentences are checked against sources
"""

from __future__ import annotations

from dataclasses import dataclass

from quorum.records import Article, Span


@dataclass(frozen=True)
class SourceArticle:
    """One article of a story, with the independent-source group it belongs to.

    ``is_copy`` marks a syndicated copy of another article in the story: its sentences are
    never quoted, so one wire story reprinted ten times cannot fill the page.
    """

    article: Article
    origin_key: str
    is_copy: bool = False


@dataclass(frozen=True)
class Cited:
    """A sentence shown on a page: ``text == article.text[start:end]`` of ``article_id``."""

    text: str
    article_id: int | str
    start: int
    end: int
    score: float = 0.0

    def as_span(self) -> Span:
        return Span(self.article_id, self.start, self.end, self.text)


def article_key(source: SourceArticle, index: int) -> int | str:
    """The id a ``Cited`` carries: the article's database id, else its source id, else URL.

    Articles not yet stored have no ``id``; the fallback keeps every span traceable.
    """
    article = source.article
    if article.id is not None:
        return article.id
    return article.source_id or article.url or index


__all__ = ["Cited", "SourceArticle", "article_key"]
