"""Web commands: ``quorum serve`` (the live site) and ``quorum build-site`` (a static copy)."""

from __future__ import annotations

import errno
import socket
from pathlib import Path

import typer

from quorum.cli.app import CONFIG_OPTION, DB_OPTION, app, fail
from quorum.cli.ingest_cmd import open_desk


@app.command()
def serve(
    db: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Interface to listen on (0.0.0.0 exposes the site)."
    ),
) -> None:
    """Serve the site: stories, entities, outlets, trends, search, JSON and Atom feeds."""
    from quorum.web.server import serve as run

    desk = open_desk(db, config, create=False)
    try:
        with listen(host, port) as sock:
            announce(host, port)
            run(desk, port=port, host=host, sock=sock)
    finally:
        desk.close()


# How far above a busy port to look for a free one to suggest.
PORTS_TO_TRY = 20


def listen(host: str, port: int) -> socket.socket:
    """Bind the site's port, or exit with one line saying why and what to do instead."""
    from quorum.web.server import bind

    try:
        return bind(host, port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            free = next((p for p in range(port + 1, port + PORTS_TO_TRY) if _free(host, p)), None)
            hint = f"; try --port {free}" if free else "; choose another with --port"
            raise fail(f"port {port} on {host} is already in use (another server?){hint}") from None
        if exc.errno == errno.EACCES:
            raise fail(f"port {port} needs privileges; choose one above 1023 with --port") from None
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _free(host: str, port: int) -> bool:
    from quorum.web.server import bind

    try:
        bind(host, port).close()
    except OSError:
        return False
    return True


def announce(host: str, port: int) -> None:
    """The one line to act on: the address to open (uvicorn's start-up lines are quiet)."""
    from quorum.web.server import listen_url

    url = listen_url(host, port)
    if url:
        typer.echo(f"open {url}  (Ctrl-C to stop)")
    else:  # every interface: this machine reaches it on loopback, others by its name
        typer.echo(
            f"open http://127.0.0.1:{port}/ on this machine, or this machine's address on port"
            f" {port} from others  (Ctrl-C to stop)"
        )


@app.command("build-site")
def build_site(
    folder: Path = typer.Argument(..., help="Folder to write the static site into."),
    site_url: str = typer.Option(
        None, "--site-url", help="Address the copy will be served from (overrides site_url)."
    ),
    force: bool = typer.Option(
        False, "--force", help="Write into a non-empty folder that holds no earlier build."
    ),
    db: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Write a static copy of the site: every page as index.html plus .json, and the feeds."""
    from quorum.web.static_site import FolderNotEmpty
    from quorum.web.static_site import build_site as build

    overrides = {"site_url": site_url} if site_url else {}
    desk = open_desk(db, config, create=False, **overrides)
    try:
        report = build(desk.store, desk.config, folder, force=force)
    except FolderNotEmpty as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot write {folder}: {exc}") from exc
    finally:
        desk.close()
    for warning in report.warnings:
        typer.secho(f"warning: {warning}", err=True, fg=typer.colors.YELLOW)
    typer.echo(f"wrote {report.pages} pages to {report.folder}")
