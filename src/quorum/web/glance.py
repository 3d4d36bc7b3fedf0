"""What a reader sees at a glance on story pages and cards, derived from the stored data:
impact levels and tone for the chips, the source mix, who copied whom, and stakeholder
reasons said in words. Pure functions of the page data (no store access).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from functools import cache
from importlib import resources

# Impact chip bands below the action threshold, from the rubric's calibration intent: a
# routine launch or small contract lands at 2-4, a $1B award with a regulatory angle 5-6.
IMPACT_BANDS = (("high", 6.0), ("medium", 4.0))


def source_mix(sources: list[dict], outlets: dict[str, dict], independent: int) -> dict:
    """How the story is sourced, at a glance: originals, copies, and the kinds of outlet."""
    kinds: dict[str, int] = defaultdict(int)
    for domain in {str(a.get("outlet") or "") for a in sources}:
        kinds[(outlets.get(domain) or {}).get("kind") or "other"] += 1
    copies = sum(1 for a in sources if a.get("is_copy"))
    return {
        "articles": len(sources),
        "originals": len(sources) - copies,
        "copies": copies,
        "independent": independent,
        "outlet_kinds": [{"kind": k, "outlets": n} for k, n in sorted(kinds.items())],
    }


def origin_groups(sources: list[dict], origins: list[dict]) -> list[dict]:
    """One group per original text: its first telling and the articles that copy it, with
    why they count as one source. The picture of who copied whom."""
    why = {str(o.get("key")): [str(w) for w in o.get("why") or []] for o in origins}
    groups: dict[str, dict] = {}
    for a in sources:
        key = str(a.get("origin") or a.get("id"))
        group = groups.setdefault(key, {"key": key, "articles": [], "why": why.get(key, [])})
        group["articles"].append(
            {
                "id": a.get("id"),
                "outlet": a.get("outlet"),
                "outlet_name": a.get("outlet_name"),
                "title": a.get("title"),
                "is_copy": bool(a.get("is_copy")),
            }
        )
    for group in groups.values():  # the original first, then its copies in story order
        group["articles"].sort(key=lambda a: a["is_copy"])
        group["copies"] = sum(1 for a in group["articles"] if a["is_copy"])
    return sorted(groups.values(), key=lambda g: -len(g["articles"]))


_EVIDENCE = re.compile(r"^(entity|entity-type|term): (.+)$")
_TYPE_TAG = re.compile(r"\s*\([A-Z_]+\)$")


def stakeholder(s: dict) -> dict:
    """A stakeholder group with its reason as a reader would say it.

    Stored reasons are rule matches ("entity-type: U.S. Space Force (SERVICE); term:
    airmen"); the page says "Names U.S. Space Force. Mentions airmen." A reason that is
    not in that form is shown as written.
    """
    names: list[str] = []
    terms: list[str] = []
    why = str(s.get("why") or "")
    parts = [p.strip() for p in why.split(";") if p.strip()]
    matches = [_EVIDENCE.match(p) for p in parts]
    if parts and all(matches):
        for m in matches:
            assert m is not None
            if m.group(1) == "term":
                if m.group(2).lower() not in (t.lower() for t in terms):
                    terms.append(m.group(2))
            else:
                names.append(_TYPE_TAG.sub("", m.group(2)))
        said = []
        if names:
            said.append("Names " + _and(names) + ".")
        if terms:
            said.append("Mentions " + _and([f"“{t}”" for t in terms]) + ".")
        reason = " ".join(said)
    else:
        reason = why
    return {**s, "names": names, "terms": terms, "reason": reason}


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def impact_level(impact: float | None, action_threshold: float) -> str:
    """low / medium / high / action: the chip colour of an impact score."""
    if impact is None:
        return "none"
    if impact >= action_threshold:
        return "action"
    for level, floor in IMPACT_BANDS:
        if impact >= floor:
            return level
    return "low"


def tier_of(sentiment: float | None) -> str:
    """The story tier of a polarity, with the cuts the sentiment model ships (tiers.json)."""
    if sentiment is None:
        return ""
    neutral, strong = _tier_cuts()
    if abs(sentiment) <= neutral:
        return "neutral"
    side = "positive" if sentiment > 0 else "negative"
    return f"very_{side}" if abs(sentiment) >= strong else side


@cache
def _tier_cuts() -> tuple[float, float]:
    try:
        cuts = json.loads(
            (resources.files("quorum") / "data" / "sentiment" / "tiers.json").read_text("utf-8")
        )
        return float(cuts["aggregate_neutral"]), float(cuts["strong"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0.1, 0.7
