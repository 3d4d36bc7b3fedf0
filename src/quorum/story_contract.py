"""The public story document: one shape for ``quorum story --json``, ``/story/{id}.json``
and the static copy's ``story/{id}.json``, described by ``data/schema/story.schema.json``.

The document itself is built by ``quorum.web.pages.story_page`` (the page's data dict, so
the HTML page can never disagree with it); this module holds the part the story listing
shares with it (``quorum stories --json`` prints one summary per line) and the schema.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from quorum.enrich.sentiment import TIERS
from quorum.web.glance import impact_level, tier_of

SCHEMA_FILE = "story.schema.json"


def story_summary(row: Any, action_threshold: float) -> dict[str, Any]:
    """A story's summary: the ``story`` object of its document and one line of the listing.

    Dates stay datetimes (the templates format them); ``jsonable`` makes them ISO strings.
    """
    data = row.data if isinstance(row.data, dict) else {}
    scores = data.get("scores") if isinstance(data.get("scores"), dict) else {}
    sentiment = scores.get("sentiment") if isinstance(scores.get("sentiment"), dict) else {}
    articles = [a for a in data.get("articles") or [] if isinstance(a, dict)]
    tier = sentiment.get("label") or ""
    return {
        "id": row.id,
        "title": row.title,
        "status": row.status,
        "first_seen": row.first_seen,
        "last_seen": row.last_seen,
        "article_count": row.article_count,
        "independent_sources": row.independent_sources,
        "impact": row.impact,
        "sentiment": row.sentiment,
        # the five-tier label of the sentiment score (from the polarity when none is stored)
        "tier": tier if tier in TIERS else tier_of(row.sentiment),
        "action_item": row.impact is not None and row.impact >= action_threshold,
        "impact_level": impact_level(row.impact, action_threshold),
        "outlets": sorted({str(a["outlet"]) for a in articles if a.get("outlet")}),
    }


def story_schema() -> dict[str, Any]:
    """The story document's JSON Schema (draft 2020-12), as published at /schema/story.json."""
    raw = (resources.files("quorum") / "data" / "schema" / SCHEMA_FILE).read_text("utf-8")
    return json.loads(raw)
