"""The demo newsroom as a real web site: RSS/Atom feeds and HTML article pages on localhost.

Quorum's demo and its end-to-end tests must exercise the real ingest path (feed parsing,
page fetching, boilerplate removal) without the internet, so the fictional sample newsroom
in ``quorum/data/sample`` (``outlets.toml`` + ``articles.jsonl``) is served over HTTP by a
``ThreadingHTTPServer`` in a daemon thread::

    with SampleSite() as site:          # or site.start(); ...; site.stop()
        site.feed_urls()                # one fetchable feed URL per outlet
        site.article_url("ow-0001")     # the fetchable page of one article

URL layout on the one local host:port (every outlet shares it)::

    /robots.txt                               allow all
    /                                         index of outlets
    /<domain>/                                the outlet's home page (its articles)
    /<domain><feed_path>                      its feed, in its feed_format
    /<domain>/YYYY/MM/DD/<slug>.html          an article page (date of publication, UTC)

**How ingest maps a fetched page to its outlet.** The host is always 127.0.0.1, so the host
cannot tell outlets apart. Each page and feed therefore states its outlet's real address,
``https://<domain>/...`` on the outlet's ``.example`` domain:

* article pages carry ``<link rel="canonical" href="https://<domain>/YYYY/MM/DD/slug.html">``
  and ``<meta property="og:url">`` with the same URL, plus ``og:site_name``;
* RSS 2.0 items carry that canonical URL in ``<guid isPermaLink="false">`` and the fetchable
  local URL in ``<link>``; Atom entries carry it in ``<id>`` (``<link rel="alternate">`` is
  local); RSS 1.0 items carry it in ``rdf:about`` (``<link>`` is local); RSS 0.91 has no
  guid, so only the page's canonical link says it (as on the real web);
* channel-level links (``<link>``, Atom ``rel="alternate"``) point at the canonical home
  ``https://<domain>/``; ``atom:link rel="self"`` is the local feed URL.

Ingest should treat a canonical URL on a ``.example`` domain served by this site as
authoritative; the path prefix ``/<domain>/`` says the same thing, as a fallback.

Feeds and pages are rendered with Jinja2 autoescaping (``&<>"'`` escaped, which is valid
XML as well as HTML; characters XML forbids are refused when the data is loaded) from
``page.html.j2`` and ``templates/`` beside the sample data. Three template families vary the
page markup (class names, layout, date wording) so extraction is honestly exercised.
Responses carry ``ETag`` and ``Last-Modified`` and answer conditional requests with 304,
like real feed servers. ``python -m quorum.sample_site`` serves the demo until Ctrl-C.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
import threading
import tomllib
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2

from quorum.outlets import OutletRegistryError, outlet_from_entry
from quorum.records import Outlet

log = logging.getLogger(__name__)

PACKAGED_SAMPLE_DIR = Path(__file__).parent / "data" / "sample"
FEED_FORMATS = ("rss2", "atom", "rss1", "rss091")
FEED_CONTENT_TYPES = {
    "rss2": "application/rss+xml; charset=utf-8",
    "rss091": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "rss1": "application/rdf+xml; charset=utf-8",
}
# Template families: how a page is laid out. Wires, press offices and blogs publish plain
# WordPress-like pages; broadcasters share a heavy station template; newspapers run a
# newspaper CMS; trade sites get one of the first two by a stable hash of the domain, so each
# run renders the same markup.
FAMILIES = ("classic", "magazine", "broadcast")
FAMILY_TEMPLATES = {
    "classic": "page.html.j2",
    "magazine": "article_magazine.html.j2",
    "broadcast": "article_broadcast.html.j2",
}
RELATED_COUNT = 3  # "Related stories" links per page, as news sites commonly show
SLUG_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*$")  # URL-safe without escaping
OPTIONAL_ROW_KEYS = ("author", "story", "copy_of", "credit", "reprint_source", "note")
# XML 1.0 allows no C0 control character but tab, newline and carriage return, no surrogate
# and neither of the two non-characters U+FFFE and U+FFFF.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class SampleDataError(ValueError):
    """The sample newsroom data cannot be served; the message names the file and entry."""


@dataclass(frozen=True, slots=True)
class SampleOutlet:
    """One demo outlet: its registry record plus how the demo serves it."""

    outlet: Outlet
    feed_format: str
    feed_path: str
    family: str

    @property
    def domain(self) -> str:
        return self.outlet.domain


@dataclass(frozen=True, slots=True)
class SampleArticle:
    """One row of ``articles.jsonl``; ``path`` is the page path under the outlet's domain."""

    id: str
    outlet: str
    slug: str
    title: str
    text: str
    published: datetime | None
    author: str | None = None
    story: str | None = None
    copy_of: str | None = None
    credit: str | None = None
    reprint_source: str | None = None
    in_beat: bool | None = None
    note: str | None = None
    row: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def paragraphs(self) -> list[str]:
        return [" ".join(p.split()) for p in self.text.split("\n\n") if p.strip()]

    @property
    def path(self) -> str:
        if self.published is None:
            return f"/news/{self.slug}.html"
        day = self.published
        return f"/{day.year:04d}/{day.month:02d}/{day.day:02d}/{self.slug}.html"

    @property
    def canonical_url(self) -> str:
        return f"https://{self.outlet}{self.path}"


# --- loading ----------------------------------------------------------------------------


def load_sample_outlets(path: Path) -> list[SampleOutlet]:
    """Read the demo ``outlets.toml`` (registry format plus feed_format and feed_path)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SampleDataError(f"{path}: cannot read sample outlets: {exc}") from exc
    entries = raw.get("outlet")
    if not isinstance(entries, list) or not entries:
        raise SampleDataError(f"{path}: no [[outlet]] tables")
    outlets: list[SampleOutlet] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        where = f"{path}: outlet #{index} ({entry.get('domain', '?')!r})"
        try:
            outlet = outlet_from_entry(entry, where)
        except OutletRegistryError as exc:
            raise SampleDataError(str(exc)) from exc
        feed_format = entry.get("feed_format")
        if feed_format not in FEED_FORMATS:
            raise SampleDataError(f"{where}: feed_format must be one of {FEED_FORMATS}")
        feed_path = entry.get("feed_path")
        if not isinstance(feed_path, str) or not feed_path.startswith("/"):
            raise SampleDataError(f"{where}: feed_path must be a path starting with '/'")
        family = entry.get("template") or _family_for(outlet)
        if family not in FAMILIES:
            raise SampleDataError(f"{where}: template must be one of {FAMILIES}")
        if outlet.domain in seen:
            raise SampleDataError(f"{where}: domain listed twice")
        seen.add(outlet.domain)
        outlets.append(SampleOutlet(outlet, feed_format, feed_path, family))
    return outlets


def _family_for(outlet: Outlet) -> str:
    if outlet.kind == "broadcaster":
        return "broadcast"
    if outlet.kind == "newspaper":
        return "magazine"
    if outlet.kind != "trade":
        return "classic"
    # crc32, not hash(): Python's str hash changes per process and would reshuffle layouts.
    return ("classic", "magazine")[zlib.crc32(outlet.domain.encode()) % 2]


def load_sample_articles(path: Path, domains: set[str]) -> list[SampleArticle]:
    """Read ``articles.jsonl``; every row must name a known outlet and a unique page path."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SampleDataError(f"{path}: cannot read sample articles: {exc}") from exc
    articles: list[SampleArticle] = []
    ids: set[str] = set()
    paths: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SampleDataError(f"{where}: not valid JSON: {exc}") from exc
        article = _article_from_row(row, where, domains)
        if article.id in ids:
            raise SampleDataError(f"{where}: id {article.id!r} used twice")
        page = article.canonical_url
        if page in paths:
            raise SampleDataError(f"{where}: page {page} used by two articles")
        ids.add(article.id)
        paths.add(page)
        articles.append(article)
    return articles


def _article_from_row(row: Any, where: str, domains: set[str]) -> SampleArticle:
    if not isinstance(row, dict):
        raise SampleDataError(f"{where}: a row must be a JSON object")
    for key in ("id", "outlet", "slug", "title", "text"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise SampleDataError(f"{where}: {key!r} must be a non-empty string")
    if row["outlet"] not in domains:
        raise SampleDataError(f"{where}: outlet {row['outlet']!r} is not in outlets.toml")
    if not SLUG_PATTERN.match(row["slug"]):
        raise SampleDataError(f"{where}: slug {row['slug']!r} is not URL-safe")
    published = None
    if row.get("published") is not None:
        try:
            published = datetime.fromisoformat(str(row["published"]).replace("Z", "+00:00"))
        except ValueError as exc:
            raise SampleDataError(f"{where}: published is not an ISO date: {exc}") from exc
        if published.tzinfo is None:
            raise SampleDataError(f"{where}: published must carry a time zone (use Z)")
        published = published.astimezone(UTC)

    for key, value in row.items():
        if isinstance(value, str) and XML_FORBIDDEN.search(value):
            raise SampleDataError(f"{where}: {key!r} holds a control character XML forbids")
    optional = {key: row.get(key) or None for key in OPTIONAL_ROW_KEYS}
    return SampleArticle(
        id=row["id"],
        outlet=row["outlet"],
        slug=row["slug"],
        title=row["title"].strip(),
        text=row["text"],
        published=published,
        in_beat=row.get("in_beat"),
        row=row,
        **optional,
    )


# --- dates --------------------------------------------------------------------------------


def rfc822(moment: datetime) -> str:
    """RSS dates: ``Tue, 06 Oct 2026 13:20:00 GMT``."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def rfc3339(moment: datetime) -> str:
    """Atom and W3C dates: ``2026-10-06T13:20:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August")
MONTHS += ("September", "October", "November", "December")


def visible_date(moment: datetime | None, family: str) -> str:
    """The date as readers see it; each family words it differently, as real sites do."""
    if moment is None:
        return ""
    month = MONTHS[moment.month - 1]
    hour12 = moment.hour % 12 or 12
    ampm = "a.m." if moment.hour < 12 else "p.m."
    if family == "magazine":
        return f"{month[:3]} {moment.day}, {moment.year}, {moment.hour:02d}:{moment.minute:02d} UTC"
    if family == "broadcast":
        return (
            f"Published {month} {moment.day}, {moment.year} • {hour12}:{moment.minute:02d} "
            f"{ampm[0]}{ampm[2]} UTC"
        )
    return f"{month} {moment.day}, {moment.year} at {hour12}:{moment.minute:02d} {ampm} UTC"


# --- feeds --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedDate:
    """One moment in both feed spellings."""

    rfc822: str
    rfc3339: str

    @classmethod
    def of(cls, moment: datetime | None) -> FeedDate | None:
        return cls(rfc822(moment), rfc3339(moment)) if moment else None


def feed_context(
    outlet: SampleOutlet,
    items: list[SampleArticle],
    base_url: str,
    feed_urls_by_name: dict[str, str],
) -> dict[str, Any]:
    """The values a ``feed_<format>.xml.j2`` template renders (items newest first).

    ``feed_urls_by_name`` maps an outlet name to its canonical feed URL, for the
    ``<source url=...>`` of reprints.
    """
    newest = max((a.published for a in items if a.published), default=None)
    return {
        "name": outlet.outlet.name,
        "home": f"https://{outlet.domain}/",
        "canonical_feed": f"https://{outlet.domain}{outlet.feed_path}",
        "local_feed": f"{base_url}/{outlet.domain}{outlet.feed_path}",
        "newest": FeedDate.of(newest),
        "items": [
            {
                "title": a.title,
                "link": f"{base_url}/{a.outlet}{a.path}",
                "guid": a.canonical_url,
                "summary": _summary(a),
                "date": FeedDate.of(a.published),
                "author": a.author,
                "source_name": a.reprint_source,
                "source_url": feed_urls_by_name.get(a.reprint_source or ""),
            }
            for a in items
        ],
    }


def _summary(article: SampleArticle) -> str:
    paragraphs = article.paragraphs
    return paragraphs[0] if paragraphs else ""


# --- pages --------------------------------------------------------------------------------


def _json_ld(data: dict[str, Any]) -> str:
    """JSON for a <script> block: '<', '>' and '&' escaped so no text can end the script."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _description(article: SampleArticle) -> str:
    summary = _summary(article)
    # Search engines show about 160 characters; cut on a word so no word is invented.
    if len(summary) <= 160:
        return summary
    return summary[:160].rsplit(" ", 1)[0] + "…"


def _related(article: SampleArticle, siblings: list[SampleArticle]) -> list[SampleArticle]:
    """The outlet's other articles nearest in time (ties by id, so pages are stable)."""
    others = [a for a in siblings if a.id != article.id]
    origin = article.published or datetime(1970, 1, 1, tzinfo=UTC)

    def distance(other: SampleArticle) -> tuple[float, str]:
        moment = other.published or datetime(1970, 1, 1, tzinfo=UTC)
        return abs((moment - origin).total_seconds()), other.id

    return sorted(others, key=distance)[:RELATED_COUNT]


# --- the site -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    content_type: str
    last_modified: datetime | None = None


class SampleSite:
    """Serves the sample newsroom (or another directory in its format) over local HTTP."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else PACKAGED_SAMPLE_DIR
        sample_outlets = load_sample_outlets(self.data_dir / "outlets.toml")
        self._outlets = {o.domain: o for o in sample_outlets}
        self.articles: list[SampleArticle] = load_sample_articles(
            self.data_dir / "articles.jsonl", set(self._outlets)
        )
        self._by_id = {a.id: a for a in self.articles}
        self._by_outlet: dict[str, list[SampleArticle]] = {d: [] for d in self._outlets}
        for article in self.articles:
            self._by_outlet[article.outlet].append(article)
        for items in self._by_outlet.values():
            items.sort(key=_newest_first)
        self._routes = self._build_routes()
        self._templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(
                [PACKAGED_SAMPLE_DIR, PACKAGED_SAMPLE_DIR / "templates"]
            ),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url: str | None = None

    # public API

    @property
    def outlets(self) -> list[Outlet]:
        return [o.outlet for o in self._outlets.values()]

    @property
    def sample_outlets(self) -> list[SampleOutlet]:
        return list(self._outlets.values())

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving in a daemon thread; returns the base URL (no trailing slash)."""
        if self._server is not None:
            return self._base()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        bound_host, bound_port = self._server.server_address[:2]
        self.base_url = f"http://{bound_host}:{bound_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="quorum-sample-site", daemon=True
        )
        self._thread.start()
        log.info("sample site serving %d outlets at %s", len(self._outlets), self.base_url)
        return self.base_url

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None
        self.base_url = None

    def __enter__(self) -> SampleSite:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def feed_urls(self) -> list[str]:
        """The fetchable feed URL of every outlet, in outlets.toml order."""
        base = self._base()
        return [f"{base}/{o.domain}{o.feed_path}" for o in self._outlets.values()]

    def article_url(self, article_id: str) -> str:
        """The fetchable page URL of one article; KeyError for an unknown id."""
        article = self._by_id[article_id]
        return f"{self._base()}/{article.outlet}{article.path}"

    def home_url(self, domain: str) -> str:
        return f"{self._base()}/{self._outlets[domain].domain}/"

    def respond(self, path: str) -> Response:
        """The response for one request path (what the HTTP handler sends); no I/O."""
        path = unquote(urlsplit(path).path) or "/"
        if path == "/robots.txt":
            return Response(200, b"User-agent: *\nAllow: /\n", "text/plain; charset=utf-8")
        if path == "/":
            body = self._render("index.html.j2", outlets=self.sample_outlets)
            return Response(200, body, "text/html; charset=utf-8")
        route = self._routes.get(path)
        if route is None:
            return self._not_found(path)
        kind, key = route
        if kind == "home":
            return self._home(self._outlets[key])
        if kind == "feed":
            return self._feed(self._outlets[key])
        return self._article(self._by_id[key])

    # internals

    def _base(self) -> str:
        if self.base_url is None:
            raise RuntimeError("the sample site is not running: call start() first")
        return self.base_url

    def _build_routes(self) -> dict[str, tuple[str, str]]:
        routes: dict[str, tuple[str, str]] = {}
        for domain, outlet in self._outlets.items():
            routes[f"/{domain}"] = routes[f"/{domain}/"] = ("home", domain)
            feed = f"/{domain}{outlet.feed_path}"
            routes[feed] = ("feed", domain)
            # Servers answer "/feed" and "/feed/" alike; so does this one.
            routes.setdefault(
                feed.rstrip("/") if feed.endswith("/") else feed + "/", ("feed", domain)
            )
        for article in self.articles:
            routes[f"/{article.outlet}{article.path}"] = ("article", article.id)
        return routes

    def _render(self, template: str, **context: Any) -> bytes:
        return self._templates.get_template(template).render(**context).encode("utf-8")

    def _not_found(self, path: str) -> Response:
        body = self._render("not_found.html.j2", path=path)
        return Response(404, body, "text/html; charset=utf-8")

    def _feed(self, outlet: SampleOutlet) -> Response:
        items = self._by_outlet[outlet.domain]
        context = feed_context(outlet, items, self._base(), self._canonical_feeds_by_name())
        body = self._render(f"feed_{outlet.feed_format}.xml.j2", **context)
        newest = max((a.published for a in items if a.published), default=None)
        return Response(200, body, FEED_CONTENT_TYPES[outlet.feed_format], newest)

    def _canonical_feeds_by_name(self) -> dict[str, str]:
        return {o.outlet.name: f"https://{o.domain}{o.feed_path}" for o in self.sample_outlets}

    def _home(self, outlet: SampleOutlet) -> Response:
        items = self._by_outlet[outlet.domain]
        entries = [
            {
                "article": a,
                "href": f"/{a.outlet}{a.path}",
                "summary": _summary(a),
                "date": visible_date(a.published, outlet.family),
            }
            for a in items
        ]
        body = self._render(
            "home.html.j2",
            outlet=outlet,
            site=outlet.outlet,
            entries=entries,
            home=f"/{outlet.domain}/",
            canonical=f"https://{outlet.domain}/",
            **_feed_link(outlet),
        )
        newest = max((a.published for a in items if a.published), default=None)
        return Response(200, body, "text/html; charset=utf-8", newest)

    def _article(self, article: SampleArticle) -> Response:
        outlet = self._outlets[article.outlet]
        site = outlet.outlet
        json_ld: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "mainEntityOfPage": article.canonical_url,
            "publisher": {"@type": "Organization", "name": site.name},
            "description": _description(article),
        }
        if article.published:
            json_ld["datePublished"] = json_ld["dateModified"] = rfc3339(article.published)
        if article.author:
            json_ld["author"] = {"@type": "Person", "name": article.author}
        related = [
            {"title": a.title, "href": f"/{a.outlet}{a.path}"}
            for a in _related(article, self._by_outlet[article.outlet])
        ]
        body = self._render(
            FAMILY_TEMPLATES[outlet.family],
            site=site,
            article=article,
            paragraphs=article.paragraphs,
            canonical=article.canonical_url,
            description=_description(article),
            published_iso=rfc3339(article.published) if article.published else "",
            published_visible=visible_date(article.published, outlet.family),
            json_ld=_json_ld(json_ld),
            related=related,
            home=f"/{outlet.domain}/",
            **_feed_link(outlet),
            year=(article.published or datetime(2026, 1, 1, tzinfo=UTC)).year,
        )
        return Response(200, body, "text/html; charset=utf-8", article.published)


def _feed_link(outlet: SampleOutlet) -> dict[str, str]:
    """Template values for the page's <link rel="alternate"> to the outlet's feed."""
    media_type = FEED_CONTENT_TYPES[outlet.feed_format].split(";")[0]
    return {"feed_href": f"/{outlet.domain}{outlet.feed_path}", "feed_type": media_type}


def _newest_first(article: SampleArticle) -> tuple[float, str]:
    moment = article.published.timestamp() if article.published else float("-inf")
    return -moment, article.id


def _handler_for(site: SampleSite) -> type[BaseHTTPRequestHandler]:
    """A handler class bound to one site (no module-level state shared between sites)."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "QuorumSampleSite/1.0"
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._send(head_only=False)

        def do_HEAD(self) -> None:  # noqa: N802
            self._send(head_only=True)

        def _send(self, head_only: bool) -> None:
            try:
                response = site.respond(self.path)
            except Exception:  # a bug must become a 500 here, not a hung client
                log.exception("sample site failed on %s", self.path)
                response = Response(500, b"internal error\n", "text/plain; charset=utf-8")
            etag = '"' + hashlib.sha1(response.body).hexdigest() + '"'
            if response.status == 200 and self._not_modified(etag, response.last_modified):
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            if response.status == 200:
                self.send_header("ETag", etag)
                if response.last_modified:
                    self.send_header("Last-Modified", rfc822(response.last_modified))
            self.end_headers()
            if not head_only:
                self.wfile.write(response.body)

        def _not_modified(self, etag: str, last_modified: datetime | None) -> bool:
            if_none_match = self.headers.get("If-None-Match")
            if if_none_match is not None:
                return etag in [tag.strip() for tag in if_none_match.split(",")]
            since = self.headers.get("If-Modified-Since")
            if since and last_modified:
                try:
                    return last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
                except (TypeError, ValueError):
                    return False
            return False

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            log.debug("sample site: " + format, *args)

    return Handler


def main(argv: list[str] | None = None) -> None:
    """``python -m quorum.sample_site``: serve the demo newsroom until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    site = SampleSite(args.data_dir)
    try:
        base = site.start(args.host, args.port)
    except OSError as exc:  # port taken, address not local: say so instead of a traceback
        raise SystemExit(f"error: cannot serve on {args.host}:{args.port}: {exc}") from exc
    print(f"Sample newsroom at {base}/ ({len(site.articles)} articles). Feeds:")
    for url in site.feed_urls():
        print(f"  {url}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        site.stop()


if __name__ == "__main__":
    main()
