"""``quorum eval beat``: precision/recall of the beat filter on the hand-labelled sample."""

from __future__ import annotations

from pathlib import Path

import typer

from quorum.beat import BeatScorer, BeatTermsError
from quorum.cli.app import CONFIG_OPTION, eval_app, fail, print_json
from quorum.evaluation.beat import SPLITS, BeatEvalError, packaged_labels, run_beat_eval
from quorum.settings import ConfigError, load_config


def default_data_dir() -> Path | None:
    """``../shared/data`` beside the working directory, where the development data sits."""
    candidate = Path.cwd().parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


@eval_app.command("beat")
def eval_beat(
    labels: Path = typer.Option(
        None, "--labels", help="Labels CSV (default: the packaged data/beat_labels/labels.csv)."
    ),
    data_dir: Path = typer.Option(
        None,
        "--data-dir",
        help="Folder holding the dataset files named in the labels (default: ../shared/data).",
    ),
    terms: Path = typer.Option(None, "--terms", help="Beat-terms TOML (default: packaged)."),
    threshold: float = typer.Option(None, "--threshold", help="Override `beat_threshold`."),
    split: str = typer.Option("all", "--split", help="all, tuning or held-out (for --json)."),
    errors: bool = typer.Option(False, "--errors", help="Also list misjudged articles."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    config: Path = CONFIG_OPTION,
) -> None:
    """Score the beat filter against hand labels: precision, recall, F1, accuracy."""
    if split not in SPLITS:
        raise fail(f"--split must be one of {', '.join(SPLITS)}")
    labels = labels or packaged_labels()
    data_dir = data_dir or default_data_dir()
    if data_dir is None:
        raise fail("no --data-dir given and ../shared/data does not exist")
    if not data_dir.is_dir():
        raise fail(f"data directory not found: {data_dir}")
    try:
        settings = load_config(config)
        chosen = settings.beat_threshold if threshold is None else threshold
        scorer = BeatScorer.load(terms, threshold=chosen)
        run = run_beat_eval(scorer, labels, data_dir)
    except (ConfigError, BeatTermsError, BeatEvalError) as exc:
        raise fail(str(exc)) from exc

    if as_json:
        print_json(
            {
                **run.figures(split).as_dict(),
                "split": split,
                "missing": len(run.missing),
                "labels": str(labels),
            }
        )
        return
    typer.echo(f"beat filter on {labels.name} (threshold {scorer.threshold:g})")
    typer.echo(f"{'split':<10}{'examples':>9}{'in-beat':>9}{'P':>8}{'R':>8}{'F1':>8}{'acc':>8}")
    for name in SPLITS:
        fig = run.figures(name)
        typer.echo(
            f"{name:<10}{fig.examples:>9}{fig.tp + fig.fn:>9}{fig.precision:>8.3f}"
            f"{fig.recall:>8.3f}{fig.f1:>8.3f}{fig.accuracy:>8.3f}"
        )
    if run.missing:
        typer.echo(f"{len(run.missing)} labelled article(s) not found in {data_dir}, skipped")
    if errors:
        for judged in run.errors(split):
            kind = "missed" if judged.article.label.label else "false alarm"
            top = ", ".join(f"{term} {weight:g}" for term, weight in judged.result.evidence[:5])
            typer.echo(f"{kind:<12}{judged.article.label.id:<32}{judged.result.score:>7.2f}  {top}")
