"""Story commands: ``build``, ``stories``, ``story ID``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from quorum.cli.app import CONFIG_OPTION, DB_OPTION, app, fail, print_json
from quorum.cli.ingest_cmd import open_desk


def story_summary(row) -> dict:
    data = row.data or {}
    outlets = sorted({a["outlet"] for a in data.get("articles", [])})
    return {
        "id": row.id,
        "title": row.title,
        "first_seen": row.first_seen.isoformat() if row.first_seen else None,
        "last_seen": row.last_seen.isoformat() if row.last_seen else None,
        "articles": row.article_count,
        "independent_sources": row.independent_sources,
        "status": row.status,
        "impact": row.impact,
        "sentiment": (data.get("scores", {}).get("sentiment") or {}).get("label"),
        "outlets": outlets,
        "origins": [
            {"key": o["key"], "outlets": o["outlets"], "why": o["why"]}
            for o in data.get("origins", [])
        ],
    }


@app.command()
def build(
    full: bool = typer.Option(
        False, "--full", help="Replay every stored article instead of only the new ones."
    ),
    wait: float = typer.Option(
        0.0, "--wait", min=0.0, help="Seconds to wait for another running build (default: none)."
    ),
    db: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Bring stories up to date with the stored articles (run after ingest by `run` and
    `demo`): only articles stored since the last build are added, unless --full."""
    from quorum.cli.history import run_build

    with open_desk(db, config, create=False) as desk:
        run_build(desk, full=full, wait=wait)


@app.command()
def stories(
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
    status: str = typer.Option(None, "--status", help="Only verified, single_source or held."),
    limit: int = typer.Option(50, "--limit", min=1, help="At most this many (newest first)."),
    db: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """List stories: id, title, first/last seen, articles, independent sources, outlets."""
    if status and status not in {"verified", "single_source", "held"}:
        raise fail(f"--status must be verified, single_source or held, not {status!r}")
    with open_desk(db, config, create=False) as desk:
        rows = desk.store.stories(limit=limit, status=status)
        if as_json:
            for row in rows:
                print_json(story_summary(row))
            return
        table = Table(show_lines=False)
        for col in (
            "id",
            "title",
            "first seen",
            "last seen",
            "arts",
            "sources",
            "status",
            "impact",
            "outlets",
        ):
            table.add_column(col)
        for row in rows:
            s = story_summary(row)
            table.add_row(
                s["id"],
                s["title"][:60],
                (s["first_seen"] or "")[:10],
                (s["last_seen"] or "")[:10],
                str(s["articles"]),
                str(s["independent_sources"]),
                s["status"],
                f"{s['impact']:.0f}" if s["impact"] is not None else "",
                ", ".join(s["outlets"])[:60],
            )
        Console().print(table)


@app.command()
def story(
    story_id: str = typer.Argument(..., help="A story id from `quorum stories`."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole story as JSON."),
    history: bool = typer.Option(
        False, "--history", help="Print what each build changed in the story, with dates."
    ),
    db: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Show one story: its articles, why copies were merged, facts, conflicts and scores."""
    with open_desk(db, config, create=False) as desk:
        if history:
            from quorum.cli.history import print_history

            return print_history(desk, story_id, as_json)
        row = desk.store.story(story_id)
        if row is None:
            raise fail(f"no story {story_id!r}; `quorum stories` lists them", code=1)
        data = row.data or {}
        if as_json:
            print_json(
                {**story_summary(row), **{k: v for k, v in data.items() if k != "fingerprint"}}
            )
            return
        s = story_summary(row)
        typer.echo(
            f"{row.title}\n{data.get('label', '')} · status {row.status} · impact "
            f"{row.impact} · sentiment {s['sentiment']}"
        )
        typer.echo("\nSources:")
        for origin in data.get("origins", []):
            why = f"  (merged: {'; '.join(origin['why'])})" if origin["why"] else ""
            typer.echo(f"  origin {origin['key']}: {', '.join(origin['outlets'])}{why}")
        for a in data.get("articles", []):
            copy = " [copy]" if a.get("is_copy") else ""
            typer.echo(
                f"    #{a['id']} {a['outlet']} {(a['published'] or '')[:10]} {a['title']}{copy}"
            )
        if data.get("key_facts"):
            typer.echo("\nKey facts:")
            for f in data["key_facts"]:
                typer.echo(f"  - {f['text']}  ({f['sources']} sources)")
        if data.get("conflicts"):
            typer.echo("\nConflicts:")
            for c in data["conflicts"]:
                sides = " vs ".join(
                    f"{sd['value']} ({', '.join(sd['outlets'])})" for sd in c["sides"]
                )
                typer.echo(f"  - {c['kind']}: {c['subject']}: {sides}")
