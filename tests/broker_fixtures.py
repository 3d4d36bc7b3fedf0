"""RabbitMQ and Redis fixtures: a virtual host of its own per test module on the real broker.

RabbitMQ is expected at 127.0.0.1:5672 (guest/guest) or at ``QUORUM_TEST_BROKER``. Without
a broker the tests skip with the reason; under CI (``CI=true``) they fail instead, as the
PostgreSQL ones do (tests/db_fixtures.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator

import pytest

REDIS_URL = os.environ.get("QUORUM_TEST_REDIS", "redis://127.0.0.1:6379/0")
BROKER_ADMIN = os.environ.get("QUORUM_TEST_BROKER", "amqp://guest:guest@127.0.0.1:5672//")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} under CI")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def broker_url() -> Iterator[str]:
    """A broker URL on a fresh virtual host, deleted afterwards (queues left by other runs
    or other desks on the same broker cannot leak into a test)."""
    try:
        import kombu
    except ImportError:
        _unavailable("kombu is not installed (pip install -e '.[test]')")

    try:
        with kombu.Connection(BROKER_ADMIN, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:
        _unavailable(f"RabbitMQ not reachable at {BROKER_ADMIN}: {exc}")
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        _unavailable("rabbitmqctl not found (needed to make a virtual host per test)")
    vhost = f"quorum_test_{uuid.uuid4().hex[:10]}"
    subprocess.run([ctl, "add_vhost", vhost], check=True, capture_output=True, timeout=60)
    subprocess.run(
        [ctl, "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    yield BROKER_ADMIN.rstrip("/") + "/" + vhost
    subprocess.run([ctl, "delete_vhost", vhost], capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def redis_url() -> str:
    """The Redis server the workers share their per-host limits through."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:
        _unavailable(f"Redis not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL
