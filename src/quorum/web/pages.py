"""One function per page, each building ONE data dict (datasette-style).

The same dict is rendered by a template as HTML or returned as ``.json``, so the JSON API
can never disagree with the page. Functions read only what their page shows: listings come
from the slim index tables (``quorum.store.index``), a story's full record from its row.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from quorum.settings import Config
from quorum.store import Store
from quorum.store import index as ix
from quorum.story_contract import story_summary
from quorum.text import paragraph_spans, sentence_spans
from quorum.web.glance import impact_level, origin_groups, source_mix, stakeholder
from quorum.web.glossary import Glossary

# methodology_page and markdown_blocks live in their own module; the routes and the static
# build still find every page function here.
from quorum.web.methodology import TIERS, markdown_blocks, methodology_page  # noqa: F401
from quorum.web.search import search_stories

TYPE_NAMES = {
    "PER": "People",
    "PERSON": "People",
    "ORG": "Organisations",
    "LOC": "Places",
    "GPE": "Places",
    "MISC": "Other",
    ix.TOPIC: "Topics",
}
# An entity page lists this many of its newest stories: enough to follow a thread, bounded
# so a name in 10k stories still costs one indexed LIMIT query.
ENTITY_STORIES = 50
# Articles listed in a story's source table before the rest fold behind "show all": a
# phone screen or two. One real story had 300 articles and a 45,000-pixel page.
SOURCES_SHOWN = 12
# The story page's sections in reading order: (anchor, page key, heading), for the in-page
# navigation; a section appears only when its key has content.
OUTLINE = (
    ("h-summary", "summary", "Summary"),
    ("h-takeaways", "takeaways", "Key takeaways"),
    ("h-facts", "key_facts", "Key facts"),
    ("h-conflicts", "conflicts", "Where sources disagree"),
    ("h-hedged", "hedged", "Reported, not verified"),
    ("h-analysis", "analysis", "Analysis"),
    ("h-watch", "what_to_watch", "What to watch"),
    ("h-stake", "stakeholders", "Who is affected"),
    ("h-entities", "entity_groups", "Mentioned"),
    ("h-timeline", "timeline", "Timeline"),
    ("h-origins", "origin_groups", "Where it came from"),
    ("h-scores", "scores", "Scores and why"),
    ("h-sources", "sources", "Sources"),
)
TREND_WEEKS = 12  # the trends window: one quarter of weekly buckets
TREND_TOP = 8  # lines per chart: more become unreadable
RISING_WEEKS = 4  # "this period" = the last 4 weeks, compared with the 4 before


class NotFound(LookupError):
    """The page does not exist (unknown id, name or held story); the message says what."""


@dataclass(frozen=True)
class Site:
    """What every page needs: the store, live settings and the glossary (all read-only)."""

    store: Store
    config: Config
    glossary: Glossary
    action_threshold: float

    @classmethod
    def create(cls, store: Store, config: Config, glossary: Glossary | None = None) -> Site:
        return cls(store, config, glossary or Glossary.load(), ix.action_threshold())

    @property
    def listed_statuses(self) -> tuple[str, ...]:
        """Statuses shown on listings: single-source stories only under policy `label`."""
        if getattr(self.config, "single_source_policy", "hold") == "label":
            return ("verified", "single_source")
        return ("verified",)


# --- home ------------------------------------------------------------------------------------


def home_page(
    site: Site,
    page: int = 1,
    min_impact: float | None = None,
    tier: str | None = None,
    entity: str | None = None,
    outlet: str | None = None,
) -> dict[str, Any]:
    page = max(1, page)
    size = max(1, int(site.config.page_size))
    tier = tier if tier in TIERS else None
    flt = ix.CardFilter(site.listed_statuses, min_impact, tier, entity or None, outlet or None)
    got = ix.cards(site.store, flt, size + 1, (page - 1) * size)
    filters = {
        "min_impact": min_impact,
        "tier": tier,
        "entity": entity or None,
        "outlet": outlet or None,
    }
    return {
        "title": site.config.site_title,
        "filters": filters,
        "filtered": any(v is not None for v in filters.values()),
        "tiers": list(TIERS),
        "policy": getattr(site.config, "single_source_policy", "hold"),
        "action_threshold": site.action_threshold,
        "stories": with_outlets(site, got[:size]),
        "page": page,
        "next_page": page + 1 if len(got) > size else None,
        "prev_page": page - 1 if page > 1 else None,
    }


# --- story -----------------------------------------------------------------------------------


def story_page(site: Site, story_id: str, published_only: bool = True) -> dict[str, Any]:
    """The story document (``data/schema/story.schema.json``); ``published_only=False``
    for the command line, which shows held stories too."""
    row = site.store.story(story_id)
    # Held stories stay unpublished even by direct link: only what the listings show exists.
    if row is None or (published_only and row.status not in site.listed_statuses):
        raise NotFound(f"no published story {story_id!r}")
    data = row.data if isinstance(row.data, dict) else {}
    articles = [a for a in data.get("articles") or [] if isinstance(a, dict)]
    entities = [e for e in data.get("entities") or [] if isinstance(e, dict)]
    groups: dict[str, list[dict]] = defaultdict(list)
    for e in entities:
        groups[TYPE_NAMES.get(e.get("type", ""), str(e.get("type") or "Other").title())].append(e)
    headline = (data.get("headline") or {}).get("text") or row.title
    outlets = ix.outlets_by_domain(site.store, (str(a.get("outlet") or "") for a in articles))
    sources = _sources(articles, outlets)
    scores = _scores(data.get("scores") or {})
    page = {
        "title": headline,
        "story": story_summary(row, site.action_threshold),
        "headline": data.get("headline") or {"text": row.title},
        "label": data.get("label") or "",
        "gate_reasons": [str(r) for r in _plain_list(data.get("gate_reasons"))],
        "summary": data.get("summary"),
        "takeaways": _list(data, "takeaways"),
        "key_facts": _list(data, "key_facts"),
        "hedged": _list(data, "hedged"),
        "entity_groups": [{"type": k, "entities": v} for k, v in sorted(groups.items())],
        "stakeholders": [stakeholder(s) for s in _list(data, "stakeholders")],
        "analysis": _list(data, "analysis"),
        "what_to_watch": _list(data, "what_to_watch"),
        "timeline": _published_timeline(site, _list(data, "timeline")),
        "conflicts": _list(data, "conflicts"),
        "sources": sources,
        "sources_shown": SOURCES_SHOWN,
        "source_mix": source_mix(sources, outlets, row.independent_sources),
        "origin_groups": origin_groups(sources, _list(data, "origins")),
        # article id -> outlet name, for the "[outlet]" after each quoted sentence
        "outlet_names": {
            str(a.get("id")): a.get("outlet_name") or a.get("outlet") or "source" for a in articles
        },
        "origins": _list(data, "origins"),
        "scores": scores,
        "in_beat": data.get("in_beat"),
    }
    page["outline"] = [{"id": i, "title": t} for i, key, t in OUTLINE if _shows(page, key)]
    return page


def _shows(page: dict, key: str) -> bool:
    """Whether the story template shows the section of ``key`` (a summary only when a
    model wrote it)."""
    if key == "summary":
        summary = page.get("summary")
        return isinstance(summary, dict) and bool(summary.get("generated"))
    return bool(page.get(key))


def with_outlets(site: Site, cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cards with their outlets' names and kinds and an impact level, in one query."""
    known = ix.outlets_by_domain(site.store, (d for c in cards for d in c.get("outlets") or []))
    return [
        {
            **c,
            "impact_level": impact_level(c.get("impact"), site.action_threshold),
            "outlet_list": [
                {"domain": d, **(known.get(d) or {"name": d, "kind": ""})}
                for d in c.get("outlets") or []
            ],
        }
        for c in cards
    ]


def _plain_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _list(data: dict, key: str) -> list:
    value = data.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _published_timeline(site: Site, entries: list[dict]) -> list[dict]:
    """Timeline entries whose story is listed: a held story's headline stays unpublished."""
    ids = [str(e["story_id"]) for e in entries if e.get("story_id")]
    listed = ix.cards_by_ids(site.store, ids) if ids else {}
    return [
        e
        for e in entries
        if not e.get("story_id")
        or (e["story_id"] in listed and listed[e["story_id"]]["status"] in site.listed_statuses)
    ]


def _sources(articles: list[dict], outlets: dict[str, dict]) -> list[dict]:
    """Articles with copies marked "copy of <first outlet of its origin> (syndicated)",
    and the outlet's kind (trade, wire, government...) for the source mix."""
    original: dict[str, str] = {}
    for a in articles:
        if not a.get("is_copy") and a.get("origin") and a["origin"] not in original:
            original[a["origin"]] = a.get("outlet_name") or a.get("outlet") or ""
    out = []
    for a in articles:
        copy_of = original.get(a.get("origin") or "") if a.get("is_copy") else None
        known = outlets.get(str(a.get("outlet") or ""), {})
        out.append(
            {
                **a,
                "outlet_name": a.get("outlet_name") or known.get("name") or a.get("outlet"),
                "kind": known.get("kind") or "",
                "copy_of": copy_of or ("another outlet" if a.get("is_copy") else None),
            }
        )
    return out


def _scores(scores: dict) -> list[dict]:
    out = []
    for name in ("impact", "sentiment", "confidence"):
        s = scores.get(name)
        if isinstance(s, dict):
            out.append(
                {
                    "name": name,
                    "value": s.get("value"),
                    "label": s.get("label") or "",
                    "evidence": [e for e in s.get("evidence") or [] if isinstance(e, dict)],
                }
            )
    return out


def cited_spans(data: Any, article_id: int) -> set[tuple[int, int]]:
    """Every (start, end) a story record cites in one article, wherever it sits."""
    found: set[tuple[int, int]] = set()
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if (
                node.get("article_id") == article_id
                and isinstance(node.get("start"), int)
                and isinstance(node.get("end"), int)
                and node.get("field") != "title"
            ):
                found.add((node["start"], node["end"]))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


# --- article ---------------------------------------------------------------------------------


def article_page(site: Site, article_id: int) -> dict[str, Any]:
    if not 0 < article_id < 2**63:  # beyond any database integer
        raise NotFound(f"no article {article_id}")
    article = site.store.article(article_id)
    if article is None:
        raise NotFound(f"no article {article_id}")
    story = ix.story_for_article(site.store, article_id)
    if story is not None and story.status not in site.listed_statuses:
        story = None  # an unpublished story is not linked, even from its own sources
    cited = cited_spans(story.data, article_id) if story is not None else set()
    outlet = ix.outlet_info(site.store, article.outlet) or {}
    return {
        "title": article.title,
        "article": {
            "id": article_id,
            "title": article.title,
            "url": article.url,
            "outlet": article.outlet,
            "outlet_name": outlet.get("name") or article.outlet,
            "published": article.published,
            "author": article.author,
            "via": article.via,
        },
        "story": {"id": story.id, "title": story.title} if story is not None else None,
        "paragraphs": split_article(article.text, cited),
    }


def split_article(text: str, cited: set[tuple[int, int]]) -> list[list[dict[str, Any]]]:
    """Paragraphs of sentences; each sentence has id ``s-{start}-{end}``.

    Every valid cited span gets an element with its id, so every citation link lands: a span
    equal to a sentence is that sentence; a span inside one sentence becomes a part of it;
    any other span (crossing sentences, starting between them, or overlapping a part
    already wrapped) gets an empty anchor just before the sentence where it starts.
    """
    spans = sentence_spans(text)
    starts = [s for s, _ in spans]
    exact = set(spans)
    inner: dict[int, list[tuple[int, int]]] = defaultdict(list)
    anchors: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for a, b in sorted(c for c in cited if 0 <= c[0] < c[1] <= len(text) and c not in exact):
        if not spans:
            break
        k = max(0, bisect.bisect_right(starts, a) - 1)
        if a >= spans[k][1]:  # starts after sentence k ends: anchor at the next one
            k = min(k + 1, len(spans) - 1)
        s, e = spans[k]
        last = inner[k][-1][1] if inner[k] else s
        if s <= a and b <= e and a >= last:
            inner[k].append((a, b))
        else:
            anchors[k].append((a, b))
    paragraphs = []
    for p_start, p_end in paragraph_spans(text):
        sentences = []
        for k, (s, e) in enumerate(spans):
            if not p_start <= s < p_end:
                continue
            sentences.append(
                {
                    "id": f"s-{s}-{e}",
                    "start": s,
                    "end": e,
                    "cited": (s, e) in cited,
                    "parts": _parts(text, s, e, inner[k]),
                    "anchors": [f"s-{a}-{b}" for a, b in anchors[k]],
                }
            )
        paragraphs.append(sentences)
    return paragraphs


def _parts(text: str, s: int, e: int, inner: list[tuple[int, int]]) -> list[dict[str, Any]]:
    """The sentence cut at its (sorted, non-overlapping) inner cited spans."""
    parts, pos = [], s
    for a, b in inner:
        if a > pos:
            parts.append({"text": text[pos:a], "id": None})
        parts.append({"text": text[a:b], "id": f"s-{a}-{b}"})
        pos = b
    if pos < e:
        parts.append({"text": text[pos:e], "id": None})
    return parts


# --- entity and outlet ---------------------------------------------------------------------


def entity_page(site: Site, name: str) -> dict[str, Any]:
    types = ix.entity_types(site.store, name, site.listed_statuses)
    if not types:
        raise NotFound(f"no entity {name!r}")
    stories = with_outlets(
        site, ix.cards(site.store, ix.CardFilter(site.listed_statuses, entity=name), ENTITY_STORIES)
    )
    weeks = ix.weekly_counts(site.store, [name], site.listed_statuses).get(name, {})
    term = next((t for t in site.glossary.terms if t.term == name), None)
    return {
        "title": name,
        "name": name,
        "types": types,
        "type_names": [TYPE_NAMES.get(t, t.title()) for t in types],
        "glossary": {"anchor": term.anchor, "definition": term.definition} if term else None,
        "stories": stories,
        "weeks": [{"week": w, "stories": n} for w, n in sorted(weeks.items())],
    }


def outlet_page(site: Site, domain: str) -> dict[str, Any]:
    outlet = ix.outlet_info(site.store, domain)
    if outlet is None:
        raise NotFound(f"no outlet {domain!r}")
    stats = ix.outlet_stats(site.store, domain)
    n = stats["stories"]
    return {
        "title": outlet["name"],
        "outlet": {k: outlet[k] for k in ("domain", "name", "owner", "country", "kind")},
        "stats": {
            **stats,
            "first_share": round(stats["first"] / n, 3) if n else None,
            "only_share": round(stats["only"] / n, 3) if n else None,
        },
        "articles": ix.outlet_articles(site.store, outlet["id"]),
    }


# --- trends ----------------------------------------------------------------------------------


def trends_page(site: Site) -> dict[str, Any]:
    last = ix.latest_week(site.store)
    if last is None:
        return {
            "title": "Trends",
            "weeks": [],
            "entities": [],
            "topics": [],
            "rising": [],
            "scores": [],
        }
    # The window ends at the newest story, not today, so an archive still shows its trends.
    weeks = [last - timedelta(weeks=i) for i in range(TREND_WEEKS - 1, -1, -1)]
    since = weeks[0]
    series = {}
    for key, topics in (("entities", False), ("topics", True)):
        names = ix.top_names(site.store, site.listed_statuses, topics, since, TREND_TOP)
        counts = ix.weekly_counts(site.store, names, site.listed_statuses, topics, since)
        series[key] = [
            {
                "name": n,
                "counts": [counts[n].get(w, 0) for w in weeks],
                "total": sum(counts[n].values()),
            }
            for n in names
        ]
    scores = {row["week"]: row for row in ix.weekly_scores(site.store, site.listed_statuses, since)}
    return {
        "title": "Trends",
        "weeks": weeks,
        "entities": series["entities"],
        "topics": series["topics"],
        "rising": _rising(site, last),
        "scores": [
            scores.get(
                w, {"week": w, "stories": 0, "sentiment": None, "impact": None, "action_items": 0}
            )
            for w in weeks
        ],
    }


def _rising(site: Site, last: date) -> list[dict[str, Any]]:
    """Names mentioned in more stories in the last period than in the one before."""
    cur_start = last - timedelta(weeks=RISING_WEEKS - 1)
    prev_start = cur_start - timedelta(weeks=RISING_WEEKS)
    end = last + timedelta(days=7)
    out = []
    for kind, topics in (("topic", True), ("entity", False)):
        cur = ix.counts_between(site.store, site.listed_statuses, topics, cur_start, end)
        prev = ix.counts_between(site.store, site.listed_statuses, topics, prev_start, cur_start)
        for name, n in cur.items():
            before = prev.get(name, 0)
            # at least 2 stories now: one story is an event, not a trend
            if n >= 2 and n > before:
                out.append(
                    {
                        "name": name,
                        "kind": kind,
                        "current": n,
                        "previous": before,
                        "change": n - before,
                    }
                )
    out.sort(key=lambda r: (-r["change"], -r["current"], r["name"]))
    return out[:20]


# --- glossary, search ----------------------------------------------------------------------


def glossary_page(site: Site) -> dict[str, Any]:
    return {
        "title": "Glossary",
        "terms": [
            {
                "term": t.term,
                "anchor": t.anchor,
                "expansion": t.expansion,
                "definition": t.definition,
                "aliases": list(t.aliases),
            }
            for t in site.glossary.terms
        ],
    }


def search_page(site: Site, q: str = "", page: int = 1) -> dict[str, Any]:
    q = (q or "").strip()[:200]  # a query longer than a sentence is not a search
    page = max(1, page)
    size = max(1, int(site.config.page_size))
    result = search_stories(site.store, q, site.listed_statuses, size + 1, (page - 1) * size)
    ids = [r.story_id for r in result.hits]
    by_id = ix.cards_by_ids(site.store, ids) if ids else {}
    stories = with_outlets(site, [by_id[i] for i in ids if i in by_id][:size])
    return {
        "title": f"Search: {q}" if q else "Search",
        "q": q,
        "error": result.error,
        "stories": stories,
        "page": page,
        "next_page": page + 1 if len(ids) > size else None,
        "prev_page": page - 1 if page > 1 else None,
    }


# --- JSON ------------------------------------------------------------------------------------


def jsonable(obj: Any) -> Any:
    """Dates as ISO strings, tuples as lists: the page dict as plain JSON."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [jsonable(v) for v in obj]
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    return obj
