"""`xinxi entry …` (manual adoptions with evidence and an audit trail) and `xinxi flag …` (经验类 overrides)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import click
from rich.table import Table

from scoring import year_period
from scoring.wording import quoted
from tracker import store
from tracker.attribution import review
from tracker.cli.app import by_option, cli, default_user, shown_time, with_settings
from tracker.cli.output import Output, console_for, output_options, writing
from tracker.cli.params import ARTICLE, RECORD_ID, YEAR
from tracker.config import Settings
from tracker.errors import XinxiError
from tracker.scores.entries import (
    Checker,
    EntryError,
    check_one,
    check_rows,
    exclusive,
    read_rows,
    write_template,
)
from tracker.scores.scorer import ScoringError, load_rulebook
from tracker.text import clean_tree, plain_cell, shown, strip_controls
from tracker.units import load_units

MAX_LISTED_ERRORS = 200  # a sheet with every row wrong is fixed from the first ones, not read to the end
ENTRY_HEADERS = ("编号", "单位", "类别", "日期", "标题", "依据", "备注", "录入人", "状态")


def _waiting() -> None:
    # On stdout: it is news, not an error (stderr carries the one line of an error, if one follows).
    click.echo("数据库正被另一个导入或任务写入，等它完成后再检查、导入……")


@cli.group("entry")
def entry_group() -> None:
    """手工录入网站抓不到的采用：省级以上采用与批示、约稿、信息活动、年终加分。

    例如：xinxi entry list --year 2024
    """


@entry_group.command("add")
@click.option("--unit", required=True, help="单位编号或全称。")
@click.option("--kind", required=True, help="类别：条款简称或编号（见 xinxi entry template 的说明）。")
@click.option("--date", "day", required=True, help="采用、批示或活动的日期，例如 2024-03-05。")
@click.option("--title", required=True, help="信息标题或活动名称。")
@click.option("--evidence", required=True, help="依据：文号、通报标题或网址。")
@click.option("--note", default=None, help="备注。")
@by_option
@with_settings
def entry_add(settings: Settings, unit: str, kind: str, day: str, title: str, evidence: str, note: str | None,
              by: str | None) -> None:
    """录入一条。

    例如：xinxi entry add --unit 武进区总工会 --kind 省总信息专报采用 --date 2024-04-02 --title "武进区总工会推动新就业形态劳动者入会" --evidence "省总工会信息专报第12期"
    """
    registry = load_units(settings.config_dir)
    book = load_rulebook(settings, registry=registry)
    db = store.open_db(settings.db_path)
    with exclusive(db, _waiting):  # checked against the stored entries and stored under one lock
        checker = Checker(book, registry, date.today(), store.list_entries(db))
        entry = check_one(checker, {"unit_id": unit, "kind": kind, "date": day, "title": title,
                                    "evidence": evidence, "note": note})
        (entry_id,) = store.add_entries(db, [entry], by=by or default_user())
    names = _names(settings)
    click.echo(f"已录入 #{entry_id}：{entry['date']} {names.get(entry['unit_id'], entry['unit_id'])} "
               f"{names.get(entry['kind'], entry['kind'])} {strip_controls(entry['title'])}")


def _names(settings: Settings) -> dict[str, str]:
    """Unit id → official name and clause id → short name, for messages people read."""
    registry = load_units(settings.config_dir)
    book = load_rulebook(settings, registry=registry)
    return {c.id: c.name for rules in book.versions for c in rules.clauses} | {u.id: u.name for u in registry}


@entry_group.command("list")
@click.option("--year", type=YEAR, default=None, help="只列出这一年的。")
@click.option("--unit", default=None, help="只列出这个单位的（编号或全称）。")
@click.option("--kind", default=None, help="只列出这个类别的（条款编号）。")
@click.option("--all", "include_removed", is_flag=True, help="包括已删除的。")
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "json")), default="table", show_default=True,
              help="输出格式：表格、CSV 或 JSON。")
@with_settings
def entry_list(settings: Settings, year: int | None, unit: str | None, kind: str | None, include_removed: bool,
               fmt: str) -> None:
    """列出手工录入。

    例如：xinxi entry list --year 2024 --unit 武进区总工会
    """
    db = store.open_db(settings.db_path)
    registry = load_units(settings.config_dir)
    book = load_rulebook(settings, registry=registry)
    unit_id = registry.find(unit).id if unit else None
    if kind:
        clause = next((c for rules in reversed(book.versions) if (c := rules.find_clause(kind))), None)
        if clause is None:
            raise ScoringError(f"没有类别{quoted(kind)}")
        kind = clause.id
    period = year_period(year) if year else None
    rows = store.list_entries(db, unit_id=unit_id, kind=kind, include_removed=include_removed,
                              since=period.start.isoformat() if period else None,
                              until=period.end.isoformat() if period else None)
    if fmt == "json":
        click.echo(json.dumps(clean_tree(rows), ensure_ascii=False, indent=2))
        return
    names = {u.id: u.name for u in registry}
    kinds = {c.id: c.name for rules in book.versions for c in rules.clauses}
    table_rows = [
        [str(r["id"]), names.get(r["unit_id"], r["unit_id"]), kinds.get(r["kind"], r["kind"]), r["date"], r["title"], r["evidence"],
         r["note"] or "", r["created_by"] or "", f"已删除：{r['removed_reason']}" if r["removed_at"] else "有效"]
        for r in rows
    ]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(ENTRY_HEADERS)
        writer.writerows([plain_cell(c) for c in row] for row in table_rows)
        click.echo(out.getvalue(), nl=False)
        return
    table = Table(title=f"手工录入（{len(rows)} 条）")
    for header in ENTRY_HEADERS:
        table.add_column(header, overflow="fold")
    for row in table_rows:
        table.add_row(*map(shown, row))
    console_for().print(table)


@entry_group.command("remove")
@click.argument("entry_id", type=RECORD_ID, metavar="录入编号")
@click.option("--reason", required=True, help="删除理由（记入审计记录）。")
@by_option
@with_settings
def entry_remove(settings: Settings, entry_id: int, reason: str, by: str | None) -> None:
    """删除一条录入（保留在审计记录中）。

    例如：xinxi entry remove 2 --reason "重复录入"
    """
    number = entry_id
    db = store.open_db(settings.db_path)
    entry = store.get_entry(db, number)
    if entry["removed_at"]:
        raise ScoringError(f"录入 #{number} 已于 {shown_time(entry['removed_at'], settings.timezone)} 删除：{entry['removed_reason']}")
    if not reason.strip():
        raise ScoringError("删除须写明理由（--reason）")
    store.remove_entry(db, number, reason=reason.strip(), by=by or default_user())
    click.echo(f"已删除 #{number}：{strip_controls(entry['title'])}（理由：{strip_controls(reason.strip())}）")


@entry_group.command("history")
@click.argument("entry_id", type=RECORD_ID, required=False, metavar="[录入编号]")
@with_settings
def entry_history(settings: Settings, entry_id: int | None) -> None:
    """审计记录：每条录入何时由谁录入、导入或删除，为何删除。

    例如：xinxi entry history 2
    """
    number = entry_id
    db = store.open_db(settings.db_path)
    try:
        events = store.entry_events(db, number)
    finally:
        db.close()
    if not events:
        if number is not None:
            raise XinxiError(f"没有录入 #{number}（见 xinxi entry list --all）")
        click.echo("还没有任何录入。")
        return
    actions = {"add": "录入", "import": "导入", "remove": "删除"}
    names = _names(settings)
    for event in events:
        data = json.loads(event["data"] or "{}")
        why = f"  理由：{event['reason']}" if event["action"] == "remove" else (
            f"  文件：{event['reason']}" if event["reason"] else "")
        click.echo(strip_controls(
            f"{shown_time(event['at'], settings.timezone)}  #{event['entry_id']}  {actions.get(event['action'], event['action'])}  "
            f"{event['by'] or ''}  {names.get(data.get('unit_id'), data.get('unit_id'))} "
            f"{names.get(data.get('kind'), data.get('kind'))} {data.get('title')}{why}"))


@entry_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@by_option
@with_settings
def entry_import(settings: Settings, file: Path, by: str | None) -> None:
    """从 .xlsx 或 .csv 导入：整表无误才导入，有错时一条也不导入并列出出错的行与列。

    例如：xinxi entry import 手工录入-2024.xlsx
    """
    if not file.is_file():
        where = "是一个文件夹，不是文件" if file.is_dir() else "不存在，请检查文件名和所在文件夹"
        raise ScoringError(f"{file} {where}")
    registry = load_units(settings.config_dir)
    book = load_rulebook(settings, registry=registry)
    try:
        sheet = read_rows(file)  # the slow part, before the lock
        db = store.open_db(settings.db_path)
        # One import at a time: the stored entries are read, the sheet checked against them and stored
        # under the database's write lock, so the same sheet imported twice at once is stored once.
        with exclusive(db, _waiting):
            entries = check_rows(Checker(book, registry, date.today(), store.list_entries(db)), file, sheet)
            ids = store.add_entries(db, entries, by=by or default_user(), source="import",
                                    import_file=strip_controls(file.name))
    except EntryError as exc:
        click.echo(f"错误：{exc}", err=True)
        for error in exc.errors[:MAX_LISTED_ERRORS]:
            click.echo(f"  {error}", err=True)
        if len(exc.errors) > MAX_LISTED_ERRORS:
            click.echo(f"  ……另有 {len(exc.errors) - MAX_LISTED_ERRORS} 处错误未列出（先改正以上各处再导入）", err=True)
        click.get_current_context().exit(2)
    click.echo(f"已导入 {len(ids)} 条（#{ids[0]}–#{ids[-1]}）。")


@entry_group.command("template")
@click.argument("file", type=click.Path(path_type=Path))
@with_settings
def entry_template(settings: Settings, file: Path) -> None:
    """写出待填写的 Excel 模板（含下拉选项与填写说明）。

    例如：xinxi entry template 手工录入模板.xlsx
    """
    if file.suffix.lower() != ".xlsx":
        raise ScoringError(f"模板须为 .xlsx 文件：{file}")
    registry = load_units(settings.config_dir)
    writing(write_template, file, load_rulebook(settings, registry=registry), registry, date.today())
    click.echo(f"已写出模板 {file}")


@cli.group("flag")
def flag_group() -> None:
    """经验类、总结类信息（额外加分）的人工改判。

    例如：xinxi flag set czgh/9909 --experience --reason "介绍疗休养服务的经验做法"
    """


@flag_group.command("set")
@click.argument("article", type=ARTICLE, metavar="文章")
@click.option("--experience/--not-experience", required=True, help="判为经验类、总结类，或不是。")
@click.option("--reason", default=None, help="改判理由。")
@by_option
@with_settings
def flag_set(settings: Settings, article: str, experience: bool, reason: str | None, by: str | None) -> None:
    """改判一篇文章是否为经验类、总结类信息。文章写作 网站/编号 或 编号，例如 czgh/9909 或 9909。

    例如：xinxi flag set czgh/9909 --experience --reason "介绍疗休养服务的经验做法"
    """
    db = store.open_db(settings.db_path)
    site, aid = review.resolve_article(db, article)
    row = store.get_article(db, site, aid)
    store.set_experience_flag(db, site, aid, experience, source="reviewer", by=by or default_user(), reason=reason)
    what = "经验类、总结类" if experience else "非经验类"
    click.echo(f"已将 {site}/{aid}《{strip_controls(row['title'])}》改判为{what}。")


@flag_group.command("clear")
@click.argument("article", type=ARTICLE, metavar="文章")
@with_settings
def flag_clear(settings: Settings, article: str) -> None:
    """撤销改判，恢复由关键词判定。

    例如：xinxi flag clear czgh/9909
    """
    db = store.open_db(settings.db_path)
    site, aid = review.resolve_article(db, article)
    if not store.clear_experience_flag(db, site, aid):
        raise ScoringError(f"{site}/{aid} 没有人工改判")
    click.echo(f"已撤销 {site}/{aid} 的改判。")


@flag_group.command("list")
@output_options("json", "csv", "xlsx")
@with_settings
def flag_list(settings: Settings, out: Output) -> None:
    """列出人工改判。

    例如：xinxi flag list --format csv --output 改判.csv
    """
    db = store.open_db(settings.db_path)
    flags = store.experience_flags(db)
    records = [{"site": site, "id": aid, "experience": bool(f["experience"]), "source": f["source"],
                "decided_by": f["decided_by"], "decided_at": f["decided_at"], "reason": f["reason"]}
               for (site, aid), f in sorted(flags.items())]
    if not out.table:
        out.data(records, ["site", "id", "experience", "source", "decided_by", "decided_at", "reason"])
        return
    if not flags:
        click.echo("没有人工改判。")
    for r in records:
        what = "经验类" if r["experience"] else "非经验类"
        click.echo(strip_controls(f"{r['site']}/{r['id']}  {what}  {r['source']}  {r['decided_by'] or ''}  "
                                  f"{shown_time(r['decided_at'], settings.timezone)}  {r['reason'] or ''}"))
