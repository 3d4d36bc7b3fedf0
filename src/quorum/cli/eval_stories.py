"""``quorum eval stories``: story and source figures on real news against judged labels."""

from __future__ import annotations

from pathlib import Path

import typer

from quorum.cli.app import CONFIG_OPTION, eval_app, fail, print_json


@eval_app.command("stories")
def eval_stories(
    data: Path = typer.Option(
        ..., "--data", help="JSONL dump (id, title, text, date, source, url)."
    ),
    labels: list[Path] = typer.Option(
        [],
        "--labels",
        help="Judged labels (JSONL of pair/story/copy verdicts by dump id); repeatable.",
    ),
    in_beat: bool = typer.Option(
        False, "--in-beat", help="Cluster only in-beat articles (default: every article)."
    ),
    config: Path = CONFIG_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Build stories from a dump as the desk would and score them against judged labels."""
    from quorum.evaluation.stories import LabelError, Labels, build, score
    from quorum.settings import ConfigError, load_config

    if not data.is_file():
        raise fail(f"no such file: {data}")
    try:
        cfg = load_config(config)
        judged = Labels.read(*labels)
    except (ConfigError, LabelError, OSError) as exc:
        raise fail(str(exc)) from exc
    figures = score(build(data, cfg, in_beat_only=in_beat), judged)
    if as_json:
        print_json(figures)
        return
    for key, value in figures.items():
        if key == "not_scored":
            continue
        typer.echo(f"  {key:<36} {'-' if value is None else value}")
    if figures["not_scored"]:
        typer.echo(f"  not scored (not in the build): {len(figures['not_scored'])}")
        for item in figures["not_scored"][:20]:
            typer.echo(f"    {item}")
