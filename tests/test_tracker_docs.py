"""Every command has help, and every top-level command is in the README."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from tracker.cli import cli

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def walk(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, command in sorted(group.commands.items()):
        out.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            out += walk(command, f"{prefix}{name} ")
    return out


COMMANDS = walk(cli)


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_has_help(name: str, command: click.Command) -> None:
    assert (command.help or "").strip(), f"xinxi {name} 没有帮助文字"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"xinxi {name} {param.opts} 没有说明"


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_top_level_command_is_in_the_readme(name: str) -> None:
    assert f"xinxi {name}" in README
