"""The whole desk on the sample newsroom: demo ingest over HTTP, stories, sources, gate.

The sample data carries an answer key (``story``, ``copy_of``) that the pipeline never
reads; these tests hold the built stories against it.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quorum.cli import app
from quorum.desk import Desk
from quorum.pipeline import build_stories
from quorum.sample_site import SampleSite

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("demo") / "demo.db")
    result = runner.invoke(app, ["demo", "--no-serve", "--db", db])
    assert result.exit_code == 0, result.output
    assert "108 new article(s)" in result.output
    return db


@pytest.fixture(scope="module")
def key() -> dict[str, object]:
    """canonical URL -> sample article (with its answer-key fields)."""
    return {a.canonical_url: a for a in SampleSite().articles}


def stories_with_keys(db: str, key) -> list[tuple[object, list[object]]]:
    with Desk.open(db) as desk:
        out = []
        for row in desk.store.stories():
            urls = [a["url"] for a in row.data["articles"]]
            out.append((row, [key[u] for u in urls]))
        return out


def story_of(stories, development: str):
    """The story holding most articles of one development of the answer key."""
    return max(stories, key=lambda s: sum(a.story == development for a in s[1]))


def test_the_sample_scores_doc_lists_the_stories_the_demo_builds(demo_db):
    """docs/sample-scores.md is generated from the demo; stale, it named stories that no
    longer existed. First in the file: later tests here change the demo's database."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import impact_table
    finally:
        sys.path.remove(str(ROOT / "tools"))
    with Desk.open(demo_db) as desk:
        fresh = impact_table.render(desk.store)
    current = (ROOT / "docs" / "sample-scores.md").read_text("utf-8")
    assert fresh == current, "run: quorum demo --no-serve --fresh && python tools/impact_table.py"


def test_demo_twice_adds_nothing(demo_db):
    again = runner.invoke(app, ["demo", "--no-serve", "--db", demo_db])
    assert again.exit_code == 0, again.output
    assert "0 new article(s), 108 already stored" in again.output


def test_sister_sites_count_as_one_source(demo_db, key):
    stories = stories_with_keys(demo_db, key)
    row, arts = story_of(stories, "ground-station-cyber")
    sister = {"channel5metro.example", "kvtr7news.example", "lakeshore12.example"}
    assert sister <= {a.outlet for a in arts}
    origins_with_sisters = [o for o in row.data["origins"] if set(o["outlets"]) & sister]
    assert len(origins_with_sisters) == 1, "the trio is one origin"
    others = {a.outlet for a in arts} - sister
    assert row.independent_sources == 1 + len(others)

    only_trio, trio_arts = story_of(stories, "harlow-ridge-radar-expansion")
    assert {a.outlet for a in trio_arts} == sister
    assert only_trio.independent_sources == 1
    assert only_trio.status in {"held", "single_source"}


def test_wire_copy_and_its_reprints_are_one_origin(demo_db, key):
    stories = stories_with_keys(demo_db, key)
    for row, arts in stories:
        by_url = {a.canonical_url: a for a in arts}
        for origin in row.data["origins"]:
            members = [
                by_url[a["url"]] for a in row.data["articles"] if a["origin"] == origin["key"]
            ]
            ids = {m.id for m in members}
            for m in members:
                if m.copy_of and m.copy_of not in ids:
                    original = next((a for a in arts if a.id == m.copy_of), None)
                    assert original is None, f"{m.id} is split from its original {m.copy_of}"
    row, arts = story_of(stories, "interceptor-test")  # the wire story with two reprints
    wire = [o for o in row.data["origins"] if "orbitalwire.example" in o["outlets"]]
    assert len(wire) == 1 and len(wire[0]["outlets"]) >= 2
    assert any("credit" in w or "source" in w or "near-duplicate" in w for w in wire[0]["why"])


@pytest.mark.xfail(
    strict=True,
    reason="replayed in publication order (deterministic), the clusterer files Halcyon's Nov. 5 "
    "weather-satellite award into the Oct. 8-20 Bastion award story (shared names, 2-week gap); "
    "fetch order used to hide this. A clustering fix, not an ordering one.",
)
def test_two_events_of_one_kind_stay_apart(demo_db, key):
    for _row, arts in stories_with_keys(demo_db, key):
        developments = {a.story for a in arts}
        assert not {"satcom-contract-award", "weather-sat-contract"} <= developments


def test_stories_are_mostly_pure(demo_db, key):
    """Each built story is dominated by one development of the answer key."""
    impure = []
    for row, arts in stories_with_keys(demo_db, key):
        counts = defaultdict(int)
        for a in arts:
            counts[a.story] += 1
        if max(counts.values()) < len(arts):
            impure.append((row.title, dict(counts)))
    assert len(impure) <= 2, impure


def cited_spans(data: object) -> list[dict]:
    """Every citation anywhere in a story's data, whatever its place: a dict holding
    ``text``, ``article_id``, ``start`` and ``end``."""
    found = []
    if isinstance(data, dict):
        if {"text", "article_id", "start", "end"} <= data.keys():
            found.append(data)
        for value in data.values():
            found += cited_spans(value)
    elif isinstance(data, list):
        for value in data:
            found += cited_spans(value)
    return found


def test_every_cited_span_is_exact_source_text(demo_db):
    with Desk.open(demo_db) as desk:
        articles = {a.id: a for a in desk.store.articles()}
        checked = differ = 0
        for row in desk.store.stories():
            for c in cited_spans(row.data):
                article = articles[c["article_id"]]
                source = article.title if c.get("field") == "title" else article.text
                differ += source[c["start"] : c["end"]] != c["text"]
                checked += 1
        assert checked > 100
        assert differ == 0


def test_each_fact_is_stated_once_and_reported_claims_are_capped(demo_db):
    from quorum.storydata import _facts_in

    with Desk.open(demo_db) as desk:
        published = {a.id: a.published for a in desk.store.articles()}
        for row in desk.store.stories():
            d = row.data
            shown = list(d["takeaways"]) + [
                {"text": f["text"], "article_id": f["cited"][0]["article_id"]}
                for f in d["key_facts"]
            ]
            shown += [c for s in d["analysis"] for c in s["sentences"]] + d["what_to_watch"]
            texts = [c["text"] for c in shown]
            assert len(texts) == len(set(texts)), "a sentence is shown once"
            seen: set = set()
            for c in shown:
                facts = _facts_in(c["text"], published.get(c.get("article_id")))
                assert not facts or not facts <= seen, (row.title, c["text"])
                seen |= facts
            assert sum(bool(h.get("shown")) for h in d["hedged"]) <= 8


def test_single_source_claims_are_never_key_facts(demo_db):
    with Desk.open(demo_db) as desk:
        for row in desk.store.stories():
            for fact in row.data["key_facts"]:
                assert fact["sources"] >= 2
            texts = [f["text"] for f in row.data["key_facts"]]
            assert len(texts) == len(set(texts)), "a sentence is shown once"


@pytest.mark.xfail(
    strict=True,
    reason="replayed in publication order (deterministic), the clusterer files Halcyon's Nov. 5 "
    "weather-satellite award into the Oct. 8-20 Bastion award story (shared names, 2-week gap); "
    "fetch order used to hide this. A clustering fix, not an ordering one.",
)
def test_disagreements_between_sources_are_flagged(demo_db, key):
    stories = stories_with_keys(demo_db, key)
    row, _ = story_of(stories, "satcom-contract-award")  # $2.4 billion vs about $2.5 billion
    assert "approximation" in {c["kind"] for c in row.data["conflicts"]}, row.data["conflicts"]
    row, _ = story_of(stories, "interceptor-test")  # one quote given to two speakers
    quotes = [c for c in row.data["conflicts"] if c["subject"].startswith("quote")]
    assert quotes and quotes[0]["kind"] == "contradiction"
    speakers = {side["value"] for side in quotes[0]["sides"]}
    assert len(speakers) == 2


def test_story_json_carries_entities_claims_conflicts_and_scores(demo_db):
    listed = runner.invoke(app, ["stories", "--json", "--db", demo_db, "--status", "verified"])
    assert listed.exit_code == 0
    first = json.loads(listed.output.splitlines()[0])
    shown = runner.invoke(app, ["story", first["id"], "--json", "--db", demo_db])
    data = json.loads(shown.output)
    assert data["entity_groups"] and data["origins"] and data["sources"]
    scores = {s["name"]: s for s in data["scores"]}
    for name in ("sentiment", "impact", "confidence"):
        assert scores[name]["evidence"], f"{name} has no evidence"
    assert data["story"]["independent_sources"] >= 2
    assert "key_facts" in data and "conflicts" in data
    missing = runner.invoke(app, ["story", "st-nope", "--db", demo_db])
    assert missing.exit_code == 1 and "no story" in missing.output


def test_rebuild_is_deterministic_and_reuses_unchanged_stories(demo_db):
    with Desk.open(demo_db) as desk:
        before = {r.id: r.data["fingerprint"] for r in desk.store.stories()}
        idle = build_stories(desk)  # nothing new: an incremental build touches nothing
        summary = build_stories(desk, full=True)
        after = {r.id: r.data["fingerprint"] for r in desk.store.stories()}
    assert not idle.full and idle.touched == 0 and idle.new_articles == 0
    assert before == after
    assert summary.full and summary.reused == len(after) and summary.moved == 0


def test_a_configured_language_model_only_adds_sentences_the_sources_support(demo_db, tmp_path):
    """A local server speaking the OpenAI chat API answers with one sentence taken from the
    prompt's sources and one invented; only the first may reach the page."""
    import shutil
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    invented = "The Pentagon will buy 977 more satellites for $88 billion by 2031."

    class Chat(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            prompt = request["messages"][-1]["content"]
            first_source = prompt.split("[1] ", 1)[1].split("\n", 1)[0]
            body = json.dumps(
                {
                    "choices": [
                        {"message": {"role": "assistant", "content": f"{first_source} {invented}"}}
                    ]
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Chat)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    db = str(tmp_path / "llm.db")
    shutil.copy(demo_db, db)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        with Desk.open(db, llm_base_url=url, llm_model="test") as desk:
            build_stories(desk)
            texts = {a.id: a.text for a in desk.store.articles()}
            summaries = [r.data["summary"] for r in desk.store.stories()]
    finally:
        server.shutdown()
    generated = [s for s in summaries if s and s["generated"]]
    assert generated, "the model's summaries were used"
    for summary in generated:
        assert summary["dropped"] >= 1
        for sentence in summary["sentences"]:
            assert invented not in sentence["text"]
            assert sentence["supports"]
            for c in sentence["supports"]:
                assert texts[c["article_id"]][c["start"] : c["end"]] == c["text"]


def test_copies_are_marked_as_the_answer_key_says(demo_db, key):
    """A copy is a copy of a text in its story; an outlet's own follow-up never is."""
    for row, arts in stories_with_keys(demo_db, key):
        in_story = {a.id for a in arts}
        for meta, art in zip(row.data["articles"], arts, strict=True):
            expected = art.copy_of is not None and art.copy_of in in_story
            assert meta["is_copy"] == expected, (row.title, art.id, art.copy_of)


def test_orbital_wire_follow_ups_in_the_lodestar_story_are_originals(demo_db, key):
    stories = stories_with_keys(demo_db, key)
    row, arts = story_of(stories, "navsat-batch-launch")
    launch = [
        (m, a)
        for m, a in zip(row.data["articles"], arts, strict=True)
        if a.story == "navsat-batch-launch"
    ]
    wire = [m for m, a in launch if a.outlet == "orbitalwire.example"]
    assert len(wire) >= 3 and not any(m["is_copy"] for m in wire)
    sources = {
        o["source"]
        for o in row.data["origins"]
        if set(o["outlets"]) & {a.outlet for _, a in launch}
    }
    assert len({a.outlet for _, a in launch}) == 5 <= len(sources)
