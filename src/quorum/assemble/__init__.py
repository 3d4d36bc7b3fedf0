"""Story assembly: articles -> stories (online clustering) -> origins (independent sources).

``StoryClusterer`` files each arriving article into a story; ``build_story`` turns a
story's articles into a ``Story`` record whose ``origins`` group syndicated copies, wire
reprints and same-owner outlets, so ``independent_sources`` counts each source once.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from quorum.assemble.cluster import ClusterParams, Move, StoryClusterer, story_id_for
from quorum.assemble.syndication import CreditLines, build_story, find_origins

__all__ = [
    "ClusterParams",
    "CreditLines",
    "Move",
    "StoryClusterer",
    "build_story",
    "cluster_params",
    "find_origins",
    "story_id_for",
]


def cluster_params(config: Any) -> ClusterParams:
    """The clusterer's parameters with the settings file's overrides applied."""
    return dataclasses.replace(
        ClusterParams(),
        threshold=float(config.cluster_threshold),
        expire_days=float(config.story_expire_days),
        followup_days=float(config.story_followup_days),
    )
