"""A `quorum run` killed with SIGKILL mid-way loses nothing and duplicates nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from test_ingest import PARAS, page, rss

from quorum.store import Store

ITEMS = 30


def test_sigkill_mid_run_then_rerun_stores_every_article_once(db_url, http_server, tmp_path):
    html = {"Content-Type": "text/html; charset=utf-8"}
    start = datetime(2026, 11, 1, tzinfo=UTC)
    items = []
    for i in range(ITEMS):
        path = f"/story/{i}"
        paras = [f"Dispatch {i}: " + p for p in PARAS]
        # each page takes a moment, so the run is still going when it is killed
        http_server.route(path, page(f"Dispatch {i}", paras), headers=html, delay=0.15)
        items.append(
            {
                "link": http_server.url(path),
                "title": f"Dispatch {i}",
                "date": start + timedelta(hours=i),
                "summary": "s",
            }
        )
    http_server.route("/feed.xml", rss(items), content_type="application/rss+xml")
    config = tmp_path / "quorum.toml"
    config.write_text(
        "allow_private_hosts = true\nuse_registry_feeds = false\nper_host_delay = 0.0\n"
        f'per_host_concurrency = 2\nfeeds = ["{http_server.url("/feed.xml")}"]\n'
    )
    cmd = [sys.executable, "-m", "quorum", "run", "--db", db_url, "--config", str(config)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}

    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    stored_at_kill = 0
    try:
        while time.monotonic() < deadline:
            time.sleep(0.1)
            if proc.poll() is not None:
                break
            try:
                with Store.open(db_url, migrate=False) as store:
                    stored_at_kill = store.count_articles()
            except Exception:  # the schema may not exist yet in the first instants
                continue
            if stored_at_kill >= 5:
                os.kill(proc.pid, signal.SIGKILL)
                break
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert 5 <= stored_at_kill < ITEMS

    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with Store.open(db_url) as store:
        articles = list(store.articles())
    titles = sorted(a.title for a in articles)
    assert titles == sorted(f"Dispatch {i}" for i in range(ITEMS)), "nothing lost, no duplicate"
    assert len({a.url for a in articles}) == ITEMS
    assert all(a.via == "page" for a in articles)
