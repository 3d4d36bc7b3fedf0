"""Full-text search over stories: SQLite FTS5 or PostgreSQL ``tsvector``.

User input never reaches the query language as syntax: it is cut into words and each word
is quoted (FTS5) or handed to ``plainto_tsquery`` (PostgreSQL), so ``"``, ``*``, ``NEAR``,
``-`` or a stray parenthesis cannot cause a syntax error or an expensive query.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from sqlalchemy import bindparam, text
from sqlalchemy.exc import SQLAlchemyError

from quorum.store import Store

log = logging.getLogger(__name__)
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 12  # longer queries match nothing useful and only cost time


@dataclass(frozen=True, slots=True)
class SearchHit:
    story_id: str
    rank: float


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: list[SearchHit] = field(default_factory=list)
    error: str | None = None


def fts5_query(q: str) -> str:
    """Every word quoted, all required: ``space force "x`` -> ``"space" "force" "x"``."""
    return " ".join(f'"{w}"' for w in _WORD.findall(q)[:MAX_WORDS])


def search_stories(
    store: Store, q: str, statuses: tuple[str, ...], limit: int, offset: int = 0
) -> SearchResult:
    """Stories matching every word of ``q``, best match first (listed statuses only)."""
    words = _WORD.findall(q or "")[:MAX_WORDS]
    if not words:
        return SearchResult()
    if store.dialect == "postgresql":
        sql = text(
            "SELECT s.story_id, ts_rank(s.tsv, query) AS rank "
            "FROM story_search s JOIN story_cards c ON c.story_id = s.story_id, "
            "plainto_tsquery('english', :q) query "
            "WHERE s.tsv @@ query AND c.status IN :statuses "
            "ORDER BY rank DESC, c.last_seen DESC LIMIT :limit OFFSET :offset"
        ).bindparams(bindparam("statuses", expanding=True))
        params = {"q": " ".join(words)}
    else:
        sql = text(
            "SELECT s.story_id, bm25(story_search, 0.0, 2.0, 1.0) AS rank "
            "FROM story_search s JOIN story_cards c ON c.story_id = s.story_id "
            "WHERE story_search MATCH :q AND c.status IN :statuses "
            "ORDER BY rank, c.last_seen DESC LIMIT :limit OFFSET :offset"
        ).bindparams(bindparam("statuses", expanding=True))
        params = {"q": fts5_query(" ".join(words))}
    params.update(statuses=list(statuses), limit=limit, offset=offset)
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(sql, params).all()
    except SQLAlchemyError as exc:
        log.warning("search %r failed: %s", q, exc)
        return SearchResult(error="The search could not be run; try other words.")
    return SearchResult([SearchHit(r[0], float(r[1])) for r in rows])
