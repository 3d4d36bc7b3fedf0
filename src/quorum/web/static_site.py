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
from quorum.story_contract import story_schema
from quorum.web import pages
from quorum.web.feeds import build_feed
from quorum.web.render import Linker, entity_path, environment, outlet_path, render

log = logging.getLogger(__name__)


# Written at the top of every copy: a folder holding it is an earlier build, which a new
# build may clear; any other non-empty folder is refused (it may hold someone's files).
MARKER = ".quorum-site"
# What a build writes at the top of its folder: all of it is removed before a rebuild, so
# a story no longer published leaves no page behind. Anything else there is kept.
OWNED = (
    "index.html",
    "index.json",
    "page",
    "story",
    "article",
    "entity",
    "outlet",
    "feeds",
    "static",
    "schema",
    *(
        f"{name}{suffix}"
        for name in ("trends", "glossary", "methodology")
        for suffix in ("", ".json")
    ),
)


class FolderNotEmpty(ValueError):
    """The target folder holds files and no earlier build (refused unless forced)."""


@dataclass(frozen=True, slots=True)
class BuildReport:
    pages: int
    folder: Path
    warnings: tuple[str, ...] = ()


def prepare_folder(root: Path, force: bool = False) -> None:
    """An empty or new folder is used as is; an earlier build is cleared of what it wrote;
    any other non-empty folder raises FolderNotEmpty unless ``force`` (then files there
    are overwritten where a page has their name, and the rest kept)."""
    if root.exists() and not root.is_dir():
        raise FolderNotEmpty(f"{root} is a file, not a folder")
    if not root.exists() or not any(root.iterdir()):
        return
    if (root / MARKER).is_file():
        for name in OWNED:
            target = root / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
        return
    if not force:
        raise FolderNotEmpty(
            f"{root} is not empty and holds no earlier Quorum site; choose a new or empty "
            "folder, or pass --force to write into it"
        )


def feed_base(config: Config, depth: int) -> tuple[str, str | None]:
    """The base of the feeds' links, and a warning when it is not an address.

    Without ``site_url`` nobody knows where the copy will be served: the links are then
    relative to the feed file (``../story/ID``), which readers resolve against the feed's
    own address, rather than pointing at a made-up http://localhost/.
    """
    if config.site_url:
        return config.site_url, None
    return "/".join([".."] * depth), (
        "site_url is not set: the Atom feeds link relative to themselves (../story/ID), "
        "which some feed readers do not follow; set site_url in quorum.toml (or "
        "pass --site-url) to the address the copy will be served from"
    )


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


def build_site(
    store: Store, config: Config, folder: str | Path, force: bool = False
) -> BuildReport:
    """Write the whole site under ``folder``: new, empty or an earlier build (replaced);
    another non-empty folder raises FolderNotEmpty unless ``force``."""
    root = Path(folder)
    prepare_folder(root, force)
    root.mkdir(parents=True, exist_ok=True)
    (root / MARKER).write_text("A static copy written by `quorum build-site`.\n", "utf-8")
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
    base, warning = feed_base(config, 1)
    (feeds / "verified.atom").write_bytes(build_feed(site, "verified", base))
    (feeds / "action-items.atom").write_bytes(build_feed(site, "action-items", base))
    entity_base, _ = feed_base(config, 2)  # feeds/entity/NAME.atom: one folder deeper
    for name in names:
        (feeds / "entity" / (quote(name, safe="") + ".atom")).write_bytes(
            build_feed(site, "entity", entity_base, name)
        )
    (root / "schema").mkdir(exist_ok=True)
    (root / "schema" / "story.json").write_text(
        json.dumps(story_schema(), indent=1, ensure_ascii=False), encoding="utf-8"
    )
    return BuildReport(count, root, (warning,) if warning else ())
