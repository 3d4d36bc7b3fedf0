"""The clusterer kept between builds: each build feeds it one batch of new articles.

A build's batch is sorted by ``arrival_order`` (publication time, then URL) and filed into
the clusterer left by the previous build, with a merge pass every ``merge_every`` arrivals
(counted over all batches) and at the end of the batch. A full rebuild replays the stored
batches in the order they were built, so both paths make the same stories.

Published ids come from founders' canonical URLs (``story_id_for``); a clash is settled
within the batch that founded the stories, by URL order, against every id given before.
"""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from quorum.assemble.cluster import ClusterParams, StoryClusterer, story_id_for
from quorum.records import Article

# Bump when Replay's pickled layout changes: an old checkpoint then means a full rebuild.
CHECKPOINT_VERSION = 1


@dataclass
class BatchResult:
    """What one batch changed, in the clusterer's story ids."""

    changed: list[str]  # stories that gained or lost articles (still present)
    removed: list[str]  # stories merged away
    # article id -> (from story, to story, similarity) for every article a merge pass moved
    moves: dict[int, tuple[str, str, float]] = field(default_factory=dict)


class Replay:
    """A ``StoryClusterer`` with the arrival count and the published ids of its stories."""

    def __init__(self, params: ClusterParams) -> None:
        self.params = params
        self.clusterer = StoryClusterer(params)
        self.arrivals = 0
        self.pids: dict[str, str] = {}  # clusterer story id -> published story id
        self._taken: set[str] = set()

    def feed(self, articles: Sequence[Article]) -> BatchResult:
        """File one batch (any order: it is sorted here) and return what changed."""
        from quorum.pipeline import arrival_order

        articles = arrival_order(articles)
        every = self.params.merge_every
        changed: dict[str, None] = {}
        founders: dict[str, str] = {}
        raw_moves = []
        for article in articles:
            sid = self.clusterer.add(article, str(article.id))
            if sid not in self.pids and sid not in founders:
                founders[sid] = article.url
            changed[sid] = None
            self.arrivals += 1
            if self.arrivals % every == 0:
                raw_moves.extend(self.clusterer.merge_pass())
        if articles and self.arrivals % every:
            raw_moves.extend(self.clusterer.merge_pass())
        self._name(founders)
        removed: dict[str, None] = {}
        moves: dict[int, tuple[str, str, float]] = {}
        for m in raw_moves:
            changed[m.to_story] = None
            removed[m.from_story] = None
            moves[int(m.article_key)] = (m.from_story, m.to_story, m.similarity)
        members = self.clusterer.members
        return BatchResult(
            [s for s in changed if members(s)], [s for s in removed if not members(s)], moves
        )

    def _name(self, founders: dict[str, str]) -> None:
        """Published ids for the stories this batch founded (see the module docstring)."""
        for sid, url in sorted(founders.items(), key=lambda kv: (kv[1], kv[0])):
            pid = story_id_for(url)
            while pid in self._taken:
                pid = story_id_for(pid)
            self._taken.add(pid)
            self.pids[sid] = pid

    def members(self, sid: str) -> list[int]:
        """Article ids of one story, in arrival order."""
        return [int(k) for k in self.clusterer.members(sid)]

    def dumps(self) -> bytes:
        """The checkpoint stored with the stories it produced."""
        raw = pickle.dumps((CHECKPOINT_VERSION, self), protocol=pickle.HIGHEST_PROTOCOL)
        return zlib.compress(raw, 1)

    @staticmethod
    def loads(blob: bytes, params: ClusterParams) -> Replay | None:
        """The stored checkpoint, or None when it is from other parameters or layout.

        The blob is read only from the desk's own database, written by a build.
        """
        try:
            version, replay = pickle.loads(zlib.decompress(blob))  # noqa: S301
        except Exception:  # a checkpoint from another version of Quorum: rebuild in full
            return None
        if version != CHECKPOINT_VERSION or not isinstance(replay, Replay):
            return None
        if replay.params != params:
            return None
        return replay
