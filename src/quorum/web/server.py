"""Run the web app under uvicorn (``quorum serve`` and the end of ``quorum demo``)."""

from __future__ import annotations

import logging
from typing import Any

import uvicorn

from quorum.web.app import create_app

log = logging.getLogger(__name__)


def serve(desk: Any, port: int, host: str = "127.0.0.1") -> None:
    """Serve the desk's site until interrupted; 127.0.0.1 by default so nothing is exposed
    to the network unless ``host`` says so."""
    app = create_app(desk.store, desk.config)
    log.info("serving %s on http://%s:%d/", desk.config.site_title, host, port)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
