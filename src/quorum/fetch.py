"""The HTTP fetcher: the only place Quorum talks to other sites.

Every fetch ends in a ``FetchResult``, never an exception: either a body or a short reason
code (``timeout``, ``dns``, ``http_404``, ``too_large`` ...) that goes to the fetch log.
The fetcher is polite (honest User-Agent, robots.txt, per-host concurrency and spacing,
conditional GET) and defensive (a total time budget per request, a body size cap checked
while streaming and after decompression, redirects checked hop by hop, and no requests to
private or loopback addresses, so a feed cannot point Quorum at internal services).
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import ipaddress
import logging
import re
import socket
import time
import zlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
from protego import Protego

from quorum.charset import UndecodableError, decode_html
from quorum.netguard import PRIVATE_HOST_MARK, guarded_transport, is_public_address
from quorum.records import FetchResult
from quorum.settings import Config
from quorum.sniff import content_mismatch, is_binary_type, parse_content_type

# Re-exported: callers decode fetched bodies through the fetch module.
__all__ = [
    "Fetcher",
    "FetchKind",
    "UndecodableError",
    "decode_html",
    "fetch_all",
    "is_public_address",
]

log = logging.getLogger(__name__)

FetchKind = Literal["feed", "page", "any"]
_KINDS = ("feed", "page", "any")
# Characters no host name can hold (RFC 3986 reg-name); resolvers would reject them anyway,
# but as "dns" failures, which would blame the network for a broken link.
_BAD_HOST_CHARS = re.compile(r"[\s<>\"{}|\\^`%/?#@]")

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Statuses worth another try: the server said "later" (429) or failed (5xx) this time.
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_ACCEPT = {
    "feed": "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
    "page": "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
    "any": "*/*",
}
# robots.txt larger than this is truncated by the big crawlers too (Google: 500 KiB).
_ROBOTS_MAX_BYTES = 512 * 1024
# Crawl-delay values above this are capped: a site asking for minutes between requests
# would stall a whole poll; we still honour it up to this many seconds.
_MAX_CRAWL_DELAY = 10.0


# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Outcome:
    """One request's outcome: a result, or a redirect to follow, and whether to retry."""

    result: FetchResult | None = None
    redirect_to: str | None = None
    retryable: bool = False
    server_wait: float | None = None  # Retry-After, in seconds


def _failed(url: str, reason: str, detail: str, **fields: object) -> FetchResult:
    return FetchResult(url=url, ok=False, reason=reason, detail=detail, **fields)  # type: ignore[arg-type]


def _stop(url: str, reason: str, detail: str, **fields: object) -> _Outcome:
    """A final outcome: the fetch failed and another attempt would fail the same way."""
    return _Outcome(result=_failed(url, reason, detail, **fields))


class _TooLarge(Exception):
    pass


class _UnsupportedEncoding(Exception):
    pass


# --- per-host politeness -----------------------------------------------------------------


class _HostGate:
    """Limits requests in flight to one host and spaces out their starts."""

    def __init__(self, concurrency: int, delay: float) -> None:
        self.delay = delay
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._spacing = asyncio.Lock()
        self._last_start: float | None = None

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._slots:
            async with self._spacing:
                if self._last_start is not None:
                    wait = self._last_start + self.delay - time.monotonic()
                    if wait > 0:
                        await asyncio.sleep(wait)
                self._last_start = time.monotonic()
            yield


# --- the fetcher -------------------------------------------------------------------------


class Fetcher:
    """Fetches URLs politely and safely; one instance per run (it keeps robots and hosts).

    Use as ``async with Fetcher(config) as fetcher: result = await fetcher.fetch(url)``.
    """

    def __init__(self, config: Config) -> None:
        self._config = config
        self._budget = float(config.read_timeout)
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(
                connect=float(config.connect_timeout),
                read=float(config.read_timeout),
                write=float(config.connect_timeout),
                pool=None,  # waiting for a connection is bounded by our own semaphores
            ),
            follow_redirects=False,  # each hop is checked (private hosts, robots, loops)
            headers={"User-Agent": config.user_agent, "Accept-Encoding": _accept_encoding()},
            trust_env=False,  # no proxy from the environment: it would bypass host checks
            transport=guarded_transport(
                allow_private=bool(config.allow_private_hosts),
                max_connections=max(1, int(config.concurrency)),
            ),
        )
        self._global = asyncio.Semaphore(max(1, int(config.concurrency)))
        self._gates: dict[str, _HostGate] = {}
        self._robots: dict[str, Protego | None] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close pooled connections."""
        await self._client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        kind: FetchKind = "any",
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        """Fetch ``url``; never raises for anything the network or the server does.

        ``kind`` says what the caller expects (a feed, an HTML page, or anything that is not
        binary); ``etag``/``last_modified`` from an earlier result make a conditional GET,
        answered with ``reason="not_modified"`` when nothing changed.
        """
        if kind not in _KINDS:
            raise ValueError(f"kind must be one of {_KINDS}, not {kind!r}")
        started = time.monotonic()
        try:
            result = await self._fetch_with_retries(url, kind, etag, last_modified)
        except Exception as exc:  # last resort: one bad URL must not stop a whole poll
            log.exception("fetch %s: unexpected error", url)
            result = _failed(url, "internal_error", f"Unexpected error: {exc!r}.")
        return dataclasses.replace(result, elapsed=round(time.monotonic() - started, 3))

    async def _fetch_with_retries(
        self, url: str, kind: FetchKind, etag: str | None, last_modified: str | None
    ) -> FetchResult:
        if not isinstance(url, str) or not url.strip():
            return _failed(str(url), "bad_url", f"Not a URL: {url!r}.")
        headers = {"Accept": _ACCEPT[kind]}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempts = max(0, int(self._config.retries)) + 1
        for attempt in range(attempts):
            outcome = await self._follow(url, url.strip(), headers, kind, check_robots=True)
            assert outcome.result is not None
            if not outcome.retryable or attempt == attempts - 1:
                return outcome.result
            wait = float(self._config.retry_backoff) * (2**attempt)
            if outcome.server_wait is not None:
                cap = float(self._config.max_retry_after)
                if outcome.server_wait > cap:
                    # Retrying sooner than the server asked would be rude; give up instead.
                    detail = (
                        f"{outcome.result.detail} Retry-After {outcome.server_wait:g} s "
                        f"exceeds max_retry_after ({cap:g} s)."
                    )
                    return dataclasses.replace(outcome.result, detail=detail)
                wait = max(wait, outcome.server_wait)
            log.info(
                "fetch %s: %s, retry %d in %.1f s", url, outcome.result.reason, attempt + 1, wait
            )
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def _follow(
        self,
        original: str,
        url: str,
        headers: dict[str, str],
        kind: FetchKind,
        *,
        check_robots: bool,
        max_bytes: int | None = None,
    ) -> _Outcome:
        """Follow redirects by hand so every hop passes the same checks as the first."""
        seen = {urldefrag(url).url}
        current = url
        max_redirects = max(0, int(self._config.max_redirects))
        for hop in range(max_redirects + 1):
            refusal = await self._admit(original, current, check_robots)
            if refusal is not None:
                return _Outcome(result=refusal)
            outcome = await self._request(original, current, headers, kind, max_bytes)
            if outcome.redirect_to is None:
                return outcome
            target = urldefrag(outcome.redirect_to).url  # fragments never reach the server
            if target in seen:
                return _stop(
                    original,
                    "redirect_loop",
                    f"Redirects from {current} lead back to {target}.",
                    final_url=current,
                )
            if hop == max_redirects:
                return _stop(
                    original,
                    "too_many_redirects",
                    f"More than {max_redirects} redirects; the last pointed to {target}.",
                    final_url=current,
                )
            seen.add(target)
            current = target
        raise AssertionError("unreachable")

    # --- checks before a request ---------------------------------------------------------

    async def _admit(self, original: str, url: str, check_robots: bool) -> FetchResult | None:
        """None when ``url`` may be requested, else the result saying why not."""
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        except ValueError as exc:
            return _failed(original, "bad_url", f"Not a valid URL: {url!r} ({exc}).")
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return _failed(original, "bad_url", f"Not an http(s) URL with a host: {url!r}.")
        host = parts.hostname
        if _BAD_HOST_CHARS.search(host):
            return _failed(original, "bad_url", f"Invalid host name in {url!r}.")
        addresses = await self._resolve(host, port)
        if isinstance(addresses, FetchResult):
            return dataclasses.replace(addresses, url=original)
        if not self._config.allow_private_hosts:
            private = [a for a in addresses if not is_public_address(a)]
            if private:
                return _failed(
                    original,
                    "private_host",
                    f"{host} resolves to non-public address {private[0]}; "
                    "set allow_private_hosts to fetch it.",
                    final_url=url,
                )
        if check_robots and self._config.respect_robots and parts.path != "/robots.txt":
            if not await self._robots_allow(url):
                return _failed(
                    original, "robots", f"robots.txt of {host} disallows {url}.", final_url=url
                )
        return None

    async def _resolve(self, host: str, port: int) -> list[str] | FetchResult:
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(float(self._config.connect_timeout)):
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except TimeoutError:
            return _failed("", "dns", f"DNS lookup of {host} timed out.")
        except (socket.gaierror, UnicodeError, OSError) as exc:
            return _failed("", "dns", f"DNS lookup of {host} failed: {exc}.")
        addresses = [str(info[4][0]) for info in infos]
        if not addresses:
            return _failed("", "dns", f"DNS lookup of {host} returned no address.")
        return addresses

    async def _robots_allow(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:  # one robots.txt request per origin, however many fetches wait
            if origin not in self._robots:
                self._robots[origin] = await self._load_robots(origin)
        rules = self._robots[origin]
        return rules is None or rules.can_fetch(url, self._config.user_agent)

    async def _load_robots(self, origin: str) -> Protego | None:
        """Parsed robots.txt, or None (everything allowed) when it cannot be had."""
        robots_url = origin + "/robots.txt"
        outcome = await self._follow(
            robots_url,
            robots_url,
            {"Accept": "text/plain, */*"},
            "any",
            check_robots=False,
            max_bytes=_ROBOTS_MAX_BYTES,
        )
        result = outcome.result
        if result is None or not result.ok:
            log.info(
                "robots %s: %s, treated as allowing everything",
                robots_url,
                result.reason if result else "no result",
            )
            return None
        try:
            rules = Protego.parse(result.body.decode("utf-8", errors="replace"))
        except Exception as exc:  # protego on hostile input: allow, as for a missing file
            log.warning(
                "robots %s: unparseable (%s), treated as allowing everything", robots_url, exc
            )
            return None
        crawl_delay = rules.crawl_delay(self._config.user_agent)
        if crawl_delay:
            gate = self._gate(urlsplit(origin).hostname or "")
            gate.delay = max(gate.delay, min(float(crawl_delay), _MAX_CRAWL_DELAY))
        return rules

    def _gate(self, host: str) -> _HostGate:
        host = host.lower()
        if host not in self._gates:
            self._gates[host] = _HostGate(
                int(self._config.per_host_concurrency), float(self._config.per_host_delay)
            )
        return self._gates[host]

    # --- one request -----------------------------------------------------------------------

    async def _request(
        self,
        original: str,
        url: str,
        headers: dict[str, str],
        kind: FetchKind,
        max_bytes: int | None,
    ) -> _Outcome:
        gate = self._gate(urlsplit(url).hostname or "")
        limit = int(max_bytes or self._config.max_body_bytes)
        async with gate.slot(), self._global:
            try:
                # The budget covers connect, headers and the whole body, so a server that
                # trickles one byte a second cannot hold a worker forever.
                async with asyncio.timeout(self._budget):
                    return await self._exchange(original, url, headers, kind, limit)
            except TimeoutError:
                return _Outcome(
                    result=_failed(
                        original,
                        "timeout",
                        f"No complete response from {url} within {self._budget:g} s.",
                        final_url=url,
                    ),
                    retryable=True,
                )
            except httpx.HTTPError as exc:
                return _http_error_outcome(original, url, exc)

    async def _exchange(
        self, original: str, url: str, headers: dict[str, str], kind: FetchKind, limit: int
    ) -> _Outcome:
        request = self._client.build_request("GET", url, headers=headers)
        response = await self._client.send(request, stream=True)
        try:
            return await _read_response(original, url, response, kind, limit)
        finally:
            await response.aclose()


def _http_error_outcome(original: str, url: str, exc: httpx.HTTPError) -> _Outcome:
    """Map an httpx exception to a reason code, and say whether trying again may help."""
    text = str(exc) or type(exc).__name__
    retryable = False
    if isinstance(exc, httpx.TimeoutException):
        reason, retryable = "timeout", True
    elif isinstance(exc, httpx.ConnectError) and text.startswith(PRIVATE_HOST_MARK):
        reason, text = "private_host", text.removeprefix(PRIVATE_HOST_MARK).strip()
    elif isinstance(exc, httpx.ConnectError) and ("ssl" in text.lower() or "certif" in text):
        reason = "tls"
    elif isinstance(exc, httpx.ConnectError):
        reason, retryable = "connect", True
    elif isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        reason = "bad_url"
    elif isinstance(exc, httpx.DecodingError):
        reason = "decoding_error"
    elif isinstance(exc, httpx.TransportError):  # connection dropped mid-response
        reason, retryable = "connection_error", True
    else:
        reason = "http_error"
    detail = f"Fetching {url} failed ({reason}): {text}."
    return _Outcome(result=_failed(original, reason, detail, final_url=url), retryable=retryable)


async def _read_response(
    original: str, url: str, response: httpx.Response, kind: FetchKind, limit: int
) -> _Outcome:
    """Turn one response into an outcome, reading the body only when it is wanted."""
    status = response.status_code
    common = {"final_url": url, "status": status}
    if status in _REDIRECT_STATUSES:
        location = response.headers.get("location", "").strip()
        if not location:
            detail = f"{url} redirected ({status}) without a Location."
            return _stop(original, f"http_{status}", detail, **common)
        return _Outcome(redirect_to=urljoin(url, location))
    if status == 304:
        return _stop(
            original,
            "not_modified",
            f"{url} has not changed since the last fetch.",
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            **common,
        )
    if not 200 <= status < 300:
        reason_phrase = response.reason_phrase or ""
        return _Outcome(
            result=_failed(
                original,
                f"http_{status}",
                f"{url} answered {status} {reason_phrase}".rstrip() + ".",
                **common,
            ),
            retryable=status in _RETRY_STATUSES,
            server_wait=_retry_after(response.headers.get("retry-after")),
        )
    media_type, charset = parse_content_type(response.headers.get("content-type"))
    common.update(content_type=media_type, encoding=charset)
    if is_binary_type(media_type):
        return _stop(original, "binary_content", f"{url} is {media_type}, not text.", **common)
    declared = _declared_length(response.headers.get("content-length"))
    if declared is not None and declared > limit:
        detail = f"{url} is {declared} bytes, over the {limit} limit."
        return _stop(original, "too_large", detail, **common)
    try:
        body = await _read_capped(response, limit)
    except _TooLarge:
        detail = f"{url} sent more than {limit} bytes; stopped reading."
        return _stop(original, "too_large", detail, **common)
    except (_UnsupportedEncoding, zlib.error) as exc:
        detail = f"{url} sent a body that cannot be decompressed ({exc})."
        return _stop(original, "decoding_error", detail, **common)
    mismatch = content_mismatch(body, media_type, kind)
    if mismatch is not None:
        detail = f"{url} {mismatch.detail}."
        return _stop(original, mismatch.reason, detail, **common)
    return _Outcome(
        result=FetchResult(
            url=original,
            ok=True,
            body=body,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            detail=f"{len(body)} bytes of {media_type or 'unlabelled content'}.",
            **common,
        )
    )


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), if any."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _declared_length(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def _accept_encoding() -> str:
    return "gzip, deflate, br" if _brotli_module() is not None else "gzip, deflate"


def _brotli_module():  # noqa: ANN202 - optional dependency, untyped
    try:
        import brotli  # type: ignore[import-not-found]
    except ImportError:
        return None
    return brotli


# --- body reading ------------------------------------------------------------------------


class _BodyDecoder:
    """Undoes Content-Encoding with an output limit, so a gzip bomb stops at the cap."""

    def __init__(self, encoding: str | None) -> None:
        self._encoding = (encoding or "identity").strip().lower()
        self._zlib: zlib._Decompress | None = None
        self._brotli = None
        self._deflate_raw = False
        self._junk_tail = False
        self._gzip = self._encoding in ("gzip", "x-gzip")
        if self._gzip:
            self._zlib = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        elif self._encoding == "deflate":
            self._zlib = zlib.decompressobj()
        elif self._encoding == "br" and _brotli_module() is not None:
            self._brotli = _brotli_module().Decompressor()
        elif self._encoding not in ("identity", ""):
            raise _UnsupportedEncoding(self._encoding)

    def feed(self, data: bytes, max_out: int) -> bytes:
        if self._junk_tail:
            return b""
        if self._brotli is not None:
            return self._brotli.process(data)
        if self._zlib is None:
            return data
        if self._encoding == "deflate" and not self._deflate_raw:
            try:
                return self._zlib.decompress(data, max_out)
            except zlib.error:
                # "deflate" is often sent raw, without the zlib header the RFC asks for.
                self._deflate_raw = True
                self._zlib = zlib.decompressobj(wbits=-zlib.MAX_WBITS)
        out = self._zlib.decompress(data, max_out)
        # Concatenated gzip members are legal; start a new stream for each. Bytes after the
        # last member that are not gzip are junk some servers append: ignored, as browsers do.
        while self._gzip and self._zlib.eof and self._zlib.unused_data and len(out) < max_out:
            rest = self._zlib.unused_data
            self._zlib = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            try:
                out += self._zlib.decompress(rest, max_out - len(out))
            except zlib.error:
                self._junk_tail = True
                break
        return out


async def _read_capped(response: httpx.Response, limit: int) -> bytes:
    decoder = _BodyDecoder(response.headers.get("content-encoding"))
    parts: list[bytes] = []
    total = 0
    async for raw in response.aiter_raw():
        data = decoder.feed(raw, limit - total + 1)
        total += len(data)
        if total > limit:
            raise _TooLarge
        parts.append(data)
    return b"".join(parts)


# --- synchronous convenience -------------------------------------------------------------


def fetch_all(urls: Iterable[str], config: Config, kind: FetchKind = "any") -> list[FetchResult]:
    """Fetch every URL with one Fetcher (concurrently, politely); results in input order.

    Runs its own event loop, so it cannot be called from async code: use ``Fetcher`` there.
    """
    url_list = list(urls)

    async def run() -> list[FetchResult]:
        async with Fetcher(config) as fetcher:
            return list(await asyncio.gather(*(fetcher.fetch(u, kind=kind) for u in url_list)))

    return asyncio.run(run())
