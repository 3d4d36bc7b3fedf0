"""Broken databases at the command line: one clear line and a non-zero exit, never a chained
traceback; and commands started together on a new database do not race on the migration.

Every database here is real: SQLite files written by Quorum and then damaged the way disks
and people damage them, and the PostgreSQL server of tests/db_fixtures.py.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from db_fixtures import _reset_pg
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

import quorum.store.store as store_module
from quorum.cli import app
from quorum.store import NewArticle, Store, StoreError
from quorum.store.store import database_url

runner = CliRunner()


def _dump(path: Path, count: int, start: int = 0) -> Path:
    rows = [
        {
            "id": f"a{i}",
            "title": f"Launch {i} puts a satellite in orbit",
            "text": f"Rocket Lab launched satellite number {i} into low Earth orbit. " * 30,
            "date": "2026-01-02",
            "source": "example.com",
            "url": f"https://example.com/a{i}",
        }
        for i in range(start, start + count)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _filled(tmp_path: Path, name: str = "desk.db", count: int = 120) -> Path:
    db = tmp_path / name
    result = runner.invoke(
        app, ["ingest", str(_dump(tmp_path / "first.jsonl", count)), "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    con = sqlite3.connect(db)  # fold the WAL into the file, so damage to the file is damage
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return db


def _smash_table(db: Path, table: str) -> None:
    """Overwrite the root page of ``table`` (a page in the middle of the file) with noise."""
    con = sqlite3.connect(db)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    (root,) = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    assert 1 < root < pages  # really in the middle, not the header
    with db.open("r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(bytes((i * 37 + 11) % 256 for i in range(page_size)))


def _fails_cleanly(result, *words: str) -> str:
    """The command ended with a handled exit (no exception escaping), non-zero, and one
    error line that says ``words``."""
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


# --- broken SQLite files ------------------------------------------------------------------


def test_a_file_of_random_bytes_is_not_a_database(tmp_path):
    db = tmp_path / "random.db"
    db.write_bytes(os.urandom(20_000))
    line = _fails_cleanly(runner.invoke(app, ["status", "--db", str(db)]), "not a Quorum database")
    assert str(db) in line


def test_a_damaged_table_is_reported_not_a_traceback(tmp_path):
    db = _filled(tmp_path)
    _smash_table(db, "articles")
    line = _fails_cleanly(runner.invoke(app, ["status", "--db", str(db)]), "is damaged")
    assert str(db) in line and "restore it from a backup" in line


def test_ingest_refuses_a_damaged_file_even_where_its_writes_would_land(tmp_path):
    db = _filled(tmp_path)
    _smash_table(db, "stories")  # ingest never reads stories: its writes alone would succeed
    more = _dump(tmp_path / "more.jsonl", 5, start=500)
    _fails_cleanly(runner.invoke(app, ["ingest", str(more), "--db", str(db)]), "is damaged")


def test_a_schema_from_a_newer_quorum_is_named_as_such(tmp_path):
    db = _filled(tmp_path)
    con = sqlite3.connect(db)
    con.execute("UPDATE alembic_version SET version_num = '0999_from_the_future'")
    con.commit()
    con.close()
    _fails_cleanly(
        runner.invoke(app, ["stories", "--db", str(db)]), "0999_from_the_future", "newer"
    )


def test_debug_lets_the_traceback_through(tmp_path, monkeypatch):
    db = _filled(tmp_path)
    _smash_table(db, "articles")
    monkeypatch.setenv("QUORUM_DEBUG", "1")
    result = runner.invoke(app, ["status", "--db", str(db)])
    assert not isinstance(result.exception, SystemExit)
    assert "malformed" in str(result.exception)


def _disk_full_after(monkeypatch, db: Path) -> None:
    """Every later connection to ``db`` may not grow it: SQLite's own 'database or disk is
    full', raised by the real engine the moment a write needs a new page."""
    con = sqlite3.connect(db)
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    pragmas = store_module._sqlite_pragmas

    def capped(dbapi_conn, record):
        pragmas(dbapi_conn, record)
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    monkeypatch.setattr(store_module, "_sqlite_pragmas", capped)


def test_a_full_disk_ends_ingest_with_one_line(tmp_path, monkeypatch):
    db = _filled(tmp_path)
    _disk_full_after(monkeypatch, db)
    more = _dump(tmp_path / "more.jsonl", 200, start=1000)
    result = runner.invoke(app, ["ingest", str(more), "--db", str(db)])
    assert _fails_cleanly(result, "disk is full", str(db))
    assert result.exit_code == 1


def test_the_store_remembers_a_failure_its_caller_swallowed(tmp_path, monkeypatch):
    from quorum.records import Article
    from quorum.store.errors import explain

    db = _filled(tmp_path)
    _disk_full_after(monkeypatch, db)
    store = Store.open(str(db))
    try:
        assert store.failure is None
        article = Article(
            url="https://example.com/big",
            title="Big",
            text="Words about a rocket. " * 5000,
            outlet="example.com",
        )
        with pytest.raises(Exception):  # noqa: B017, PT011 - what ingest catches and logs
            store.add_articles([NewArticle(article)])
        assert "disk is full" in explain(store.failure, db)
    finally:
        store.close()


# --- both databases -----------------------------------------------------------------------


def test_a_dropped_table_is_named(db_url, tmp_path):
    Store.open(db_url).close()
    engine = create_engine(database_url(db_url))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE fetch_log"))
    engine.dispose()
    _fails_cleanly(runner.invoke(app, ["status", "--db", db_url]), "no table fetch_log")


def test_an_unknown_revision_is_refused_on_both_databases(db_url):
    Store.open(db_url).close()
    engine = create_engine(database_url(db_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999_next'"))
    engine.dispose()
    with pytest.raises(StoreError, match="0999_next.*newer"):
        Store.open(db_url)


# --- the migration race -------------------------------------------------------------------


def _open_at_once(url: str, barrier, results) -> None:
    barrier.wait()  # all together: the race is in the first milliseconds
    try:
        Store.open(url).close()
        results.put("ok")
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        results.put(f"{type(exc).__name__}: {exc}")


def _race(url: str, processes: int = 4) -> list[str]:
    # spawn, not fork: a fork of a test process that already runs library threads (the
    # ONNX runtime's pool, loaded by earlier tests) can deadlock in the child.
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    workers = [
        ctx.Process(target=_open_at_once, args=(url, barrier, results)) for _ in range(processes)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    return [results.get(timeout=5) for _ in workers]


def test_processes_opening_a_new_database_together_all_succeed(db_url, tmp_path):
    for round_ in range(3):
        if "://" in db_url:
            _reset_pg(db_url)
            url = db_url
        else:
            url = str(tmp_path / f"race{round_}.db")
            Path(url).touch()  # an empty file, as `quorum status` needs one to exist
        assert _race(url) == ["ok"] * 4
        with Store.open(url) as store:
            assert store.count_articles() == 0


def test_quorum_status_started_three_times_at_once_on_an_empty_file(tmp_path):
    db = tmp_path / "empty.db"
    db.touch()
    env = {**os.environ, "PYTHONPATH": str(Path(store_module.__file__).parents[2])}
    command = [sys.executable, "-m", "quorum", "status", "--json", "--db", str(db)]
    procs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        assert json.loads(out)["articles"] == 0


def test_an_up_to_date_database_opens_while_a_writer_holds_the_lock(tmp_path):
    """Only a migration takes the write lock: `quorum status` or the web server must not
    queue behind a long story build (the lock wait is minutes, meant for migrations)."""
    import threading

    db = _filled(tmp_path, count=3)
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a write transaction in progress
    opened: list[int] = []

    def open_it() -> None:
        with Store.open(str(db)) as store:
            opened.append(store.count_articles())

    try:
        thread = threading.Thread(target=open_it, daemon=True)
        thread.start()
        thread.join(60)  # a bound on hanging, not a speed figure: it takes milliseconds
        assert opened == [3]
    finally:
        writer.execute("ROLLBACK")
        writer.close()
