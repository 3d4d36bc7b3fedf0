"""The hand-written claim fixture stories (tests/fixtures/claims/stories.json) as records,
shared by the conflict and gate tests."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from quorum.enrich.align import SourcedArticle
from quorum.records import Article

FIXTURES = Path(__file__).parent / "fixtures" / "claims" / "stories.json"


def story_items(name: str) -> list[SourcedArticle]:
    """The articles of one fixture story, each with its origin (independent source)."""
    items = []
    for a in json.loads(FIXTURES.read_text(encoding="utf-8"))[name]:
        article = Article(
            url=f"https://{a['outlet']}/{a['id']}",
            title="",
            text=a["text"],
            outlet=a["outlet"],
            published=datetime.fromisoformat(a["published"]),
            id=a["id"],
        )
        items.append(SourcedArticle(article, a["origin"], a["outlet"]))
    return items
