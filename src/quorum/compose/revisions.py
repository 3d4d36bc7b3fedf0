"""What changed in a story between two builds, so an analyst sees what is new since yesterday.

A revision lists the new articles and sources, facts that appeared or were dropped, a
status change (held -> verified), a new headline, and impact or sentiment moves larger
than re-scoring noise. An empty diff is no revision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RevisionRules:
    """How far a score must move to count as a change.

    ``impact_step`` 0.5: impact is on a 0-10 rubric whose bands are a point or more apart,
    so half a point is the smallest move an analyst would act on. ``sentiment_step`` 0.1:
    sentiment is on -1..1, and its tiers are 0.2-0.3 wide.
    """

    impact_step: float = 0.5
    sentiment_step: float = 0.1


def _facts(data: Mapping[str, Any]) -> list[str]:
    return [
        f["text"]
        for f in data.get("key_facts") or []
        if isinstance(f, dict) and isinstance(f.get("text"), str)
    ]


def _outlets(data: Mapping[str, Any]) -> dict[int, str]:
    return {
        int(a["id"]): str(a.get("outlet") or "")
        for a in data.get("articles") or []
        if isinstance(a, dict) and a.get("id") is not None
    }


def _moved(old: float | None, new: float | None, step: float) -> bool:
    if old is None or new is None:
        return old is not new
    return abs(new - old) >= step


def story_changes(
    old: Mapping[str, Any] | None, new: Mapping[str, Any], rules: RevisionRules | None = None
) -> dict[str, Any]:
    """The changes from ``old`` to ``new`` (dicts with ``article_ids``, ``status``,
    ``impact``, ``sentiment``, ``title``, ``data``); ``old`` None: the story is new."""
    rules = rules or RevisionRules()
    new_data = new.get("data") or {}
    outlets = _outlets(new_data)
    if old is None:
        return {
            "new_story": True,
            "articles_added": [int(i) for i in new["article_ids"]],
            "sources_added": sorted(set(outlets.values()) - {""}),
            "status": [None, new.get("status")],
            "facts_added": _facts(new_data),
        }
    old_data = old.get("data") or {}
    changes: dict[str, Any] = {}
    before = {int(i) for i in old["article_ids"]}
    after = [int(i) for i in new["article_ids"]]
    added = [i for i in after if i not in before]
    if added:
        changes["articles_added"] = added
    dropped = sorted(before - set(after))
    if dropped:
        changes["articles_removed"] = dropped
    sources = sorted(
        set(outlets.values()) - set(_outlets(old_data).values()) - {""},
    )
    if sources:
        changes["sources_added"] = sources
    old_facts, new_facts = _facts(old_data), _facts(new_data)
    if facts := [f for f in new_facts if f not in set(old_facts)]:
        changes["facts_added"] = facts
    if facts := [f for f in old_facts if f not in set(new_facts)]:
        changes["facts_dropped"] = facts
    for name in ("status", "title"):
        if old.get(name) != new.get(name):
            changes[name] = [old.get(name), new.get(name)]
    for name, step in (("impact", rules.impact_step), ("sentiment", rules.sentiment_step)):
        if _moved(old.get(name), new.get(name), step):
            changes[name] = [old.get(name), new.get(name)]
    return changes


def describe(changes: Mapping[str, Any]) -> list[str]:
    """One line per change, for ``quorum story ID --history`` and the updates feed."""
    lines = []
    if changes.get("new_story"):
        lines.append("first published")
    if changes.get("merged_into"):
        lines.append(f"merged into story {changes['merged_into']}")
    if n := len(changes.get("articles_added") or []):
        lines.append(f"{n} new article(s)")
    if n := len(changes.get("articles_removed") or []):
        lines.append(f"{n} article(s) left the story")
    if sources := changes.get("sources_added"):
        lines.append("new source(s): " + ", ".join(sources))
    for name in ("status", "title", "impact", "sentiment"):
        pair = changes.get(name)
        if pair and not (name == "status" and changes.get("new_story")):
            lines.append(f"{name}: {_show(pair[0])} -> {_show(pair[1])}")
        elif pair and name == "status":
            lines.append(f"status: {_show(pair[1])}")
    for fact in changes.get("facts_added") or []:
        lines.append(f"new fact: {fact}")
    for fact in changes.get("facts_dropped") or []:
        lines.append(f"fact dropped: {fact}")
    return lines


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)
