"""Web commands: ``quorum serve`` (the live site) and ``quorum build-site`` (a static copy)."""

from __future__ import annotations

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
    typer.echo(f"serving on http://{host}:{port}/ (Ctrl-C to stop)")
    try:
        run(desk, port=port, host=host)
    finally:
        desk.close()


@app.command("build-site")
def build_site(
    folder: Path = typer.Argument(..., help="Folder to write the static site into."),
    db: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Write a static copy of the site: every page as index.html plus .json, and the feeds."""
    from quorum.web.static_site import build_site as build

    desk = open_desk(db, config, create=False)
    try:
        report = build(desk.store, desk.config, folder)
    except OSError as exc:
        raise fail(f"cannot write {folder}: {exc}") from exc
    finally:
        desk.close()
    typer.echo(f"wrote {report.pages} pages to {report.folder}")
