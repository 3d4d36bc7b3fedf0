"""The Celery application of a distributed desk, built from the settings.

Tasks are acknowledged late and rejected back to the queue when their worker dies, so a
SIGKILLed worker's task is delivered to another; one message at a time per process
(prefetch 1) so a slow task never holds others hostage. Storing is idempotent (an
article's URL is its key), so a task that runs twice stores nothing twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from quorum.settings import Config

if TYPE_CHECKING:
    from celery import Celery

FETCH, ASSEMBLE = "fetch", "assemble"
QUEUES = (FETCH, ASSEMBLE)

POLL_TASK = "quorum.poll"
PAGE_TASK = "quorum.page"
ASSEMBLE_TASK = "quorum.assemble"


class NoBroker(ValueError):
    """No broker configured: the desk runs in one process (``quorum run``)."""


def make_app(config: Config) -> Celery:
    """The Celery app for ``config.broker_url``, with Quorum's tasks registered."""
    if not config.broker_url:
        raise NoBroker(
            "no broker configured: set `broker_url` in quorum.toml or QUORUM_BROKER_URL"
            " (amqp://guest:guest@127.0.0.1:5672//)"
        )
    try:
        from celery import Celery
        from kombu import Queue
    except ImportError as exc:  # the optional extra is not installed
        raise NoBroker(f"Celery is not installed: pip install 'quorum[workers]' ({exc})") from None

    app = Celery("quorum", broker=config.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue=FETCH,
        task_queues=[Queue(name, durable=True) for name in QUEUES],
        task_routes={
            POLL_TASK: {"queue": FETCH},
            PAGE_TASK: {"queue": FETCH},
            ASSEMBLE_TASK: {"queue": ASSEMBLE},
        },
        # a broker restart: keep reconnecting rather than exit
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        broker_heartbeat=10,
        # no task events by default (four more broker messages a task); Flower turns them
        # on in the running workers when it starts (`celery control enable_events`)
        worker_send_task_events=False,
    )
    from quorum.workers.tasks import register

    register(app, int(config.task_max_retries))
    return app
