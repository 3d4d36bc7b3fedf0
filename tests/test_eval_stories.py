"""`quorum eval stories`: label scoring by hand, and the command end to end on a fixture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quorum.cli import app
from quorum.evaluation.stories import Built, LabelError, Labels, score

FIXTURE = Path(__file__).parent / "fixtures" / "clustering" / "articles.jsonl"


def _built() -> Built:
    members = {"s1": ["a", "b", "c"], "s2": ["d"], "s3": ["e", "f"]}
    return Built(
        story_of={i: s for s, ids in members.items() for i in ids},
        members=members,
        sources={"s1": 2, "s2": 1, "s3": 1},
        copies=frozenset({"b", "f"}),
        span_days={"s1": 200.0, "s3": 3.0},
        dated=frozenset({"a", "b", "d", "e"}),
    )


def _labels(tmp_path: Path, rows: list[dict]) -> Labels:
    path = tmp_path / "labels.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return Labels.read(path)


def test_scores_by_hand(tmp_path):
    labels = _labels(
        tmp_path,
        [
            {"kind": "pair", "a": "a", "b": "b", "same": True},  # together, right
            {"kind": "pair", "a": "a", "b": "c", "same": False},  # together, wrong
            {"kind": "pair", "a": "c", "b": "d", "same": True},  # apart, missed
            {"kind": "pair", "a": "e", "b": "zz", "same": True},  # zz not built
            {"kind": "story", "founder": "a", "sources": 2},
            {"kind": "story", "founder": "e", "sources": 2},
            {"kind": "copy", "article": "b", "verdict": "copy"},
            {"kind": "copy", "article": "f", "verdict": "original"},
            {"kind": "copy", "article": "c", "verdict": "copy"},
            {"kind": "quote", "article": "a"},  # another eval's label: ignored
        ],
    )
    got = score(_built(), labels)
    assert got["pairs_judged"] == 3
    assert got["same_story_precision"] == pytest.approx(1 / 2)
    assert got["same_story_recall"] == pytest.approx(1 / 2)
    assert got["source_count_accuracy"] == pytest.approx(1 / 2)
    assert got["copy_precision"] == pytest.approx(1 / 2)
    assert got["copy_recall"] == pytest.approx(1 / 2)
    assert got["not_scored"] == ["pair e zz"]
    # clustered: a b c e f; s1 (3 articles) spans 200 days
    assert got["share_in_stories_over_30_days"] == pytest.approx(3 / 5)
    assert got["share_in_stories_over_180_days"] == pytest.approx(3 / 5)
    # undated: c (joined dated a, b) and f (joined dated e)
    assert got["undated_articles"] == 2
    assert got["undated_joined_dated_share"] == pytest.approx(1.0)


def test_bad_label_line_names_its_line(tmp_path):
    path = tmp_path / "labels.jsonl"
    path.write_text('{"kind": "pair", "a": "x", "b": "y", "same": true}\n{"kind": "copy"}\n')
    with pytest.raises(LabelError, match="labels.jsonl:2"):
        Labels.read(path)


def test_command_on_fixture(tmp_path):
    labels = tmp_path / "labels.jsonl"
    rows = [
        {"kind": "pair", "a": "e1-ap", "b": "e1-sfgate", "same": True},
        {"kind": "pair", "a": "e1-ap", "b": "e2-defensenews", "same": False},
        {"kind": "pair", "a": "e3-navytimes", "b": "e3-defensenews", "same": True},
        {"kind": "copy", "article": "e1-sfgate", "verdict": "copy"},
        {"kind": "story", "founder": "e2-defensenews", "sources": 2},
    ]
    labels.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = CliRunner().invoke(
        app, ["eval", "stories", "--data", str(FIXTURE), "--labels", str(labels), "--json"]
    )
    assert result.exit_code == 0, result.output
    got = json.loads(result.output.strip().splitlines()[-1])
    assert got["articles"] == 12
    assert got["pairs_judged"] == 3 and got["not_scored"] == []
    # the AP text reprinted on SFGate is one story and a copy; different events stay apart
    assert got["same_story_precision"] == 1.0
    assert got["copy_precision"] == 1.0
    assert got["source_count_accuracy"] == 1.0
    assert got["undated_articles"] == 0


def test_command_refuses_missing_data(tmp_path):
    result = CliRunner().invoke(app, ["eval", "stories", "--data", str(tmp_path / "no.jsonl")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_a_source_count_judged_over_other_members_is_not_scored(tmp_path):
    labels = _labels(
        tmp_path,
        [
            {"kind": "story", "founder": "a", "sources": 2, "members": ["a", "b", "c"]},
            {"kind": "story", "founder": "e", "sources": 1, "members": ["e"]},  # now e, f
            {"story_id": "s2", "independent_sources": 1, "members": ["d"]},
        ],
    )
    got = score(_built(), labels)
    assert got["stories_judged"] == 2 and got["source_count_accuracy"] == 1.0
    assert got["not_scored"] == ["story e (members changed)"]
