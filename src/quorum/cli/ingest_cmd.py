"""Ingest commands: ``ingest``, ``run``, ``status``.

Heavy modules (SQLAlchemy, httpx, trafilatura) are imported inside the commands so that
``quorum --help`` and every other command start quickly.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from quorum.cli.app import (
    CONFIG_OPTION,
    DB_OPTION,
    DEMO_DB,
    app,
    fail,
    print_json,
    remember_database,
)
from quorum.settings import ConfigError

if TYPE_CHECKING:
    from quorum.desk import Desk
    from quorum.ingest import IngestReport

err = Console(stderr=True)


@contextmanager
def progress_bar(description: str, total: int | None = None) -> Iterator:
    """A Rich progress bar on stderr; yields ``advance(n)``. Quiet when not a terminal."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)


def open_desk(db: str | None, config: Path | None, create: bool = True, **overrides) -> Desk:
    """Open the desk or exit with a one-line reason (bad config, unreachable database).

    Commands that only read pass ``create=False``: a missing SQLite file then gets a hint
    rather than an empty new database and an empty answer.
    """
    from quorum.desk import Desk
    from quorum.store import MissingDatabase, StoreError

    try:
        desk = Desk.open(db, config, create=create, **overrides)
    except MissingDatabase as exc:
        message = (
            f"{exc}: nothing is stored there yet (`quorum run`, `quorum ingest` or"
            " `quorum demo` fill one)"
        )
        if Path(DEMO_DB).exists():
            message += f"; the demo's database is {DEMO_DB}: add --db {DEMO_DB}"
        raise fail(message) from None
    except (ConfigError, StoreError) as exc:
        raise fail(str(exc)) from None
    remember_database(desk.config.database)
    return desk


def check_writes(desk: Desk) -> None:
    """Exit non-zero when the database failed during a run, even where the run logged the
    failure per item and went on (a disk that filled up half-way)."""
    from quorum.store.errors import explain

    if desk.store.failure is not None:
        raise fail(explain(desk.store.failure, desk.config.database), code=1)


def print_report(report: IngestReport, desk: Desk) -> None:
    typer.echo(
        f"run {report.run_id}: {report.stored} new article(s), "
        f"{report.already_had} already stored, {report.fallbacks} from feed summaries; "
        f"{desk.store.count_articles()} in the database"
    )
    if report.reasons:
        reasons = ", ".join(f"{r} {n}" for r, n in report.reasons.most_common())
        typer.echo(f"logged: {reasons}  (see `quorum status`)")


@app.command()
def ingest(
    sources: list[str] = typer.Argument(
        ..., help="JSONL dump files (.jsonl or .jsonl.gz) and/or article page URLs."
    ),
    no_build: bool = typer.Option(
        False,
        "--no-build",
        help="Only store the articles; `quorum build` makes the stories later (after many dumps).",
    ),
    db: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Store articles from JSONL dumps or single pages, then build stories (or --no-build).

    A dump has one JSON object a line: id, title, text, date, source, url (+ extras).
    """
    from quorum.fetch import Fetcher
    from quorum.ingest import Ingestor, IngestReport

    urls = [s for s in sources if re.match(r"^https?://", s)]
    files = [Path(s) for s in sources if s not in urls]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise fail(f"not a file or http(s) URL: {', '.join(missing)}")
    with open_desk(db, config) as desk:
        desk.store.check_integrity()  # a damaged file: refuse before writing into it
        ingestor = Ingestor(desk.store, desk.config, desk.registry, desk.beat)
        report = IngestReport(ingestor.run_id)
        for path in files:
            with progress_bar(f"ingesting {path.name}") as advance:
                report.merge(ingestor.ingest_jsonl(path, advance))
        if urls:

            async def pages() -> IngestReport:
                async with Fetcher(desk.config) as fetcher:
                    with progress_bar("fetching pages", len(urls)) as advance:
                        return await ingestor.ingest_pages(urls, fetcher, advance)

            report.merge(asyncio.run(pages()))
        print_report(report, desk)
        check_writes(desk)
        if no_build:
            typer.echo("stories not built (--no-build): `quorum build` makes them")
        else:
            after_ingest(desk)


def parse_every(text: str) -> float:
    """'15m' -> 900.0 seconds; accepts s, m, h."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text or "")
    if not m or float(m.group(1)) <= 0:
        raise typer.BadParameter(f"expected a duration like 90s, 15m or 1h, got {text!r}")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def feed_list(desk: Desk, extra: list[str]) -> list[str]:
    feeds = list(desk.config.feeds) + list(extra)
    if desk.config.use_registry_feeds:
        feeds += desk.registry.default_feeds()
    return list(dict.fromkeys(feeds))  # de-duplicate, keep order


def poll_once(desk: Desk, feeds: list[str]) -> IngestReport:
    from quorum.ingest import Ingestor

    ingestor = Ingestor(desk.store, desk.config, desk.registry, desk.beat)
    with progress_bar(f"polling {len(feeds)} feed(s)") as advance:
        return asyncio.run(ingestor.poll_feeds(feeds, advance))


@app.command()
def run(
    every: str = typer.Option(
        None,
        "--every",
        help="Keep polling at this interval (e.g. 15m); default: poll once and exit.",
    ),
    feed: list[str] = typer.Option(None, "--feed", help="Extra feed URL (repeatable)."),
    db: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Poll every configured feed once (or every --every), store new articles, build stories."""
    interval = parse_every(every) if every else None
    with open_desk(db, config) as desk:
        feeds = feed_list(desk, feed or [])
        if not feeds:
            raise fail("no feeds configured: set `feeds` in quorum.toml or pass --feed")
        desk.store.check_integrity()
        while True:
            started = time.monotonic()
            report = poll_once(desk, feeds)
            fetched = time.monotonic() - started
            print_report(report, desk)
            check_writes(desk)
            typer.echo(f"fetch: {report.stored} article(s) stored in {fetched:.2f}s")
            # in a loop a build still running elsewhere is waited for, not an error
            after_ingest(desk, wait=interval or 0.0)
            if interval is None:
                return
            time.sleep(max(0.0, interval - (time.monotonic() - started)))


def after_ingest(desk: Desk, wait: float = 0.0) -> None:
    """Bring the stories up to date with the articles stored since the last build."""
    from quorum.cli.history import run_build

    run_build(desk, wait=wait)


@app.command()
def status(
    run_id: str = typer.Option(None, "--run", help="A run id (default: the latest run)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    db: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Summarise the database and the fetch log: what was stored, what failed and why."""
    with open_desk(db, config, create=False) as desk:
        store = desk.store
        run_id = run_id or store.last_run_id()
        last = store.reason_counts(run_id) if run_id else {}
        total = store.reason_counts()
        data = {
            "articles": store.count_articles(),
            "articles_by_via": store.counts_by_via(),
            "last_run": run_id,
            "last_run_reasons": {f"{k}:{r}": n for (k, r), n in sorted(last.items())},
            "all_reasons": {f"{k}:{r}": n for (k, r), n in sorted(total.items())},
            "stories": len(store.stories()),
        }
        if desk.config.broker_url:
            data["broker"] = broker_status(desk)
        if as_json:
            print_json(data)
            return
        via = ", ".join(f"{v} {n}" for v, n in sorted(data["articles_by_via"].items()))
        typer.echo(f"{data['articles']} articles ({via or 'none'}), {data['stories']} stories")
        table = Table(title=f"fetch log, run {run_id}" if run_id else "fetch log (empty)")
        table.add_column("kind")
        table.add_column("reason")
        table.add_column("last run", justify="right")
        table.add_column("all runs", justify="right")
        for (kind, reason), n in sorted(total.items()):
            table.add_row(kind, reason, str(last.get((kind, reason), 0)), str(n))
        Console().print(table)
        if "broker" in data:
            print_broker(data["broker"])
        failures = store.fetch_log(run_id, failures_only=True, limit=20) if run_id else []
        for row in failures:
            typer.echo(f"  {row.reason:<20} {row.url}  {row.detail[:100]}")


def broker_status(desk: Desk) -> dict:
    """Queue depths and workers seen, for a desk with ``broker_url`` (quorum.workers)."""
    from quorum.workers.app import NoBroker, make_app
    from quorum.workers.status import queue_status

    try:
        info = queue_status(make_app(desk.config))
    except NoBroker as exc:
        return {"error": str(exc)}
    info["last_errors"] = last_task_errors(desk)
    return info


def last_task_errors(desk: Desk) -> dict[str, str]:
    """Per queue, the last task dropped after its retries (fetch log, ``task_failed``)."""
    from quorum.workers.app import ASSEMBLE, ASSEMBLE_TASK, FETCH
    from quorum.workers.tasks import FAILED

    out: dict[str, str] = {}
    for row in desk.store.fetch_log(failures_only=True, limit=500):
        if row.reason == FAILED:
            queue = ASSEMBLE if row.detail.startswith(ASSEMBLE_TASK) else FETCH
            out.setdefault(queue, f"{row.url}: {row.detail}"[:300])
    return out


def print_broker(info: dict) -> None:
    if "error" in info:
        typer.echo(f"broker: {info['error']}")
        return
    depths = ", ".join(
        f"{q} {d['waiting']} waiting/{d['consumers']} consumer(s)"
        for q, d in info["queues"].items()
    )
    typer.echo(f"queues: {depths}")
    typer.echo(f"workers seen: {', '.join(info['workers']) or 'none'}")
    for queue, error in info.get("last_errors", {}).items():
        typer.echo(f"last error on {queue}: {error}")
