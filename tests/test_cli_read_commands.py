"""Commands that only read: a missing SQLite file gets a clear error, not a new empty one."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from quorum.cli import app

runner = CliRunner()

READERS = (["stories"], ["story", "st-x"], ["status"], ["build"], ["build-site", "out"])


@pytest.mark.parametrize("command", READERS, ids=lambda c: c[0])
def test_reading_a_missing_database_fails_clearly_and_creates_nothing(tmp_path, command):
    db = tmp_path / "nothing-here.db"
    result = runner.invoke(app, [*command, "--db", str(db)])
    assert result.exit_code != 0
    assert f"no database at {db}" in result.output
    assert "quorum demo" in result.output
    assert not db.exists()


def test_the_hint_names_the_demo_database_when_it_is_there(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "quorum-demo.db").touch()
    result = runner.invoke(app, ["stories"])  # the default ./quorum.db does not exist
    assert result.exit_code != 0
    assert "--db quorum-demo.db" in result.output
    assert not (tmp_path / "quorum.db").exists()


def test_writers_still_create_their_database(tmp_path):
    dump = tmp_path / "dump.jsonl"
    row = {
        "id": "a1",
        "title": "Rocket Lab launches Electron",
        "text": "Rocket Lab launched.",
        "date": "2026-01-02",
        "source": "example.com",
        "url": "https://example.com/a1",
    }
    dump.write_text(json.dumps(row) + "\n", encoding="utf-8")
    db = tmp_path / "new.db"
    assert runner.invoke(app, ["ingest", str(dump), "--db", str(db)]).exit_code == 0
    assert db.exists()
    status = runner.invoke(app, ["status", "--json", "--db", str(db)])
    assert status.exit_code == 0, status.output
    assert json.loads(status.output)["articles"] == 1
