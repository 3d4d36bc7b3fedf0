"""Distributed commands: ``worker`` (consume queues) and ``scheduler`` (enqueue polls).

Both need ``broker_url``; without it the desk is the one-process ``quorum run``.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import typer

from quorum.cli.app import CONFIG_OPTION, DB_OPTION, app, fail
from quorum.cli.ingest_cmd import feed_list, open_desk, parse_every

OUTLETS_OPTION = typer.Option(
    None, "--outlets", help="Extra outlet registry file (TOML), beside the packaged one."
)


def _celery(desk):  # noqa: ANN001, ANN202 - Celery is an optional dependency
    from quorum.workers.app import NoBroker, make_app

    try:
        return make_app(desk.config)
    except NoBroker as exc:
        raise fail(str(exc)) from None


@app.command()
def worker(
    queues: str = typer.Option(
        "fetch,assemble", "--queues", help="Comma-separated queues: fetch, assemble."
    ),
    concurrency: int = typer.Option(
        None, "--concurrency", help="Worker processes (default: the number of cores)."
    ),
    name: str = typer.Option(None, "--name", help="Worker name (default: queues@hostname)."),
    outlets: list[Path] = OUTLETS_OPTION,
    db: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Consume tasks from the broker: fetch workers anywhere, one assemble worker."""
    from quorum.workers.app import ASSEMBLE, QUEUES
    from quorum.workers.tasks import SETUP

    wanted = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = sorted(set(wanted) - set(QUEUES))
    if not wanted or unknown:
        raise fail(f"unknown queue(s) {', '.join(unknown) or '(none)'}; known: {QUEUES}")
    if concurrency is not None and concurrency < 1:
        raise fail("--concurrency must be at least 1")
    if wanted == [ASSEMBLE]:
        concurrency = 1  # one build at a time, in order
    with open_desk(db, config) as desk:
        celery = _celery(desk)
        SETUP.db, SETUP.config, SETUP.outlets = db, config, list(outlets or [])
    argv = ["worker", "-Q", ",".join(wanted), "--loglevel", "INFO", "--without-gossip"]
    argv += ["-n", name or f"{'+'.join(wanted)}-{time.time_ns() % 10**6}@{socket.gethostname()}"]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    celery.worker_main(argv)


@app.command()
def scheduler(
    every: str = typer.Option(
        None, "--every", help="Enqueue a round at this interval (e.g. 15m); default: once."
    ),
    feed: list[str] = typer.Option(None, "--feed", help="Extra feed URL (repeatable)."),
    db: str = DB_OPTION,
    config: Path = CONFIG_OPTION,
) -> None:
    """Enqueue a poll task per feed and one assemble task per round (or every --every)."""
    from quorum.ingest import new_run_id
    from quorum.workers.tasks import enqueue_round

    interval = parse_every(every) if every else None
    with open_desk(db, config) as desk:
        feeds = feed_list(desk, feed or [])
        if not feeds:
            raise fail("no feeds configured: set `feeds` in quorum.toml or pass --feed")
        celery = _celery(desk)
        while True:
            started = time.monotonic()
            run_id = new_run_id()
            enqueue_round(celery, feeds, run_id, float(desk.config.run_budget))
            typer.echo(f"round {run_id}: {len(feeds)} poll(s) and a build enqueued")
            if interval is None:
                return
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
