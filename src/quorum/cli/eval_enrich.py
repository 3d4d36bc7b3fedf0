"""``quorum eval ner`` and ``quorum eval sentiment``: enrichment quality on public data."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from quorum.cli.app import eval_app, fail, print_json
from quorum.evaluation.floors import check_floors, load_floors

log = logging.getLogger(__name__)

DATA_OPTION = typer.Option(..., "--data", exists=False, help="JSONL file to score.")


def _report_check(eval_name: str, data: Path, figures: dict[str, float]) -> None:
    result = check_floors(eval_name, data, figures)
    for warning in result.warnings:
        typer.secho(f"warning: {warning}", err=True, fg=typer.colors.YELLOW)
    if not result.ok:
        for failure in result.failures:
            typer.secho(f"floor: {failure}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1)
    typer.echo(f"floors ok for {data.name}", err=True)


@eval_app.command("ner")
def eval_ner(
    data: Path = DATA_OPTION,
    as_json: bool = typer.Option(False, "--json", help="One JSON object instead of a table."),
    path: str = typer.Option(
        "auto", "--path", help="gazetteer | classical | spacy | auto (spaCy if installed)."
    ),
    check: bool = typer.Option(
        False,
        "--check",
        help="Fail when below the pinned floors "
        "(floor keys are '<path>.micro_f1'; each pinned path is run).",
    ),
) -> None:
    """Entity-level P/R/F1 on CoNLL-style BIO JSONL (tokens, ner_tags)."""
    from quorum.enrich.entities import NER_PATHS, EntityRecognizer
    from quorum.evaluation.ner import evaluate_tagger, read_conll_jsonl

    if path not in NER_PATHS:
        raise fail(f"--path must be one of {', '.join(NER_PATHS)}")
    if not data.is_file():
        raise fail(f"no such file: {data}")
    rows = read_conll_jsonl(data)
    if not rows:
        raise fail(f"{data}: no usable rows (need tokens and ner_tags)")
    try:
        recognizer = EntityRecognizer.load(path=path)
    except (RuntimeError, FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from exc
    result = evaluate_tagger(recognizer.tag_tokens, rows)
    out = {"path": recognizer.path, **result.as_dict()}
    if as_json:
        print_json(out)
    else:
        typer.echo(
            f"{data.name}: {result.sentences} sentences, {result.gold_entities} "
            f"entities, path {recognizer.path}"
        )
        typer.echo(f"{'type':<6} {'P':>7} {'R':>7} {'F1':>7}")
        for name, prf in result.per_type.items():
            typer.echo(f"{name:<6} {prf.precision:7.4f} {prf.recall:7.4f} {prf.f1:7.4f}")
        m = result.micro
        typer.echo(f"{'micro':<6} {m.precision:7.4f} {m.recall:7.4f} {m.f1:7.4f}")
    if check:
        figures = _ner_figures(recognizer.path, result)
        pinned = load_floors("ner").get(data.name, {}).get("floors", {})
        for other in sorted({key.split(".")[0] for key in pinned} - {recognizer.path}):
            try:
                extra = EntityRecognizer.load(path=other)
            except (RuntimeError, FileNotFoundError, ValueError) as exc:
                log.warning("floors for %s not checked: %s", other, exc)
                continue
            figures.update(_ner_figures(other, evaluate_tagger(extra.tag_tokens, rows)))
        _report_check("ner", data, figures)


def _ner_figures(path: str, result) -> dict[str, float]:
    figures = {f"{path}.micro_f1": result.micro_f1}
    for name, prf in result.per_type.items():
        figures[f"{path}.{name}_f1"] = prf.f1
    return figures


@eval_app.command("sentiment")
def eval_sentiment(
    data: Path = DATA_OPTION,
    as_json: bool = typer.Option(False, "--json", help="One JSON object instead of lines."),
    holdout: bool = typer.Option(
        False,
        "--holdout",
        help="Only the NewsMTSC rows held out from training and tuning (split by sentence).",
    ),
    model: str = typer.Option(
        "", "--model", help="minilm | classic (default: the sentiment_model setting's default)."
    ),
    stories: Path | None = typer.Option(
        None,
        "--stories",
        help="Judged story tiers (data/labels/realnews-sentiment.jsonl); --data is then the "
        "real-news dump they refer to.",
    ),
    check: bool = typer.Option(False, "--check", help="Fail when below the pinned floors."),
) -> None:
    """Three-class macro-F1 (and five-tier accuracy/MAE when labelled) beside VADER."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from quorum.enrich.sentiment import SentimentScorer
    from quorum.evaluation.sentiment import evaluate, evaluate_stories, read_rows

    if not data.is_file():
        raise fail(f"no such file: {data}")
    if stories is not None:
        out = evaluate_stories(SentimentScorer.load(model=model or None), data, stories)
        if as_json:
            print_json(out)
        else:
            for half, figures in out.items():
                typer.echo(f"{half}: {figures}")
        return
    rows = read_rows(data, holdout_only=holdout)
    if not rows:
        raise fail(
            f"{data}: no usable rows (NewsMTSC: sentence/target/label; "
            "SemEval: headline/valence/label_5)"
        )
    try:
        scorer = SentimentScorer.load(model=model or None)
    except (FileNotFoundError, KeyError, ValueError) as exc:
        raise fail(f"cannot load the sentiment model: {exc}") from exc
    vader = SentimentIntensityAnalyzer()  # the stock baseline, without Quorum's news words
    out = evaluate(
        rows,
        lambda r: scorer.score_sentence(r.text, r.target).tier,
        lambda text: vader.polarity_scores(text)["compound"],
    )
    if as_json:
        print_json(out)
    else:
        typer.echo(f"{data.name}: {out['examples']} examples")
        typer.echo(
            f"macro-F1 (3 classes): {out['macro_f1_3class']:.4f}   "
            f"VADER {out['vader_macro_f1_3class']:.4f}"
        )
        if out["tier_accuracy"] is not None:
            typer.echo(
                f"five-tier accuracy:   {out['tier_accuracy']:.4f}   "
                f"VADER {out['vader_tier_accuracy']:.4f}"
            )
            typer.echo(
                f"five-tier MAE:        {out['tier_mae']:.4f}   VADER {out['vader_tier_mae']:.4f}"
            )
    if check:
        figures = {k: v for k, v in out.items() if isinstance(v, float)}
        figures["macro_f1_margin_over_vader"] = (
            out["macro_f1_3class"] - out["vader_macro_f1_3class"]
        )
        if out["tier_accuracy"] is not None:
            figures["tier_accuracy_margin_over_vader"] = (
                out["tier_accuracy"] - out["vader_tier_accuracy"]
            )
        _report_check("sentiment", data, figures)
