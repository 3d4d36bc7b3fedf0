"""Build and history output shared by ``build``, ``run`` and ``story --history``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from quorum.cli.app import fail, print_json

if TYPE_CHECKING:
    from quorum.desk import Desk


def run_build(desk: Desk, *, full: bool = False, wait: float = 0.0) -> None:
    """Run a build and print its summary and its per-stage log line; another build
    already running is a one-line refusal (exit 1), not a traceback."""
    from quorum.cli.ingest_cmd import progress_bar
    from quorum.pipeline import build_stories
    from quorum.store.builds import BuildBusy

    try:
        with progress_bar("building stories") as advance:
            summary = build_stories(desk, advance, full=full, wait=wait)
    except BuildBusy as exc:
        raise fail(str(exc), code=1) from None
    typer.echo(summary)
    typer.echo(summary.stages())


def print_history(desk: Desk, story_id: str, as_json: bool) -> None:
    """What each build changed in one story, oldest first."""
    from quorum.compose.revisions import describe
    from quorum.store.builds import revisions

    rows = revisions(desk.store, story_id)
    if not rows and desk.store.story(story_id) is None:
        raise fail(f"no story {story_id!r}; `quorum stories` lists them", code=1)
    if as_json:
        print_json(
            {
                "id": story_id,
                "revisions": [
                    {"at": r.at.isoformat(), "build": r.build_seq, "changes": r.changes}
                    for r in rows
                ],
            }
        )
        return
    typer.echo(f"history of {story_id}:")
    for r in rows:
        typer.echo(f"{r.at:%Y-%m-%d %H:%M} UTC (build {r.build_seq})")
        for line in describe(r.changes):
            typer.echo(f"  - {line}")
