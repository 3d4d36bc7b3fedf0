"""Run the web app under uvicorn (``quorum serve`` and the end of ``quorum demo``)."""

from __future__ import annotations

import logging
import socket
from typing import Any

import uvicorn

from quorum.web.app import create_app

log = logging.getLogger(__name__)

# Listening on these means every interface: no one address that readers can use.
WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]"}


def listen_url(host: str, port: int) -> str:
    """``http://host:port/`` for a concrete listen address; "" for a wildcard one."""
    if host in WILDCARD_HOSTS:
        return ""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return f"http://{host}:{port}/"


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound now: a busy port is known before a long ingest, and
    nothing can take the port between the check and the serving (uvicorn serves on it).

    Raises OSError (``errno.EADDRINUSE`` for a busy port) as ``socket.bind`` does.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # as uvicorn does: a port left in TIME_WAIT by a stopped server is free to reuse;
        # on Linux a port someone listens on still fails with EADDRINUSE
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serve(desk: Any, port: int, host: str = "127.0.0.1", sock: socket.socket | None = None) -> None:
    """Serve the desk's site until interrupted; 127.0.0.1 by default so nothing is exposed
    to the network unless ``host`` says so.

    ``sock``: a socket from ``bind(host, port)``; without one, uvicorn binds (and exits the
    process on a busy port).

    Atom feeds link to ``site_url``; unset, to the address served on, which is what a
    reader on this machine (the only one that can reach 127.0.0.1) fetched the feed from.
    On every interface there is no such address: the links are then root-relative, which
    feed readers resolve against the feed's own URL.
    """
    base = listen_url(host, port)
    if not desk.config.site_url and not base:
        log.warning(
            "site_url is not set: Atom feeds will carry relative links; set site_url to the "
            "site's public address for absolute ones"
        )
    app = create_app(desk.store, desk.config, base_url=base)
    log.info("serving %s on http://%s:%d/", desk.config.site_title, host, port)
    if sock is None:
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
        return
    # "warning": the command has printed the address to open; uvicorn's own start-up lines
    # would only bury it
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
