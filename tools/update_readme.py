"""Regenerate the README's settings table and command reference from the code.

Run ``python tools/update_readme.py`` after adding a setting or a command;
``tests/test_docs.py`` fails while the README is out of date.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click
import typer

from quorum.cli import app
from quorum.settings import settings_markdown

README = Path(__file__).resolve().parent.parent / "README.md"


def commands_markdown() -> str:
    """One row per command (sub-commands of groups included) with its one-line help."""
    root = typer.main.get_command(app)
    rows = ["| command | what it does |", "| --- | --- |"]

    def walk(cmd: click.Command, prefix: str) -> None:
        if hasattr(cmd, "commands"):  # a group (typer vendors its own click)
            for name in sorted(cmd.commands):
                walk(cmd.commands[name], f"{prefix} {name}".strip())
            return
        params = " ".join(
            (p.name or "").upper() if p.param_type_name == "argument" else "" for p in cmd.params
        ).strip()
        first = (cmd.help or "").strip().splitlines()[0] if cmd.help else ""
        rows.append(f"| `quorum {prefix}{(' ' + params) if params else ''}` | {first} |")

    walk(root, "")
    return "\n".join(rows)


def render(text: str) -> str:
    for marker, body in (
        ("settings-table", settings_markdown()),
        ("commands", commands_markdown()),
    ):
        text = re.sub(
            rf"(<!-- {marker}:start -->\n).*?(<!-- {marker}:end -->)",
            lambda m, body=body: m.group(1) + body + "\n" + m.group(2),
            text,
            flags=re.S,
        )
    return text


if __name__ == "__main__":
    current = README.read_text(encoding="utf-8")
    updated = render(current)
    if "--check" in sys.argv:
        sys.exit(0 if updated == current else 1)
    README.write_text(updated, encoding="utf-8")
