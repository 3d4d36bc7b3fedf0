"""The desk from the command line, as a new user meets it: `ingest` builds, `stories` lists
ids that `story ID` takes (a table on a terminal, tab-separated lines in a pipe), one story
schema for the CLI, the API and the static copy, and `serve`/`demo` on a busy port.

The desk is the packaged sample newsroom ingested as a JSONL dump by the real command.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import socket
import struct
import subprocess
import sys
import termios
import time
import warnings
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import httpx
import jsonschema
import pytest
from typer.testing import CliRunner

from quorum.cli import app
from quorum.desk import Desk

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from quorum.web.app import create_app  # noqa: E402
from quorum.web.static_site import build_site  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "src" / "quorum" / "data" / "schema" / "story.schema.json"
QUORUM = [sys.executable, "-m", "quorum"]
runner = CliRunner()


def sample_dump(path: Path) -> Path:
    """The sample newsroom's articles as an ingest dump (id, title, text, date, source, url)."""
    raw = (resources.files("quorum") / "data" / "sample" / "articles.jsonl").read_text("utf-8")
    with path.open("w", encoding="utf-8") as out:
        for line in raw.splitlines():
            if line.strip():
                a = json.loads(line)
                row = {
                    "id": a["id"],
                    "title": a["title"],
                    "text": a["text"],
                    "date": a["published"],
                    "source": a["outlet"],
                    "url": f"https://{a['outlet']}/{a['slug']}",
                }
                out.write(json.dumps(row) + "\n")
    return path


@pytest.fixture(scope="module")
def desk_db(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("desk")
    db = str(folder / "desk.db")
    result = runner.invoke(app, ["ingest", str(sample_dump(folder / "dump.jsonl")), "--db", db])
    assert result.exit_code == 0, result.output
    return {"db": db, "ingest_output": result.output}


def listed(db: str) -> list[dict]:
    result = runner.invoke(app, ["stories", "--json", "--limit", "500", "--db", db])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def validator(ref: str = "#") -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    if ref != "#":
        schema = {"$ref": ref, "$defs": schema["$defs"]}
    return jsonschema.Draft202012Validator(schema)


def assert_valid(doc: dict, ref: str = "#", where: str = "") -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(ref).iter_errors(doc)]
    assert not errors, (where, errors[:5])


# --- 2. ingest builds ------------------------------------------------------------------------


def test_ingest_builds_stories_so_the_listing_is_not_empty(desk_db):
    assert "stories: " in desk_db["ingest_output"]
    assert len(listed(desk_db["db"])) >= 10


def test_ingest_no_build_says_how_to_build_and_so_does_the_empty_listing(tmp_path):
    db = str(tmp_path / "d.db")
    dump = sample_dump(tmp_path / "dump.jsonl")
    lines = dump.read_text("utf-8").splitlines()[:3]
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(dump), "--no-build", "--db", db])
    assert result.exit_code == 0, result.output
    assert "quorum build" in result.output
    empty = runner.invoke(app, ["stories", "--db", db])
    assert empty.exit_code == 0
    assert "no stories yet: 3 article(s) stored" in empty.output
    assert "quorum build" in empty.output


# --- 1. the listing --------------------------------------------------------------------------


def run_in_terminal(argv: list[str], columns: int) -> str:
    """Run ``argv`` with a real terminal of ``columns`` columns as its stdout."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {**os.environ, "COLUMNS": str(columns), "TERM": "xterm", "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    out = b""
    with contextlib.suppress(OSError):  # EIO: the child closed the terminal
        while chunk := os.read(master, 65536):
            out += chunk
    proc.wait(timeout=60)
    os.close(master)
    text = out.decode("utf-8").replace("\r\n", "\n")
    return re.sub(r"\x1b\[[0-9;]*m", "", text)  # bold and dim: styles, not text


def test_the_table_at_80_columns_keeps_ids_whole_and_marks_cut_titles(desk_db):
    stories = listed(desk_db["db"])
    out = run_in_terminal([*QUORUM, "stories", "--limit", "500", "--db", desk_db["db"]], 80)
    rows = [line for line in out.splitlines() if line.startswith("st-")]
    assert len(rows) == len(stories), out
    assert all(len(row) <= 80 for row in rows), out
    for s, row in zip(stories, rows, strict=True):
        assert row.split()[0] == s["id"]  # whole: `quorum story ID` takes it as printed
        if s["title"] not in row:
            assert row.endswith("…"), row
            assert s["title"].startswith(row.split("  ")[-1].rstrip("…"))
    assert any(row.endswith("…") for row in rows)
    halves = [s for s in stories if s["impact"] is not None and s["impact"] % 1 == 0.5]
    assert halves, "the sample has half-point impacts"
    for s in halves:
        row = next(r for r in rows if r.startswith(s["id"]))
        assert f" {s['impact']:.1f} " in row  # 4.5 stays 4.5, not 4 (half to even)


def test_piped_output_is_tab_separated_with_whole_titles(desk_db):
    stories = listed(desk_db["db"])
    result = runner.invoke(app, ["stories", "--limit", "500", "--db", desk_db["db"]])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(stories)
    for s, line in zip(stories, lines, strict=True):
        fields = line.split("\t")
        assert len(fields) == 8, line
        assert fields[0] == s["id"] and fields[1] == s["status"] and fields[-1] == s["title"]
        assert fields[2] == ("" if s["impact"] is None else f"{s['impact']:.1f}")
        assert fields[3] == str(s["independent_sources"]) and fields[4] == str(s["article_count"])


# --- 4. one story schema ---------------------------------------------------------------------


def test_the_published_schema_is_valid_and_served(desk_db):
    validator()  # check_schema raises on an invalid one
    with Desk.open(desk_db["db"]) as desk:
        client = TestClient(create_app(desk.store, desk.config))
        got = client.get("/schema/story.json")
    assert got.status_code == 200
    assert got.json() == json.loads(SCHEMA_FILE.read_text("utf-8"))


def test_cli_listing_and_every_story_json_follow_the_schema(desk_db):
    stories = listed(desk_db["db"])
    for s in stories:
        assert_valid(s, "#/$defs/summary", s["id"])
        shown = runner.invoke(app, ["story", s["id"], "--json", "--db", desk_db["db"]])
        assert shown.exit_code == 0, shown.output
        doc = json.loads(shown.stdout)
        assert_valid(doc, where=s["id"])
        assert doc["story"] == s  # the listing's line is the document's summary
    assert {s["status"] for s in stories} >= {"verified", "held"}  # held ones too


def test_api_and_static_copy_give_the_cli_document(desk_db, tmp_path):
    verified = [s for s in listed(desk_db["db"]) if s["status"] == "verified"]
    with Desk.open(desk_db["db"]) as desk:
        client = TestClient(create_app(desk.store, desk.config))
        report = build_site(desk.store, desk.config, tmp_path / "site")
    for s in verified:
        api = client.get(f"/story/{s['id']}.json").json()
        assert_valid(api, where=f"API {s['id']}")
        static = json.loads((report.folder / "story" / f"{s['id']}.json").read_text("utf-8"))
        assert_valid(static, where=f"static {s['id']}")
        cli = json.loads(
            runner.invoke(app, ["story", s["id"], "--json", "--db", desk_db["db"]]).stdout
        )
        assert api == static == cli
    published = json.loads((report.folder / "schema" / "story.json").read_text("utf-8"))
    assert published == json.loads(SCHEMA_FILE.read_text("utf-8"))


def test_the_readme_describes_every_field_of_the_schema():
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("### Story data", 1)[1].split("\n## ", 1)[0]
    schema = json.loads(SCHEMA_FILE.read_text("utf-8"))
    names = [*schema["properties"], *schema["$defs"]["summary"]["properties"]]
    missing = [n for n in names if f"`{n}`" not in section]
    assert not missing, missing
    assert "src/quorum/data/schema/story.schema.json" in section and "/schema/story.json" in section


# --- 3. ports --------------------------------------------------------------------------------


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_serve_on_a_busy_port_says_so_and_suggests_another(desk_db, busy_port):
    result = runner.invoke(app, ["serve", "--port", str(busy_port), "--db", desk_db["db"]])
    assert result.exit_code == 2
    assert f"port {busy_port} on 127.0.0.1 is already in use" in result.output
    assert "--port" in result.output and "Errno" not in result.output
    assert "open http" not in result.output and "serving on" not in result.output


def test_demo_checks_the_port_before_ingesting(tmp_path, busy_port):
    db = tmp_path / "demo.db"
    result = runner.invoke(app, ["demo", "--port", str(busy_port), "--db", str(db)])
    assert result.exit_code == 2
    assert "already in use" in result.output and "--port" in result.output
    assert "new article" not in result.output  # nothing was ingested first
    assert not db.exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_prints_one_address_that_leads_to_a_story_and_its_json(desk_db):
    story_id = next(s["id"] for s in listed(desk_db["db"]) if s["status"] == "verified")
    proc = subprocess.Popen(
        [*QUORUM, "serve", "--port", str(free_port()), "--db", desk_db["db"]],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        url = re.fullmatch(r"open (http://127\.0\.0\.1:\d+/)  \(Ctrl-C to stop\)\n", line)
        assert url, line
        with httpx.Client(base_url=url.group(1), timeout=10) as http:
            home = None
            for _ in range(200):  # the port is bound; it accepts once uvicorn has started
                with contextlib.suppress(httpx.TransportError):
                    home = http.get("/index.json")
                    break
                time.sleep(0.05)
            assert home is not None and home.status_code == 200
            assert story_id in {c["id"] for c in home.json()["stories"]}
            assert http.get(f"/story/{story_id}").status_code == 200
            assert_valid(http.get(f"/story/{story_id}.json").json())
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "Uvicorn running" not in proc.stderr.read()  # the address is said once
