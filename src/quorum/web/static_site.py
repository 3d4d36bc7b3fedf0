"""``quorum build-site``: a static copy of the site, every page as index.html + .json.

Pages are rendered by the same page functions and templates as the live site, with a
``Linker`` that writes relative links (``../../story/x/index.html``) so the copy works from
any folder, from disk or from a plain file server. The home page's filters and search need
a server and are left out of the copy.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment

from quorum.settings import Config
from quorum.store import Store
from quorum.store import index as ix
from quorum.web import pages
from quorum.web.feeds import build_feed
from quorum.web.render import Linker, entity_path, environment, outlet_path, render

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildReport:
    pages: int
    folder: Path


@dataclass(frozen=True)
class _Writer:
    site: pages.Site
    env: Environment
    root: Path

    def page(self, route: str, template: str, build: Callable[[], dict[str, Any]]) -> bool:
        """Write ``route``/index.html and ``route``.json.

        ``route`` is the site path as linked, its segments already URL-quoted; files are
        named by those quoted segments, which is what a browser asks for once it has
        decoded the Linker's twice-quoted href.
        """
        try:
            data = build()
        except pages.NotFound as exc:
            log.info("skipped %s: %s", route or "/", exc)
            return False
        segments = [s for s in route.split("/") if s]
        folder = self.root.joinpath(*segments)
        folder.mkdir(parents=True, exist_ok=True)
        json_file = (
            (self.root / "index.json") if not segments else folder.parent / (segments[-1] + ".json")
        )
        json_file.write_text(json.dumps(pages.jsonable(data), ensure_ascii=False), encoding="utf-8")
        json_path = "/" + route + ".json" if route else "/index.json"
        html = render(
            self.env,
            template,
            data,
            site_title=self.site.config.site_title,
            glossary=self.site.glossary,
            linker=Linker(True, len(segments)),
            json_path=json_path,
            current="/" + route,
        )
        (folder / "index.html").write_text(html, encoding="utf-8")
        return True


def build_site(store: Store, config: Config, folder: str | Path) -> BuildReport:
    """Write the whole site under ``folder`` (created; existing files are overwritten)."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    site = pages.Site.create(store, config)
    w = _Writer(site, environment(), root)
    count = 0
    shutil.copytree(
        str(resources.files("quorum.web") / "static"), root / "static", dirs_exist_ok=True
    )
    page = 1
    while True:  # home pages until the last one
        data = pages.home_page(site, page)
        w.page(
            "" if page == 1 else f"page/{page}",
            "home.html.j2",
            lambda p=page: pages.home_page(site, p),
        )
        count += 1
        if not data["next_page"]:
            break
        page += 1
    for name, template, build in (
        ("trends", "trends.html.j2", pages.trends_page),
        ("glossary", "glossary.html.j2", pages.glossary_page),
        ("methodology", "methodology.html.j2", pages.methodology_page),
    ):
        count += w.page(name, template, lambda b=build: b(site))
    article_ids: set[int] = set()
    for sid in ix.all_story_ids(store, site.listed_statuses):
        route = f"story/{quote(sid, safe='')}"
        if w.page(route, "story.html.j2", lambda s=sid: pages.story_page(site, s)):
            count += 1
            article_ids.update(store.story_article_ids(sid))
    names = ix.all_names(store, site.listed_statuses)
    for name in names:
        count += w.page(
            entity_path(name)[1:], "entity.html.j2", lambda n=name: pages.entity_page(site, n)
        )
    for outlet in store.outlets():
        data = pages.outlet_page(site, outlet.domain)
        article_ids.update(a["id"] for a in data["articles"])  # outlet pages link them
        count += w.page(outlet_path(outlet.domain)[1:], "outlet.html.j2", lambda d=data: d)
    for aid in sorted(article_ids):
        count += w.page(
            f"article/{aid}", "article.html.j2", lambda a=aid: pages.article_page(site, a)
        )
    feeds = root / "feeds"
    (feeds / "entity").mkdir(parents=True, exist_ok=True)
    base = config.site_url or "http://localhost/"
    (feeds / "verified.atom").write_bytes(build_feed(site, "verified", base))
    (feeds / "action-items.atom").write_bytes(build_feed(site, "action-items", base))
    for name in names:
        (feeds / "entity" / (quote(name, safe="") + ".atom")).write_bytes(
            build_feed(site, "entity", base, name)
        )
    return BuildReport(count, root)
