"""Atom feeds (feedgen): verified stories, action items, and one per entity.

Feeds carry the same verified stories as the home page, newest first; an entry's summary
is the story's first key takeaway, which is itself a quoted source sentence.
"""

from __future__ import annotations

from datetime import UTC, datetime

from feedgen.feed import FeedGenerator

from quorum.records import clean_text
from quorum.store import index as ix
from quorum.web.pages import NotFound, Site
from quorum.web.render import entity_path


def _absolute(base: str, path: str) -> str:
    return base.rstrip("/") + path


def build_feed(site: Site, kind: str, base_url: str, entity: str | None = None) -> bytes:
    """Atom XML for ``verified``, ``action-items`` or ``entity`` (with ``entity`` name)."""
    base = site.config.site_url or base_url
    title = site.config.site_title
    if kind == "verified":
        flt = ix.CardFilter(("verified",))
        feed_title, path = f"{title}: verified stories", "/feeds/verified.atom"
    elif kind == "action-items":
        flt = ix.CardFilter(("verified",), action_only=True)
        feed_title, path = f"{title}: action items", "/feeds/action-items.atom"
    elif kind == "entity" and entity:
        # exists when the site lists it; the feed itself carries verified stories only
        if not ix.entity_types(site.store, entity, site.listed_statuses):
            raise NotFound(f"no entity {entity!r}")
        flt = ix.CardFilter(("verified",), entity=entity)
        feed_title, path = f"{title}: {entity}", "/feeds" + entity_path(entity) + ".atom"
    else:
        raise NotFound(f"no feed {kind!r}")
    cards = ix.cards(site.store, flt, int(site.config.feed_entries))
    # newest first regardless of the home page's action-items-first order
    cards.sort(key=lambda c: (c["last_seen"], c["id"]), reverse=True)
    fg = FeedGenerator()
    fg.id(_absolute(base, path))
    fg.title(clean_text(feed_title))
    fg.link(href=_absolute(base, path), rel="self")
    fg.link(href=_absolute(base, "/"), rel="alternate")
    fg.language("en")
    fg.updated(cards[0]["last_seen"] if cards else datetime(1970, 1, 1, tzinfo=UTC))
    for card in reversed(cards):  # feedgen prepends: add oldest first to get newest on top
        entry = fg.add_entry()
        link = _absolute(base, f"/story/{card['id']}")
        entry.id(link)
        # rows stored by older versions may hold characters XML cannot carry (lxml refuses)
        entry.title(clean_text(card["title"]))
        entry.link(href=link)
        entry.updated(card["last_seen"])
        if card["first_seen"]:
            entry.published(card["first_seen"])
        summary = card["summary"] or card["label"]
        if card["action"]:
            summary = f"Action item (impact {card['impact']:g}). {summary}"
        entry.summary(clean_text(summary))
        for outlet in card["outlets"]:
            entry.category(term=clean_text(outlet))
    return fg.atom_str(pretty=True)
