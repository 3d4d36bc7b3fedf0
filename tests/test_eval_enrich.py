"""`quorum eval ner` and `quorum eval sentiment` end to end on tiny fixture files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quorum.cli import app
from quorum.evaluation.ner import evaluate_tagger, read_conll_jsonl
from quorum.evaluation.sentiment import in_holdout, macro_f1, read_rows, tier_figures

FIXTURES = Path(__file__).parent / "fixtures" / "enrich"
runner = CliRunner()


def run_json(*args: str) -> dict:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_eval_ner_json_on_fixture():
    out = run_json(
        "eval", "ner", "--data", str(FIXTURES / "ner-tiny.jsonl"), "--json", "--path", "classical"
    )
    assert set(out["per_type"]) == {"PER", "ORG", "LOC", "MISC"}
    assert set(out["per_type"]["PER"]) == {"precision", "recall", "f1"}
    assert out["sentences"] == 5  # DOCSTART and the broken line are skipped
    assert out["micro_f1"] >= 0.7


def test_gazetteer_path_finds_only_listed_people_and_beat_names():
    out = run_json(
        "eval", "ner", "--data", str(FIXTURES / "ner-tiny.jsonl"), "--json", "--path", "gazetteer"
    )
    # Chance Saltzman is in the gazetteer; Maria Keller is not, and only a model finds her.
    assert out["per_type"]["PER"]["recall"] == 0.5
    assert out["per_type"]["ORG"]["recall"] >= 0.5


def test_eval_ner_table_and_errors(tmp_path):
    result = runner.invoke(
        app, ["eval", "ner", "--data", str(FIXTURES / "ner-tiny.jsonl"), "--path", "classical"]
    )
    assert result.exit_code == 0 and "micro" in result.stdout
    missing = runner.invoke(app, ["eval", "ner", "--data", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 2
    bad = runner.invoke(
        app, ["eval", "ner", "--data", str(FIXTURES / "ner-tiny.jsonl"), "--path", "bert"]
    )
    assert bad.exit_code == 2
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"x": 1}\n', encoding="utf-8")
    assert runner.invoke(app, ["eval", "ner", "--data", str(empty)]).exit_code == 2


def test_eval_ner_check_without_pinned_floors_fails():
    result = runner.invoke(
        app,
        [
            "eval",
            "ner",
            "--data",
            str(FIXTURES / "ner-tiny.jsonl"),
            "--path",
            "gazetteer",
            "--check",
        ],
    )
    assert result.exit_code == 1


def test_eval_sentiment_semeval_format():
    out = run_json("eval", "sentiment", "--data", str(FIXTURES / "semeval-tiny.jsonl"), "--json")
    assert out["examples"] == 6
    for key in (
        "macro_f1_3class",
        "tier_accuracy",
        "tier_mae",
        "vader_macro_f1_3class",
        "vader_tier_accuracy",
    ):
        assert isinstance(out[key], float), key
    assert 0 <= out["tier_mae"] <= 4


def test_eval_sentiment_newsmtsc_format_has_no_tier_figures():
    out = run_json("eval", "sentiment", "--data", str(FIXTURES / "newsmtsc-tiny.jsonl"), "--json")
    assert out["examples"] == 6  # the row without a label is skipped
    assert out["tier_accuracy"] is None and out["tier_mae"] is None
    assert out["macro_f1_3class"] >= 0.5


def test_eval_sentiment_text_output():
    result = runner.invoke(
        app, ["eval", "sentiment", "--data", str(FIXTURES / "semeval-tiny.jsonl")]
    )
    assert result.exit_code == 0
    assert "five-tier accuracy" in result.stdout and "VADER" in result.stdout


def test_ner_scoring_counts_exact_entities_only():
    rows = read_conll_jsonl(FIXTURES / "ner-tiny.jsonl")
    perfect = evaluate_tagger(lambda words: dict(rows_by_words(rows))[tuple(words)], rows)
    assert perfect.micro_f1 == 1.0
    nothing = evaluate_tagger(lambda words: ["O"] * len(words), rows)
    assert nothing.micro_f1 == 0.0 and nothing.micro.precision == 0.0


def rows_by_words(rows):
    return [(tuple(words), tags) for words, tags in rows]


def test_sentiment_metrics():
    assert macro_f1(["positive", "negative", "neutral"], ["positive", "negative", "neutral"]) == 1
    assert macro_f1(["positive", "positive"], ["negative", "negative"]) == 0
    figures = tier_figures(["very_negative", "neutral"], ["very_positive", "neutral"])
    assert figures == {"accuracy": 0.5, "mae": 2.0}


def test_holdout_split_is_deterministic_and_about_a_tenth():
    ids = [f"row-{n}" for n in range(2000)]
    share = sum(map(in_holdout, ids)) / len(ids)
    assert 0.07 < share < 0.13
    assert [in_holdout(i) for i in ids[:50]] == [in_holdout(i) for i in ids[:50]]
    rows = read_rows(FIXTURES / "newsmtsc-tiny.jsonl", holdout_only=True)
    assert all(in_holdout(r.group) for r in rows)  # split by sentence, not row


@pytest.mark.parametrize("name", ["semeval-tiny.jsonl", "newsmtsc-tiny.jsonl"])
def test_rows_parse_both_formats(name):
    rows = read_rows(FIXTURES / name)
    assert rows and all(r.label in ("negative", "neutral", "positive") for r in rows)
