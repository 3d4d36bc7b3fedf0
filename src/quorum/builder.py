"""A build: the articles stored since the last build, filed into the kept clusterer, and only
the stories they changed enriched, linked, stored and indexed.

The steps, mirrored by ``# n.`` comments in ``build``:

1. take the build lock and the last build's checkpoint (the clusterer and the published
   ids); without one, or when the settings or domain data it was made with changed, or
   with ``full``, start a new clusterer and replay every stored batch in build order;
2. file the new batch (``quorum.assemble.replay``): the stories it changed, the stories
   merge passes removed, and the articles they moved;
3. rebuild, enrich and compose only those stories (a story whose articles did not change
   keeps its stored results, see ``pipeline._fingerprint``);
4. link each to related earlier stories through the term index (``story_terms``);
5. record what changed in each story (``story_revisions``);
6. store stories, moves, revisions, terms, the web index, the articles' build number and
   the new checkpoint in one transaction, then POST new action items to the webhooks.

The build cost follows the size of the batch and of the stories it touches, not the size
of the archive. Timelines of stories the build did not touch are not recomputed: a new
story links to older ones as soon as it is built, and a full rebuild refreshes them all.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from threadpoolctl import threadpool_limits

from quorum.assemble import cluster_params
from quorum.assemble.replay import CHECKPOINT_VERSION, Replay
from quorum.assemble.syndication import build_story
from quorum.compose.revisions import story_changes
from quorum.compose.timeline import StorySketch, TimelineRules, fold, related_stories
from quorum.desk import Desk
from quorum.enrich.enrichers import Models, default_enrichers
from quorum.enrich.pipeline import check_order, run_enrichers
from quorum.pipeline import (
    BuildSummary,
    Progress,
    _article_meta,
    _context,
    _fingerprint,
    _log_skip,
    knowledge_hash,
)
from quorum.records import Article, Story
from quorum.store import builds
from quorum.store.builds import BuildWrite, Posting, StoredTerms
from quorum.storydata import story_data

_ENRICH_CHUNK = 200  # stories whose articles are read from the store at once
_TIMELINE_TERMS = 15  # entity names per story the timeline compares (as before the index)


class Stages:
    """Seconds spent per stage, summed over the build."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def state_key(config: Any, knowledge: str) -> str:
    """What the checkpoint and the stored stories depend on: the clusterer's parameters,
    the settings that change stories, and the domain data. Another key: a full rebuild."""
    inputs = [
        CHECKPOINT_VERSION,
        repr(cluster_params(config)),
        config.near_duplicate_containment,
        _fingerprint([], config, knowledge),
    ]
    return hashlib.sha1(repr(inputs).encode()).hexdigest()


def build(
    desk: Desk, progress: Progress | None = None, *, full: bool = False, wait: float = 0.0
) -> BuildSummary:
    """Bring the stories up to date with the stored in-beat articles (see the module
    docstring); ``full`` replays every article. Raises ``BuildBusy`` when another build
    holds the lock for more than ``wait`` seconds."""
    store, config = desk.store, desk.config
    stage = Stages()
    # 1. lock and checkpoint
    with builds.build_lock(store, wait):
        with stage("load"):
            params = cluster_params(config)
            knowledge = knowledge_hash()
            key = state_key(config, knowledge)
            state = builds.build_state(store)
            replay = None
            if not full and state is not None and state.key == key and state.checkpoint:
                replay = Replay.loads(state.checkpoint, params)
            full = replay is None
            new_ids = builds.unbuilt_ids(store)
            plan = builds.batches(store) if full else [new_ids]
        if not full and not new_ids:
            return _summary(store, 0, 0, 0, 0, 0, full, stage.seconds)
        replay = replay or Replay(params)
        # 2. cluster
        changed: dict[str, None] = {}
        removed: dict[str, None] = {}
        moved: dict[int, tuple[str, str, float]] = {}
        for ids in plan:
            with stage("load"):
                articles = list(builds.load_articles(store, ids).values())
            with stage("cluster"):
                got = replay.feed(articles)
            del articles
            changed.update(dict.fromkeys(got.changed))
            for sid in got.removed:
                removed[sid] = None
                changed.pop(sid, None)
            moved.update(got.moves)
        seq = (state.seq if state is not None else 0) + 1
        return _finish(
            desk, replay, changed, list(removed), moved, full, new_ids, seq, key, stage, progress
        )


def _finish(
    desk: Desk,
    replay: Replay,
    changed: dict[str, None],
    removed: list[str],
    moved: dict[int, tuple[str, str, float]],
    full: bool,
    new_ids: list[int],
    seq: int,
    key: str,
    stage: Stages,
    progress: Progress | None,
) -> BuildSummary:
    store = desk.store
    pid = replay.pids
    targets = sorted(changed, key=lambda s: pid[s])
    members = {sid: replay.members(sid) for sid in targets}
    with stage("load"):
        if full:
            previous = {row.id: row for row in store.stories()}
            old_story_of = store.story_of_articles()
        else:
            moved_from = {pid[m[0]] for m in moved.values()}
            previous = builds.stories_by_id(store, [pid[s] for s in targets] + list(moved_from))
            old_story_of = builds.stories_of_articles(
                store, [a for ids in members.values() for a in ids]
            )
    # 3. enrich the changed stories
    rows, reused, skipped = _enrich(desk, targets, members, pid, previous, stage, progress)
    # 4. timeline through the term index
    with stage("timeline"):
        terms = {r["id"]: _terms(r) for r in rows}
        written = set(terms)
        stored = None if full else StoredTerms(store)
        exclude = set(previous) if not full else set()
        _link(rows, terms, stored, exclude)
    # 5. revisions and moves
    why = {
        aid: f"merge pass: story {pid[a]} joined {pid[b]} (similarity {sim:.2f})"
        for aid, (a, b, sim) in moved.items()
    }
    moves = []
    for row in rows:
        for aid in row["article_ids"]:
            before = old_story_of.get(aid)
            if before is not None and before != row["id"]:
                moves.append(
                    {
                        "article_id": aid,
                        "from_story": before,
                        "to_story": row["id"],
                        "why": why.get(aid, "re-clustered on rebuild"),
                    }
                )
    revisions = []
    for row in rows:
        old = previous.get(row["id"])
        changes = story_changes(_as_dict(old) if old is not None else None, row)
        if changes:
            revisions.append({"story_id": row["id"], "changes": changes})
    merged = {pid[s] for s in removed}
    gone = [sid for sid in previous if sid not in written and (full or sid in merged)]
    for sid in gone:
        first = previous[sid].data.get("articles") or [{}]
        into = replay.clusterer.story_of(str(first[0].get("id")))
        changes = {"merged_into": pid.get(into)} if into else {"removed": True}
        revisions.append({"story_id": sid, "changes": changes})
    # 6. store in one transaction
    with stage("store"):
        builds.commit_build(
            store,
            BuildWrite(
                seq=seq,
                key=key,
                checkpoint=replay.dumps(),
                rows=rows,
                removed=gone,
                replace_all=full,
                moves=moves,
                revisions=revisions,
                terms={sid: terms[sid] for sid in written},
                built=new_ids,
            ),
        )
    if desk.config.webhook_urls:
        from quorum.web.webhooks import notify_action_items

        notify_action_items(desk, rows)
    return _summary(
        store, len(moves), reused, skipped, len(new_ids), len(rows), full, stage.seconds
    )


def _enrich(
    desk: Desk,
    targets: list[str],
    members: dict[str, list[int]],
    pid: dict[str, str],
    previous: dict[str, Any],
    stage: Stages,
    progress: Progress | None,
) -> tuple[list[dict], int, int]:
    store, registry, config = desk.store, desk.registry, desk.config
    run_id = "build-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S-%f")
    with stage("enrich"):
        models = Models.load(config)
        # media outlets' names (not government ones: NASA publishes and is also news)
        media = frozenset(o.name for o in registry if o.kind != "government")
        enrichers = default_enrichers(models, config, media)
        check_order(enrichers)
        knowledge = knowledge_hash()
    rows: list[dict] = []
    reused = skipped = 0
    # One thread for BLAS and OpenMP: a story's matrices are tiny, and sklearn's k-means of
    # the analysis section ran ~7x slower on 2 threads than on one (same labels).
    with threadpool_limits(1):
        for start in range(0, len(targets), _ENRICH_CHUNK):
            chunk = targets[start : start + _ENRICH_CHUNK]
            with stage("load"):
                by_id = builds.load_articles(store, [a for s in chunk for a in members[s]])
            for sid in chunk:
                with stage("compose"):
                    story = build_story(
                        pid[sid],
                        [(str(i), by_id[i]) for i in members[sid]],
                        registry.owner_of,
                        containment=config.near_duplicate_containment,
                        domain_named=registry.domain_named,
                    )
                with stage("enrich"):
                    row, was_reused = _story_row(
                        story, by_id, previous.get(story.id), enrichers, desk, knowledge, run_id
                    )
                if row is None:
                    skipped += 1
                else:
                    rows.append(row)
                    reused += was_reused
                if progress:
                    progress(1)
    return rows, reused, skipped


def _story_row(
    story: Story,
    by_id: dict[int, Article],
    old: Any,
    enrichers: list,
    desk: Desk,
    knowledge: str,
    run_id: str,
) -> tuple[dict | None, bool]:
    """The stored row of one story, enriched (or its stored results when its articles did
    not change); None when enrichment failed (logged, the build goes on)."""
    ids = [int(i) for i in story.article_ids]
    fp = _fingerprint(ids, desk.config, knowledge)
    reused = old is not None and old.data.get("fingerprint") == fp
    if reused:
        data = dict(old.data)
        status, impact, sentiment = old.status, old.impact, old.sentiment
    else:
        try:
            ctx = _context(story, by_id)
            run_enrichers(enrichers, ctx)
            meta = [_article_meta(by_id[i], ctx, desk.registry) for i in ids]
            outlets = {o.key: o.outlets for o in story.origins}
            data = story_data(ctx, meta, outlets)
        except Exception as exc:  # one story's data must never stop the whole build
            _log_skip(desk.store, run_id, story, exc)
            return None, False
        data["fingerprint"] = fp
        status = ctx["gate"].status
        impact = ctx["impact"].value
        sentiment = ctx["sentiment"].value
    title = (data.get("headline") or {}).get("text") or story.title
    row = {
        "id": story.id,
        "title": title,
        "article_ids": ids,
        "first_seen": story.first_seen,
        "last_seen": story.last_seen,
        "independent_sources": story.independent_sources,
        "status": status,
        "impact": impact,
        "sentiment": sentiment,
        "data": data,
    }
    return row, reused


def _terms(row: dict) -> list[str]:
    names = [e.get("name") or "" for e in row["data"].get("entities", [])[:_TIMELINE_TERMS]]
    return list(dict.fromkeys(fold(n) for n in names if n.strip()))


def _utc(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _link(
    rows: list[dict],
    terms: dict[str, list[str]],
    stored: StoredTerms | None,
    exclude: set[str],
    rules: TimelineRules | None = None,
) -> None:
    """Set each row's ``data["timeline"]``: related earlier stories, found through the term
    index (the stored one, minus ``exclude``, plus ``rows``)."""
    import bisect

    rules = rules or TimelineRules()
    cap = rules.max_postings
    memory: dict[str, list[tuple[datetime, str, str]]] = {}
    for row in rows:
        if row["first_seen"] is not None:
            for t in terms[row["id"]]:
                memory.setdefault(t, []).append((_utc(row["first_seen"]), row["id"], row["title"]))
    for posting in memory.values():
        posting.sort()
    everything = {t for ts in terms.values() for t in ts}
    frequency = {t: len(memory.get(t, ())) for t in everything}
    total = len(rows) + 1
    if stored is not None:
        for t, n in stored.counts(everything).items():
            frequency[t] += n
        total += stored.story_count() - len(exclude)  # every excluded story is stored
        for ts in stored.terms_of(exclude).values():
            for t in ts:
                if t in frequency:
                    frequency[t] -= 1
    for row in rows:
        before = _utc(row["first_seen"]) if row["first_seen"] is not None else None
        found: dict[str, list] = {}
        for t in terms[row["id"]]:
            posting = memory.get(t, [])
            end = bisect.bisect_left(posting, (before,)) if before is not None else len(posting)
            hits = [Posting(sid, title, fs) for fs, sid, title in posting[max(0, end - cap) : end]]
            if stored is not None:
                more = stored.postings(t, before, cap + len(exclude))
                hits += [p for p in more if p.story_id not in exclude]
            hits.sort(key=lambda p: (_utc(p.first_seen), p.story_id), reverse=True)
            for p in hits[:cap]:
                found.setdefault(p.story_id, [p.title, p.first_seen, []])[2].append(t)
        archive = [StorySketch(sid, title, fs, tuple(ts)) for sid, (title, fs, ts) in found.items()]
        names = [e.get("name") or "" for e in row["data"].get("entities", [])[:_TIMELINE_TERMS]]
        target = StorySketch(row["id"], row["title"], row["first_seen"], tuple(names))
        row["data"]["timeline"] = [
            {
                "story_id": e.story_id,
                "title": e.title,
                "date": e.date.isoformat() if e.date else None,
                "shared": list(e.shared_terms),
            }
            for e in related_stories(target, archive, rules=rules, frequency=frequency, total=total)
        ]


def _as_dict(row: Any) -> dict:
    return {
        "article_ids": [int(a.get("id")) for a in (row.data or {}).get("articles") or []],
        "status": row.status,
        "impact": row.impact,
        "sentiment": row.sentiment,
        "title": row.title,
        "data": row.data or {},
    }


def _summary(
    store: Any,
    moved: int,
    reused: int,
    skipped: int,
    new_articles: int,
    touched: int,
    full: bool,
    seconds: dict[str, float],
) -> BuildSummary:
    counts = builds.status_counts(store)
    return BuildSummary(
        sum(counts.values()),
        counts.get("verified", 0),
        counts.get("single_source", 0),
        counts.get("held", 0),
        moved,
        reused,
        skipped,
        new_articles=new_articles,
        touched=touched,
        full=full,
        seconds={k: round(v, 3) for k, v in seconds.items()},
    )
