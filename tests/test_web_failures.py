"""The web app against odd requests: NUL in names and filters (both databases), HEAD and
OPTIONS over real HTTP, and Atom links that a forged Host header cannot steer."""

from __future__ import annotations

import http.client
import importlib.util
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
import uvicorn

from quorum.settings import Config
from quorum.store import Store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from quorum.web.app import create_app  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures" / "web"


def _load_builder():
    spec = importlib.util.spec_from_file_location("web_build_db", FIXTURES / "build_db.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_db = _load_builder()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Iterator[Store]:
    path = str(tmp_path_factory.mktemp("webfail") / "web.db")
    build_db.build(path)
    store = Store.open(path)
    yield store
    store.close()


# --- NUL ----------------------------------------------------------------------------------

# Every route that takes a name, an id or a filter, with a NUL in it.
NUL_PATHS = [
    "/story/sda%00tranche2",
    "/story/sda%00tranche2.json",
    "/article/1%00",
    "/entity/GP%00S",
    "/entity/GP%00S.json",
    "/outlet/spacenews%00.com",
    "/outlet/spacenews%00.com.json",
    "/feeds/entity/GP%00S.atom",
    "/static/site%00.css",
]
NUL_QUERIES = [
    "/?entity=GP%00S",
    "/index.json?entity=GP%00S",
    "/index.json?outlet=apnews%00.com",
    "/index.json?tier=posi%00tive",
    "/search?q=tran%00che",
    "/search.json?q=tran%00che",
]


def test_nul_in_a_name_or_filter_is_refused_on_both_databases(db_url):
    build_db.build(db_url)
    store = Store.open(db_url)
    try:
        client = TestClient(create_app(store, Config()), raise_server_exceptions=False)
        for path in NUL_PATHS:
            got = client.get(path)
            assert got.status_code == 404, (path, got.status_code, got.text[:300])
        for path in NUL_QUERIES:
            got = client.get(path)
            assert got.status_code == 400, (path, got.status_code, got.text[:300])
            assert "NUL" in got.text
        assert client.get("/outlet/spacenews%00.com.json").json() == {"error": "no such page"}
        assert client.get("/story/sda-tranche2").status_code == 200  # the rest still works
    finally:
        store.close()


# --- over real HTTP -----------------------------------------------------------------------


class LiveSite:
    """The app under uvicorn on 127.0.0.1, on a socket bound before the app is made so
    that the app knows the address it listens on (as ``quorum serve`` does)."""

    def __init__(self, store: Store, config: Config):
        from quorum.web.server import listen_url

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.base = listen_url("127.0.0.1", self.port)
        app = create_app(store, config, base_url=self.base)
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})

    def __enter__(self) -> LiveSite:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.server.started
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()

    def request(self, method: str, path: str, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, headers=headers or {})
            reply = conn.getresponse()
            return reply.status, dict(reply.getheaders()), reply.read()
        finally:
            conn.close()


@pytest.fixture(scope="module")
def live(built) -> Iterator[LiveSite]:
    with LiveSite(built, Config()) as site:
        yield site


GET_PAGES = [
    "/",
    "/index.json",
    "/story/sda-tranche2",
    "/story/sda-tranche2.json",
    "/entity/GPS.json",
    "/trends",
    "/feeds/verified.atom",
    "/feeds/entity/GPS.atom",
    "/static/site.css",
]


@pytest.mark.parametrize("path", GET_PAGES)
def test_head_answers_with_the_get_headers_and_no_body(live, path):
    status, headers, body = live.request("GET", path)
    assert status == 200 and body
    head_status, head_headers, head_body = live.request("HEAD", path)
    assert head_status == 200
    assert head_body == b""
    assert head_headers["content-type"] == headers["content-type"]
    assert head_headers["content-length"] == str(len(body))
    assert "content-security-policy" in head_headers


@pytest.mark.parametrize("path", GET_PAGES)
def test_options_lists_the_allowed_methods(live, path):
    status, headers, body = live.request("OPTIONS", path)
    assert status == 204 and body == b""
    assert {m.strip() for m in headers["allow"].split(",")} >= {"GET", "HEAD", "OPTIONS"}


def test_head_and_options_of_unknown_pages_stay_404(live):
    assert live.request("HEAD", "/no/such/page")[0] == 404
    assert live.request("OPTIONS", "/no/such/page")[0] == 404
    assert live.request("HEAD", "/story/nope")[0] == 404
    assert live.request("POST", "/")[0] == 405  # other methods are still refused


# --- Atom links and the Host header --------------------------------------------------------


def _links(body: bytes) -> list[str]:
    feed = feedparser.parse(body)
    return [feed.feed.link, feed.feed.id] + [e.link for e in feed.entries]


def test_a_forged_host_does_not_reach_the_feed(live):
    for path in ("/feeds/verified.atom", "/feeds/action-items.atom", "/feeds/entity/GPS.atom"):
        status, _, body = live.request("GET", path, {"Host": "evil.example"})
        assert status == 200
        assert b"evil.example" not in body
        links = _links(body)
        assert all(link.startswith(live.base) for link in links), links
    assert (
        f"{live.base}story/sda-tranche2".encode()
        in live.request("GET", "/feeds/verified.atom", {"Host": "evil.example"})[2]
    )


def test_without_a_listen_address_the_feed_links_are_relative(built):
    client = TestClient(create_app(built, Config()), base_url="http://evil.example")
    body = client.get("/feeds/verified.atom").content
    assert b"evil.example" not in body
    links = _links(body)
    assert "/story/sda-tranche2" in links
    assert all(link.startswith("/") for link in links), links


def test_site_url_wins_over_everything(built):
    config = Config({"site_url": "https://desk.example.org/"})
    client = TestClient(create_app(built, config, base_url="http://127.0.0.1:9/"))
    body = client.get("/feeds/verified.atom", headers={"Host": "evil.example"}).content
    assert all(link.startswith("https://desk.example.org/") for link in _links(body))


def test_serve_gives_the_app_its_listen_address(built, monkeypatch):
    from types import SimpleNamespace

    import quorum.web.server as server

    calls = []
    monkeypatch.setattr(server.uvicorn, "run", lambda app, **kw: calls.append(app))
    desk = SimpleNamespace(store=built, config=Config())
    server.serve(desk, port=8765)
    server.serve(desk, port=8766, host="0.0.0.0")
    local, everywhere = (TestClient(app, base_url="http://evil.example") for app in calls)
    assert "http://127.0.0.1:8765/story/sda-tranche2" in _links(
        local.get("/feeds/verified.atom").content
    )
    assert "/story/sda-tranche2" in _links(everywhere.get("/feeds/verified.atom").content)
