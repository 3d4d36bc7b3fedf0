"""Rendering page dicts to HTML: the Jinja environment, links and safe text helpers.

Autoescape is on for every template; no template marks data ``|safe``. The two helpers
that return markup (``link_terms`` and the SVG charts) escape every piece of data they put
in it themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from quorum.web.charts import bar_chart, line_chart
from quorum.web.glossary import Glossary


@dataclass(frozen=True, slots=True)
class Linker:
    """Turns site paths (``/story/x``) into hrefs: root-relative when served, relative
    (``../../story/x/index.html``) in a static copy so it works from disk or any folder."""

    static: bool = False
    depth: int = 0  # folders between the static page and the site root

    def __call__(self, path: str) -> str:
        if not self.static:
            return path
        parts = urlsplit(path)
        route = parts.path.strip("/")
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        page = parse_qs(parts.query).get("page", ["1"])[0]
        if not route and page.isdigit() and int(page) > 1:
            route = f"page/{page}"
        last = route.rsplit("/", 1)[-1]
        if route and ("." in last and last.rsplit(".", 1)[1] in STATIC_SUFFIXES):
            target = _double_quote(route)
        else:
            target = (_double_quote(route) + "/" if route else "") + "index.html"
        return "../" * self.depth + target + fragment


STATIC_SUFFIXES = {"json", "atom", "css", "js", "svg", "png", "ico", "txt"}


def _double_quote(route: str) -> str:
    # Static files are named by the once-quoted segment ("Space%20Force"); a browser
    # decodes an href once, so the link quotes it again.
    return "/".join(quote(seg, safe="") for seg in route.split("/"))


def entity_path(name: str) -> str:
    return "/entity/" + quote(name, safe="")


def outlet_path(domain: str) -> str:
    return "/outlet/" + quote(domain, safe="")


def cite_path(cited: Any) -> str:
    """``/article/{id}#s-{start}-{end}``: the exact sentence a shown sentence came from."""
    if not isinstance(cited, dict) or cited.get("article_id") is None:
        return ""
    path = f"/article/{cited['article_id']}"
    if cited.get("field") == "title":
        return path
    return f"{path}#s-{cited.get('start', 0)}-{cited.get('end', 0)}"


def fmt_date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC") if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and len(value) >= 10:
        return value[:16].replace("T", " ")
    return str(value or "")


def http_url(value: Any) -> str:
    """``value`` if it is an http(s) URL, else "": a ``javascript:`` link in stored data
    would run on click even though it is escaped."""
    text = str(value or "").strip()
    return text if urlsplit(text).scheme.lower() in ("http", "https") else ""


def fmt_num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def make_link_terms(glossary: Glossary, linker: Linker):
    """A filter that escapes ``text`` and links its glossary terms to /glossary#anchor."""

    def link_terms(text: Any) -> Markup:
        text = "" if text is None else str(text)
        out, pos = [], 0
        for hit in glossary.find(text):
            out.append(escape(text[pos : hit.start]))
            href = linker("/glossary") + "#" + hit.term.anchor
            out.append(
                Markup('<a class="term" href="{}" title="{}">{}</a>').format(
                    href, hit.term.expansion or hit.term.term, text[hit.start : hit.end]
                )
            )
            pos = hit.end
        out.append(escape(text[pos:]))
        return Markup("").join(out)

    return link_terms


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("quorum.web", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        auto_reload=False,  # templates ship with the package: no per-request mtime checks
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(date=fmt_date, num=fmt_num, http_url=http_url)
    env.globals.update(
        entity_path=entity_path,
        outlet_path=outlet_path,
        cite_path=cite_path,
        line_chart=line_chart,
        bar_chart=bar_chart,
    )
    return env


def render(
    env: Environment,
    template: str,
    data: dict[str, Any],
    *,
    site_title: str,
    glossary: Glossary,
    linker: Linker,
    json_path: str,
    current: str = "",
) -> str:
    """HTML for one page dict; ``json_path`` is the same page's ``.json`` twin."""
    return env.get_template(template).render(
        data=data,
        url=linker,
        static=linker.static,
        site_title=site_title,
        link_terms=make_link_terms(glossary, linker),
        json_path=json_path,
        current=current,
    )
