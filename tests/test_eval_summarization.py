"""``quorum eval summarization`` end to end on a tiny made-up Multi-News style file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from quorum.cli import app
from quorum.evaluation import floors
from quorum.evaluation.rouge import lcs_length, rouge_l
from quorum.evaluation.summarization import (
    Cluster,
    SummarizationEvalError,
    bit_lcs_length,
    lead_summary,
    load_clusters,
    parse_documents,
    rouge_l_fast,
    run_summarization_eval,
    system_summary,
)

TINY = Path(__file__).parent / "fixtures" / "compose" / "multinews-tiny.jsonl.gz"
KEYS = {"rouge1", "rouge2", "rougeL", "lead_rouge1", "lead_rouge2", "lead_rougeL", "clusters"}
runner = CliRunner()


def test_load_clusters_reads_every_document_format():
    clusters = list(load_clusters(TINY))
    by_id = {c.id: c for c in clusters}
    assert "tiny-bad" not in by_id  # no summary: skipped with a warning
    assert len(by_id["tiny-0"].documents) == 3  # a list
    assert len(by_id["tiny-1"].documents) == 2  # a JSON-encoded list
    assert len(by_id["tiny-2"].documents) == 2  # one string joined by |||||
    assert by_id["tiny-empty"].documents == ()
    assert [c.id for c in load_clusters(TINY, limit=2)] == ["tiny-0", "tiny-1"]


def test_parse_documents_rejects_non_lists():
    assert parse_documents('["a", " ", "b"]') == ["a", "b"]
    with pytest.raises(SummarizationEvalError):
        parse_documents({"a": 1})


def test_missing_or_broken_file_is_a_clear_error(tmp_path):
    with pytest.raises(SummarizationEvalError, match="not found"):
        list(load_clusters(tmp_path / "none.jsonl.gz"))
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(SummarizationEvalError, match="cannot read"):
        list(load_clusters(broken))


def test_system_skips_the_off_topic_lead_document():
    cluster = next(load_clusters(TINY))
    system, lead = system_summary(cluster, max_words=60), lead_summary(cluster, max_words=60)
    assert "potholes" in lead  # the lead baseline reads the off-topic first document
    assert "potholes" not in system and "733 million" in system
    assert lead.splitlines()[0] == cluster.documents[0].split(". ")[0] + "."


def test_lead_summary_stops_at_the_budget():
    cluster = Cluster(
        "c",
        "s",
        (
            "One two three four five six. Seven eight nine ten eleven twelve. Thirteen fourteen.",
            "Other document text here.",
        ),
    )
    assert lead_summary(cluster, max_words=7).splitlines() == [
        "One two three four five six.",
        "Seven eight nine ten eleven twelve.",
    ]


def test_run_scores_system_above_lead_on_the_tiny_file():
    figures = run_summarization_eval(TINY, max_words=60)
    assert figures.clusters == 3 and figures.skipped == 1
    assert figures.system.rouge1 > figures.lead.rouge1
    assert 0 < figures.system.rougeL <= 1


def test_cli_json_keys_and_limit():
    result = runner.invoke(
        app,
        [
            "eval",
            "summarization",
            "--data",
            str(TINY),
            "--json",
            "--limit",
            "2",
            "--max-words",
            "60",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert KEYS <= set(data)
    assert data["clusters"] == 2
    assert all(0 <= data[k] <= 1 for k in KEYS - {"clusters"})


def test_cli_table_and_bad_path(tmp_path):
    result = runner.invoke(app, ["eval", "summarization", "--data", str(TINY)])
    assert result.exit_code == 0
    assert "takeaways" in result.stdout and "lead" in result.stdout
    missing = runner.invoke(app, ["eval", "summarization", "--data", str(tmp_path / "x.gz")])
    assert missing.exit_code == 2


def test_cli_check_against_floors(monkeypatch):
    unpinned = runner.invoke(app, ["eval", "summarization", "--data", str(TINY), "--check"])
    assert unpinned.exit_code == 1  # nothing pinned for this file name
    pinned = {TINY.name: {"sha256": "", "floors": {"rouge1": 0.01, "rouge2": 0.0}}}
    monkeypatch.setattr(floors, "load_floors", lambda name: pinned)
    ok = runner.invoke(app, ["eval", "summarization", "--data", str(TINY), "--check"])
    assert ok.exit_code == 0, ok.output
    pinned[TINY.name]["floors"]["rouge1"] = 0.99
    low = runner.invoke(app, ["eval", "summarization", "--data", str(TINY), "--check"])
    assert low.exit_code == 1


def test_packaged_floors_name_the_multinews_file():
    pinned = floors.load_floors("summarization")
    assert set(pinned["multinews-validation.jsonl.gz"]["floors"]) >= {"rouge1", "rouge2", "rougeL"}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from("abcde"), max_size=40),
    st.lists(st.sampled_from("abcdef"), max_size=40),
)
def test_bit_parallel_lcs_matches_the_reference(a, b):
    assert bit_lcs_length(a, b) == lcs_length(a, b)


def test_fast_rouge_l_matches_the_reference():
    ref = "the space force awarded spacex a contract to launch 21 missions"
    cand = "spacex won a space force contract for 21 launch missions"
    assert rouge_l_fast(ref, cand) == rouge_l(ref, cand)
