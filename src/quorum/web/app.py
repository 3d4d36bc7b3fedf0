"""The FastAPI application: every page as HTML and as ``.json``, plus Atom feeds.

Each route calls one page function (``quorum.web.pages``) and renders its dict either with
a template or as JSON. Handlers are plain ``def``: database calls are blocking, so FastAPI
runs them in its thread pool and the event loop stays free.

``/docs`` (Swagger UI) is disabled: it loads its script from a CDN, which an offline or
locked-down desk cannot reach. The API is described at ``/openapi.json``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Router

from quorum import __version__
from quorum.settings import Config
from quorum.store import Store
from quorum.store.index import needs_reindex, reindex
from quorum.story_contract import story_schema
from quorum.web import pages
from quorum.web.feeds import build_feed
from quorum.web.glossary import Glossary
from quorum.web.render import Linker, environment, render

log = logging.getLogger(__name__)

# Scripts and styles only from this site: even if some text escaped escaping, the browser
# would refuse to run inline script or load one from elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

JSON_PAGES = {"description": "The page's data dict, exactly what the HTML page shows."}


def _number(value: str | None) -> float | None:
    """A query-string number, or None when absent or not a number (the filter is ignored)."""
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is None or math.isfinite(number) else None


MAX_PAGE = 10_000  # deeper pages are not browsing; a bound also keeps OFFSET in range


def _page(value: str | None) -> int:
    number = _number(value)
    if number is None or not number >= 1:  # also rejects NaN
        return 1
    return int(min(number, MAX_PAGE))


def create_app(
    store: Store, config: Config, glossary: Glossary | None = None, *, base_url: str = ""
) -> FastAPI:
    """The web app over ``store`` with live settings ``config``.

    ``base_url``: the address the server listens on, for absolute links in Atom feeds when
    ``site_url`` is unset; empty: the feeds link with root-relative paths. Never the
    request's Host header: anyone can send one, and a cached feed would carry it to others.
    """
    site = pages.Site.create(store, config, glossary)
    if needs_reindex(store):
        log.warning("the web index is empty although stories exist: rebuilding it")
        reindex(store, site.glossary)
    env = environment()
    app = FastAPI(
        title=f"{config.site_title} API",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        description="Stories that independent sources agree on, "
        "with every sentence traced to its source. Each HTML page has a .json twin.",
    )
    app.state.site = site
    app.mount(
        "/static",
        StaticFiles(directory=str(resources.files("quorum.web") / "static")),
        name="static",
    )

    favicon = (resources.files("quorum.web") / "static" / "favicon.ico").read_bytes()

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon_ico() -> Response:
        # Browsers and feed readers ask for it at the root whatever the page links.
        return Response(
            favicon, media_type="image/x-icon", headers={"Cache-Control": "max-age=86400"}
        )

    def respond(
        request: Request, template: str, build: Callable[[], dict[str, Any]], json: bool
    ) -> Response:
        try:
            data = build()
        except pages.NotFound as exc:
            return not_found(request, str(exc), json)
        if json:
            return JSONResponse(pages.jsonable(data))
        # the path as requested (still URL-quoted), so the JSON link is a valid URL
        path = request.scope.get("raw_path", b"").decode("latin-1") or request.url.path
        json_path = "/index.json" if path == "/" else path + ".json"
        if request.url.query:
            json_path += "?" + request.url.query
        html = render(
            env,
            template,
            data,
            site_title=config.site_title,
            glossary=site.glossary,
            linker=Linker(),
            json_path=json_path,
            current=path,
        )
        return HTMLResponse(html)

    def not_found(request: Request, message: str, json: bool, status: int = 404) -> Response:
        if json:
            return JSONResponse({"error": message}, status_code=status)
        html = render(
            env,
            "not_found.html.j2",
            {"title": "Not found" if status == 404 else "Bad request", "message": message},
            site_title=config.site_title,
            glossary=site.glossary,
            linker=Linker(),
            json_path="",
            current=request.url.path,
        )
        return HTMLResponse(html, status_code=status)

    def refuse_nul(scope: dict, in_path: bool) -> Response:
        request = Request({**scope, "path": "/", "raw_path": b"/"})  # no NUL in the page
        json = scope["path"].endswith(".json")
        if in_path:
            return not_found(request, "no such page", json)
        return not_found(request, "a query value holds a NUL character", json, status=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return not_found(request, "no such page", request.url.path.endswith(".json"))
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)

    # Order matters: each ``.json`` route is declared before its HTML twin, whose path
    # parameter would otherwise swallow the suffix.

    def home(request: Request, json: bool) -> Response:
        q = request.query_params
        return respond(
            request,
            "home.html.j2",
            lambda: pages.home_page(
                site,
                _page(q.get("page")),
                _number(q.get("min_impact")),
                q.get("tier") or None,
                q.get("entity") or None,
                q.get("outlet") or None,
            ),
            json,
        )

    @app.get(
        "/index.json",
        tags=["pages"],
        summary="Home: verified stories",
        responses={200: JSON_PAGES},
        description="Query: page, min_impact, tier, entity, outlet.",
    )
    def home_json(request: Request) -> Response:
        return home(request, True)

    @app.get("/", include_in_schema=False)
    def home_html(request: Request) -> Response:
        return home(request, False)

    @app.get(
        "/story/{story_id}.json",
        tags=["pages"],
        summary="One story, all sections",
        responses={200: JSON_PAGES, 404: {"description": "Unknown or unpublished"}},
    )
    def story_json(request: Request, story_id: str) -> Response:
        return respond(request, "", lambda: pages.story_page(site, story_id), True)

    @app.get(
        "/schema/story.json",
        tags=["pages"],
        summary="JSON Schema of /story/{id}.json (and of `quorum story ID --json`)",
    )
    def story_schema_json() -> Response:
        return JSONResponse(story_schema())

    @app.get("/story/{story_id}", include_in_schema=False)
    def story_html(request: Request, story_id: str) -> Response:
        return respond(request, "story.html.j2", lambda: pages.story_page(site, story_id), False)

    @app.get(
        "/article/{article_id}.json",
        tags=["pages"],
        responses={200: JSON_PAGES},
        summary="A source article split into sentences with their character spans",
    )
    def article_json(request: Request, article_id: int) -> Response:
        return respond(request, "", lambda: pages.article_page(site, article_id), True)

    @app.get("/article/{article_id}", include_in_schema=False)
    def article_html(request: Request, article_id: int) -> Response:
        return respond(
            request, "article.html.j2", lambda: pages.article_page(site, article_id), False
        )

    @app.get(
        "/entity/{name:path}.json",
        tags=["pages"],
        responses={200: JSON_PAGES},
        summary="Stories mentioning one entity or topic",
    )
    def entity_json(request: Request, name: str) -> Response:
        return respond(request, "", lambda: pages.entity_page(site, name), True)

    @app.get("/entity/{name:path}", include_in_schema=False)
    def entity_html(request: Request, name: str) -> Response:
        return respond(request, "entity.html.j2", lambda: pages.entity_page(site, name), False)

    @app.get(
        "/outlet/{domain}.json",
        tags=["pages"],
        responses={200: JSON_PAGES},
        summary="One outlet: owner, articles, how often first or only source",
    )
    def outlet_json(request: Request, domain: str) -> Response:
        return respond(request, "", lambda: pages.outlet_page(site, domain), True)

    @app.get("/outlet/{domain}", include_in_schema=False)
    def outlet_html(request: Request, domain: str) -> Response:
        return respond(request, "outlet.html.j2", lambda: pages.outlet_page(site, domain), False)

    for name, template, build, summary in (
        (
            "trends",
            "trends.html.j2",
            pages.trends_page,
            "Weekly mentions, rising topics, sentiment and impact",
        ),
        ("glossary", "glossary.html.j2", pages.glossary_page, "Beat terms and acronyms"),
        (
            "methodology",
            "methodology.html.j2",
            pages.methodology_page,
            "Live settings, gate rules, impact rubric, sentiment tiers",
        ),
    ):
        _add_static_page(app, respond, name, template, build, site, summary)

    def search(request: Request, json: bool) -> Response:
        q = request.query_params
        return respond(
            request,
            "search.html.j2",
            lambda: pages.search_page(site, q.get("q") or "", _page(q.get("page"))),
            json,
        )

    @app.get(
        "/search.json",
        tags=["pages"],
        summary="Full-text search of stories",
        responses={200: JSON_PAGES},
        description="Query: q (words, all required), page.",
    )
    def search_json(request: Request) -> Response:
        return search(request, True)

    @app.get("/search", include_in_schema=False)
    def search_html(request: Request) -> Response:
        return search(request, False)

    def feed(request: Request, kind: str, entity: str | None = None) -> Response:
        try:
            body = build_feed(site, kind, base_url, entity)
        except pages.NotFound as exc:
            return Response(str(exc), status_code=404, media_type="text/plain")
        return Response(body, media_type="application/atom+xml")

    @app.get("/feeds/verified.atom", tags=["feeds"], summary="Atom: verified stories")
    def feed_verified(request: Request) -> Response:
        return feed(request, "verified")

    @app.get("/feeds/action-items.atom", tags=["feeds"], summary="Atom: action items")
    def feed_action(request: Request) -> Response:
        return feed(request, "action-items")

    @app.get("/feeds/entity/{name:path}.atom", tags=["feeds"], summary="Atom: one entity")
    def feed_entity(request: Request, name: str) -> Response:
        return feed(request, "entity", name)

    # Plain ASGI wrappers, not @app.middleware("http"): that one costs a task and a
    # stream per request, a measurable share of a 3 ms page. The last added runs first.
    app.add_middleware(HeadAndOptions, router=app.router)
    app.add_middleware(RejectNul, refuse=refuse_nul)
    app.add_middleware(SecurityHeaders)
    return app


class RejectNul:
    """A NUL character in the path or the query names nothing: 404 (path) or 400 (query)
    before any route runs. PostgreSQL cannot hold NUL in text and fails the query, and no
    page, entity or outlet has one in its name on either database."""

    def __init__(self, app: Any, refuse: Callable[[dict, bool], Response]):
        self.app = app
        self.refuse = refuse

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http":
            in_path = "\x00" in scope["path"]
            query = scope.get("query_string", b"")
            if in_path or b"%00" in query or b"\x00" in query:
                await self.refuse(scope, in_path)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class HeadAndOptions:
    """Every GET page also answers HEAD (the GET's headers, no body) and OPTIONS (204 with
    ``Allow``): link checkers, caches and uptime probes use them, and FastAPI's routes
    answer only the methods they list."""

    ALLOW = "GET, HEAD, OPTIONS"

    def __init__(self, app: Any, router: Router):
        self.app = app
        self.router = router

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        method = scope.get("method") if scope["type"] == "http" else None
        if method not in ("HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        as_get = {**scope, "method": "GET"}
        if method == "OPTIONS":
            if any(route.matches(as_get)[0] == Match.FULL for route in self.router.routes):
                await Response(status_code=204, headers={"Allow": self.ALLOW})(scope, receive, send)
            else:
                await self.app(scope, receive, send)  # an unknown page stays a 404
            return

        async def headers_only(message: dict) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(as_get, receive, headers_only)


class SecurityHeaders:
    """Adds CSP and friends to every response."""

    HEADERS = [
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
    ]

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + self.HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _add_static_page(
    app: FastAPI,
    respond: Callable,
    name: str,
    template: str,
    build: Callable[[pages.Site], dict],
    site: pages.Site,
    summary: str,
) -> None:
    """``/{name}`` and ``/{name}.json`` for a page without parameters."""

    def as_json(request: Request) -> Response:
        return respond(request, "", lambda: build(site), True)

    def as_html(request: Request) -> Response:
        return respond(request, template, lambda: build(site), False)

    app.add_api_route(
        f"/{name}.json",
        as_json,
        methods=["GET"],
        tags=["pages"],
        summary=summary,
        responses={200: JSON_PAGES},
        name=f"{name}_json",
    )
    app.add_api_route(
        f"/{name}", as_html, methods=["GET"], include_in_schema=False, name=f"{name}_html"
    )


def create_desk_app(desk: Any, base_url: str = "") -> FastAPI:
    """The web app over a ``Desk`` (its store and live config)."""
    return create_app(desk.store, desk.config, base_url=base_url)
