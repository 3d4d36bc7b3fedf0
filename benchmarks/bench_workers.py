"""Fetch throughput of distributed fetch workers, with per-host limits shared over them.

    python benchmarks/bench_workers.py --workers 1,2,4

Needs RabbitMQ (127.0.0.1:5672, guest/guest, and rabbitmqctl for a virtual host of its
own), Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432, database ``test``).

Eight local "hosts" (HTTP servers on 127.0.0.1 to 127.0.0.8, all loopback) each serve two
RSS feeds of ``--items`` article pages and answer every page after ``--latency`` seconds;
each server counts the requests it has in flight. For each worker count, a fresh database
and ``N`` ``quorum worker --queues fetch --concurrency 1`` processes poll all sixteen feeds
with ``per_host_concurrency`` 2 shared through Redis.

Printed per worker count: pages/s from the first enqueue to the last poll done, the most
requests any one host saw at once (never above 2), and per stored article the broker
messages (a poll task's publish and its delivery) and PostgreSQL transactions (commits
counted by pg_stat_database) it cost.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
BROKER = "amqp://guest:guest@127.0.0.1:5672/"
REDIS = "redis://127.0.0.1:6379/0"
HOSTS = [f"127.0.0.{i}" for i in range(1, 9)]
FEEDS_PER_HOST = 2
LIMIT = 2  # per_host_concurrency


class Host(ThreadingHTTPServer):
    """One slow host: feeds answer at once, pages after ``latency`` seconds."""

    daemon_threads = True

    def __init__(self, address: str, items: int, latency: float) -> None:
        super().__init__((address, 0), _Handler)
        self.address, self.items, self.latency = address, items, latency
        self.lock = threading.Lock()
        self.in_flight = self.max_in_flight = 0

    def base(self) -> str:
        return f"http://{self.address}:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Host

    def do_GET(self) -> None:  # noqa: N802
        s = self.server
        with s.lock:
            s.in_flight += 1
            s.max_in_flight = max(s.max_in_flight, s.in_flight)
        try:
            if self.path.startswith("/feed"):
                body, kind = _feed(s, int(self.path[5:].split(".")[0])), "application/rss+xml"
            elif self.path.startswith("/p/"):
                time.sleep(s.latency)
                body, kind = _page(self.path), "text/html"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            with s.lock:
                s.in_flight -= 1

    def log_message(self, *args: object) -> None:
        pass


def _feed(s: Host, feed: int) -> bytes:
    items = "".join(
        f"<item><title>Report {s.address} {feed}-{n}</title>"
        f"<link>{s.base()}/p/{feed}-{n}.html</link>"
        f"<pubDate>Mon, 01 Jun 2026 {n % 24:02d}:00:00 GMT</pubDate></item>"
        for n in range(s.items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()


def _page(path: str) -> bytes:
    text = " ".join([f"The satellite launch {path} went as planned, the agency said."] * 10)
    return f"<html><head><title>{path}</title></head><body><p>{text}</p></body></html>".encode()


def pg_commits(conn, name: str) -> int:
    row = conn.execute(
        "SELECT xact_commit FROM pg_stat_database WHERE datname = %s", (name,)
    ).fetchone()
    return int(row[0])


def run(workers: int, items: int, latency: float) -> dict:
    import psycopg

    from quorum.desk import Desk
    from quorum.workers.app import POLL_TASK, make_app
    from quorum.workers.tasks import DONE

    hosts = [Host(a, items, latency) for a in HOSTS]
    for h in hosts:
        threading.Thread(target=h.serve_forever, daemon=True).start()
    name = f"quorum_bench_{uuid.uuid4().hex[:8]}"
    vhost = name
    ctl = shutil.which("rabbitmqctl") or "rabbitmqctl"
    subprocess.run([ctl, "add_vhost", vhost], check=True, capture_output=True)
    subprocess.run(
        [ctl, "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
        check=True,
        capture_output=True,
    )
    admin = psycopg.connect(PG_ADMIN, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    db = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    tmp = Path(tempfile.mkdtemp())
    config = tmp / "quorum.toml"
    values = {
        "database": db,
        "broker_url": BROKER + vhost,
        "shared_limits_url": REDIS,
        "allow_private_hosts": True,
        "respect_robots": False,
        "use_registry_feeds": False,
        "per_host_concurrency": LIMIT,
        "per_host_delay": 0.0,
    }
    config.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items()))
    feeds = [f"{h.base()}/feed{f}.xml" for h in hosts for f in range(FEEDS_PER_HOST)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    procs = []
    try:
        with Desk.open(db, config) as desk:  # makes the schema before the workers start
            celery = make_app(desk.config)
            for i in range(workers):
                cmd = [sys.executable, "-m", "quorum", "worker", "--queues", "fetch"]
                cmd += ["--concurrency", "1", "--name", f"bench{i}@bench", "--config", str(config)]
                log = (tmp / f"w{i}.log").open("wb")
                procs.append(
                    subprocess.Popen(
                        cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                    )
                )
            while len(celery.control.ping(timeout=1.0) or []) < workers:
                time.sleep(0.5)
            commits = pg_commits(admin, name)
            started = time.monotonic()
            for url in feeds:
                celery.send_task(POLL_TASK, args=[url, "bench"])
            while desk.store.reason_counts("bench").get(("task", DONE), 0) < len(feeds):
                time.sleep(0.1)
            seconds = time.monotonic() - started
            stored = desk.store.count_articles()
            commits = pg_commits(admin, name) - commits
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            p.wait()
        for h in hosts:
            h.shutdown()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        subprocess.run([ctl, "delete_vhost", vhost], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "workers": workers,
        "pages": stored,
        "seconds": seconds,
        "pages_per_s": stored / seconds,
        "max_per_host": max(h.max_in_flight for h in hosts),
        "broker_messages_per_article": 2 * len(feeds) / max(1, stored),
        "db_commits_per_article": commits / max(1, stored),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--items", type=int, default=10, help="pages per feed")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per page")
    args = parser.parse_args()
    base = None
    for n in (int(x) for x in args.workers.split(",")):
        r = run(n, args.items, args.latency)
        base = base or r["pages_per_s"]
        print(
            f"{n} fetch worker(s): {r['pages']} pages in {r['seconds']:.1f}s, "
            f"{r['pages_per_s']:.1f} pages/s ({r['pages_per_s'] / base:.2f}x), "
            f"most requests in flight on one host {r['max_per_host']} (limit {LIMIT}); "
            f"per article {r['broker_messages_per_article']:.2f} broker messages, "
            f"{r['db_commits_per_article']:.1f} PostgreSQL commits",
            flush=True,
        )


if __name__ == "__main__":
    main()
