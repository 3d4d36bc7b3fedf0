"""Story commands: ``build``, ``stories``, ``story ID``."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from quorum.cli.app import CONFIG_OPTION, DB_OPTION, app, fail, print_json
from quorum.cli.ingest_cmd import open_desk
from quorum.story_contract import story_summary


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
    as_json: bool = typer.Option(
        False, "--json", help="One JSON object per line (the `summary` of the story schema)."
    ),
    status: str = typer.Option(None, "--status", help="Only verified, single_source or held."),
    limit: int = typer.Option(50, "--limit", min=1, help="At most this many (newest first)."),
    db: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """List stories, newest first: a table on a terminal, tab-separated lines otherwise.

    The tab-separated columns: id, status, impact, independent sources, articles, first
    seen, last seen, title.
    """
    if status and status not in {"verified", "single_source", "held"}:
        raise fail(f"--status must be verified, single_source or held, not {status!r}")
    from quorum.store.index import action_threshold

    with open_desk(db, config, create=False) as desk:
        threshold = action_threshold()
        rows = [story_summary(r, threshold) for r in desk.store.stories(limit=limit, status=status)]
        if not rows:
            explain_no_stories(desk, status)
        if as_json:
            for s in rows:
                print_json(s)
        elif sys.stdout.isatty():
            print_table(rows)
        else:
            for s in rows:
                typer.echo("\t".join(tsv_fields(s)))


def explain_no_stories(desk, status: str | None) -> None:
    """An empty listing says why on stderr: nothing built yet, or nothing with --status."""
    if status and desk.store.stories(limit=1):
        typer.echo(f"no {status} stories (drop --status to list the others)", err=True)
    elif articles := desk.store.count_articles():
        typer.echo(
            f"no stories yet: {articles} article(s) stored; `quorum build` makes stories of them",
            err=True,
        )
    else:
        typer.echo("no stories: nothing is stored yet (`quorum ingest`, `run` or `demo`)", err=True)


def impact_text(value: float | None) -> str:
    """One decimal, as the rubric scores in halves (4.5 must not print as 4)."""
    return "" if value is None else f"{value:.1f}"


def _day(value) -> str:
    return value.date().isoformat() if value is not None else ""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())  # no tab or newline can break a row


def tsv_fields(s: dict) -> list[str]:
    return [
        s["id"],
        s["status"],
        impact_text(s["impact"]),
        str(s["independent_sources"]),
        str(s["article_count"]),
        _day(s["first_seen"]),
        _day(s["last_seen"]),
        _one_line(s["title"]),
    ]


# Wider terminals get more columns; below these widths the title needs the room.
FIRST_SEEN_MIN_WIDTH = 110
OUTLETS_MIN_WIDTH = 140
TITLE_MIN_WIDTH = 12  # narrower, a title is no longer recognisable


def print_table(rows: list[dict]) -> None:
    """Ids in full (they are what `quorum story ID` takes); the title, last, gets the width
    left and ends in an ellipsis; optional columns only where the terminal has room.

    Widths are set here, not left to Rich: it shrinks every column in proportion to its
    text, which cut the ids to "st-9e…" and kept the titles whole.
    """
    console = Console()
    heads = ["id", "status", "impact", "src", "arts", "first seen", "last seen", "title"]
    table = [tsv_fields(s) for s in rows]
    if console.width < FIRST_SEEN_MIN_WIDTH:
        del heads[5]
        table = [cells[:5] + cells[6:] for cells in table]
    wide = console.width >= OUTLETS_MIN_WIDTH
    widths = [max(len(h), *(len(c[i]) for c in table)) for i, h in enumerate(heads[:-1])]
    free = console.width - sum(widths) - 2 * len(widths)  # two spaces between columns
    longest = max((len(c[-1]) for c in table), default=5)
    out = Table(box=None, pad_edge=False, show_edge=False, padding=(0, 1), header_style="bold")
    for head, width in zip(heads, widths, strict=False):
        right = head in ("impact", "src", "arts")
        out.add_column(head, width=width, no_wrap=True, justify="right" if right else "left")
    if wide:
        title_width = min(longest, max(TITLE_MIN_WIDTH, free * 2 // 3))
        out.add_column("title", width=title_width, no_wrap=True, overflow="ellipsis")
        outlet_width = max(TITLE_MIN_WIDTH, free - title_width - 2)
        out.add_column("outlets", width=outlet_width, no_wrap=True, overflow="ellipsis")
    else:
        title_width = min(longest, max(TITLE_MIN_WIDTH, free))
        out.add_column("title", width=title_width, no_wrap=True, overflow="ellipsis")
    for s, cells in zip(rows, table, strict=True):
        extra = [", ".join(s["outlets"])] if wide else []
        out.add_row(*(escape(c) for c in cells + extra))
    console.print(out)
    console.print(
        "[dim]`quorum story ID` shows one; piped, this prints tab-separated lines[/dim]",
        highlight=False,
    )


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
    from quorum.web import pages

    with open_desk(db, config, create=False) as desk:
        if history:
            from quorum.cli.history import print_history

            return print_history(desk, story_id, as_json)
        try:  # the same document as /story/ID.json, held stories included
            doc = pages.story_page(pages.Site.create(desk.store, desk.config), story_id, False)
        except pages.NotFound:
            raise fail(f"no story {story_id!r}; `quorum stories` lists them", code=1) from None
        if as_json:
            print_json(pages.jsonable(doc))
            return
        print_story(doc)


def print_story(doc: dict) -> None:
    s = doc["story"]
    sentiment = s["tier"]
    if s["sentiment"] is not None:
        sentiment = f"{sentiment} ({s['sentiment']:+.2f})".strip()
    typer.echo(
        f"{doc['title']}\n{s['id']} · {doc['label'] or s['status']} · impact "
        f"{impact_text(s['impact']) or '-'}{' (action item)' if s['action_item'] else ''}"
        f" · sentiment {sentiment or '-'}"
    )
    typer.echo("\nSources:")
    articles = {str(a["id"]): a for a in doc["sources"]}
    for origin in doc["origins"]:
        why = f"  (merged: {'; '.join(origin['why'])})" if origin["why"] else ""
        typer.echo(f"  origin {origin['key']}: {', '.join(origin['outlets'])}{why}")
        for aid in origin.get("article_ids") or []:
            a = articles.get(str(aid))
            if a is not None:
                copy = f" [copy of {a['copy_of']}]" if a.get("copy_of") else ""
                day = (a.get("published") or "")[:10]
                typer.echo(f"    #{a['id']} {a['outlet']} {day} {a['title']}{copy}")
    if doc["key_facts"]:
        typer.echo("\nKey facts:")
        for f in doc["key_facts"]:
            typer.echo(f"  - {f['text']}  ({f['sources']} sources)")
    if doc["conflicts"]:
        typer.echo("\nConflicts:")
        for c in doc["conflicts"]:
            sides = " vs ".join(f"{sd['value']} ({', '.join(sd['outlets'])})" for sd in c["sides"])
            typer.echo(f"  - {c['kind']}: {c['subject']}: {sides}")
    typer.echo(f"\nEverything, as JSON: quorum story {s['id']} --json")
