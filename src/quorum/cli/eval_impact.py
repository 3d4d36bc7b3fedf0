"""``quorum eval impact``: impact scores on real news against hand-judged verdicts."""

from __future__ import annotations

from pathlib import Path

import typer

from quorum.cli.app import CONFIG_OPTION, eval_app, fail, print_json


@eval_app.command("impact")
def eval_impact(
    data: Path = typer.Option(
        ..., "--data", help="JSONL dump (id, title, text, date, source, url)."
    ),
    labels: Path = typer.Option(
        ..., "--labels", help="Judged impact labels (JSONL: story_founder, impact, half)."
    ),
    config: Path = CONFIG_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Share of judged stories whose impact is within 1.5 points of the verdict, per half."""
    from quorum.evaluation.impact import ImpactLabelError, assemble_dump, evaluate, read_labels
    from quorum.settings import ConfigError, load_config

    if not data.is_file():
        raise fail(f"no such file: {data}")
    try:
        cfg = load_config(config)
        judged = read_labels(labels)
    except (ConfigError, ImpactLabelError, OSError) as exc:
        raise fail(str(exc)) from exc
    figures = evaluate(assemble_dump(data, cfg), judged, cfg)
    if as_json:
        print_json(figures)
        return
    for half in ("tune", "heldout", "all"):
        f = figures[half]
        typer.echo(
            f"  {half:<8} judged {f['judged']:>3}  agreement within 1.5 "
            f"{'-' if f['agreement'] is None else f['agreement']:<7} mean abs error "
            f"{'-' if f['mean_abs_error'] is None else f['mean_abs_error']}"
        )
    if figures["not_scored"]:
        typer.echo(f"  not scored (founder not in the build): {len(figures['not_scored'])}")
