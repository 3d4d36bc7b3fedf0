"""``quorum eval summarization``: ROUGE of the key-takeaway selector against a lead baseline."""

from __future__ import annotations

from pathlib import Path

import typer

from quorum.cli.app import eval_app, fail, print_json


@eval_app.command("summarization")
def eval_summarization(
    data: Path = typer.Option(
        ..., "--data", help="Multi-News style .jsonl or .jsonl.gz (id, summary, documents)."
    ),
    limit: int = typer.Option(None, "--limit", min=1, help="Score only the first N clusters."),
    max_words: int = typer.Option(
        None,
        "--max-words",
        min=10,
        help="Word budget of both summaries (default 230: about the reference length).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    check: bool = typer.Option(
        False, "--check", help="Fail (exit 1) when a figure is below its pinned floor."
    ),
) -> None:
    """Score key takeaways with ROUGE-1/2/L F1 (0..1) beside a lead baseline of equal length."""
    # imported here: scikit-learn (TF-IDF for the takeaways) costs a second at CLI start
    from quorum.evaluation.floors import check_floors
    from quorum.evaluation.summarization import (
        DEFAULT_MAX_WORDS,
        SummarizationEvalError,
        run_summarization_eval,
    )

    max_words = max_words or DEFAULT_MAX_WORDS
    try:
        figures = run_summarization_eval(data, limit=limit, max_words=max_words)
    except SummarizationEvalError as exc:
        raise fail(str(exc)) from exc
    result = figures.as_dict()
    if as_json:
        print_json({**result, "max_words": max_words, "data": str(data)})
    else:
        typer.echo(
            f"summarization on {data.name}: {figures.clusters} clusters "
            f"({figures.skipped} skipped), budget {max_words} words, ROUGE F1 (0..1)"
        )
        typer.echo(f"{'system':<10}{'ROUGE-1':>9}{'ROUGE-2':>9}{'ROUGE-L':>9}{'words':>8}")
        typer.echo(
            f"{'takeaways':<10}{result['rouge1']:>9.4f}{result['rouge2']:>9.4f}"
            f"{result['rougeL']:>9.4f}{result['system_words']:>8.1f}"
        )
        typer.echo(
            f"{'lead':<10}{result['lead_rouge1']:>9.4f}{result['lead_rouge2']:>9.4f}"
            f"{result['lead_rougeL']:>9.4f}{result['lead_words']:>8.1f}"
        )
    if check:
        if limit is not None:
            typer.echo(
                "warning: floors were pinned on the whole file; --limit changes figures", err=True
            )
        outcome = check_floors("summarization", data, result)
        for warning in outcome.warnings:
            typer.echo(f"warning: {warning}", err=True)
        if not outcome.ok:
            for failure in outcome.failures:
                typer.secho(f"floor: {failure}", err=True, fg=typer.colors.RED)
            raise typer.Exit(1)
        typer.echo("floors: ok", err=True)
