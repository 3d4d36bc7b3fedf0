"""Incremental builds on the sample newsroom: the same stories as a full rebuild, a revision
history per story, one build at a time, and a build killed mid-way that loses nothing.

The articles are stored in three batches (the third holds late arrivals dated before the
second's), with a build after each, as a desk polling feeds would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from quorum.cli import app
from quorum.desk import Desk
from quorum.pipeline import build_stories
from quorum.records import Article
from quorum.sample_site import SampleSite
from quorum.store.builds import BuildBusy, build_lock, build_state, revisions
from quorum.store.store import NewArticle

runner = CliRunner()


@pytest.fixture(scope="module")
def site() -> SampleSite:
    return SampleSite()


def batches(site: SampleSite) -> list[list[Article]]:
    """Three polls: the oldest half, then the newer half less every fifth article, which
    arrives late in the third poll."""
    articles = sorted(
        (
            Article(
                url=a.canonical_url,
                title=a.title,
                text=a.text,
                outlet=a.outlet,
                published=a.published,
                via="dump",
            )
            for a in site.articles
        ),
        key=lambda a: (a.published is None, a.published or 0, a.url),
    )
    half = len(articles) // 2
    newer = articles[half:]
    late = newer[::5]
    return [articles[:half], [a for a in newer if a not in late], late]


def open_desk(db: str, site: SampleSite) -> Desk:
    desk = Desk.open(db)
    for outlet in site.outlets:
        desk.store.upsert_outlet(outlet)
    desk.registry.add(site.outlets)
    return desk


def store_batch(desk: Desk, site: SampleSite, articles: list[Article]) -> None:
    outlets = {o.domain: o for o in site.outlets}
    items = [
        NewArticle(a, beat=desk.beat.score(a.title, a.text), outlet=outlets[a.outlet])
        for a in articles
    ]
    assert all(r.created for r in desk.store.add_articles(items))


def snapshot(desk: Desk) -> dict:
    """Every story as stored: its articles, gate, scores and data (the timeline aside:
    untouched stories keep the timeline of their last change, see quorum.builder)."""
    out = {}
    for row in desk.store.stories():
        data = {k: v for k, v in row.data.items() if k != "timeline"}
        out[row.id] = (
            desk.store.story_article_ids(row.id),
            row.status,
            row.impact,
            row.sentiment,
            row.title,
            data,
        )
    return out


def test_incremental_builds_make_the_full_rebuilds_stories_and_record_revisions(db_url, site):
    parts = batches(site)
    summaries = []
    with open_desk(db_url, site) as desk:
        for part in parts:
            store_batch(desk, site, part)
            summaries.append(build_stories(desk))
        incremental = snapshot(desk)
        full = build_stories(desk, full=True)
        rebuilt = snapshot(desk)
        history = {sid: revisions(desk.store, sid) for sid in rebuilt}
        in_beat = {a.id for a in desk.store.articles(in_beat=True)}
    assert [s.full for s in summaries] == [True, False, False] and full.full
    assert summaries[1].new_articles + summaries[2].new_articles < len(in_beat)
    assert summaries[2].touched < full.touched, "the last poll rewrote only what it changed"
    assert rebuilt == incremental

    # each story's revisions add up to its articles, and the builds are numbered in order
    grew = 0
    for sid, (article_ids, *_rest) in rebuilt.items():
        revs = history[sid]
        assert revs and revs[0].changes.get("new_story")
        members: set[int] = set()
        for r in revs:
            members |= set(r.changes.get("articles_added", []))
            members -= set(r.changes.get("articles_removed", []))
        assert members == set(article_ids), sid
        assert [r.build_seq for r in revs] == sorted(r.build_seq for r in revs)
        grew += len({r.build_seq for r in revs if r.changes.get("articles_added")}) >= 2
    assert grew, "some story gained articles in a later build"


def test_story_history_command_prints_the_changes_with_dates(tmp_path, site):
    db = str(tmp_path / "history.db")
    with open_desk(db, site) as desk:
        for part in batches(site):
            store_batch(desk, site, part)
            build_stories(desk)
        story = max(
            desk.store.stories(),
            key=lambda r: len({x.build_seq for x in revisions(desk.store, r.id)}),
        )
    result = runner.invoke(app, ["story", story.id, "--history", "--db", db])
    assert result.exit_code == 0, result.output
    assert "first published" in result.output and "new article(s)" in result.output
    assert "UTC (build 1)" in result.output
    as_json = runner.invoke(app, ["story", story.id, "--history", "--json", "--db", db])
    assert '"revisions"' in as_json.output
    missing = runner.invoke(app, ["story", "st-nope", "--history", "--db", db])
    assert missing.exit_code == 1 and "no story" in missing.output


def test_a_second_build_refuses_while_one_runs(db_url, site):
    with open_desk(db_url, site) as desk:
        store_batch(desk, site, batches(site)[0])
        with build_lock(desk.store):
            with pytest.raises(BuildBusy, match="another build is running"):
                build_stories(desk)
            result = runner.invoke(app, ["build", "--db", db_url])
        assert result.exit_code == 1 and "another build is running" in result.output
        assert desk.store.stories() == []  # nothing was built while the lock was held
        assert build_stories(desk).stories > 0  # the lock is free again


BUILD_SCRIPT = """
import sys
from quorum.desk import Desk
from quorum.pipeline import build_stories
from quorum.sample_site import SampleSite
site = SampleSite()
desk = Desk.open(sys.argv[1])
desk.registry.add(site.outlets)
print(build_stories(desk, full=len(sys.argv) > 2), flush=True)
"""


def run_build(db: str, *extra: str, kill_after: float | None = None) -> int:
    proc = subprocess.Popen(
        [sys.executable, "-c", BUILD_SCRIPT, db, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    if kill_after is not None:
        time.sleep(kill_after)
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=300)
    return proc.returncode


@pytest.mark.parametrize("kill_after", [1.5, 4.0, 7.0])
def test_a_killed_build_leaves_the_before_or_after_state_and_the_next_finishes(
    tmp_path, site, kill_after
):
    db = str(tmp_path / "kill.db")
    parts = batches(site)
    with open_desk(db, site) as desk:
        store_batch(desk, site, parts[0])
        build_stories(desk)
        store_batch(desk, site, parts[1] + parts[2])
        before = snapshot(desk)
        seq = build_state(desk.store).seq
    reference = str(tmp_path / "reference.db")
    shutil.copy(db, reference)
    assert run_build(reference) == 0
    with Desk.open(reference) as desk:
        after = snapshot(desk)
    assert after != before

    code = run_build(db, kill_after=kill_after)
    with Desk.open(db) as desk:
        at_kill = snapshot(desk)
        state = build_state(desk.store)
    assert (at_kill, state.seq) in ((before, seq), (after, seq + 1)), f"exit {code}"
    assert run_build(db) == 0  # the next build finishes the work
    with Desk.open(db) as desk:
        assert snapshot(desk) == after
        assert build_state(desk.store).seq == seq + 1
