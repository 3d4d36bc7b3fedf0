"""``quorum eval dates``: time expressions found and resolved, scored as TempEval-3 Task A."""

from __future__ import annotations

from pathlib import Path

import typer

from quorum.cli.app import eval_app, fail, print_json
from quorum.cli.eval_enrich import DATA_OPTION, _report_check

FIGURES = ("strict_f1", "relaxed_f1", "value_accuracy", "value_f1")


@eval_app.command("dates")
def eval_dates(
    data: Path = DATA_OPTION,
    as_json: bool = typer.Option(False, "--json", help="One JSON object instead of lines."),
    corpus: str = typer.Option(
        "", "--corpus", help="Score only the documents of one corpus (e.g. TimeBank, AQUAINT)."
    ),
    predictions: Path | None = typer.Option(
        None, "--predictions", help="Write the found timexes, one JSON line per document."
    ),
    check: bool = typer.Option(
        False,
        "--check",
        help="Fail when below the pinned floors (keys '<figure>' for the whole file and "
        "'<corpus>.<figure>' for each pinned corpus; all are run).",
    ),
) -> None:
    """Strict/relaxed span F1, value accuracy and Value F1 of time expressions (TempEval-3)."""
    from quorum.enrich.timex import find_timexes
    from quorum.evaluation.dates import evaluate, read_docs

    if not data.is_file():
        raise fail(f"no such file: {data}")
    docs = read_docs(data, corpus or None)
    if not docs:
        raise fail(f"{data}: no usable documents (need doc_id, dct, text, timexes)")
    out = evaluate(docs, find_timexes, predictions)
    if corpus:
        out = {"corpus": corpus, **out}
    if as_json:
        print_json(out)
    else:
        typer.echo(
            f"{data.name}{f' ({corpus})' if corpus else ''}: {out['documents']} documents, "
            f"{out['gold']} gold timexes, {out['system']} found"
        )
        typer.echo(f"strict F1 {out['strict_f1']:.4f}   relaxed F1 {out['relaxed_f1']:.4f}")
        typer.echo(
            f"value accuracy {out['value_accuracy']:.4f}   type accuracy "
            f"{out['type_accuracy']:.4f}   Value F1 {out['value_f1']:.4f}"
        )
    if check:
        from quorum.evaluation.floors import load_floors

        prefix = f"{corpus}." if corpus else ""
        figures = {f"{prefix}{k}": out[k] for k in FIGURES}
        pinned = load_floors("dates").get(data.name, {}).get("floors", {})
        for other in sorted({k.split(".")[0] for k in pinned if "." in k} - {corpus}):
            part = evaluate(read_docs(data, other), find_timexes)
            figures.update({f"{other}.{k}": part[k] for k in FIGURES})
        if corpus:
            whole = evaluate(read_docs(data), find_timexes)
            figures.update({k: whole[k] for k in FIGURES})
        _report_check("dates", data, figures)
