"""``quorum demo``: the whole desk, offline, on the fictional sample newsroom.

A local HTTP server serves the sample outlets as real RSS/Atom feeds and HTML pages; the
real ingest path (fetcher, robots.txt, feed parser, extraction, store) reads them into a
database of its own, stories are built, and the site is served unless ``--no-serve``.
"""

from __future__ import annotations

import socket
from contextlib import nullcontext
from pathlib import Path

import typer

from quorum.cli.app import CONFIG_OPTION, DEMO_DB, app, fail
from quorum.cli.ingest_cmd import after_ingest, open_desk, poll_once, print_report
from quorum.cli.web_cmd import announce, listen

DEMO_HOST = "127.0.0.1"  # the demo is for this machine only


@app.command()
def demo(
    db: str = typer.Option(DEMO_DB, "--db", help="Database for the demo (SQLite path or URL)."),
    port: int = typer.Option(8000, "--port", help="Port of the web site served at the end."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Ingest and build, then exit."),
    fresh: bool = typer.Option(False, "--fresh", help="Delete the demo SQLite file first."),
    config: Path = CONFIG_OPTION,
) -> None:
    """Serve the sample newsroom locally, ingest it over HTTP, build stories, serve the site."""
    from quorum.sample_site import SampleSite

    if not 0 < port < 65536:
        raise fail(f"--port must be between 1 and 65535, got {port}")
    # the port first: a busy one must not be found after the whole ingest
    sock = None if no_serve else listen(DEMO_HOST, port)
    with sock or nullcontext():  # closed however the demo ends
        if fresh and "://" not in db:
            for suffix in ("", "-wal", "-shm"):
                Path(db + suffix).unlink(missing_ok=True)
        with SampleSite() as site:
            base = site.start()
            host = base.split("://", 1)[1].rstrip("/")
            typer.echo(
                f"reading the fictional sample newsroom ({len(site.outlets)} outlets,"
                f" {len(site.articles)} articles) from its local feeds at {base}"
            )
            with open_desk(
                db,
                config,
                allow_private_hosts=True,  # the sample newsroom lives on 127.0.0.1
                canonical_trusted_hosts=[host],  # its pages name their .example outlet URLs
                per_host_delay=0.0,  # every sample outlet shares one local host
                per_host_concurrency=8,
                use_registry_feeds=False,
                feeds=[],
            ) as desk:
                for outlet in site.outlets:
                    desk.store.upsert_outlet(outlet)
                desk.registry.add(site.outlets)
                report = poll_once(desk, site.feed_urls())
                print_report(report, desk)
                after_ingest(desk)
                typer.echo(f"from the command line: quorum stories --db {db}")
                if sock is None:
                    return
                serve_site(desk, port, sock)


def serve_site(desk, port: int, sock: socket.socket) -> None:
    try:
        from quorum.web.server import serve
    except ImportError:
        sock.close()
        typer.echo("web site not available in this build; stopping (use --no-serve)")
        return
    announce(DEMO_HOST, port)
    serve(desk, port=port, host=DEMO_HOST, sock=sock)
