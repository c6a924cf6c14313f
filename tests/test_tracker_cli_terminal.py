"""The terminal speaks one language: click's own words in Chinese, one output option, one way to name an article."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tracker import store
from tracker.cli import cli, main
from tracker.cli.chinese import wrap_cells


def walk(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, command in sorted(group.commands.items()):
        out.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            out += walk(command, f"{prefix}{name} ")
    return out


COMMANDS = walk(cli)
# What click writes on its own when it is not translated.
CLICK_ENGLISH = re.compile(r"Usage|Options|Commands|Show this message|Did you mean|\[OPTIONS\]|COMMAND|\[ARGS\]|"
                           r"\b(?:TEXT|INTEGER|FLOAT|PATH|FILE|DIRECTORY|FILENAME|BOOLEAN)\b|default:|Missing|"
                           r"Error:|Try '|Got unexpected|No such|SITE=URL|RUN_ID|\bx[<>]=?\d|=x\b|env var")

GROUPS = [name for name, command in COMMANDS if isinstance(command, click.Group) and not command.invoke_without_command]
# Commands offering --format, with what they need beyond it.
FORMATTED = {name: command for name, command in COMMANDS
             if any(isinstance(p, click.Option) and "--format" in p.opts for p in command.params)}
NEEDS = {"score": ["--year", "2024"], "report": ["--year", "2024"], "assess list": ["--year", "2024"],
         "entry list": ["--year", "2024"], "review show": ["7001"], "runs show": ["1"]}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="xinxi", terminal_width=100)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("name", [""] + [n for n, _ in COMMANDS], ids=["xinxi"] + [n for n, _ in COMMANDS])
def test_help_has_no_english_from_click(name: str) -> None:
    code, out, _ = invoke(*name.split(), "--help")
    assert code == 0
    assert out.startswith(f"用法：xinxi {name}".rstrip())
    assert "选项：" in out and "显示本帮助并退出。" in out
    assert not CLICK_ENGLISH.search(out), CLICK_ENGLISH.search(out)


@pytest.mark.parametrize("name", GROUPS)
def test_a_group_without_subcommand_shows_its_help(name: str) -> None:
    code, out, err = invoke(*name.split())
    assert (code, err) == (0, "")
    assert out.startswith(f"用法：xinxi {name} [选项] 命令 [参数]...") and "命令：" in out


@pytest.mark.parametrize(("argv", "line"), [
    (("scor",), "错误：没有命令 scor（是不是要用 score？）"),
    (("review", "lst"), "错误：没有命令 lst（是不是要用 list？）"),
    (("failures", "--sit", "czgh"), "错误：没有选项 --sit（是不是要用 --site？）"),
])
def test_a_typo_gets_a_chinese_suggestion(capsys, db, db_path: Path, argv: tuple[str, ...], line: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", str(db_path), *argv])
    lines = capsys.readouterr().err.splitlines()
    assert exit_info.value.code == 2 and lines[0] == line and lines[1].startswith("用 xinxi")


@pytest.mark.parametrize("name", sorted(FORMATTED))
def test_format_json_parses_and_csv_has_a_header(xinxi, credited, db, name: str) -> None:
    credited.append({"id": 7001, "url": "http://x/7001", "date": "2024-03-01", "title": "职工运动会",
                     "columns": ["jcdt"], "unit_id": None})
    store.start_run(db, "crawl", site="czgh")   # run #1, for `runs show 1`
    command = FORMATTED[name]
    formats = next(p for p in command.params if isinstance(p, click.Option) and "--format" in p.opts).type.choices
    args = [*name.split(), *NEEDS.get(name, [])]
    assert "json" in formats, f"xinxi {name} 没有 --format json"
    json.loads(xinxi(*args, "--format", "json").stdout)
    if "csv" in formats:
        header = next(csv.reader(io.StringIO(xinxi(*args, "--format", "csv").stdout.lstrip("\ufeff"))))
        assert header and all(h.strip() for h in header)


def test_output_writes_the_file_and_json_stays_the_short_form(xinxi, db, tmp_path: Path) -> None:
    target = tmp_path / "别名.csv"
    xinxi("review", "alias", "新北工会", "xinbei")
    result = xinxi("review", "aliases", "--format", "csv", "--output", str(target))
    assert result.stdout == "" and f"已写入 {target}" in result.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert [(r["text"], r["unit_id"]) for r in rows] == [("新北工会", "xinbei")]
    assert json.loads(xinxi("review", "aliases", "--json").stdout)[0]["text"] == "新北工会"
    refused = xinxi("review", "aliases", "--format", "xlsx", ok=False)
    assert refused.exit_code == 2 and "--format xlsx 须配 --output" in refused.stderr


def test_the_output_file_name_chooses_the_format_unless_format_says(xinxi, db, tmp_path: Path) -> None:
    xinxi("review", "alias", "新北工会", "xinbei")
    xinxi("review", "aliases", "--output", str(tmp_path / "别名.csv"))
    assert next(csv.DictReader(io.StringIO((tmp_path / "别名.csv").read_text(encoding="utf-8-sig"))))["text"] == "新北工会"
    xinxi("review", "aliases", "--output", str(tmp_path / "别名.json"))
    assert json.loads((tmp_path / "别名.json").read_text(encoding="utf-8"))[0]["unit_id"] == "xinbei"
    xinxi("review", "aliases", "--output", str(tmp_path / "别名.xlsx"))
    assert (tmp_path / "别名.xlsx").read_bytes()[:2] == b"PK"
    xinxi("review", "aliases", "--format", "json", "--output", str(tmp_path / "别名.txt"))
    assert json.loads((tmp_path / "别名.txt").read_text(encoding="utf-8"))[0]["text"] == "新北工会"
    refused = xinxi("review", "aliases", "--output", str(tmp_path / "别名.pdf"), ok=False)
    assert refused.exit_code == 2 and "不认识 .pdf 文件" in refused.stderr and not (tmp_path / "别名.pdf").exists()


def test_json_carries_no_terminal_control_characters(xinxi, db) -> None:
    run_id = store.start_run(db, "crawl", site="czgh")
    store.finish_run(db, run_id, "failed", "列表页 \x1b[2J\x9b31m 出错")
    out = xinxi("runs", "--json").stdout
    assert not re.search("[\x1b\x80-\x9f]", out)
    assert json.loads(out)[0]["error"] == "列表页 [2J31m 出错"


@pytest.mark.parametrize("ref", ["czgh/7001", "7001"])
def test_an_article_is_named_with_or_without_its_site(xinxi, credited, ref: str) -> None:
    credited.append({"id": 7001, "url": "http://x/7001", "date": "2024-03-01", "title": "职工运动会",
                     "columns": ["jcdt"], "unit_id": None})
    assert "已将 czgh/7001《职工运动会》改判为经验类、总结类" in xinxi("flag", "set", ref, "--experience").stdout
    (listed,) = json.loads(xinxi("flag", "list", "--format", "json").stdout)
    assert (listed["site"], listed["id"], listed["experience"], listed["source"]) == ("czgh", 7001, True, "reviewer")
    assert "czgh/7001" in xinxi("review", "show", ref).stdout
    assert "已撤销 czgh/7001 的改判" in xinxi("flag", "clear", ref).stdout


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    return exit_info.value.code, capsys.readouterr().err


def test_a_bare_number_no_site_has_is_told_so(capsys, db, db_path: Path) -> None:
    assert run(capsys, "--db", str(db_path), "flag", "set", "99999", "--experience") == (2, "错误：没有文章 99999\n")


@pytest.mark.parametrize("argv", [
    ("crawl", "--base-url", "czgh=127.0.0.1:18765"),
    ("--base-url", "czgh=127.0.0.1:18765", "crawl"),
    ("schedule", "--once", "--base-url", "czgh=127.0.0.1:18765"),
    ("config", "show", "--base-url", "czgh=127.0.0.1:18765"),
    ("runs", "--base-url", "czgh=127.0.0.1:18765"),
])
def test_a_base_url_without_scheme_is_blamed_on_the_option(capsys, db_path: Path, argv: tuple[str, ...]) -> None:
    # One line, as click tells a bad option value, with the right form; nothing is crawled or created.
    assert run(capsys, "--db", str(db_path), *argv) == (
        2, '错误：--base-url 的值 "czgh=127.0.0.1:18765" 不对：缺少 http:// 或 https://，'
           "应写成 czgh=http://127.0.0.1:18765\n")
    assert not db_path.exists()


@pytest.mark.parametrize(("value", "why"), [
    ("czgh", "应写成 网站=地址，例如 czgh=http://127.0.0.1:8000"),
    ("czgh=ftp://127.0.0.1:21", "地址只能以 http:// 或 https:// 开头，应写成 czgh=http://127.0.0.1:21"),
    ("foo=http://127.0.0.1:8000", "没有网站 foo，可选：czgh、jsgh、jsghfw"),
    ("czgh=HTTP://127.0.0.1:8000", "地址只能以 http:// 或 https:// 开头，应写成 czgh=http://127.0.0.1:8000"),
])
def test_every_bad_base_url_reads_the_same(capsys, db_path: Path, value: str, why: str) -> None:
    for argv in (("crawl", "--base-url", value), ("config", "show", "--base-url", value)):
        assert run(capsys, "--db", str(db_path), *argv) == (2, f'错误：--base-url 的值 "{value}" 不对：{why}\n')


def test_click_notes_and_ranges_read_as_chinese(capsys) -> None:
    # The note after an option's help stays whole on one line, its range in words, without a gap after "。".
    code, out, _ = invoke("web", "--help")
    assert code == 0 and re.search(r"^ +\[默认：8000；0 到 65535\]$|。\[默认：8000；0 到 65535\]$", out, re.M)
    assert "[必填]" in invoke("user", "add", "--help")[1]
    assert run(capsys, "web", "--port", "99999") == (
        2, "错误：--port 的值无效：99999 不在允许的范围 0 到 65535 之内\n用 xinxi web --help 查看用法。\n")


def test_chinese_wraps_by_screen_columns() -> None:
    # Two columns a character; a comma stays with the character before it rather than start a line.
    assert wrap_cells("列出待审文章，附原始署名", 12) == ["列出待审文", "章，附原始署", "名"]
    assert wrap_cells("用 xinxi recrawl --url 重试。", 14) == ["用 xinxi", "recrawl --url", "重试。"]


SCORE_HELP = """\
用法：xinxi score [选项]

  按考评办法给每个单位计分：总分与各条款得分，部室的目标完成情况，辖市、区的排名。

  例如：xinxi score --year 2024 --format xlsx --output 得分-2024.xlsx

选项：
  --year 年度                     年度，例如 2024。
  --period 期间                   期间：2024Q1（季度）、2024H1（半年）或 2024-03（月）。
  --from 日期                     起始日期，例如 2024-01-01。
  --to 日期                       截止日期，例如 2024-06-30。
  --unit 单位                     只显示一个单位（编号或全称）。
  --format [table|csv|json|xlsx]  输出格式；xlsx 须配 --output。[默认：table]
  --output 文件                   写入这个文件。
  --explain 单位                  列出该单位每一分的条款与依据。
  --rules 路径                    按另一份考评办法文件计分（例如修订草案），不看其生效日期。
  --diff                          与 --rules 一起用：列出每个单位与现行办法相比的差额。
  --skipped                       列出已归属但未计分的信息及原因。
  --wide                          表格显示单位全称和每一个条款（默认用简称、按条目合并，适合 100
                                  列的窗口）。
  --config 目录                   配置目录（默认 config/）。
  --db 路径                       SQLite 数据库文件（默认见 config/settings.toml）。
  --base-url 网站=地址            把某个网站指向另一个地址，例如 czgh=http://127.0.0.1:8000（可重
                                  复）。
  -h, --help                      显示本帮助并退出。
"""


def test_help_aligns_by_display_width() -> None:
    # Chinese metavars take two columns a character: every description starts in the same screen column.
    code, out, _ = invoke("score", "--help")
    assert code == 0 and out == SCORE_HELP


@pytest.mark.parametrize("name", [n for n, c in COMMANDS if any(isinstance(p, click.Option) and "--json" in p.opts
                                                                   for p in c.params)])
def test_json_is_the_short_form_of_format(name: str) -> None:
    assert name in FORMATTED, f"xinxi {name} 有 --json 却没有 --format"


def test_a_long_first_crawl_says_how_long_before_it_starts(settings, credited) -> None:
    from tracker.cli.crawl_cmd import crawl_estimate
    from tracker.ops import runs

    assert crawl_estimate(settings, runs.CrawlRequest(sites=("czgh",))) == [
        "常州市总工会：首次完整抓取约 30,000 页，按每秒 1 次约需 8 小时；可 Ctrl-C 中断，下次从断点继续"]
    assert crawl_estimate(settings, runs.CrawlRequest(sites=("czgh",), polite=False)) == []
    credited.append({"id": 7001, "url": "http://x/7001", "date": "2024-03-01", "title": "职工运动会",
                     "columns": ["jcdt"], "unit_id": None})
    assert crawl_estimate(settings, runs.CrawlRequest(sites=("czgh",))) == []  # later crawls are incremental


def test_a_provincial_site_is_estimated_by_its_own_figure(settings, db) -> None:
    # sites.toml gives each provincial site its own size; the default 30,000 is the municipal site's.
    from tracker.cli.crawl_cmd import crawl_estimate
    from tracker.ops import runs

    sizes = {key: settings.site(key).politeness.expected_articles for key in ("jsgh", "jsghfw")}
    assert sizes == {"jsgh": 20000, "jsghfw": 10000}
    assert crawl_estimate(settings, runs.CrawlRequest(sites=("jsgh", "jsghfw"))) == [
        "江苏工会网：首次完整抓取约 20,000 页，按每秒 0.5 次约需 11 小时；可 Ctrl-C 中断，下次从断点继续",
        "江苏工会服务网：首次完整抓取约 10,000 页，按每秒 0.5 次约需 6 小时；可 Ctrl-C 中断，下次从断点继续"]


def test_replica_help_speaks_of_what_the_user_sees() -> None:
    code, out, _ = invoke("replica", "serve", "--help")
    assert code == 0 and "副本里有一篇文章故意打开得慢" in out
    assert not re.search(r"Twisted|reactor|那个慢页面", out)


@pytest.mark.parametrize("name", [""] + [n for n, _ in COMMANDS], ids=["xinxi"] + [n for n, _ in COMMANDS])
def test_no_gap_after_full_width_punctuation(name: str) -> None:
    # A docstring line broken after "、" or a click note after "。" is joined without a space (用法：xinxi, 端口、--base-url).
    code, out, _ = invoke(*name.split(), "--help")
    assert code == 0 and not re.search(r"[。，、；：？！）」』”》】] ", out), re.search(r"[。，、；：？！）」』”》】] .{0,20}", out)
