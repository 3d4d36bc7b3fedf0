"""Run the web app under uvicorn (``quorum serve`` and the end of ``quorum demo``)."""

from __future__ import annotations

import logging
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


def serve(desk: Any, port: int, host: str = "127.0.0.1") -> None:
    """Serve the desk's site until interrupted; 127.0.0.1 by default so nothing is exposed
    to the network unless ``host`` says so.

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
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
