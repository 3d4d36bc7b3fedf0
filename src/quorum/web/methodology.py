"""The methodology page: the gate rules, impact rubric, sentiment tiers and public settings.

Generated from the settings the desk runs with and the data files it ships, so the page
cannot drift from what the code does. The notes shipped as Markdown are rendered from a
tiny safe subset (headings, paragraphs, lists, tables, ``code`` and **bold**): nothing in
them can become markup.
"""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from quorum.settings import SETTINGS

if TYPE_CHECKING:
    from quorum.web.pages import Site

TIERS = ("very_negative", "negative", "neutral", "positive", "very_positive")

# Settings that describe how this machine fetches (network trust, hosts it may reach), not
# how the desk judges news: a reader learns nothing from them and an attacker learns which
# internal hosts are trusted. They stay in `quorum settings` and the README, not on the page.
INTERNAL_SETTINGS = frozenset(
    {
        "allow_private_hosts",
        "canonical_trusted_hosts",
        "database",
        "webhook_urls",
        "llm_base_url",
        "llm_api_key_env",
    }
)


def methodology_page(site: Site) -> dict[str, Any]:
    cfg = site.config
    settings = [
        {
            "name": s.name,
            "value": _shown(_public(s.name, getattr(cfg, s.name))),
            "default": _shown(s.default),
            "changed": getattr(cfg, s.name) != s.default,
            "help": s.help,
            "help_runs": inline_runs(s.help),
        }
        for s in SETTINGS
        if s.name not in INTERNAL_SETTINGS
    ]
    min_sources = getattr(cfg, "min_sources", 2)
    policy = getattr(cfg, "single_source_policy", "hold")
    gate = [
        f"A story is published as verified when at least {min_sources} independent sources "
        "tell it. Copies of one text (syndication, wire reprints, outlets of one owner) "
        "count as one source.",
        f"A key fact must be stated, unhedged, by at least {min_sources} independent "
        "sources and not contradicted by another.",
        'Hedged claims ("reportedly", anonymous sources) are never key facts; they are '
        "shown with their label.",
        (
            "Stories with fewer sources are held: they stay off the home page, the feeds and "
            "search until a second source agrees."
            if policy != "label"
            else 'Stories with fewer sources are shown, marked "Single source — unverified".'
        ),
        f"A story with impact of {site.action_threshold:g} or more is an action item: it is "
        "listed first and has its own feed.",
        "Every sentence and number shown links to the exact sentence of the article it comes from.",
    ]
    return {
        "title": "Methodology",
        "settings": settings,
        "gate": gate,
        "thresholds": {
            "min_sources": min_sources,
            "single_source_policy": policy,
            "action_item_threshold": site.action_threshold,
            "beat_threshold": getattr(cfg, "beat_threshold", None),
        },
        "impact_rubric": _impact_rubric(),
        "sentiment_tiers": _sentiment_tiers(),
    }


def _public(name: str, value: Any) -> Any:
    """A setting as the public may see it: no database password, no webhook paths (which
    often carry a secret token). Kept although both are internal, for callers that list
    every setting."""
    if name == "database" and isinstance(value, str):
        return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", value)
    if name == "webhook_urls" and isinstance(value, list):
        return [urlsplit(str(u)).scheme + "://" + urlsplit(str(u)).netloc + "/…" for u in value]
    return value


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _impact_rubric() -> dict[str, Any] | None:
    try:
        raw = tomllib.loads(
            (resources.files("quorum") / "data" / "impact_rubric.toml").read_text("utf-8")
        )
    except (OSError, tomllib.TOMLDecodeError):
        return None
    components = []
    for name, comp in (raw.get("components") or {}).items():
        rules = [
            {
                "name": r.get("name", ""),
                "points": r.get("points"),
                "terms": list(r.get("terms") or []),
            }
            for r in comp.get("rules") or []
        ]
        components.append(
            {"name": name, "cap": comp.get("cap"), "rules": rules, "scales": _scales(comp)}
        )
    return {
        "base": raw.get("base"),
        "max_score": raw.get("max_score"),
        "hedged_factor": raw.get("hedged_factor"),
        "action_item_threshold": raw.get("action_item_threshold"),
        "components": components,
    }


# The stepped scales a component may carry besides its term rules, and how to read a step.
SCALES = {
    "money_breakpoints": ("Largest sum in the story (USD)", "${:,.0f} or more"),
    "country_breakpoints": ("Distinct countries named", "{:g} or more"),
    "actor_breakpoints": ("Distinct actors named", "{:g} or more"),
}


def _scales(comp: dict[str, Any]) -> list[dict[str, Any]]:
    """A component's breakpoint scales as readable steps, so no component shows empty."""
    out = []
    for key, (title, step) in SCALES.items():
        points = comp.get(key)
        if not isinstance(points, list):
            continue
        steps = [
            {"at": step.format(float(p[0])), "points": p[1]}
            for p in points
            if isinstance(p, list | tuple) and len(p) == 2
        ]
        if steps:
            out.append({"title": title, "steps": steps})
    return out


def _sentiment_tiers() -> dict[str, Any] | None:
    folder = resources.files("quorum") / "data" / "sentiment"
    out: dict[str, Any] = {"tiers": list(TIERS)}
    try:
        cuts = json.loads((folder / "tiers.json").read_text("utf-8"))
        # numbers only: the prose fields repeat what the notes below say
        out["cuts"] = {k: v for k, v in cuts.items() if isinstance(v, int | float)}
    except (OSError, ValueError, AttributeError):
        out["cuts"] = None
    try:
        blocks = markdown_blocks((folder / "TIERS.md").read_text("utf-8"))
    except OSError:
        blocks = []
    # The note's own title repeats the section heading the page already gives it.
    if blocks and blocks[0]["kind"] == "heading" and blocks[0]["text"] == "Sentiment tiers":
        blocks = blocks[1:]
    out["notes"] = blocks
    return out if out["cuts"] or out["notes"] else None


_INLINE = re.compile(r"`([^`]+)`|\*\*([^*]+)\*\*")
_ITEM = re.compile(r"^\s*(?:[-*]|\d+\.)\s+")


def inline_runs(text: str) -> list[dict[str, str]]:
    """``code`` and **bold** as styled runs of plain text (the template escapes each)."""
    runs, pos = [], 0
    for m in _INLINE.finditer(text):
        if m.start() > pos:
            runs.append({"text": text[pos : m.start()], "style": ""})
        code, bold = m.group(1), m.group(2)
        runs.append({"text": code if code is not None else bold, "style": "code" if code else "b"})
        pos = m.end()
    if pos < len(text):
        runs.append({"text": text[pos:], "style": ""})
    return runs


def markdown_blocks(text: str) -> list[dict[str, Any]]:
    """A Markdown note as blocks the template renders safely: headings, tables, lists, text.

    Deliberately tiny (no links, no HTML pass-through): enough for the notes that ship with
    the data files, and nothing in them can become markup. Text, list items and table cells
    carry ``runs`` (see ``inline_runs``); ``text`` keeps the source line for the JSON.
    """
    blocks: list[dict[str, Any]] = []
    for chunk in (c.strip() for c in text.split("\n\n")):
        if not chunk:
            continue
        lines = chunk.splitlines()
        if chunk.startswith("#") and len(lines) == 1:
            heading = chunk.lstrip("#").strip()
            blocks.append({"kind": "heading", "text": heading, "runs": inline_runs(heading)})
        elif all(line.strip().startswith("|") for line in lines) and len(lines) >= 2:
            rows = [
                [cell.strip() for cell in line.strip().strip("|").split("|")]
                for line in lines
                if not set(line.strip()) <= set("|-: ")
            ]
            blocks.append(
                {
                    "kind": "table",
                    "header": rows[0],
                    "rows": rows[1:],
                    "header_runs": [inline_runs(c) for c in rows[0]],
                    "row_runs": [[inline_runs(c) for c in r] for r in rows[1:]],
                }
            )
        elif _ITEM.match(lines[0]):
            items: list[str] = []
            for line in lines:
                if _ITEM.match(line):
                    items.append(_ITEM.sub("", line, count=1))
                elif items:  # a wrapped item continues on an indented line
                    items[-1] += " " + line.strip()
            blocks.append(
                {
                    "kind": "list",
                    "ordered": lines[0].lstrip()[:1].isdigit(),
                    "items": items,
                    "item_runs": [inline_runs(i) for i in items],
                }
            )
        else:
            joined = " ".join(line.strip() for line in lines)
            blocks.append({"kind": "text", "text": joined, "runs": inline_runs(joined)})
    return blocks
