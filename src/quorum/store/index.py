"""The web's read index: slim tables rebuilt from the stories after every build.

The pipeline writes each story's full record into ``stories.data`` (JSON). Pages must not
read that column to list stories: at 100k stories it is hundreds of MB. ``reindex`` copies
what listings, filters, entity/outlet pages, trends and search need into indexed tables
(created by migration 0002) and the read functions below query only those, with LIMITs.

A build indexes the stories it wrote in the same transaction (``index_stories`` after
``unindex_stories``); ``reindex(store)`` rebuilds the whole index.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    cast,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session

from quorum.store.schema import ArticleRow, OutletRow, StoryArticleRow, StoryRow
from quorum.store.store import Store

log = logging.getLogger(__name__)

# Mirrors migration 0002 (kept apart from schema.Base so the lead's autogenerate of the core
# schema is not disturbed); story_search differs by dialect and is queried with SQL text.
meta = MetaData()
story_cards = Table(
    "story_cards",
    meta,
    Column("story_id", String(40), primary_key=True),
    Column("status", String(16)),
    Column("action", Integer),
    Column("impact", Float),
    Column("sentiment", Float),
    Column("tier", String(16)),
    Column("last_seen", DateTime(timezone=True)),
    Column("first_seen", DateTime(timezone=True)),
    Column("week", Date),
    Column("title", Text),
    Column("label", Text),
    Column("summary", Text),
    Column("sources", Integer),
    Column("articles", Integer),
    Column("outlets", Text),
)
story_entities = Table(
    "story_entities",
    meta,
    Column("id", Integer, primary_key=True),
    Column("story_id", String(40)),
    Column("name", String(255)),
    Column("type", String(32)),
    Column("mentions", Integer),
    Column("day", Date),
    Column("week", Date),
    Column("status", String(16)),
    Column("action", Integer),
    Column("last_seen", DateTime(timezone=True)),
)
story_outlets = Table(
    "story_outlets",
    meta,
    Column("id", Integer, primary_key=True),
    Column("story_id", String(40)),
    Column("domain", String(255)),
    Column("day", Date),
    Column("is_first", Boolean),
    Column("is_only", Boolean),
    Column("action", Integer),
    Column("last_seen", DateTime(timezone=True)),
)
notified_items = Table(
    "notified_items",
    meta,
    Column("story_id", String(40), primary_key=True),
    Column("at", DateTime(timezone=True)),
)

# story_entities has one row per (story, name), so counting rows counts stories.
TOPIC = "TOPIC"  # story_entities.type of glossary terms: the "topics" of the trends page
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CARD_COLUMNS = (
    "story_id",
    "status",
    "action",
    "impact",
    "sentiment",
    "tier",
    "last_seen",
    "first_seen",
    "title",
    "label",
    "summary",
    "sources",
    "articles",
    "outlets",
)


def action_threshold() -> float:
    """Impact at or above which a story is an action item (from the impact rubric)."""
    try:
        raw = (resources.files("quorum") / "data" / "impact_rubric.toml").read_text("utf-8")
        return float(tomllib.loads(raw).get("action_item_threshold", 8.0))
    except (OSError, tomllib.TOMLDecodeError, ValueError):
        return 8.0  # the rubric's documented default: "8+" is an action item


# --- writing ---------------------------------------------------------------------------------


@dataclass
class IndexRows:
    """Rows of the index tables derived from one batch of stories."""

    cards: list[dict[str, Any]]
    entities: list[dict[str, Any]]
    outlets: list[dict[str, Any]]
    search: list[dict[str, Any]]


def reindex(store: Store, glossary: Any = None, batch: int = 2000) -> int:
    """Rebuild every index table from ``stories``; returns the number of stories indexed.

    One transaction, so readers see the old index or the new one, never half of each.
    """
    if glossary is None:
        from quorum.web.glossary import Glossary

        glossary = Glossary.load()
    threshold = action_threshold()
    count = 0
    with store.engine.begin() as conn:
        for table in (story_cards, story_entities, story_outlets):
            conn.execute(delete(table))
        conn.execute(text("DELETE FROM story_search"))
        for rows in _story_batches(store, batch):
            count += index_stories(conn, rows, glossary, threshold)
    return count


def index_stories(conn: Any, rows: Iterable[StoryRow], glossary: Any, threshold: float) -> int:
    """Add the index rows of ``rows`` inside the caller's transaction (their old rows must
    be gone: ``unindex_stories``); returns the number indexed."""
    got = IndexRows([], [], [], [])
    for row in rows:
        try:
            _index_story(row, glossary, threshold, got)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            log.warning("story %s skipped by the index: %s", row.id, exc)
    for table, values in (
        (story_cards, got.cards),
        (story_entities, got.entities),
        (story_outlets, got.outlets),
    ):
        if values:
            conn.execute(insert(table), values)
    if got.search:
        conn.execute(
            text(
                "INSERT INTO story_search (story_id, headline, body) "
                "VALUES (:story_id, :headline, :body)"
            ),
            got.search,
        )
    return len(got.cards)


def unindex_stories(conn: Any, story_ids: list[str], chunk: int = 500) -> None:
    """Remove the index rows of some stories inside the caller's transaction (an
    incremental build reindexes only the stories it changed)."""
    for i in range(0, len(story_ids), chunk):
        ids = story_ids[i : i + chunk]
        for table in (story_cards, story_entities, story_outlets):
            conn.execute(delete(table).where(table.c.story_id.in_(ids)))
        marks = ", ".join(f":s{n}" for n in range(len(ids)))
        conn.execute(
            text(f"DELETE FROM story_search WHERE story_id IN ({marks})"),
            {f"s{n}": sid for n, sid in enumerate(ids)},
        )


def needs_reindex(store: Store) -> bool:
    """Stories exist but the index is empty (a database built before migration 0002, or a
    pipeline that did not call ``reindex``)."""
    with store.engine.connect() as conn:
        has_stories = conn.scalar(select(StoryRow.id).limit(1)) is not None
        has_cards = conn.scalar(select(story_cards.c.story_id).limit(1)) is not None
    return has_stories and not has_cards


def _story_batches(store: Store, batch: int) -> Iterator[list[StoryRow]]:
    last = ""
    while True:
        with Session(store.engine) as s:
            rows = list(
                s.scalars(
                    select(StoryRow).where(StoryRow.id > last).order_by(StoryRow.id).limit(batch)
                )
            )
            s.expunge_all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None or dt.tzinfo is not None:
        return dt
    return dt.replace(tzinfo=UTC)


def week_of(day: date) -> date:
    """The Monday starting ``day``'s ISO week: the bucket of every per-week figure."""
    return day - timedelta(days=day.weekday())


def _texts(items: Iterable[Any]) -> list[str]:
    return [i["text"] for i in items if isinstance(i, dict) and isinstance(i.get("text"), str)]


def _index_story(row: StoryRow, glossary: Any, threshold: float, out: IndexRows) -> None:
    data = row.data if isinstance(row.data, dict) else {}
    last_seen = _aware(row.last_seen) or _aware(row.first_seen) or EPOCH
    day = last_seen.date()
    week = week_of(day)
    headline = (data.get("headline") or {}).get("text") or row.title
    takeaways = _texts(data.get("takeaways") or [])
    articles = [a for a in data.get("articles") or [] if isinstance(a, dict)]
    outlets = list(dict.fromkeys(a.get("outlet") for a in articles if a.get("outlet")))
    scores = data.get("scores") or {}
    action = int(row.impact is not None and row.impact >= threshold)
    # sort keys copied into the entity/outlet rows (see migration 0002)
    keys = dict(action=action, last_seen=last_seen, day=day)
    status = dict(status=row.status)  # trends and entity pages count listed stories only
    out.cards.append(
        dict(
            story_id=row.id,
            status=row.status,
            impact=row.impact,
            sentiment=row.sentiment,
            action=action,
            tier=(scores.get("sentiment") or {}).get("label") or None,
            last_seen=last_seen,
            first_seen=_aware(row.first_seen),
            week=week,
            title=headline,
            label=data.get("label") or "",
            summary=takeaways[0] if takeaways else "",
            sources=row.independent_sources or 0,
            articles=row.article_count or 0,
            outlets=",".join(outlets[:8]),
        )
    )
    # One row per (story, name) so a filtered listing never repeats a story; a name that
    # is both a tagged entity and a glossary term keeps its entity type.
    seen: set[str] = set()
    for ent in data.get("entities") or []:
        name, kind = str(ent.get("name") or "").strip()[:255], str(ent.get("type") or "MISC")
        if name and name not in seen:
            seen.add(name)
            out.entities.append(
                dict(
                    story_id=row.id,
                    name=name,
                    type=kind[:32],
                    mentions=int(ent.get("count") or 1),
                    week=week,
                    **keys,
                    **status,
                )
            )
    facts = _texts(data.get("key_facts") or [])
    analysis = [s for sec in data.get("analysis") or [] for s in _texts(sec.get("sentences", []))]
    story_text = "\n".join([headline, *takeaways, *facts, *analysis])
    for term in sorted(glossary.term_names(story_text) - seen):
        out.entities.append(
            dict(story_id=row.id, name=term, type=TOPIC, mentions=1, week=week, **keys, **status)
        )
    _index_outlets(row.id, data, articles, keys, out)
    out.search.append(
        dict(
            story_id=row.id,
            headline=headline,
            body="\n".join(
                [
                    *takeaways,
                    *facts,
                    *(a.get("title") or "" for a in articles),
                    *(e.get("name") or "" for e in data.get("entities") or []),
                ]
            ),
        )
    )


def _index_outlets(
    story_id: str, data: dict, articles: list[dict], keys: dict, out: IndexRows
) -> None:
    earliest: dict[str, str] = {}
    for a in articles:
        domain, when = a.get("outlet"), str(a.get("published") or "")
        if domain and (domain not in earliest or (when and when < earliest[domain])):
            earliest[domain] = when
    if not earliest:
        return
    dated = [w for w in earliest.values() if w]
    first = min(dated) if dated else None
    origins = data.get("origins") or []
    # "only source": the story has one independent origin and this outlet is in it
    sole = (
        set(origins[0].get("outlets") or [])
        if len(origins) == 1
        else (set(earliest) if len(earliest) == 1 else set())
    )
    for domain, when in earliest.items():
        out.outlets.append(
            dict(
                story_id=story_id,
                domain=domain[:255],
                **keys,
                is_first=bool(first and when == first),
                is_only=domain in sole,
            )
        )


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardFilter:
    """What the home page and feeds may filter on (all optional)."""

    statuses: tuple[str, ...] = ("verified",)
    min_impact: float | None = None
    tier: str | None = None
    entity: str | None = None
    outlet: str | None = None
    action_only: bool = False


def _card(row: Any) -> dict[str, Any]:
    card = dict(zip(CARD_COLUMNS, row, strict=True))
    card["id"] = card.pop("story_id")
    card["action"] = bool(card["action"])
    card["last_seen"] = _aware(card["last_seen"])
    card["first_seen"] = _aware(card["first_seen"])
    card["outlets"] = [o for o in (card["outlets"] or "").split(",") if o]
    return card


def cards(store: Store, flt: CardFilter, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """Story cards, action items first, then newest first.

    Each variant is one ordered index walk stopped by the LIMIT: the home index, the tier
    index, or, with an entity or outlet filter, that table's (name, action, last_seen)
    index joined to the cards by primary key.
    """
    c = story_cards.c
    q = select(*(c[name] for name in CARD_COLUMNS))
    driver = None
    if flt.entity:
        driver = story_entities.c
        q = q.select_from(story_entities.join(story_cards, c.story_id == driver.story_id))
        q = q.where(driver.name == flt.entity)
    elif flt.outlet:
        driver = story_outlets.c
        q = q.select_from(story_outlets.join(story_cards, c.story_id == driver.story_id))
        q = q.where(driver.domain == flt.outlet)
    if flt.entity and flt.outlet:
        q = q.where(
            c.story_id.in_(
                select(story_outlets.c.story_id).where(story_outlets.c.domain == flt.outlet)
            )
        )
    q = q.where(c.status.in_(flt.statuses))
    if flt.min_impact is not None:
        q = q.where(c.impact >= flt.min_impact)
    if flt.tier:
        q = q.where(c.tier == flt.tier)
    if flt.action_only:
        q = q.where(c.action == 1)
    keys = driver if driver is not None else c
    q = q.order_by(keys.action.desc(), keys.last_seen.desc(), keys.story_id.desc())
    with store.engine.connect() as conn:
        return [_card(r) for r in conn.execute(q.limit(limit).offset(offset))]


def cards_by_ids(store: Store, ids: list[str]) -> dict[str, dict[str, Any]]:
    c = story_cards.c
    with store.engine.connect() as conn:
        rows = conn.execute(select(*(c[n] for n in CARD_COLUMNS)).where(c.story_id.in_(ids)))
        return {card["id"]: card for card in map(_card, rows)}


def story_for_article(store: Store, article_id: int) -> StoryRow | None:
    """The story an article belongs to (story_articles has one row per article)."""
    with Session(store.engine) as s:
        sid = s.scalar(
            select(StoryArticleRow.story_id).where(StoryArticleRow.article_id == article_id)
        )
    return store.story(sid) if sid else None


def outlet_info(store: Store, domain: str) -> dict[str, Any] | None:
    with store.engine.connect() as conn:
        row = conn.execute(
            select(
                OutletRow.id,
                OutletRow.domain,
                OutletRow.name,
                OutletRow.owner,
                OutletRow.country,
                OutletRow.kind,
            ).where(OutletRow.domain == domain)
        ).first()
    return dict(row._mapping) if row else None


def outlets_by_domain(store: Store, domains: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Name and kind of each known outlet among ``domains``, in one query (for cards)."""
    wanted = sorted(set(domains))
    if not wanted:
        return {}
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(OutletRow.domain, OutletRow.name, OutletRow.kind).where(
                OutletRow.domain.in_(wanted)
            )
        )
        return {r.domain: {"name": r.name or r.domain, "kind": r.kind or ""} for r in rows}


def outlet_articles(store: Store, outlet_id: int, limit: int = 50) -> list[dict[str, Any]]:
    a = ArticleRow
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(a.id, a.title, a.url, a.published)
            .where(a.outlet_id == outlet_id)
            .order_by(a.published.desc(), a.id.desc())
            .limit(limit)
        )
        return [dict(r._mapping, published=_aware(r.published)) for r in rows]


def outlet_stats(store: Store, domain: str) -> dict[str, int]:
    """How many stories an outlet is in, reported first, and was the only source of."""
    o = story_outlets.c
    with store.engine.connect() as conn:
        row = conn.execute(
            select(
                func.count(),
                func.sum(cast(o.is_first, Integer)),
                func.sum(cast(o.is_only, Integer)),
            ).where(o.domain == domain)
        ).first()
    return {"stories": row[0] or 0, "first": row[1] or 0, "only": row[2] or 0}


def entity_types(store: Store, name: str, statuses: tuple[str, ...]) -> list[str]:
    """The types a name has in listed stories (empty: no such published entity)."""
    e = story_entities.c
    q = select(e.type).where(e.name == name, e.status.in_(statuses))
    with store.engine.connect() as conn:
        return list(conn.scalars(q.group_by(e.type).order_by(func.count().desc())))


def _kind(q: Any, topics: bool | None) -> Any:
    e = story_entities.c
    if topics is None:
        return q
    return q.where(e.type == TOPIC) if topics else q.where(e.type != TOPIC)


def weekly_counts(
    store: Store,
    names: list[str],
    statuses: tuple[str, ...],
    topics: bool | None = None,
    since: date | None = None,
) -> dict[str, dict[date, int]]:
    """Listed stories mentioning each name, per week."""
    e = story_entities.c
    q = select(e.name, e.week, func.count()).where(e.name.in_(names), e.status.in_(statuses))
    q = _kind(q, topics)
    if since:
        q = q.where(e.week >= since)
    out: dict[str, dict[date, int]] = {n: {} for n in names}
    with store.engine.connect() as conn:
        for name, week, n in conn.execute(q.group_by(e.name, e.week)):
            out[name][_as_date(week)] = n
    return out


def top_names(
    store: Store, statuses: tuple[str, ...], topics: bool, since: date | None, limit: int
) -> list[str]:
    """Most-mentioned entities (or topics) since a week, by number of listed stories."""
    e = story_entities.c
    q = _kind(select(e.name, func.count().label("n")).where(e.status.in_(statuses)), topics)
    if since:
        q = q.where(e.week >= since)
    q = q.group_by(e.name).order_by(text("n DESC"), e.name).limit(limit)
    with store.engine.connect() as conn:
        return [name for name, _ in conn.execute(q)]


def counts_between(
    store: Store, statuses: tuple[str, ...], topics: bool, start: date, end: date
) -> dict[str, int]:
    """Listed stories per name with week in [start, end)."""
    e = story_entities.c
    q = select(e.name, func.count()).where(
        and_(e.week >= start, e.week < end), e.status.in_(statuses)
    )
    with store.engine.connect() as conn:
        return dict(conn.execute(_kind(q, topics).group_by(e.name)).all())


def weekly_scores(
    store: Store, statuses: tuple[str, ...], since: date | None = None
) -> list[dict[str, Any]]:
    """Per week: stories, mean sentiment, mean impact, action items."""
    c = story_cards.c
    q = select(
        c.week, func.count(), func.avg(c.sentiment), func.avg(c.impact), func.sum(c.action)
    ).where(c.status.in_(statuses))
    if since:
        q = q.where(c.week >= since)
    with store.engine.connect() as conn:
        rows = conn.execute(q.group_by(c.week).order_by(c.week)).all()
    return [
        {
            "week": _as_date(w),
            "stories": n,
            "sentiment": _round(s),
            "impact": _round(i),
            "action_items": int(a or 0),
        }
        for w, n, s, i, a in rows
    ]


def latest_week(store: Store) -> date | None:
    with store.engine.connect() as conn:
        week = conn.scalar(select(func.max(story_cards.c.week)))
    return _as_date(week) if week else None


def all_names(store: Store, statuses: tuple[str, ...]) -> list[str]:
    e = story_entities.c
    q = select(e.name).where(e.status.in_(statuses)).distinct().order_by(e.name)
    with store.engine.connect() as conn:
        return list(conn.scalars(q))


def all_story_ids(store: Store, statuses: tuple[str, ...] | None = None) -> list[str]:
    q = select(story_cards.c.story_id).order_by(story_cards.c.story_id)
    if statuses:
        q = q.where(story_cards.c.status.in_(statuses))
    with store.engine.connect() as conn:
        return list(conn.scalars(q))


def notified(store: Store, story_ids: list[str]) -> set[str]:
    with store.engine.connect() as conn:
        return set(
            conn.scalars(
                select(notified_items.c.story_id).where(notified_items.c.story_id.in_(story_ids))
            )
        )


def mark_notified(store: Store, story_id: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(insert(notified_items).values(story_id=story_id, at=datetime.now(UTC)))


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):  # SQLite returns dates from aggregates as text
        return date.fromisoformat(value[:10])
    return value


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)
