"""Every setting and every command is documented (datasette's rule)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import typer
from typer.testing import CliRunner

from quorum.cli import app
from quorum.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import update_readme  # noqa: E402


def all_commands() -> list[list[str]]:
    found = []

    def walk(cmd: click.Command, path: list[str]) -> None:
        found.append(path)
        if hasattr(cmd, "commands"):  # a group (typer vendors its own click)
            for name, sub in cmd.commands.items():
                walk(sub, path + [name])

    walk(typer.main.get_command(app), [])
    return found


def test_every_setting_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert setting.help.strip(), f"{setting.name} has no help text"
        assert f"`{setting.name}`" in readme, f"{setting.name} missing from README"


def test_readme_reference_sections_are_up_to_date():
    current = (ROOT / "README.md").read_text(encoding="utf-8")
    assert update_readme.render(current) == current, "run python tools/update_readme.py"


def test_every_command_has_help():
    runner = CliRunner()
    commands = all_commands()
    assert ["demo"] in commands and ["eval", "clustering"] in commands
    for path in commands:
        result = runner.invoke(app, path + ["--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage" in result.output
