"""click's own words in Chinese, and help pages laid out by display width.

click asks gettext for every text it shows (`Usage:`, `Options`, "Did you mean", missing and extra
arguments). `install()` points click's gettext at the table below, once, so every command speaks Chinese
without each one repeating it. `XinxiCommand` and `XinxiSubGroup` lay help out by the width a character
takes on screen (a Chinese character takes two columns; click counts one) and name metavars in Chinese.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import click
from rich.cells import cell_len

# click's message ids (as in click's source) and what the office reads instead.
MESSAGES = {
    "%(prog)s, version %(version)s": "%(prog)s 版本 %(version)s",
    "(dynamic)": "（动态）",
    "Aborted!": "已取消。",
    "Argument {name!r} takes {nargs} values.": "参数 {name} 需要 {nargs} 个值。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Commands": "命令",
    "Confirm the action without prompting.": "不再询问，直接确认。",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”：{message}",
    "Do you want to continue?": "是否继续？",
    "Error: {message}": "错误：{message}",
    "Error: invalid input": "错误：输入无效",
    "Error: The two entered values do not match.": "错误：两次输入不一致。",
    "Repeat for confirmation": "再输入一次以确认",
    "Press any key to continue...": "按任意键继续……",
    "Invalid start character for option ({option})": "选项的开头字符无效（{option}）",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Missing argument": "缺少参数",
    "Missing command.": "缺少命令。",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "No such command {name!r}.": "没有命令 {name}",
    "No such option {name!r}.": "没有选项 {name}",
    "Option {name!r} does not take a value.": "选项 {name} 不带值。",
    "Options": "选项",
    "Positional arguments": "参数",
    "Show the version and exit.": "显示版本号并退出。",
    "Show this message and exit.": "显示本帮助并退出。",
    "Try '{command} {option}' for help.": "用 {command} {option} 查看用法。",
    "Usage:": "用法：",
    "Value must be an iterable.": "应为一组值。",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "deprecated": "已停用",
    "directory": "目录",
    "file": "文件",
    "path": "路径",
    "required": "必填",
    "unknown error": "未知错误",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在",
    "{name} {filename!r} is a directory.": "{name}“{filename}”是目录，不是文件",
    "{name} {filename!r} is a file.": "{name}“{filename}”是文件，不是目录",
    "{name} {filename!r} is not executable.": "{name}“{filename}”不可执行",
    "{name} {filename!r} is not readable.": "{name}“{filename}”不可读",
    "{name} {filename!r} is not writable.": "{name}“{filename}”不可写",
    "{value!r} is not a valid UUID.": "“{value}”不是有效的 UUID",
    "{value!r} is not a valid {number_type}.": "“{value}”不是{number_type}",
    "{value} is not in the range {range}.": "{value} 不在允许的范围 {range} 之内",
    "{value!r} is not a valid boolean. Recognized values: {states}": "“{value}”不是是/否值，可写：{states}",
}

# (singular, plural) message ids and their one Chinese form.
PLURALS = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): "多余的参数：{args}",
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        "需要 {nargs} 个值，实际给了 {len} 个。",
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        "（是不是要用 {possibilities}？）",
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        "选项 {name} 需要 {nargs} 个值。",
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): "“{value}”不是可选值之一：{choices}",
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."):
        "“{value}”不符合日期格式 {formats}",
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."): "需要 {len_type} 个值，实际给了 {len_value} 个。",
}

# Names click gives value types, as the metavar or in "is not a valid {number_type}".
TYPE_WORDS = {"integer": "整数", "float": "数字", "text": "文字", "path": "路径", "directory": "目录",
              "file": "文件", "filename": "文件", "boolean": "是或否", "datetime": "日期时间", "uuid": "UUID",
              "integer range": "整数", "float range": "数字"}

# Arguments named in English in the code, as their help shows them.
ARGUMENT_WORDS = {"unit": "单位", "path": "路径", "file": "文件", "files": "文件", "text": "文字", "period": "期间",
                  "name": "名字", "run_id": "运行编号"}

# Text options whose value is a thing with a name (a date, a site): the help says what to write, not "文字".
OPTION_WORDS = {"since": "日期", "until": "日期", "day": "日期", "site": "网站", "sites": "网站", "column": "栏目",
                "columns": "栏目", "unit": "单位", "by": "姓名", "reason": "理由", "note": "备注", "urls": "地址",
                "kind": "类别", "title": "标题", "evidence": "依据", "issuer": "发文单位", "host": "地址"}

CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types", "utils",
                 "shell_completion")


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    chinese = PLURALS.get((singular, plural))
    if chinese is None:
        return singular if n == 1 else plural
    # Chinese has one form; the singular call fills {possibility}, {choice}, {format} and no {len}.
    return (chinese.replace("{possibilities}", "{possibility}" if n == 1 and "possibility}" in singular
                            else "{possibilities}")
            .replace("{choices}", "{choice}" if n == 1 and "{choice}" in singular else "{choices}")
            .replace("{formats}", "{format}" if n == 1 and "{format}" in singular else "{formats}")
            .replace("{len}", "1" if n == 1 and "{len}" not in singular else "{len}"))


_installed = False


def install() -> None:
    """Point click's gettext at the Chinese table (idempotent)."""
    global _installed
    if _installed:
        return
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
    click.types._NumberRangeBase._describe_range = _range_in_words  # type: ignore[method-assign]
    click.types.Choice.get_invalid_choice_message = _choice_refused  # type: ignore[method-assign]
    for number_type in (click.types.IntParamType, click.types.FloatParamType):
        number_type.name = TYPE_WORDS[number_type.name]
    _installed = True


# A run of spaces, click's short bracketed note ([默认：20]) kept whole, a Latin word, or one other character,
# each with the closing punctuation that may not start a line.
_TOKEN = re.compile(r"\s+|\[[^\[\]\n]{1,30}\]|[\x21-\x7e]+[。，、；：？！）」』”’》】]*|.[。，、；：？！）」』”’》】]*",
                    re.S)
# click's note after an option's help: "描述。  [默认：8000; 0<=x<=65535]".
_NOTE = re.compile(r"\s*\[([^\[\]]*)\]$")


def _note_in_chinese(text: str) -> str:
    """click's trailing [默认：…; 必填] note with Chinese separators and no gap after Chinese text."""
    found = _NOTE.search(text)
    if not found:
        return text
    before = text[:found.start()]
    gap = " " if before and before[-1].isascii() else ""
    return f"{before}{gap}[{found.group(1).replace('; ', '；')}]"


def _choice_refused(self: click.Choice, value: Any, ctx: click.Context | None) -> str:
    """An unknown choice, with the valid ones listed as Chinese lists them (table、csv、json)."""
    return f"“{value}”不是可选值之一：{'、'.join(map(str, self._normalized_mapping(ctx=ctx).values()))}"


def _range_in_words(self: Any) -> str:
    """A number range as the help and the refusal say it: 0 到 65535, 不小于 0."""
    low = None if self.min is None else f"{'大于' if self.min_open else '不小于'} {self.min}"
    high = None if self.max is None else f"{'小于' if self.max_open else '不大于'} {self.max}"
    if low and high and not (self.min_open or self.max_open):
        return f"{self.min} 到 {self.max}"
    return "、".join(part for part in (low, high) if part)


def wrap_cells(text: str, width: int) -> list[str]:
    """One paragraph as lines no wider than `width` screen columns; Latin words are kept whole."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text.replace("\n", " ")):
        if token.isspace():
            token = " "
            if not line:
                continue
        if line and cell_len(line) + cell_len(token) > width:
            lines.append(line.rstrip())
            line = "" if token == " " else token
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


FULL_WIDTH = "。，、；：？！（）「」『』“”‘’《》【】"


def _paragraphs(text: str) -> list[str]:
    """Paragraphs split on blank lines; lines of a paragraph joined (without a space between Chinese)."""
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        joined = ""
        for part in (p.strip() for p in block.splitlines()):
            # A space only where a Latin word meets the next line, never next to full-width punctuation.
            if joined and part and (joined[-1].isascii() or part[0].isascii()) \
                    and joined[-1] not in FULL_WIDTH and part[0] not in FULL_WIDTH:
                joined += " "
            joined += part
        out.append(joined.replace("\b", "").strip())
    return [p for p in out if p]


# How the last paragraph of every command's help starts (see tests/test_tracker_cli_examples.py).
EXAMPLE = "例如：xinxi "


class CellFormatter(click.HelpFormatter):
    """click's help formatter, measuring text by the columns it takes on screen."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        # click puts a space after "Usage:"; after a full-width colon it reads as a gap (用法： xinxi).
        prefix = f"{'':>{self.current_indent}}{MESSAGES['Usage:'] if prefix is None else prefix}"
        first = f"{prefix}{prog}"
        width = max(self.width - cell_len(first) - 1, 20)
        lines = wrap_cells(args, width) if args else []
        self.write(f"{first} {lines[0]}\n" if lines else f"{first}\n")
        for line in lines[1:]:
            self.write(f"{'':>{cell_len(first) + 1}}{line}\n")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for i, paragraph in enumerate(_paragraphs(text)):
            if i:
                self.write("\n")
            if paragraph.startswith(EXAMPLE):
                # An example is copied into the shell: one line, never broken inside a quoted value.
                self.write(f"{indent}{paragraph}\n")
                continue
            for line in wrap_cells(paragraph, max(self.width - self.current_indent, 11)):
                self.write(f"{indent}{line}\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [tuple(row) + ("",) * (2 - len(row)) for row in rows]
        first_col = min(max((cell_len(first) for first, _ in rows), default=0), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if cell_len(first) <= first_col - col_spacing:
                self.write(" " * (first_col - cell_len(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            width = max(self.width - first_col - self.current_indent - 2, 10)
            lines = [line for p in _paragraphs(_note_in_chinese(second)) for line in wrap_cells(p, width)] or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class XinxiContext(click.Context):
    formatter_class = CellFormatter


def _chinese_metavars(params: list[click.Parameter]) -> None:
    for param in params:
        if isinstance(param, click.Option) and param.metavar is None and not param.is_flag \
                and not isinstance(param.type, click.Choice):
            word = OPTION_WORDS.get(param.name or "") if param.type.name == "text" else None
            word = word or TYPE_WORDS.get(param.type.name)
            if word:
                param.metavar = word
        elif isinstance(param, click.Argument) and param.metavar is None and param.name in ARGUMENT_WORDS:
            param.metavar = ARGUMENT_WORDS[param.name] + ("..." if param.nargs != 1 else "")


class XinxiCommand(click.Command):
    """A command whose help is Chinese throughout and aligned by display width."""

    context_class = XinxiContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)
        _chinese_metavars(self.params)


class XinxiSubGroup(click.Group):
    """A command group: shows its help (exit 0) when called without a subcommand."""

    context_class = XinxiContext
    command_class = XinxiCommand
    group_class = type

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)
        _chinese_metavars(self.params)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            click.echo(ctx.get_help(), color=ctx.color)
            ctx.exit(0)
        return super().parse_args(ctx, args)


install()
