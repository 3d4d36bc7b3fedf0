"""The fetcher against a real local HTTP server: every failure has a reason, none raises."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import random
import socket
import zlib
from pathlib import Path

import pytest
from httpserver import LocalHTTPServer, Reply, SeenRequest

from quorum.fetch import Fetcher, UndecodableError, decode_html, fetch_all, is_public_address
from quorum.records import FetchResult
from quorum.settings import Config

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
HTML = "<!doctype html><html><head><title>t</title></head><body><p>Hello</p></body></html>"
RSS = (FIXTURES / "rss20.xml").read_bytes()
MB = 1024 * 1024


@pytest.fixture
def config() -> Config:
    # Loopback is private, so tests must allow it; short timeouts keep failures quick.
    return Config(
        {
            "allow_private_hosts": True,
            "retries": 0,
            "retry_backoff": 0.05,
            "connect_timeout": 2.0,
            "read_timeout": 2.0,
            "per_host_delay": 0.0,
        }
    )


def fetch(config: Config, url: str, **kwargs: object) -> FetchResult:
    async def run() -> FetchResult:
        async with Fetcher(config) as fetcher:
            return await fetcher.fetch(url, **kwargs)  # type: ignore[arg-type]

    return asyncio.run(run())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- success and what is sent ---------------------------------------------------------------


def test_page_is_fetched_with_honest_user_agent(http_server: LocalHTTPServer, config: Config):
    http_server.route(
        "/a",
        HTML,
        content_type="text/html; charset=UTF-8",
        headers={"ETag": '"v1"', "Last-Modified": "Mon, 02 Nov 2026 10:00:00 GMT"},
    )
    result = fetch(config, http_server.url("/a"), kind="page")
    assert result.ok and result.reason == "ok" and result.status == 200
    assert result.body == HTML.encode()
    assert result.content_type == "text/html" and result.encoding == "utf-8"
    assert result.etag == '"v1"' and result.last_modified.startswith("Mon, 02 Nov 2026")
    assert result.final_url == http_server.url("/a")
    sent = http_server.requests_to("/a")[0].headers
    assert sent["user-agent"] == config.user_agent and "QuorumBot" in sent["user-agent"]
    assert "gzip" in sent["accept-encoding"]


def test_gzip_and_deflate_bodies_are_decoded(http_server: LocalHTTPServer, config: Config):
    http_server.route(
        "/gz",
        gzip.compress(RSS),
        content_type="application/rss+xml",
        headers={"Content-Encoding": "gzip"},
    )
    http_server.route(
        "/zlib",
        zlib.compress(RSS),
        content_type="application/rss+xml",
        headers={"Content-Encoding": "deflate"},
    )
    raw = zlib.compressobj(wbits=-15)
    http_server.route(
        "/raw",
        raw.compress(RSS) + raw.flush(),
        content_type="application/rss+xml",
        headers={"Content-Encoding": "deflate"},
    )
    two_members = gzip.compress(RSS[:100]) + gzip.compress(RSS[100:]) + b"\x00junk"
    http_server.route(
        "/members",
        two_members,
        content_type="application/rss+xml",
        headers={"Content-Encoding": "gzip"},
    )
    for path in ("/gz", "/zlib", "/raw", "/members"):
        result = fetch(config, http_server.url(path), kind="feed")
        assert result.ok, (path, result.detail)
        assert result.body == RSS


def test_corrupt_or_unknown_compression_is_decoding_error(
    http_server: LocalHTTPServer, config: Config
):
    http_server.route(
        "/corrupt",
        b"\x1f\x8b\x08\x00garbage-not-gzip",
        content_type="text/html",
        headers={"Content-Encoding": "gzip"},
    )
    http_server.route(
        "/zstd", b"(\xb5/\xfd...", content_type="text/html", headers={"Content-Encoding": "zstd"}
    )
    for path in ("/corrupt", "/zstd"):
        result = fetch(config, http_server.url(path))
        assert not result.ok and result.reason == "decoding_error", path


def test_fetch_all_keeps_input_order(http_server: LocalHTTPServer, config: Config):
    for n in range(4):
        http_server.route(
            f"/p{n}",
            f"<html><body>{n}</body></html>",
            content_type="text/html",
            delay=0.05 * (4 - n),
        )
    urls = [http_server.url(f"/p{n}") for n in range(4)] + ["not a url"]
    results = fetch_all(urls, config, kind="page")
    assert [r.url for r in results] == urls
    assert [r.body for r in results[:4]] == [
        f"<html><body>{n}</body></html>".encode() for n in range(4)
    ]
    assert results[4].reason == "bad_url"


# --- network failures -------------------------------------------------------------------------


def test_unknown_host_is_dns(config: Config):
    result = fetch(config, "http://no-such-host.quorum-test.invalid/feed.xml")
    assert not result.ok and result.reason == "dns"
    assert "no-such-host" in result.detail


def test_refused_connection_is_connect(config: Config):
    result = fetch(config, f"http://127.0.0.1:{free_port()}/")
    assert not result.ok and result.reason == "connect"


def test_trickling_server_times_out_on_total_budget(http_server: LocalHTTPServer, config: Config):
    # One byte a second never trips a 1.5 s read timeout between bytes; only the total
    # budget stops this (100 s of body otherwise).
    http_server.route(
        "/stall",
        stream=lambda: itertools.repeat(b"x", 100),
        chunk_delay=1.0,
        content_type="text/html",
    )
    result = fetch(config.with_overrides(read_timeout=1.5), http_server.url("/stall"))
    assert not result.ok and result.reason == "timeout"


def test_bad_urls_are_refused_without_a_request(http_server: LocalHTTPServer, config: Config):
    for url in (
        "ftp://example.com/file",
        "not a url",
        "http://",
        "javascript:alert(1)",
        "",
        "http://[::1",
        "http://exa mple.com/",
    ):
        result = fetch(config, url)
        assert result.reason == "bad_url", url
    assert http_server.requests == []


# --- HTTP statuses and retries ----------------------------------------------------------------


def test_404_is_not_retried(http_server: LocalHTTPServer, config: Config):
    result = fetch(config.with_overrides(retries=2), http_server.url("/missing"))
    assert not result.ok and result.reason == "http_404" and result.status == 404
    assert len(http_server.requests_to("/missing")) == 1


def test_500_is_retried_then_fails(http_server: LocalHTTPServer, config: Config):
    http_server.route("/err", "boom", status=500)
    result = fetch(config.with_overrides(retries=2), http_server.url("/err"))
    assert not result.ok and result.reason == "http_500"
    assert len(http_server.requests_to("/err")) == 3


def test_503_then_success_is_ok(http_server: LocalHTTPServer, config: Config):
    http_server.route("/flaky", replies=[Reply(503, b"busy"), Reply(200, RSS)])
    result = fetch(config.with_overrides(retries=1), http_server.url("/flaky"), kind="feed")
    assert result.ok and result.body == RSS
    assert len(http_server.requests_to("/flaky")) == 2


def test_429_waits_for_retry_after(http_server: LocalHTTPServer, config: Config):
    ok = Reply(200, HTML.encode(), {"Content-Type": "text/html"})
    http_server.route("/limited", replies=[Reply(429, b"", {"Retry-After": "1"}), ok])
    result = fetch(config.with_overrides(retries=1), http_server.url("/limited"))
    assert result.ok
    first, second = http_server.requests_to("/limited")
    assert second.started - first.started >= 0.9  # backoff is 0.05 s; only Retry-After waits


def test_429_asking_too_long_fails_at_once(http_server: LocalHTTPServer, config: Config):
    http_server.route("/later", "", status=429, headers={"Retry-After": "3600"})
    result = fetch(config.with_overrides(retries=3), http_server.url("/later"))
    assert not result.ok and result.reason == "http_429"
    assert "3600" in result.detail
    assert len(http_server.requests_to("/later")) == 1


# --- redirects -------------------------------------------------------------------------------


def test_redirects_are_followed(http_server: LocalHTTPServer, config: Config):
    http_server.route("/old", status=301, redirect="/new")
    http_server.route("/new", HTML, content_type="text/html")
    result = fetch(config, http_server.url("/old"), kind="page")
    assert result.ok and result.final_url == http_server.url("/new")
    assert result.url == http_server.url("/old")


def test_redirect_loop(http_server: LocalHTTPServer, config: Config):
    http_server.route("/a", redirect="/b")
    http_server.route("/b", redirect="/a")
    result = fetch(config, http_server.url("/a"))
    assert not result.ok and result.reason == "redirect_loop"


def test_too_many_redirects(http_server: LocalHTTPServer, config: Config):
    for n in range(10):
        http_server.route(f"/r{n}", redirect=f"/r{n + 1}")
    result = fetch(config.with_overrides(max_redirects=3), http_server.url("/r0"))
    assert not result.ok and result.reason == "too_many_redirects"
    hops = [r.path for r in http_server.requests if r.path != "/robots.txt"]
    assert hops == ["/r0", "/r1", "/r2", "/r3"]  # the first request and three redirects


def test_redirect_to_another_scheme_is_bad_url(http_server: LocalHTTPServer, config: Config):
    http_server.route("/ftp", redirect="ftp://example.com/x")
    assert fetch(config, http_server.url("/ftp")).reason == "bad_url"


# --- size, type and encoding of bodies --------------------------------------------------------


def _fifty_megabytes():
    chunk = b"a" * 65536
    return (chunk for _ in range(50 * MB // len(chunk)))


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_fifty_megabytes_is_too_large(http_server: LocalHTTPServer, config: Config, declared: bool):
    headers = {"Content-Type": "text/html"}
    if declared:
        headers["Content-Length"] = str(50 * MB)
    http_server.route("/big", stream=_fifty_megabytes, headers=headers)
    result = fetch(config.with_overrides(max_body_bytes=MB), http_server.url("/big"))
    assert not result.ok and result.reason == "too_large" and result.body == b""
    # The client hung up long before the end (socket buffers hold a few MB at most).
    assert http_server.requests_to("/big")[0].bytes_sent < 25 * MB


def test_gzip_bomb_is_too_large(http_server: LocalHTTPServer, config: Config):
    bomb = gzip.compress(b"<html>" + b" " * (50 * MB))  # about 50 KB on the wire
    http_server.route("/bomb", bomb, content_type="text/html", headers={"Content-Encoding": "gzip"})
    result = fetch(config.with_overrides(max_body_bytes=MB), http_server.url("/bomb"))
    assert result.reason == "too_large"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("image/png", b"\x89PNG\r\n\x1a\n" + bytes(200)),
        ("application/pdf", b"%PDF-1.7\n..."),
        ("application/octet-stream", b"\x01" + random.Random(7).randbytes(2000)),
        ("text/plain", random.Random(8).randbytes(2000)),
        ("text/html", b"\x89PNG\r\n\x1a\n" + bytes(200)),  # mislabelled
        (None, b"abc\x00\x00\x00def\x00\x00" * 50),  # NUL-heavy
    ],
)
def test_binary_content_is_refused(
    http_server: LocalHTTPServer, config: Config, content_type: str | None, body: bytes
):
    http_server.route("/bin", body, content_type=content_type)
    for kind in ("page", "any"):
        result = fetch(config, http_server.url("/bin"), kind=kind)
        assert not result.ok and result.reason == "binary_content", kind


def test_html_where_a_feed_was_expected(http_server: LocalHTTPServer, config: Config):
    http_server.route("/feed", HTML, content_type="text/html")
    http_server.route("/lying", HTML, content_type="application/rss+xml")
    assert fetch(config, http_server.url("/feed"), kind="feed").reason == "html_not_feed"
    assert fetch(config, http_server.url("/lying"), kind="feed").reason == "html_not_feed"
    # The same page is fine when a page was asked for.
    assert fetch(config, http_server.url("/feed"), kind="page").ok


def test_feed_served_as_html_is_accepted_by_sniffing(http_server: LocalHTTPServer, config: Config):
    http_server.route("/mislabelled", RSS, content_type="text/html")
    assert fetch(config, http_server.url("/mislabelled"), kind="feed").ok
    assert fetch(config, http_server.url("/mislabelled"), kind="page").reason == "unexpected_type"


# --- politeness -------------------------------------------------------------------------------


def test_robots_disallow_is_obeyed_and_fetched_once(http_server: LocalHTTPServer, config: Config):
    http_server.route(
        "/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    http_server.route("/private/x", HTML, content_type="text/html")
    http_server.route("/public", HTML, content_type="text/html")

    async def run() -> list[FetchResult]:
        async with Fetcher(config) as fetcher:
            urls = [http_server.url(p) for p in ("/private/x", "/public", "/public")]
            return list(await asyncio.gather(*(fetcher.fetch(u) for u in urls)))

    blocked, allowed, again = asyncio.run(run())
    assert blocked.reason == "robots" and allowed.ok and again.ok
    assert http_server.requests_to("/private/x") == []
    assert len(http_server.requests_to("/robots.txt")) == 1
    # Turning robots off fetches it.
    assert fetch(config.with_overrides(respect_robots=False), http_server.url("/private/x")).ok


def test_robots_for_our_agent_only(http_server: LocalHTTPServer, config: Config):
    http_server.route(
        "/robots.txt", "User-agent: QuorumBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    )
    http_server.route("/a", HTML, content_type="text/html")
    assert fetch(config, http_server.url("/a")).reason == "robots"


def test_robots_crawl_delay_spaces_requests(http_server: LocalHTTPServer, config: Config):
    http_server.route("/robots.txt", "User-agent: *\nCrawl-delay: 0.5\n")
    http_server.route("/p", HTML, content_type="text/html")
    urls = [http_server.url("/p") + f"?n={n}" for n in range(3)]
    assert all(r.ok for r in fetch_all(urls, config.with_overrides(per_host_concurrency=3)))
    starts = sorted(r.started for r in http_server.requests_to("/p"))
    assert all(later - earlier >= 0.45 for earlier, later in itertools.pairwise(starts))


def test_unreachable_robots_allows(http_server: LocalHTTPServer, config: Config):
    http_server.route("/robots.txt", "oops", status=500)
    http_server.route("/a", HTML, content_type="text/html")
    assert fetch(config, http_server.url("/a")).ok


def test_conditional_get_gives_not_modified(http_server: LocalHTTPServer, config: Config):
    def conditional(request: SeenRequest) -> Reply:
        if request.headers.get("if-none-match") == '"v7"':
            return Reply(304, b"", {"ETag": '"v7"'})
        return Reply(
            200,
            RSS,
            {
                "ETag": '"v7"',
                "Content-Type": "application/rss+xml",
                "Last-Modified": "Tue, 03 Nov 2026 08:00:00 GMT",
            },
        )

    http_server.route("/feed.xml", handler=conditional)
    first = fetch(config, http_server.url("/feed.xml"), kind="feed")
    assert first.ok and first.etag == '"v7"'
    second = fetch(
        config,
        http_server.url("/feed.xml"),
        kind="feed",
        etag=first.etag,
        last_modified=first.last_modified,
    )
    assert not second.ok and second.reason == "not_modified" and second.status == 304
    sent = http_server.requests_to("/feed.xml")[1].headers
    assert sent["if-none-match"] == '"v7"'
    assert sent["if-modified-since"] == "Tue, 03 Nov 2026 08:00:00 GMT"


def test_per_host_concurrency_is_never_exceeded(http_server: LocalHTTPServer, config: Config):
    http_server.route("/slow", HTML, content_type="text/html", delay=0.3)
    urls = [http_server.url("/slow") + f"?n={n}" for n in range(6)]
    results = fetch_all(urls, config.with_overrides(per_host_concurrency=2, concurrency=8))
    assert all(r.ok for r in results)
    assert http_server.max_in_flight == 2


def test_per_host_delay_spaces_request_starts(http_server: LocalHTTPServer, config: Config):
    http_server.route("/p", HTML, content_type="text/html")
    urls = [http_server.url("/p") + f"?n={n}" for n in range(3)]
    fetch_all(urls, config.with_overrides(per_host_delay=0.3, per_host_concurrency=3))
    starts = sorted(r.started for r in http_server.requests_to("/p"))
    assert all(later - earlier >= 0.25 for earlier, later in itertools.pairwise(starts))


# --- private hosts ----------------------------------------------------------------------------


def test_private_host_refused_unless_allowed(http_server: LocalHTTPServer, config: Config):
    http_server.route("/a", HTML, content_type="text/html")
    strict = config.with_overrides(allow_private_hosts=False)
    for url in (http_server.url("/a"), http_server.url("/a", host="localhost")):
        result = fetch(strict, url)
        assert not result.ok and result.reason == "private_host", url
    assert http_server.requests == []  # refused before connecting, robots.txt included
    assert fetch(config, http_server.url("/a")).ok


def test_dns_rebinding_is_caught_at_connect(
    http_server: LocalHTTPServer, config: Config, monkeypatch: pytest.MonkeyPatch
):
    # The pre-request check is told a public address (as a rebinding DNS server would);
    # the connection itself resolves again inside the guard and must still refuse.
    async def public_answer(self: Fetcher, host: str, port: int) -> list[str]:
        return ["93.184.216.34"]

    monkeypatch.setattr(Fetcher, "_resolve", public_answer)
    http_server.route("/a", HTML, content_type="text/html")
    strict = config.with_overrides(allow_private_hosts=False, respect_robots=False)
    result = fetch(strict, http_server.url("/a", host="localhost"))
    assert not result.ok and result.reason == "private_host"
    assert "127.0.0.1" in result.detail or "::1" in result.detail
    assert http_server.requests == []


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata service
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("224.0.0.1", False),
        ("not an ip", False),
    ],
)
def test_is_public_address(address: str, public: bool):
    assert is_public_address(address) is public


# --- decoding ---------------------------------------------------------------------------------

CP1252_TEXT = "Café “quoted” – 5 €"
SJIS_TEXT = "日本の宇宙ロケット打ち上げ"


def _page(charset_meta: str | None, text: str, encoding: str) -> bytes:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return f"<html><head>{meta}</head><body><p>{text}</p></body></html>".encode(encoding)


@pytest.mark.parametrize(
    ("text", "codec", "label"),
    [(CP1252_TEXT, "cp1252", "windows-1252"), (SJIS_TEXT, "shift_jis", "Shift_JIS")],
)
def test_non_utf8_pages_decode(
    http_server: LocalHTTPServer, config: Config, text: str, codec: str, label: str
):
    http_server.route("/meta", _page(label, text, codec), content_type="text/html")
    http_server.route(
        "/header", _page(None, text, codec), content_type=f"text/html; charset={label}"
    )
    for path in ("/meta", "/header"):
        result = fetch(config, http_server.url(path), kind="page")
        assert result.ok
        assert text in decode_html(result), path


def test_http_equiv_and_bom_and_fallbacks():
    equiv = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        f"</head><body>{CP1252_TEXT}</body></html>"
    ).encode("cp1252")
    assert CP1252_TEXT in decode_html(equiv)  # iso-8859-1 read as windows-1252, as browsers do
    assert decode_html(b"\xef\xbb\xbf<p>caf\xc3\xa9</p>", "iso-8859-1") == "<p>café</p>"
    assert "café" in decode_html("<p>café</p>".encode("utf-16"))
    # Mislabelled: the header says UTF-8, the bytes are windows-1252.
    assert CP1252_TEXT in decode_html(f"<p>{CP1252_TEXT}</p>".encode("cp1252"), "utf-8")
    # No label at all: UTF-8 first.
    assert decode_html("<p>Über</p>".encode()) == "<p>Über</p>"
    assert decode_html(b"") == ""
    # A UTF-16 label on single-byte text is a server misconfiguration.
    assert decode_html(b"<p>plain</p>", "utf-16") == "<p>plain</p>"
    assert "café" in decode_html("<p>café</p>".encode("utf-16-le"), "utf-16le")
    # An unknown label is ignored, not an error.
    assert decode_html(b"<p>plain</p>", "x-no-such-charset") == "<p>plain</p>"


def test_undecodable_bytes_raise():
    garbage = bytes(range(256)) * 20
    with pytest.raises(UndecodableError):
        decode_html(garbage)
    with pytest.raises(UndecodableError):
        decode_html(random.Random(9).randbytes(5000), "utf-8")
