"""`quorum eval impact`: the judged labels' shape and the agreement figure."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from quorum.evaluation.impact import ImpactLabelError, agreement, read_labels

LABELS = Path(str(resources.files("quorum") / "data" / "labels" / "realnews-impact.jsonl"))


def test_labels_are_ids_and_verdicts_in_two_halves():
    labels = read_labels(LABELS)
    assert len(labels) == 40
    assert sum(v.half == "tune" for v in labels) == sum(v.half == "heldout" for v in labels)
    assert all(1 <= v.impact <= 10 and v.founder in v.members for v in labels)
    assert all(len(v.why) < 80 for v in labels)  # a few words, never article text


def test_agreement_counts_verdicts_within_tolerance():
    figures = agreement([(5.0, 6.5), (5.0, 6.6), (8.0, 8.0), (2.0, 5.0)])
    assert figures["judged"] == 4 and figures["agreement"] == 0.5
    assert figures["mean_abs_error"] == pytest.approx(1.525, abs=0.01)
    assert agreement([])["agreement"] is None


def test_a_bad_label_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"story_founder": "x", "impact": 12}\n')
    with pytest.raises(ImpactLabelError, match="bad.jsonl:1"):
        read_labels(bad)
