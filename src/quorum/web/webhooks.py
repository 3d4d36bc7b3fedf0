"""Webhooks: POST each new action item to the URLs in the ``webhook_urls`` setting.

"New" means not notified before: the ``notified_items`` table remembers every story id
sent, so rebuilding stories does not repeat a notification. A receiver that fails is
logged and retried on the next build (the story is only marked once a POST succeeded).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from quorum.store import index as ix

log = logging.getLogger(__name__)


def _field(story: Any, name: str) -> Any:
    return story.get(name) if isinstance(story, dict) else getattr(story, name, None)


def action_item_payload(story: Any, base_url: str) -> dict[str, Any]:
    data = _field(story, "data") or {}
    sid = _field(story, "id")
    return {
        "event": "action_item",
        "story_id": sid,
        "title": (data.get("headline") or {}).get("text") or _field(story, "title"),
        "impact": _field(story, "impact"),
        "label": data.get("label", ""),
        "independent_sources": _field(story, "independent_sources"),
        "takeaways": [t.get("text") for t in data.get("takeaways") or [] if isinstance(t, dict)],
        "url": f"{base_url.rstrip('/')}/story/{sid}" if base_url else f"/story/{sid}",
    }


def notify_action_items(desk: Any, stories: list[Any]) -> list[str]:
    """POST new verified action items; returns the story ids notified this time.

    ``stories`` are the dicts given to ``store.replace_stories`` or ``StoryRow`` objects.
    """
    urls = list(desk.config.webhook_urls or [])
    threshold = ix.action_threshold()
    candidates = [
        s
        for s in stories
        if _field(s, "status") == "verified" and (_field(s, "impact") or 0) >= threshold
    ]
    if not urls or not candidates:
        return []
    done = ix.notified(desk.store, [_field(s, "id") for s in candidates])
    sent = []
    with httpx.Client(timeout=float(desk.config.webhook_timeout)) as client:
        for story in candidates:
            if _field(story, "id") in done:
                continue
            payload = action_item_payload(story, desk.config.site_url)
            ok = True
            for url in urls:
                try:
                    client.post(url, json=payload).raise_for_status()
                except httpx.HTTPError as exc:
                    ok = False
                    log.warning("webhook %s failed for story %s: %s", url, payload["story_id"], exc)
            if ok:
                ix.mark_notified(desk.store, payload["story_id"])
                sent.append(payload["story_id"])
    return sent
