"""A real HTTP server on 127.0.0.1 for tests: routes, canned replies, a request log.

Tests exercise the fetcher against real sockets rather than mocks, so timeouts, streaming,
compression and concurrency behave as they do on the network. Usage::

    with LocalHTTPServer() as server:          # or the ``http_server`` pytest fixture
        server.route("/feed.xml", b"<rss ...>", headers={"Content-Type": "application/rss+xml"})
        server.route("/slow", stream=lambda: iter([b"a"] * 100), chunk_delay=1.0)
        server.route("/old", status=301, redirect="/new")
        server.route("/etag", handler=lambda req: Reply(304) if req.headers.get(
            "if-none-match") == '"v1"' else Reply(200, b"x", {"ETag": '"v1"'}))
        url = server.url("/feed.xml")
        ...
        server.requests            # every request seen: path, headers (lower-case keys) ...
        server.max_in_flight       # most requests handled at once

Routes match the path with its query first, then the path alone; anything else is a 404.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One canned response. ``stream`` (an iterable, or a callable returning one) sends its
    chunks as they come, with ``chunk_delay`` seconds between them; without a Content-Length
    header a stream goes out chunked."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    stream: Iterable[bytes] | Callable[[], Iterable[bytes]] | None = None
    delay: float = 0.0  # seconds before the status line is sent
    chunk_delay: float = 0.0


@dataclass
class SeenRequest:
    """A request as the server saw it, for asserting on what the client sent."""

    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    started: float  # time.monotonic()
    finished: float | None = None
    bytes_sent: int = 0  # body bytes written before the response ended or the client left


Handler = Callable[[SeenRequest], Reply]


class LocalHTTPServer:
    """ThreadingHTTPServer on 127.0.0.1, a free port, serving from a daemon thread."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.requests: list[SeenRequest] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._routes: dict[str, Handler] = {}
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> LocalHTTPServer:
        httpd = _QuietServer((self.host, 0), _make_handler(self))
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # quick shutdown between tests
            name="test-http",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> LocalHTTPServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    def url(self, path: str = "/", host: str | None = None) -> str:
        """Absolute URL of ``path`` on this server (``host`` may be e.g. "localhost")."""
        if not path.startswith("/"):
            path = "/" + path
        return f"http://{host or self.host}:{self.port}{path}"

    # --- routes --------------------------------------------------------------------------

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str | None = None,
        stream: Iterable[bytes] | Callable[[], Iterable[bytes]] | None = None,
        delay: float = 0.0,
        chunk_delay: float = 0.0,
        redirect: str | None = None,
        handler: Handler | None = None,
        replies: list[Reply] | None = None,
    ) -> None:
        """Serve ``path``: a fixed reply, a ``handler(request) -> Reply``, or ``replies``
        given in turn (the last one repeats). ``redirect`` sets Location (status 302 unless
        ``status`` is a 3xx)."""
        if handler is None:
            if replies is None:
                all_headers = dict(headers or {})
                if content_type:
                    all_headers["Content-Type"] = content_type
                if redirect is not None:
                    all_headers["Location"] = redirect
                    status = status if 300 <= status < 400 else 302
                data = body.encode("utf-8") if isinstance(body, str) else body
                replies = [Reply(status, data, all_headers, stream, delay, chunk_delay)]
            handler = _in_turn(replies)
        self._routes[path] = handler

    def requests_to(self, path: str) -> list[SeenRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.split("?", 1)[0] == path]

    # --- used by the handler thread ------------------------------------------------------

    def _handler_for(self, path: str) -> Handler | None:
        return self._routes.get(path) or self._routes.get(path.split("?", 1)[0])

    def _begin(self, seen: SeenRequest) -> None:
        with self._lock:
            self.requests.append(seen)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _end(self, seen: SeenRequest) -> None:
        with self._lock:
            self._in_flight -= 1
            seen.finished = time.monotonic()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True  # a stalled handler must not keep the test run alive
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # a real bug in a test handler


def _in_turn(replies: list[Reply]) -> Handler:
    if not replies:
        raise ValueError("replies must not be empty")
    lock = threading.Lock()
    served = [0]

    def handler(_: SeenRequest) -> Reply:
        with lock:
            index = min(served[0], len(replies) - 1)
            served[0] += 1
        return replies[index]

    return handler


def _make_handler(server: LocalHTTPServer) -> type[BaseHTTPRequestHandler]:
    class RouteHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive and chunked streams, like real servers

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            seen = SeenRequest(
                method="GET",
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                started=time.monotonic(),
            )
            server._begin(seen)
            try:
                self._respond(seen)
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                self.close_connection = True  # the client gave up; that is what tests do
            finally:
                server._end(seen)

        def _respond(self, seen: SeenRequest) -> None:
            handler = server._handler_for(self.path)
            reply = (
                handler(seen)
                if handler
                else Reply(404, b"not found", {"Content-Type": "text/plain"})
            )
            if reply.delay:
                _sleep_unless(server._stopping, reply.delay)
            self.send_response(reply.status)
            names = {k.lower() for k in reply.headers}
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.stream is None:
                if "content-length" not in names:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
                seen.bytes_sent = len(reply.body)
                return
            chunked = "content-length" not in names
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            chunks = reply.stream() if callable(reply.stream) else reply.stream
            for chunk in chunks:
                if server._stopping.is_set():
                    self.close_connection = True
                    return
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                else:
                    self.wfile.write(chunk)
                self.wfile.flush()
                seen.bytes_sent += len(chunk)
                if reply.chunk_delay:
                    _sleep_unless(server._stopping, reply.chunk_delay)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # keep test output clean

    return RouteHandler


def _sleep_unless(stopping: threading.Event, seconds: float) -> None:
    stopping.wait(seconds)
