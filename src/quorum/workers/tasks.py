"""The tasks: poll one feed or fetch one page (queue ``fetch``), build (queue ``assemble``).

A scheduler round has one run id: a poll task per feed, then one assemble task that waits
until every feed of the round is done and then files the round's arrivals in one build,
as ``quorum run`` does in one process. So the stories are those of a single-process run
of the same polls, however many fetch workers shared them and in whatever order they
finished. The build lock (``quorum.store.builds``) keeps builds one at a time even if
several assemble workers are started by mistake.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from celery import Celery

    from quorum.desk import Desk

DONE = "done"  # fetch-log reason of a finished task (kind "task"): rounds count these
FAILED = "task_failed"  # fetch-log reason of a task dropped after its retries
ROUND_WAIT = 5.0  # seconds between two looks at whether a round's polls are all done


@dataclass
class WorkerSetup:
    """How a worker process opens its desk (from the ``worker`` command's options)."""

    db: str | None = None
    config: Path | None = None
    outlets: list[Path] = field(default_factory=list)
    _desk: Desk | None = None
    _pid: int = 0

    def desk(self) -> Desk:
        """This process's desk, opened on first use (after a prefork worker forked)."""
        from quorum.desk import Desk

        if self._desk is None or self._pid != os.getpid():
            self._desk = Desk.open(self.db, self.config, extra_outlets=self.outlets)
            self._pid = os.getpid()
        return self._desk


SETUP = WorkerSetup()


def round_done(desk: Desk, run_id: str) -> int:
    """Feeds of the round ``run_id`` whose poll task finished (each counted once)."""
    from sqlalchemy import distinct, func, select
    from sqlalchemy.orm import Session

    from quorum.store.schema import FetchLogRow

    with Session(desk.store.engine) as s:
        q = select(func.count(distinct(FetchLogRow.url))).where(
            FetchLogRow.run_id == run_id,
            FetchLogRow.kind == "task",
            FetchLogRow.reason.in_([DONE, FAILED]),
        )
        return int(s.scalar(q) or 0)


def _give_up(task: Any, what: Any, run_id: str, exc: BaseException) -> None:
    """The last retry failed: log the reason so the round and the operator see it."""
    what = what if isinstance(what, str) else repr(what)  # a malformed message's argument
    detail = f"{task.name} after {task.request.retries} retries: {type(exc).__name__}: {exc}"
    SETUP.desk().store.log(run_id, "task", what, ok=False, reason=FAILED, detail=detail[:500])


def register(app: Celery, max_retries: int) -> None:
    """Define Quorum's tasks on ``app``."""
    from quorum.workers.app import ASSEMBLE_TASK, PAGE_TASK, POLL_TASK

    retry = {"bind": True, "max_retries": max_retries, "acks_late": True}

    @app.task(name=POLL_TASK, **retry)
    def poll(self, feed_url: str, run_id: str) -> int:
        """Poll one feed and fetch its new items' pages; the number of articles stored."""
        from quorum.ingest import Ingestor
        from quorum.workers.limits import fetcher_for

        try:
            desk = SETUP.desk()
            ingestor = Ingestor(desk.store, desk.config, desk.registry, desk.beat, run_id)

            async def go() -> int:
                async with fetcher_for(desk.config) as fetcher:
                    return (await ingestor.poll_feed(feed_url, fetcher)).stored

            stored = asyncio.run(go())
            desk.store.log(run_id, "task", feed_url, ok=True, reason=DONE)
        except Exception as exc:  # the database or the host was away: retry, then give up
            if self.request.retries >= self.max_retries:
                _give_up(self, feed_url, run_id, exc)
                return 0
            raise self.retry(exc=exc, countdown=2.0 * 2**self.request.retries) from None
        return stored

    @app.task(name=PAGE_TASK, **retry)
    def page(self, url: str, run_id: str) -> int:
        """Fetch and store one article page (an archive backfill enqueues these)."""
        from quorum.ingest import Ingestor
        from quorum.workers.limits import fetcher_for

        try:
            desk = SETUP.desk()
            ingestor = Ingestor(desk.store, desk.config, desk.registry, desk.beat, run_id)

            async def go() -> int:
                async with fetcher_for(desk.config) as fetcher:
                    return (await ingestor.ingest_pages([url], fetcher)).stored

            stored = asyncio.run(go())
            desk.store.log(run_id, "task", url, ok=True, reason=DONE)
        except Exception as exc:
            if self.request.retries >= self.max_retries:
                _give_up(self, url, run_id, exc)
                return 0
            raise self.retry(exc=exc, countdown=2.0 * 2**self.request.retries) from None
        return stored

    @app.task(name=ASSEMBLE_TASK, bind=True, max_retries=None, acks_late=True)
    def assemble(self, run_id: str, expected: int, deadline: float) -> int:
        """Once the round's ``expected`` tasks are done (or ``deadline``, a Unix time, has
        passed), build the stories over everything stored; the number of stories."""
        import time

        from quorum.pipeline import build_stories
        from quorum.store.builds import BuildBusy

        try:
            desk = SETUP.desk()
            if round_done(desk, run_id) < expected and time.time() < deadline:
                raise self.retry(countdown=ROUND_WAIT)
            summary = build_stories(desk, wait=30.0)
        except BuildBusy as exc:
            raise self.retry(exc=exc, countdown=ROUND_WAIT) from None
        except Exception as exc:
            from celery.exceptions import Retry

            if isinstance(exc, Retry):
                raise
            if self.request.retries >= 10 * max(1, self.max_retries or 3):
                _give_up(self, f"build:{run_id}", run_id, exc)
                return 0
            raise self.retry(exc=exc, countdown=ROUND_WAIT) from None
        desk.store.log(run_id, "task", f"build:{run_id}", ok=True, reason=DONE, detail=str(summary))
        return summary.stories


def enqueue_round(app: Celery, feeds: list[str], run_id: str, budget: float) -> None:
    """One round: a poll task per feed, then the assemble task that waits for them."""
    import time

    from quorum.workers.app import ASSEMBLE_TASK, POLL_TASK

    for url in feeds:
        app.send_task(POLL_TASK, args=[url, run_id])
    deadline = time.time() + (budget if budget > 0 else 3600.0)
    app.send_task(ASSEMBLE_TASK, args=[run_id, len(feeds), deadline])
