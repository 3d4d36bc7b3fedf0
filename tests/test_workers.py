"""Distributed desk on real RabbitMQ and PostgreSQL: worker processes poll the sample
newsroom over HTTP and build, and the stories equal a single-process run of the same feeds;
a worker SIGKILLed mid-task loses and duplicates nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from db_fixtures import _reset_pg
from typer.testing import CliRunner

from quorum.cli import app
from quorum.cli.ingest_cmd import poll_once
from quorum.desk import Desk
from quorum.pipeline import build_stories
from quorum.sample_site import SampleSite

pytestmark = [pytest.mark.postgres, pytest.mark.broker]

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_OUTLETS = ROOT / "src" / "quorum" / "data" / "sample" / "outlets.toml"
runner = CliRunner()


@pytest.fixture(scope="module")
def site():
    with SampleSite() as s:
        s.start()
        yield s


def write_config(path: Path, site: SampleSite, db: str, broker: str, **extra) -> Path:
    host = site.feed_urls()[0].split("://", 1)[1].split("/", 1)[0]
    values = {
        "database": db,
        "broker_url": broker,
        "allow_private_hosts": True,  # the sample newsroom lives on 127.0.0.1
        "canonical_trusted_hosts": [host],
        "per_host_delay": 0.0,
        "per_host_concurrency": 8,
        "use_registry_feeds": False,
        "feeds": site.feed_urls(),
        **extra,
    }
    path.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items()))
    return path


def start_worker(config: Path, queues: str, name: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("QUORUM_BROKER_URL", None)
    env.pop("QUORUM_DATABASE_URL", None)
    cmd = [sys.executable, "-m", "quorum", "worker", "--queues", queues, "--concurrency", "1"]
    cmd += ["--name", f"{name}@test", "--config", str(config), "--outlets", str(SAMPLE_OUTLETS)]
    return subprocess.Popen(
        cmd, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_for_build(db: str, run_id: str, procs, logs, timeout: float = 240.0) -> None:
    from quorum.workers.tasks import DONE

    deadline = time.monotonic() + timeout
    with Desk.open(db) as desk:
        while time.monotonic() < deadline:
            counts = desk.store.reason_counts(run_id)
            if counts.get(("task", DONE), 0) and any(
                r.url == f"build:{run_id}" for r in desk.store.fetch_log(run_id, limit=10_000)
            ):
                return
            assert all(p.poll() is None for p in procs), "a worker died"
            time.sleep(0.5)
    tails = "\n".join(log.read_text()[-3000:] for log in logs)
    pytest.fail(f"the round's build did not finish in {timeout} s:\n{tails}")


def stories_of(db: str) -> dict:
    """Every story by id: its articles (by URL), gate, scores, sources and facts."""
    out = {}
    with Desk.open(db) as desk:
        urls = {a.id: a.url for a in desk.store.articles()}
        for row in desk.store.stories():
            data = row.data
            out[row.id] = {
                "articles": sorted(urls[i] for i in desk.store.story_article_ids(row.id)),
                "status": row.status,
                "title": row.title,
                "impact": row.impact,
                "sentiment": row.sentiment,
                "sources": data.get("sources"),
                "facts": by_url(data.get("key_facts"), urls),
            }
    return out


def by_url(value, urls: dict[int, str]):
    """``value`` with each ``article_id`` replaced by the article's URL: ids are given in
    the order articles were stored, which concurrent workers do not fix."""
    if isinstance(value, dict):
        return {k: urls[v] if k == "article_id" else by_url(v, urls) for k, v in value.items()}
    if isinstance(value, list):
        return [by_url(v, urls) for v in value]
    return value


def article_urls(db: str) -> Counter:
    with Desk.open(db) as desk:
        return Counter(a.url for a in desk.store.articles())


@pytest.fixture(scope="module")
def single_process(site, tmp_path_factory) -> tuple[dict, Counter]:
    """The stories and articles of one `quorum run` of the sample feeds, in one process."""
    tmp = tmp_path_factory.mktemp("single")
    db = str(tmp / "single.db")
    config = write_config(tmp / "quorum.toml", site, db, "")
    with Desk.open(db, config, extra_outlets=[SAMPLE_OUTLETS]) as desk:
        poll_once(desk, site.feed_urls())
        build_stories(desk)
    return stories_of(db), article_urls(db)


def run_round(config: Path) -> str:
    result = runner.invoke(app, ["scheduler", "--config", str(config)])
    assert result.exit_code == 0, result.output
    return result.output.split()[1].rstrip(":")


def test_two_workers_build_the_stories_of_a_single_process_run(
    site, single_process, pg_database, broker_url, tmp_path
):
    _reset_pg(pg_database)
    config = write_config(tmp_path / "quorum.toml", site, pg_database, broker_url)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [
        start_worker(config, "fetch", "fetch", logs[0]),
        start_worker(config, "fetch,assemble", "both", logs[1]),
    ]
    try:
        run_id = run_round(config)
        wait_for_build(pg_database, run_id, procs, logs)
        status = runner.invoke(app, ["status", "--json", "--config", str(config)])
    finally:
        for p in procs:
            stop(p)
    stories, articles = single_process
    assert article_urls(pg_database) == articles and max(articles.values()) == 1
    got = stories_of(pg_database)
    assert got == stories, str(_diff(got, stories))[:3000]
    # both workers took polls
    with Desk.open(pg_database) as desk:
        assert desk.store.reason_counts(run_id)[("task", "done")] == len(site.feed_urls()) + 1
    assert status.exit_code == 0, status.output
    broker = json.loads(status.output)["broker"]
    assert broker["queues"]["fetch"]["waiting"] == 0
    assert {"fetch@test", "both@test"} <= set(broker["workers"])


def _diff(a: dict, b: dict) -> list:
    return [
        (sid, k, a[sid][k], b.get(sid, {}).get(k))
        for sid in a
        for k in a[sid]
        if a[sid][k] != b.get(sid, {}).get(k)
    ]


def test_a_worker_killed_mid_round_loses_and_duplicates_nothing(
    site, single_process, pg_database, broker_url, tmp_path
):
    _reset_pg(pg_database)
    # one page at a time, spaced, so the round takes seconds and the kill lands mid-task
    config = write_config(
        tmp_path / "quorum.toml",
        site,
        pg_database,
        broker_url,
        per_host_concurrency=1,
        per_host_delay=0.05,
    )
    logs = [tmp_path / "victim.log", tmp_path / "both.log", tmp_path / "late.log"]
    victim = start_worker(config, "fetch", "victim", logs[0])
    both = start_worker(config, "fetch,assemble", "both", logs[1])
    procs = [both]
    try:
        run_id = run_round(config)
        with Desk.open(pg_database) as desk:
            deadline = time.monotonic() + 120
            while desk.store.count_articles() < 10 and time.monotonic() < deadline:
                time.sleep(0.1)
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        procs.append(start_worker(config, "fetch", "late", logs[2]))
        wait_for_build(pg_database, run_id, procs, logs)
    finally:
        for p in [victim, *procs]:
            stop(p)
    stories, articles = single_process
    assert article_urls(pg_database) == articles and max(articles.values()) == 1
    got = stories_of(pg_database)
    assert got == stories, str(_diff(got, stories))[:3000]


def test_without_a_broker_the_worker_commands_say_so_and_run_stays_in_one_process(
    tmp_path, monkeypatch
):
    from quorum.settings import load_config

    monkeypatch.delenv("QUORUM_BROKER_URL", raising=False)
    db = str(tmp_path / "q.db")
    for args in (["worker"], ["scheduler", "--feed", "http://example.org/feed"]):
        result = runner.invoke(app, [*args, "--db", db])
        assert result.exit_code == 2 and "no broker configured" in result.output
    assert load_config(cwd=tmp_path).broker_url == ""
    monkeypatch.setenv("QUORUM_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    assert load_config(cwd=tmp_path).broker_url.startswith("amqp://")


def test_a_poison_task_ends_in_the_fetch_log_after_bounded_retries(
    site, pg_database, broker_url, tmp_path
):
    from quorum.workers.app import POLL_TASK, make_app
    from quorum.workers.tasks import FAILED

    _reset_pg(pg_database)
    config = write_config(
        tmp_path / "quorum.toml", site, pg_database, broker_url, task_max_retries=1
    )
    log = tmp_path / "w.log"
    proc = start_worker(config, "fetch", "poison", log)
    try:
        with Desk.open(pg_database, config) as desk:
            make_app(desk.config).send_task(POLL_TASK, args=[["not", "a", "url"], "poison-run"])
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                rows = [r for r in desk.store.fetch_log("poison-run") if r.reason == FAILED]
                if rows:
                    break
                time.sleep(0.2)
            else:
                pytest.fail("the poison task never reached the fetch log:\n" + log.read_text())
    finally:
        stop(proc)
    assert len(rows) == 1 and "after 1 retries" in rows[0].detail
    status = runner.invoke(app, ["status", "--config", str(config)])
    assert "last error on fetch: ['not', 'a', 'url']: quorum.poll after 1 retries" in status.output
    assert log.read_text().count("Retry in") == 1, "retried once, then dropped"


def rss(server, feed: int, items: int) -> bytes:
    entries = "".join(
        f"<item><title>Launch report {feed}-{n}</title>"
        f"<link>{server.url(f'/p/{feed}-{n}.html')}</link>"
        f"<pubDate>Mon, 0{1 + n % 9} Jun 2026 10:00:00 GMT</pubDate>"
        f"<description>Satellite launch {feed} {n}.</description></item>"
        for n in range(items)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>f{feed}</title>'
        f"<link>{server.url('/')}</link>{entries}</channel></rss>"
    ).encode()


def page(feed: int, n: int) -> bytes:
    text = " ".join(["The satellite reached orbit after a launch from the range."] * 12)
    return (
        f"<html><head><title>Launch report {feed}-{n}</title></head><body><article>"
        f"<h1>Launch report {feed}-{n}</h1><p>{text} Item {feed} {n}.</p></article></body></html>"
    ).encode()


@pytest.mark.parametrize("shared", [True, False], ids=["shared", "per-worker"])
def test_per_host_limits_hold_across_fetch_workers(
    shared, http_server, pg_database, broker_url, redis_url, tmp_path
):
    """Two fetch workers poll four feeds of one host that answers in 200 ms: with the
    limits shared through Redis the host never sees more than per_host_concurrency
    requests at once; each worker on its own limits (the control) goes over."""
    from quorum.workers.app import POLL_TASK, make_app
    from quorum.workers.tasks import DONE

    _reset_pg(pg_database)
    feeds = []
    for f in range(4):
        http_server.route(
            f"/feed{f}.xml", rss(http_server, f, 6), content_type="application/rss+xml"
        )
        for n in range(6):
            http_server.route(f"/p/{f}-{n}.html", page(f, n), content_type="text/html", delay=0.2)
        feeds.append(http_server.url(f"/feed{f}.xml"))
    values = {
        "database": pg_database,
        "broker_url": broker_url,
        "allow_private_hosts": True,
        "use_registry_feeds": False,
        "respect_robots": False,
        "per_host_concurrency": 2,
        "per_host_delay": 0.0,
        "shared_limits_url": redis_url if shared else "",
    }
    config = tmp_path / "quorum.toml"
    config.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items()))
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [start_worker(config, "fetch", f"w{i}", log) for i, log in enumerate(logs)]
    try:
        with Desk.open(pg_database, config) as desk:
            celery = make_app(desk.config)
            for url in feeds:
                celery.send_task(POLL_TASK, args=[url, "limits-run"])
            deadline = time.monotonic() + 120
            while desk.store.reason_counts("limits-run").get(("task", DONE), 0) < len(feeds):
                assert time.monotonic() < deadline, "\n".join(x.read_text()[-2000:] for x in logs)
                time.sleep(0.2)
            stored = desk.store.count_articles()
    finally:
        for p in procs:
            stop(p)
    assert stored == 24
    pages = [r for r in http_server.requests if r.path.startswith("/p/")]
    assert len(pages) == 24
    if shared:
        assert http_server.max_in_flight <= 2
    else:
        assert http_server.max_in_flight > 2, "the control: two workers, two requests each"


def test_a_round_survives_a_broker_restart(site, single_process, pg_database, broker_url, tmp_path):
    """RabbitMQ's application is stopped and started mid-round: the workers reconnect and
    the round completes with the stories of the one-process run."""
    import shutil

    ctl = shutil.which("rabbitmqctl")
    _reset_pg(pg_database)
    config = write_config(
        tmp_path / "quorum.toml",
        site,
        pg_database,
        broker_url,
        per_host_concurrency=1,
        per_host_delay=0.05,
    )
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [
        start_worker(config, "fetch", "fetch", logs[0]),
        start_worker(config, "fetch,assemble", "both", logs[1]),
    ]
    try:
        run_id = run_round(config)
        with Desk.open(pg_database) as desk:
            deadline = time.monotonic() + 120
            while desk.store.count_articles() < 10 and time.monotonic() < deadline:
                time.sleep(0.1)
        subprocess.run([ctl, "stop_app"], check=True, capture_output=True, timeout=120)
        time.sleep(2)
        subprocess.run([ctl, "start_app"], check=True, capture_output=True, timeout=120)
        wait_for_build(pg_database, run_id, procs, logs)
    finally:
        subprocess.run([ctl, "start_app"], capture_output=True, timeout=120)  # whatever came
        for p in procs:
            stop(p)
    stories, articles = single_process
    assert article_urls(pg_database) == articles and max(articles.values()) == 1
    got = stories_of(pg_database)
    assert got == stories, str(_diff(got, stories))[:3000]
    assert any("Connection to broker lost" in log.read_text() for log in logs)
