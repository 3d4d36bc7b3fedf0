"""`quorum eval dates` end to end on a tiny hand-written file in the TempEval-3 JSONL format."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from quorum.cli import app
from quorum.evaluation.dates import Counts, Span, align, read_docs

FIXTURE = Path(__file__).parent / "fixtures" / "timex" / "tiny.jsonl"
runner = CliRunner()


def run_json(*args: str) -> dict:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_fixture_is_read_and_split_by_corpus():
    assert [d.doc_id for d in read_docs(FIXTURE)] == ["tb_1", "tb_2", "aq_1"]  # bad line skipped
    assert [d.doc_id for d in read_docs(FIXTURE, "aquaint")] == ["aq_1"]


def test_eval_dates_json_and_predictions(tmp_path):
    pred = tmp_path / "pred.jsonl"
    out = run_json("eval", "dates", "--data", str(FIXTURE), "--json", "--predictions", str(pred))
    assert {"strict_f1", "relaxed_f1", "value_accuracy", "value_f1"} <= set(out)
    assert out["documents"] == 3 and out["gold"] == 11
    assert out["value_f1"] == 1.0  # every rule the fixture needs is covered
    rows = [json.loads(line) for line in pred.read_text().splitlines()]
    assert [r["doc_id"] for r in rows] == ["tb_1", "tb_2", "aq_1"]
    assert rows[2]["timexes"][0] == {"start": 15, "end": 24, "type": "DATE", "value": "2000-04-04"}
    part = run_json("eval", "dates", "--data", str(FIXTURE), "--json", "--corpus", "TimeBank")
    assert (part["corpus"], part["documents"], part["gold"]) == ("TimeBank", 2, 7)


def test_eval_dates_table_errors_and_check(tmp_path):
    table = runner.invoke(app, ["eval", "dates", "--data", str(FIXTURE)])
    assert table.exit_code == 0 and "Value F1 1.0000" in table.stdout
    missing = runner.invoke(app, ["eval", "dates", "--data", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 2
    none = runner.invoke(app, ["eval", "dates", "--data", str(FIXTURE), "--corpus", "WSJ"])
    assert none.exit_code == 2
    unpinned = runner.invoke(app, ["eval", "dates", "--data", str(FIXTURE), "--check"])
    assert unpinned.exit_code == 1 and "no floors pinned" in unpinned.output


def test_scoring_follows_tempeval3_task_a():
    gold = [
        Span(0, 6, "DATE", "1998-01-05"),
        Span(10, 19, "DATE", "1998-W02"),
        Span(30, 35, "DURATION", "P2W"),
    ]
    system = [
        Span(0, 6, "DATE", "1998-01-05"),  # strict match, right value
        Span(10, 14, "DATE", "1998-W01"),  # relaxed match only, wrong value
        Span(40, 44, "DATE", "PAST_REF"),  # spurious
    ]
    counts = Counts()
    counts.add(gold, system)
    got = counts.as_dict()
    assert got["strict_f1"] == round(2 * 1 / 6, 4)
    assert got["relaxed_f1"] == round(2 * 2 / 6, 4)
    assert got["value_accuracy"] == 0.5
    assert got["value_f1"] == round(2 * 2 / 6 * 0.5, 4)


def test_alignment_is_one_to_one_and_prefers_exact_spans():
    gold = [Span(0, 10, "DATE", "a")]
    system = [Span(0, 4, "DATE", "x"), Span(0, 10, "DATE", "a")]
    assert align(gold, system) == [(gold[0], system[1])]
