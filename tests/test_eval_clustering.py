"""Clustering metrics on hand-computed cases, dataset loading and the eval CLI end to end."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quorum.cli import app
from quorum.evaluation.cluster_metrics import bcubed, pairwise, score_clustering
from quorum.evaluation.clustering import (
    DatasetError,
    arrival_order,
    batch_baseline,
    load_dataset,
)
from quorum.evaluation.floors import load_floors

FIXTURE = Path(__file__).parent / "fixtures" / "clustering" / "articles.jsonl"
KEYS = {
    "bcubed_precision",
    "bcubed_recall",
    "bcubed_f1",
    "pairwise_precision",
    "pairwise_recall",
    "pairwise_f1",
    "ami",
    "clusters_predicted",
    "clusters_gold",
    "articles_per_second",
    "baseline_bcubed_f1",
}


def test_bcubed_by_hand():
    # gold {1,2} {3,4}; predicted {1,2,3} {4}
    b3 = bcubed(["a", "a", "b", "b"], ["x", "x", "x", "y"])
    # precision: 2/3, 2/3, 1/3, 1 -> 8/3 / 4; recall: 1, 1, 1/2, 1/2 -> 3 / 4
    assert b3.precision == pytest.approx(2 / 3)
    assert b3.recall == pytest.approx(3 / 4)
    assert b3.f1 == pytest.approx(2 * (2 / 3) * (3 / 4) / (2 / 3 + 3 / 4))


def test_pairwise_by_hand():
    pw = pairwise(["a", "a", "b", "b"], ["x", "x", "x", "y"])
    # predicted pairs 12 13 23 (3), gold pairs 12 34 (2), both: 12
    assert pw.precision == pytest.approx(1 / 3)
    assert pw.recall == pytest.approx(1 / 2)


def test_singletons_and_perfect_clustering():
    perfect = score_clustering(["a", "a", "b"], [7, 7, 9])
    assert perfect.bcubed_f1 == pytest.approx(1.0)
    assert perfect.pairwise_f1 == pytest.approx(1.0)
    assert perfect.ami == pytest.approx(1.0)
    assert (perfect.clusters_predicted, perfect.clusters_gold) == (2, 2)
    split = score_clustering(["a", "a", "a"], [1, 2, 3])
    assert split.bcubed_precision == pytest.approx(1.0)
    assert split.bcubed_recall == pytest.approx(1 / 3)
    assert split.pairwise_precision == 1.0 and split.pairwise_recall == 0.0
    with pytest.raises(ValueError):
        bcubed(["a"], [1, 2])


def test_multinews_rows_become_articles_of_one_story(tmp_path):
    path = tmp_path / "mn.jsonl.gz"
    rows = [
        {
            "id": "c1",
            "documents": [
                "First text about a launch.",
                "",
                "Irrelevant page.",
                "Second text about the launch.",
            ],
            "mnp_irrelevant_doc_indices": [2],
        },
        {
            "id": "c2",
            "documents": json.dumps(["A text stored as a JSON string."]),
            "mnp_irrelevant_doc_indices": [],
        },
    ]
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    items = load_dataset(path)
    assert [(it.key, it.gold) for it in items] == [("c1#0", "c1"), ("c1#3", "c1"), ("c2#0", "c2")]
    assert all(it.article.published is None for it in items)


def test_bad_datasets_give_clear_errors_or_logged_skips(tmp_path, caplog):
    with pytest.raises(DatasetError, match="no such file"):
        load_dataset(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "text": "x"}\nnot json\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(DatasetError, match="no usable articles"):
        load_dataset(bad)
    assert "missing field(s) cluster" in caplog.text
    good = '{"id": "2", "text": "A launch.", "cluster": "c"}\n'
    bad.write_text(good + "not json\n", encoding="utf-8")
    assert [it.key for it in load_dataset(bad)] == ["2"]  # the broken line is skipped


def test_date_order_puts_undated_last_in_file_order(tmp_path):
    path = tmp_path / "d.jsonl"
    rows = [
        {"id": "u1", "text": "a", "cluster": "1", "date": None},
        {"id": "d2", "text": "b", "cluster": "1", "date": "2020-01-02"},
        {"id": "u3", "text": "c", "cluster": "1", "date": None},
        {"id": "d4", "text": "d", "cluster": "1", "date": "2020-01-01"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    items = load_dataset(path)
    assert [items[i].key for i in arrival_order(items, "date")] == ["d4", "d2", "u1", "u3"]
    assert [items[i].key for i in arrival_order(items, "file")] == ["u1", "d2", "u3", "d4"]


def test_batch_baseline_finds_the_fixture_events():
    items = load_dataset(FIXTURE)
    scores = score_clustering([it.gold for it in items], batch_baseline(items))
    assert scores.clusters_predicted == 4


def test_cli_json_end_to_end():
    result = CliRunner().invoke(app, ["eval", "clustering", "--data", str(FIXTURE), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(figures) == KEYS
    assert figures["clusters_gold"] == 4
    assert figures["bcubed_f1"] == pytest.approx(1.0)
    assert figures["baseline_bcubed_f1"] == pytest.approx(1.0)


def test_cli_text_and_check_without_pinned_floors():
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "clustering",
            "--data",
            str(FIXTURE),
            "--order",
            "file",
            "--check",
            "--no-baseline",
        ],
    )
    assert "B-cubed" in result.stdout
    assert result.exit_code == 1  # no floors are pinned for the fixture file


def test_cli_rejects_bad_arguments(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["eval", "clustering", "--data", str(FIXTURE), "--order", "random"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["eval", "clustering", "--data", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2


def test_pinned_floors_sit_below_what_was_measured():
    pinned = load_floors("clustering")
    assert {"ecbplus-train.jsonl", "ecbplus-dev.jsonl", "multinews-validation.jsonl.gz"} <= set(
        pinned
    )
    for entry in pinned.values():
        assert len(entry["sha256"]) == 64
        for key, floor in entry["floors"].items():
            assert key in KEYS
            assert floor <= entry["measured"][key]
