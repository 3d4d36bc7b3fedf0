"""``quorum eval clustering``: story clustering quality and speed on a labelled dataset."""

from __future__ import annotations

from pathlib import Path

import typer

from quorum.cli.app import eval_app, fail, print_json


@eval_app.command("clustering")
def eval_clustering(
    data: Path = typer.Option(
        ...,
        "--data",
        help="Labelled JSONL (rows id, title, text, date, "
        "source, url, cluster) or gzipped Multi-News JSONL.",
    ),
    order: str = typer.Option(
        "date", "--order", help="Arrival order: date (undated last, in file order) or file."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    check: bool = typer.Option(
        False,
        "--check",
        help="Exit 1 when a figure is below the floor pinned in data/floors/clustering.json.",
    ),
    baseline: bool = typer.Option(
        True, "--baseline/--no-baseline", help="Also score the batch TF-IDF agglomerative baseline."
    ),
) -> None:
    """Replay a labelled dataset through the online story clusterer and score it."""
    # imported here: scikit-learn (the baseline) costs a second at every CLI start
    from quorum.evaluation.clustering import DatasetError, evaluate
    from quorum.evaluation.floors import check_floors

    if order not in ("date", "file"):
        raise fail(f"--order must be date or file, not {order!r}")
    try:
        run = evaluate(data, order=order, baseline=baseline)
    except DatasetError as exc:
        raise fail(str(exc)) from exc
    figures = run.figures()
    if as_json:
        print_json(figures)
    else:
        s = run.scores
        typer.echo(f"{data.name}: {run.articles} articles, order={order}")
        typer.echo(
            f"  B-cubed   P {s.bcubed_precision:.4f}  R {s.bcubed_recall:.4f}  F1 {s.bcubed_f1:.4f}"
        )
        typer.echo(
            f"  pairwise  P {s.pairwise_precision:.4f}  R {s.pairwise_recall:.4f}  "
            f"F1 {s.pairwise_f1:.4f}"
        )
        typer.echo(
            f"  AMI {s.ami:.4f}   clusters predicted {s.clusters_predicted}, gold {s.clusters_gold}"
        )
        typer.echo(f"  {run.articles_per_second:,.0f} articles/second")
        if run.baseline_bcubed_f1 is not None:
            typer.echo(
                f"  batch baseline (TF-IDF, average linkage) B-cubed F1 "
                f"{run.baseline_bcubed_f1:.4f}"
            )
    if check:
        result = check_floors(
            "clustering", data, {k: v for k, v in figures.items() if isinstance(v, int | float)}
        )
        for warning in result.warnings:
            typer.secho(f"warning: {warning}", err=True, fg=typer.colors.YELLOW)
        for failure in result.failures:
            typer.secho(f"floor: {failure}", err=True, fg=typer.colors.RED)
        if not result.ok:
            raise typer.Exit(1)
        typer.echo(f"floors ok for {result.dataset}", err=True)
