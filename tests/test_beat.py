"""The beat filter: scoring, evidence, saturation, title weight, bad input, and its eval."""

from __future__ import annotations

import gzip
import json
import math
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quorum.beat import (
    BeatScorer,
    BeatTermsError,
    normalise_for_matching,
    phrase_keys,
    plural_keys,
)
from quorum.cli import app
from quorum.evaluation.beat import (
    BeatEvalError,
    confusion,
    packaged_labels,
    read_labels,
    run_beat_eval,
    split_of,
)
from quorum.settings import SETTINGS

FIXTURES = Path(__file__).parent / "fixtures" / "beat"


@pytest.fixture(scope="module")
def scorer() -> BeatScorer:
    return BeatScorer.load()


@pytest.fixture(scope="module")
def articles() -> dict[str, dict]:
    rows = (json.loads(line) for line in (FIXTURES / "articles.jsonl").open(encoding="utf-8"))
    return {row["id"]: row for row in rows}


def _score(scorer: BeatScorer, article: dict):
    return scorer.score(article["title"], article["text"])


def _terms_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "terms.toml"
    path.write_text(body, encoding="utf-8")
    return path


# --- decisions on the fixture articles -------------------------------------------------------


def test_launch_story_is_in_beat_with_launch_evidence(scorer, articles):
    result = _score(scorer, articles["launch-1"])
    assert result.in_beat
    terms = dict(result.evidence)
    assert {"falcon 9", "spacex", "starlink", "cape canaveral"} <= terms.keys()


def test_defense_contract_is_in_beat(scorer, articles):
    result = _score(scorer, articles["contract-1"])
    assert result.in_beat
    terms = dict(result.evidence)
    assert {"pentagon", "lockheed martin", "missile defense"} <= terms.keys()


def test_sports_story_with_rockets_and_shots_is_off_beat(scorer, articles):
    result = _score(scorer, articles["sports-1"])
    assert not result.in_beat
    # The team name is recognised as the off-beat sense and counts against the article.
    assert dict(result.evidence)["houston rockets"] < 0


def test_bakery_is_off_beat_with_no_positive_evidence(scorer, articles):
    result = _score(scorer, articles["bakery-1"])
    assert not result.in_beat
    assert all(weight <= 0 for _, weight in result.evidence)


def test_borderline_veteran_bakery_scores_some_but_stays_out(scorer, articles):
    result = _score(scorer, articles["borderline-1"])
    assert 0 < result.score < scorer.threshold
    assert not result.in_beat
    assert "army" in dict(result.evidence)


# --- evidence, saturation, title weight -------------------------------------------------------


def test_evidence_sums_to_score_and_is_sorted_by_size(scorer, articles):
    result = _score(scorer, articles["contract-1"])
    assert math.isclose(sum(w for _, w in result.evidence), result.score, abs_tol=0.01)
    sizes = [abs(w) for _, w in result.evidence]
    assert sizes == sorted(sizes, reverse=True)


def test_repeated_term_saturates(scorer):
    once = scorer.score("", "The rocket.").score
    twenty = scorer.score("", " ".join(["The rocket."] * 20)).score
    assert twenty > once  # more mentions still say more...
    assert twenty < 5 * once  # ...but twenty mentions are not twenty times the evidence
    assert not scorer.score("", " ".join(["rocket"] * 20)).in_beat  # one word cannot decide


def test_title_match_counts_more_than_body_match(scorer):
    in_title = scorer.score("Pentagon statement", "A statement was issued.").score
    in_body = scorer.score("A statement", "The Pentagon issued a statement.").score
    assert in_title > in_body > 0
    factor = min(math.log2(1 + scorer.title_weight), scorer.saturation_cap or math.inf)
    expected = 3.0 * factor  # pentagon weighs 3.0
    assert math.isclose(in_title, expected, abs_tol=0.01)


def test_longest_match_wins_so_a_phrase_cancels_its_word(scorer):
    result = scorer.score("", "The Houston Rockets won again.")
    assert "rocket" not in dict(result.evidence)
    assert "houston rockets" in dict(result.evidence)


def test_spelling_variants_match_alike(scorer):
    for text in ("a cease-fire", "a ceasefire", "a cease - fire", "a Cease Fire", "ceasefires"):
        assert "cease-fire" in dict(scorer.score("", text).evidence), text


def test_regex_term_matches_designators_under_its_label(scorer):
    evidence = dict(scorer.score("", "Two F-35A jets and an f16 landed.").evidence)
    assert evidence["f-35/f-16/f-22/f-15/f-18"] > 3.0  # two mentions of one term


def test_whole_words_only(scorer):
    assert scorer.score("", "He has a nasal voice and a navyblue coat.").evidence == ()


def test_normalisation_and_keys():
    assert normalise_for_matching("People's  Liberation-Army!") == " people s liberation army "
    assert phrase_keys("cease-fire") == ("cease fire", "ceasefire")
    assert plural_keys(("missile",)) == ("missiles", "missilees")
    assert plural_keys(("f 35",)) == ()


# --- bad input -----------------------------------------------------------------------------


def test_empty_and_missing_text_score_zero(scorer):
    for title, text in (("", ""), (None, None), ("   ", "\n\t")):
        result = scorer.score(title, text)
        assert result.score == 0.0 and not result.in_beat and result.evidence == ()


def test_non_text_input_is_a_clear_error(scorer):
    with pytest.raises(TypeError, match="text must be a string"):
        scorer.score("title", b"bytes")  # type: ignore[arg-type]


def test_bad_terms_files_are_rejected_with_the_culprit(tmp_path):
    with pytest.raises(BeatTermsError, match="not valid TOML"):
        BeatScorer.load(_terms_file(tmp_path, "[[groups]\n"))
    with pytest.raises(BeatTermsError, match="appears twice"):
        BeatScorer.load(_terms_file(tmp_path, '[[groups]]\nname="a"\nterms=["nasa","NASA"]\n'))
    with pytest.raises(BeatTermsError, match="both match 'ceasefire'"):
        BeatScorer.load(
            _terms_file(tmp_path, '[[groups]]\nname="a"\nterms=["ceasefire","cease-fire"]\n')
        )
    with pytest.raises(BeatTermsError, match="bad regex"):
        BeatScorer.load(
            _terms_file(tmp_path, '[[groups]]\nname="a"\nterms=[{pattern="(", regex=true}]\n')
        )
    with pytest.raises(BeatTermsError, match="weight must be a number"):
        BeatScorer.load(
            _terms_file(tmp_path, '[[groups]]\nname="a"\nterms=[{pattern="x", weight="heavy"}]\n')
        )
    with pytest.raises(BeatTermsError, match="not found"):
        BeatScorer.load(tmp_path / "absent.toml")


def test_threshold_defaults_to_the_setting_and_can_be_overridden(tmp_path):
    default = next(s.default for s in SETTINGS if s.name == "beat_threshold")
    assert BeatScorer.load().threshold == default
    path = _terms_file(tmp_path, '[[groups]]\nname="a"\nweight=2.0\nterms=["widget"]\n')
    assert not BeatScorer.load(path, threshold=2.5).score("", "a widget").in_beat
    assert BeatScorer.load(path, threshold=2.0).score("", "a widget").in_beat


# --- evaluation --------------------------------------------------------------------------------


@pytest.fixture()
def data_dir(tmp_path: Path) -> Path:
    """The fixture datasets laid out like ../shared/data, with the cluster file gzipped."""
    root = tmp_path / "data"
    (root / "clustering").mkdir(parents=True)
    (root / "summarization").mkdir()
    shutil.copy(FIXTURES / "articles.jsonl", root / "clustering" / "articles.jsonl")
    raw = (FIXTURES / "multinews-fixture.jsonl").read_bytes()
    with gzip.open(root / "summarization" / "multinews-fixture.jsonl.gz", "wb") as fh:
        fh.write(raw)
    return root


def test_eval_end_to_end_json(data_dir):
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "beat",
            "--labels",
            str(FIXTURES / "labels.csv"),
            "--data-dir",
            str(data_dir),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert {"precision", "recall", "f1", "accuracy", "examples", "threshold"} <= figures.keys()
    assert figures["examples"] == 8
    assert figures["missing"] == 0
    assert figures["precision"] == 1.0 and figures["recall"] == 1.0
    assert figures["threshold"] == next(s.default for s in SETTINGS if s.name == "beat_threshold")


def test_eval_table_and_errors_listing(data_dir):
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "beat",
            "--labels",
            str(FIXTURES / "labels.csv"),
            "--data-dir",
            str(data_dir),
            "--threshold",
            "0.5",
            "--errors",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "held-out" in result.output and "tuning" in result.output
    # At threshold 0.5 the veteran's bakery becomes a false alarm and is listed.
    assert "false alarm" in result.output and "borderline-1" in result.output


def test_eval_reports_missing_ids_and_bad_dirs(data_dir, tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("dataset,id,label\narticles.jsonl,launch-1,1\narticles.jsonl,nope,0\n")
    run = run_beat_eval(BeatScorer.load(), labels, data_dir)
    assert [m.id for m in run.missing] == ["nope"]
    assert run.figures().examples == 1
    result = CliRunner().invoke(
        app, ["eval", "beat", "--labels", str(labels), "--data-dir", str(tmp_path / "absent")]
    )
    assert result.exit_code == 2
    assert "not found" in result.output


def test_read_labels_rejects_bad_rows(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("dataset,id,label\nx.jsonl,a,yes\n")
    with pytest.raises(BeatEvalError, match="label must be 0 or 1"):
        read_labels(bad)
    bad.write_text("dataset,id,label\nx.jsonl,a,1\nx.jsonl,a,0\n")
    with pytest.raises(BeatEvalError, match="labelled twice"):
        read_labels(bad)
    bad.write_text("dataset,id\nx.jsonl,a\n")
    with pytest.raises(BeatEvalError, match="missing column"):
        read_labels(bad)


def test_split_is_deterministic_and_uses_both_halves():
    ids = [f"doc-{i}" for i in range(50)]
    first = [split_of("d.jsonl", i) for i in ids]
    assert first == [split_of("d.jsonl", i) for i in ids]
    assert set(first) == {"tuning", "held-out"}


def test_confusion_figures():
    figures = confusion([(True, True), (True, False), (False, True), (False, False)], 4.0)
    assert (figures.precision, figures.recall, figures.accuracy) == (0.5, 0.5, 0.5)
    assert figures.as_dict()["examples"] == 4


def test_packaged_labels_are_balanced_enough_to_measure():
    labels = read_labels(packaged_labels())
    on_beat = sum(label.label for label in labels)
    assert len(labels) >= 300 and on_beat >= 100 and len(labels) - on_beat >= 100
    assert {label.split for label in labels} == {"tuning", "held-out"}
