"""What ``quorum status`` tells about a distributed desk: queue depths and workers seen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from celery import Celery


def queue_status(app: Celery, timeout: float = 1.0) -> dict[str, Any]:
    """Per queue: messages waiting and consumers attached (from the broker), and the
    workers that answered a ping; ``error`` instead when the broker cannot be reached."""
    from quorum.workers.app import QUEUES

    queues: dict[str, dict[str, int]] = {}
    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            for name in QUEUES:
                channel = conn.channel()
                try:
                    _, waiting, consumers = channel.queue_declare(name, passive=True)
                    queues[name] = {"waiting": waiting, "consumers": consumers}
                except Exception:  # not declared yet: no worker or task has used it
                    queues[name] = {"waiting": 0, "consumers": 0}
                finally:
                    try:
                        channel.close()
                    except Exception:
                        pass
        replies = app.control.ping(timeout=timeout) or []
    except Exception as exc:
        return {"error": f"broker unreachable: {type(exc).__name__}: {exc}"}
    workers = sorted(name for reply in replies for name in reply)
    return {"queues": queues, "workers": workers}
