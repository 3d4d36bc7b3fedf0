"""``quorum extract`` (pages to JSON lines) and ``quorum eval extraction`` (Fundus benchmark)."""

from __future__ import annotations

import gzip
import logging
import zlib
from pathlib import Path

import typer

from quorum.cli.app import app, eval_app, fail, print_json
from quorum.evaluation.extraction import TruthError, evaluate, load_truth
from quorum.evaluation.floors import check_floors
from quorum.extract import extract

log = logging.getLogger(__name__)


def read_html_file(path: Path) -> bytes:
    """Bytes of a page saved as ``.html`` or gzipped ``.html.gz`` (decided by the content)."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":  # gzip magic: trust the bytes over the file name
        return gzip.decompress(data)
    return data


@app.command("extract")
def extract_command(
    files: list[Path] = typer.Argument(..., help="HTML files (.html or .html.gz)."),
    url: str | None = typer.Option(None, help="Page URL, when a single file is given."),
) -> None:
    """Print one JSON object per page: path, title, text, date, author, language.

    Unreadable files are reported on stderr and skipped; the exit code is then 1.
    """
    failed = 0
    for path in files:
        try:
            page = read_html_file(path)
        except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
            typer.secho(f"error: {path}: {exc}", err=True, fg=typer.colors.RED)
            failed += 1
            continue
        result = extract(page, url if len(files) == 1 else None)
        print_json(
            {
                "path": str(path),
                "title": result.title,
                "text": result.text,
                "date": result.published.isoformat() if result.published else None,
                "author": result.author,
                "language": result.language,
            }
        )
    if failed:
        raise typer.Exit(1)


@eval_app.command("extraction")
def eval_extraction(
    html: Path = typer.Option(..., "--html", help="Directory of the pages (.html.gz)."),
    truth: Path = typer.Option(..., "--truth", help="Ground truth JSON {file: {url, body}}."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    check: bool = typer.Option(False, "--check", help="Exit 1 if below the pinned floors."),
) -> None:
    """ROUGE-LSum of extracted text against the Fundus benchmark's ground truth.

    Mean over pages, best variant over optional paragraphs, on the 0-100 scale published.
    """
    if not html.is_dir():
        raise fail(f"not a directory: {html}")
    try:
        articles = load_truth(truth)
    except TruthError as exc:
        raise fail(str(exc)) from exc
    if not articles:
        raise fail(f"{truth}: no articles in the ground truth")
    report = evaluate(html, articles, extract)
    figures = report.figures()
    if as_json:
        print_json(figures)
    else:
        typer.echo(
            f"ROUGE-LSum (x100) precision {figures['precision']:.2f}  "
            f"recall {figures['recall']:.2f}  F1 {figures['f1']:.2f}"
        )
        typer.echo(f"pages {figures['pages']}  pages/second {figures['pages_per_second']:.1f}")
        missing = [r.file for r in report.results if r.error]
        if missing:
            typer.echo(f"unreadable pages (scored 0): {', '.join(missing)}", err=True)
    if check:
        outcome = check_floors("extraction", truth, figures)
        for warning in outcome.warnings:
            typer.secho(f"warning: {warning}", err=True, fg=typer.colors.YELLOW)
        for failure in outcome.failures:
            typer.secho(f"floor: {failure}", err=True, fg=typer.colors.RED)
        if not outcome.ok:
            raise typer.Exit(1)
