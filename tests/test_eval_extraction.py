"""ROUGE on hand-computed cases, and ``quorum eval extraction`` end to end on tiny fixtures."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quorum.cli import app
from quorum.evaluation import extraction
from quorum.evaluation.extraction import (
    MAX_FREE_OPTIONAL,
    TruthArticle,
    TruthError,
    load_truth,
    score_article,
    shingle_f1,
    split_optional,
)
from quorum.evaluation.extraction_lopo import Config, evaluate_lopo, publisher_of
from quorum.evaluation.rouge import (
    f_measure,
    lcs_indices,
    lcs_length,
    rouge_l,
    rouge_lsum,
    rouge_n,
    tokenize,
)
from quorum.extract import ExtractOptions
from quorum.furniture import default_boilerplate

EVAL = Path(__file__).parent / "fixtures" / "extract" / "eval"


# --- ROUGE, computed by hand ---------------------------------------------------------


def test_tokenize_like_rouge_score() -> None:
    assert tokenize("U.S. Space-Force's F-35!") == ["u", "s", "space", "force", "s", "f", "35"]
    assert tokenize("Caf\u00e9 \u2013 2024") == ["caf", "2024"]  # non-ASCII letters split
    assert tokenize("") == []


def test_rouge_1_and_2() -> None:
    ref, cand = "the cat sat on the mat", "the cat on the mat"
    one = rouge_n(ref, cand, 1)  # 5 of 5 candidate unigrams match, of 6 reference ones
    assert one.precision == 1.0
    assert one.recall == pytest.approx(5 / 6)
    assert one.f1 == pytest.approx(10 / 11)
    two = rouge_n(ref, cand, 2)  # bigrams: the cat, on the, the mat match
    assert two.precision == pytest.approx(3 / 4)
    assert two.recall == pytest.approx(3 / 5)
    assert two.f1 == pytest.approx(2 / 3)


def test_rouge_n_clips_repeated_words() -> None:
    score = rouge_n("the cat", "the the the the", 1)
    assert score.precision == pytest.approx(1 / 4)
    assert score.recall == pytest.approx(1 / 2)


def test_rouge_l() -> None:
    score = rouge_l("the cat sat on the mat", "the cat on the mat")
    assert (score.precision, score.recall) == (1.0, pytest.approx(5 / 6))
    assert lcs_length(list("abcbdab"), list("bdcaba")) == 4
    assert lcs_indices(["a", "b", "c"], ["a", "c"]) == [0, 2]


def test_rouge_lsum_union_lcs_example() -> None:
    # Lin (2004), section 3.2: reference w1..w5, candidate sentences "w1 w2 w6 w7 w8" and
    # "w1 w3 w8 w9 w5"; union LCS = w1 w2 w3 w5 -> recall 4/5, precision 4/10.
    score = rouge_lsum("a b c d e", "a b f g h\na c h i e")
    assert score.recall == pytest.approx(0.8)
    assert score.precision == pytest.approx(0.4)
    assert score.f1 == pytest.approx(f_measure(0.4, 0.8))
    assert score.f1 == pytest.approx(8 / 15)


def test_rouge_lsum_blank_lines_do_not_matter_but_line_order_does() -> None:
    ref = "first line here\nsecond line there"
    assert rouge_lsum(ref, "first line here\n\n\nsecond line there").f1 == 1.0
    # Swapping two sentences keeps summary-level LCS perfect; swapping words inside does not.
    assert rouge_lsum(ref, "second line there\nfirst line here").f1 == 1.0
    assert rouge_lsum(ref, "here line first\nsecond line there").f1 < 1.0


def test_empty_texts_score_zero() -> None:
    for fn in (rouge_l, rouge_lsum, lambda r, c: rouge_n(r, c, 1)):
        assert fn("", "something").f1 == 0.0
        assert fn("something", "").f1 == 0.0
    with pytest.raises(ValueError):
        rouge_n("a", "a", 0)


# --- scoring one article ---------------------------------------------------------------


def _truth(body: list[str]) -> TruthArticle:
    pairs = [split_optional(p) for p in body]
    return TruthArticle("x.html.gz", "", tuple(p for p, _ in pairs), tuple(o for _, o in pairs))


def test_optional_paragraph_may_be_kept_or_dropped() -> None:
    truth = _truth(["alpha beta gamma", "[photo credit line]", "delta epsilon"])
    assert truth.optional == (False, True, False)
    assert score_article(truth, "alpha beta gamma\ndelta epsilon").f1 == 1.0
    assert score_article(truth, "alpha beta gamma\nphoto credit line\ndelta epsilon").f1 == 1.0
    # a required paragraph missing does cost
    assert score_article(truth, "alpha beta gamma").recall == pytest.approx(3 / 5)


def test_many_optional_paragraphs_are_capped() -> None:
    body = ["required words here"] + [f"[optional {i}]" for i in range(MAX_FREE_OPTIONAL + 4)]
    masks = list(extraction._keep_masks(_truth(body).optional))
    assert len(masks) == 2 ** (MAX_FREE_OPTIONAL + 1)
    # the paragraphs beyond the cap move together
    assert all(len({m[i] for i in range(MAX_FREE_OPTIONAL + 1, len(body))}) == 1 for m in masks)
    assert score_article(_truth(body), "required words here").f1 == 1.0


def test_load_truth_rejects_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(TruthError):
        load_truth(bad)
    bad.write_text('{"a.html.gz": {"body": "not a list"}}')
    with pytest.raises(TruthError):
        load_truth(bad)
    with pytest.raises(TruthError):
        load_truth(tmp_path / "missing.json")
    articles = load_truth(EVAL / "truth.json")
    assert [a.file for a in articles] == ["Orbit_0.html.gz", "Orbit_1.html.gz", "Wire_0.html.gz"]
    assert articles[0].optional[-1] is True


# --- the command, end to end ---------------------------------------------------------


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["eval", "extraction", *args])
    return result.exit_code, result.stdout, result.stderr


def test_eval_extraction_json() -> None:
    code, out, _ = _run("--html", str(EVAL), "--truth", str(EVAL / "truth.json"), "--json")
    assert code == 0
    figures = json.loads(out)
    assert set(figures) == {"precision", "recall", "f1", "pages", "pages_per_second"}
    assert figures["pages"] == 3
    assert figures["f1"] > 95  # 0-100 scale; these pages are clean
    assert figures["pages_per_second"] > 0


def test_eval_extraction_text_output() -> None:
    code, out, _ = _run("--html", str(EVAL), "--truth", str(EVAL / "truth.json"))
    assert code == 0
    assert "ROUGE-LSum (x100)" in out and "pages 3" in out


def test_eval_extraction_missing_page_scores_zero(tmp_path: Path) -> None:
    truth = json.loads((EVAL / "truth.json").read_text())
    truth["Gone_0.html.gz"] = {"url": "", "crawl_date": "", "body": ["some words"]}
    path = tmp_path / "truth.json"
    path.write_text(json.dumps(truth))
    code, out, err = _run("--html", str(EVAL), "--truth", str(path), "--json")
    assert code == 0
    figures = json.loads(out)
    assert figures["pages"] == 4 and figures["f1"] < 80


def test_eval_extraction_check_fails_without_pinned_floors() -> None:
    code, _, err = _run("--html", str(EVAL), "--truth", str(EVAL / "truth.json"), "--check")
    assert code == 1
    assert "no floors pinned" in err


def test_eval_extraction_bad_arguments(tmp_path: Path) -> None:
    code, _, err = _run("--html", str(tmp_path / "nope"), "--truth", str(EVAL / "truth.json"))
    assert code == 2 and "not a directory" in err
    broken = tmp_path / "t.json"
    broken.write_text("{not json")
    code, _, err = _run("--html", str(EVAL), "--truth", str(broken))
    assert code == 2 and "cannot read ground truth" in err


# --- leave one publisher out ---------------------------------------------------------

SENTENCES = [
    "The spaceplane landed at the Shuttle Landing Facility early on Tuesday after a long "
    "mission in orbit, the Space Force said in a statement issued at dawn.",
    "Officials said the vehicle carried classified payloads and a solar power experiment "
    "that converted sunlight into microwave energy for later study on the ground.",
    "The landing was the sixth for the program, which has spent more than 3,700 days in "
    "orbit across all of its flights since its first launch in 2010.",
]


ZORP = "Zorp zorp: the sponsored corner brings you offers from our partners every single week."


def _lopo_set(tmp_path: Path) -> Path:
    """Two publishers; only Alpha's pages carry a "Zorp" furniture line."""
    truth = {}
    for publisher in ("Alpha", "Beta"):
        for n in range(2):
            name = f"{publisher}_{n}.html"
            lines = (
                [*SENTENCES, "Zorp zorp sponsored corner"] if publisher == "Alpha" else SENTENCES
            )
            body = "".join(f"<p>{line}</p>" for line in lines)
            (tmp_path / name).write_text(
                f"<html><head><title>Landing {n}</title></head><body><article>{body}"
                "</article></body></html>"
            )
            truth[name] = {"url": "", "crawl_date": "", "body": SENTENCES}
    (tmp_path / "truth.json").write_text(json.dumps(truth))
    return tmp_path / "truth.json"


def test_lopo_drops_a_rule_only_the_held_out_publisher_supports(tmp_path: Path) -> None:
    bp = default_boilerplate()
    config = Config(
        ExtractOptions(),
        replace(bp, line_patterns=(*bp.line_patterns, re.compile("zorp zorp", re.I))),
    )
    truth = load_truth(_lopo_set(tmp_path))
    report = evaluate_lopo(tmp_path, truth, config, baseline=lambda page, url: "")
    scores = {p.publisher: p for p in report.publishers}
    assert set(scores) == {"Alpha", "Beta"}
    # Tuned with Alpha's pages the pattern cleans them; chosen on Beta alone it is not kept.
    assert "line_patterns:zorp zorp" in scores["Alpha"].changed
    assert "line_patterns:zorp zorp" not in scores["Beta"].changed
    assert scores["Alpha"].in_sample_f1 == 1.0
    assert scores["Alpha"].quorum_f1 < scores["Alpha"].in_sample_f1
    assert scores["Beta"].quorum_f1 == 1.0 and scores["Beta"].baseline_f1 == 0.0
    assert report.figures()["publishers"] == 2


def test_publisher_of_fundus_names() -> None:
    assert publisher_of("TheGuardian_3.html.gz") == "TheGuardian"
    assert publisher_of("Wire_0.html") == "Wire"


def test_shingle_f1_counts_furniture_and_honours_optional_paragraphs() -> None:
    truth = _truth(["one two three four five", "[six seven eight nine]"])
    assert shingle_f1(truth, "one two three four five") == 1.0
    assert shingle_f1(truth, "one two three four five\nsix seven eight nine") == 1.0
    assert shingle_f1(truth, "one two three four five\nclick here to get the app") < 1.0


def test_eval_extraction_lopo_json() -> None:
    code, out, _ = _run(
        "--html", str(EVAL), "--truth", str(EVAL / "truth.json"), "--lopo", "--json"
    )
    assert code == 0
    result = json.loads(out)
    assert [p["publisher"] for p in result["publishers"]] == ["Orbit", "Wire"]
    assert {"quorum_f1", "baseline_f1", "quorum_shingle_f1", "in_sample_f1"} <= set(result["mean"])
    assert result["mean"]["quorum_f1"] > 90
