"""Every command's help ends with one example, and every example is a command line xinxi accepts."""

from __future__ import annotations

import inspect
import re
import shlex

import click
import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.config import DEFAULT_CONFIG_DIR, load_settings
from tracker.scores.scorer import load_rulebook
from tracker.units import load_units


def walk(command: click.Command, path: str = "") -> list[tuple[str, click.Command]]:
    out = [(path, command)]
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            out += walk(sub, f"{path} {name}".strip())
    return out


COMMANDS = walk(cli)
IDS = [path or "xinxi" for path, _ in COMMANDS]
EXAMPLE = re.compile(r"^例如：(xinxi .*)$", re.M)
# Words that join two example commands on one line: "xinxi a，或 xinxi b".
JOINED = re.compile(r"，(?:或|再在另一个窗口运行)$")


def help_text(command: click.Command) -> str:
    return inspect.cleandoc(command.help or "")


def example_lines(command: click.Command) -> list[list[str]]:
    """The command lines of a help's 例如： line, split as the shell splits them."""
    lines: list[list[str]] = []
    for text in EXAMPLE.findall(help_text(command)):
        for token in shlex.split(text):
            if token == "xinxi":
                lines.append([])
            else:
                lines[-1].append(JOINED.sub("", token))
    return lines


def parse(argv: list[str]) -> click.Context:
    """Parse a command line as `xinxi` would, down to the command it names, without running anything.

    Unknown options, missing required ones, extra arguments and bad values are refused as click refuses them.
    """
    ctx = cli.make_context("xinxi", list(argv))
    while isinstance(ctx.command, click.Group):
        # Click 9 keeps all the unparsed tokens in ctx.args; click 8 keeps the subcommand's name apart.
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        if not rest:
            break
        name, sub, rest = ctx.command.resolve_command(ctx, rest)
        assert sub is not None and name is not None
        ctx = sub.make_context(name, rest, parent=ctx)
    return ctx


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_command_ends_its_help_with_an_example_of_itself(path: str, command: click.Command) -> None:
    paragraphs = help_text(command).split("\n\n")
    assert paragraphs[-1].startswith("例如：xinxi "), f"xinxi {path} 的帮助没有以例子结尾"
    assert len(EXAMPLE.findall(help_text(command))) == 1
    assert paragraphs[-1].startswith(f"例如：xinxi {path}".rstrip())
    # Shown whole on one line even in a narrow window, so that it can be copied into the shell.
    shown = CliRunner().invoke(cli, [*path.split(), "--help"], prog_name="xinxi", terminal_width=60).output
    assert f"  {paragraphs[-1]}\n" in shown


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_example_parses_as_the_command_it_shows(path: str, command: click.Command) -> None:
    lines = example_lines(command)
    assert lines
    for argv in lines:
        ctx = parse(argv)
        for option in (t.split("=")[0] for t in argv if t.startswith("--")):
            known = {o for c in (ctx, *iter_parents(ctx)) for p in c.command.params for o in p.opts + p.secondary_opts}
            assert option in known, f"{argv}: {option}"
    # The first example is of this command itself (a group's, of one of its subcommands).
    assert parse(lines[0]).command_path.startswith(f"xinxi {path}".rstrip())


def iter_parents(ctx: click.Context) -> list[click.Context]:
    out = []
    while ctx.parent is not None:
        ctx = ctx.parent
        out.append(ctx)
    return out


def test_a_wrong_example_is_refused() -> None:
    # The check above can fail: an option the command lacks, a missing required one, a subcommand that isn't.
    with pytest.raises(click.exceptions.NoSuchOption):
        parse(["crawl", "--sites", "czgh"])
    with pytest.raises(click.exceptions.MissingParameter):
        parse(["assess", "list"])
    with pytest.raises(click.exceptions.UsageError):
        parse(["review", "lst"])


# Parameters whose values name something in config/: the examples use names the office really has.
def test_examples_name_real_units_columns_sites_and_clauses() -> None:
    settings = load_settings(DEFAULT_CONFIG_DIR, env={})
    registry = load_units(settings.config_dir)
    book = load_rulebook(settings, registry=registry)
    columns = {name for site in settings.sites.values() for c in site.columns for name in (c.key, c.name)}
    checked = set()
    for path, command in COMMANDS:
        for argv in example_lines(command):
            params = parse(argv).params
            for name in ("unit", "unit_text"):
                if params.get(name):
                    registry.find(params[name])   # raises on a unit config/units.toml does not have
                    checked.add("unit")
            for column in params.get("columns") or ():
                assert column in columns, f"xinxi {path}: {column}"
                checked.add("column")
            for site in (*(params.get("sites") or ()), params.get("site")):
                if site:
                    assert site in settings.sites, f"xinxi {path}: {site}"
                    checked.add("site")
            refs = [params["article"]] if params.get("article") else list(params.get("articles_") or ())
            for ref in refs:
                assert ref.partition("/")[0] in settings.sites, f"xinxi {path}: {ref}"
                checked.add("article")
            if params.get("kind"):
                assert any(rules.find_clause(params["kind"]) for rules in book.versions), f"xinxi {path}"
                checked.add("kind")
    assert checked == {"unit", "column", "site", "article", "kind"}
