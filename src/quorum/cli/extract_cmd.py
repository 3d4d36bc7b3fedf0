"""``quorum extract`` (pages to JSON lines) and ``quorum eval extraction`` (Fundus benchmark)."""

from __future__ import annotations

import gzip
import logging
import zlib
from pathlib import Path

import typer

from quorum.cli.app import app, eval_app, fail, print_json
from quorum.evaluation.extraction import TruthError, evaluate, load_truth
from quorum.evaluation.extraction_lopo import LopoReport, evaluate_lopo
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
    lopo: bool = typer.Option(
        False,
        "--lopo",
        help="Leave one publisher out: rules chosen on the other publishers, per-publisher "
        "F1 beside trafilatura (include_comments=False, favor_precision=True).",
    ),
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
    if lopo:
        _print_lopo(evaluate_lopo(html, articles), as_json)
        return
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


def _print_lopo(report: LopoReport, as_json: bool) -> None:
    """Per-publisher held-out F1 (x100) of Quorum and of the trafilatura baseline."""
    if as_json:
        print_json(
            {
                "mean": report.figures(),
                "publishers": [
                    {
                        "publisher": p.publisher,
                        "pages": p.pages,
                        "quorum_f1": round(100 * p.quorum_f1, 2),
                        "baseline_f1": round(100 * p.baseline_f1, 2),
                        "quorum_shingle_f1": round(100 * p.quorum_shingle_f1, 2),
                        "baseline_shingle_f1": round(100 * p.baseline_shingle_f1, 2),
                        "in_sample_f1": round(100 * p.in_sample_f1, 2),
                        "changed": list(p.changed),
                    }
                    for p in report.publishers
                ],
            }
        )
        return
    typer.echo("held-out publisher   pages  Quorum  trafilatura  (4-gram F1: Quorum  trafilatura)")
    for p in report.publishers:
        typer.echo(
            f"{p.publisher:20} {p.pages:5}  {100 * p.quorum_f1:6.2f}  {100 * p.baseline_f1:11.2f}"
            f"  {100 * p.quorum_shingle_f1:20.2f}  {100 * p.baseline_shingle_f1:11.2f}"
        )
    figures = report.figures()
    typer.echo(
        f"mean over {figures['publishers']} publishers: ROUGE-LSum F1 Quorum "
        f"{figures['quorum_f1']:.2f}, trafilatura {figures['baseline_f1']:.2f}; 4-gram F1 "
        f"Quorum {figures['quorum_shingle_f1']:.2f}, trafilatura "
        f"{figures['baseline_shingle_f1']:.2f} (Quorum tuned on all: {figures['in_sample_f1']:.2f})"
    )
