"""`xinxi datasette-metadata`: Chinese labels and unit-name facets for browsing the database in Datasette.

Datasette is not a dependency: this only writes its metadata file (JSON, the format of Datasette 0.65).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from tracker import files, store
from tracker.cli.app import cli, with_settings
from tracker.cli.output import writing
from tracker.config import Settings
from tracker.scores.scorer import scoring_files_hash
from tracker.units import load_units

# table → (title, description, {column: label}, facets, sort column (newest first))
TABLES: dict[str, tuple[str, str, dict[str, str], list[str], str | None]] = {
    "credits": ("文章归属（已算上人工审核）", "每篇文章一行：算到哪个单位头上、怎样判断的、是否还在等人审核。",
                {"site": "网站", "id": "文章编号", "date": "发布日期", "title": "标题", "subtitle": "副标题",
                 "url": "网址", "columns": "栏目", "category": "计分类别", "unit_id": "单位编号",
                 "unit_name": "归属单位", "method": "归属方式", "decision": "人工决定", "decided_by": "决定人",
                 "decided_at": "决定时间（UTC）", "waiting": "待审核", "attributed_at": "归属时间（UTC）"},
                ["unit_name", "method", "waiting", "category"], "date"),
    "review_queue": ("待审核的文章", "归属引擎没有把握、等人确认的文章。",
                     {"site": "网站", "id": "文章编号", "date": "发布日期", "title": "标题", "subtitle": "副标题",
                      "url": "网址", "source": "来源", "source_label": "来源标签", "closing_bylines": "结尾署名",
                      "correspondents": "通讯员", "body": "正文", "evidence": "待审原因", "suggestions": "建议单位",
                      "attributed_at": "归属时间（UTC）", "columns": "栏目", "suggested_unit_id": "首选建议单位编号",
                      "suggested_unit_name": "首选建议单位"},
                     ["suggested_unit_name", "site"], "date"),
    "adoptions": ("计分行", "每一分的依据：最近一次按整年计分时写下；current 为 0 表示之后数据已变，需重新计分。",
                  {"year": "年度", "unit_id": "单位编号", "unit_name": "单位", "clause_id": "条款编号",
                   "clause_name": "条款", "points": "分值", "evidence_id": "依据编号", "site": "网站",
                   "article_id": "文章编号", "entry_id": "录入编号", "date": "日期", "title": "标题",
                   "evidence": "依据", "rules_id": "规则版本", "note": "备注", "scored_at": "计分时间（UTC）",
                   "scored_at_change": "计分时的改动计数", "current": "是否最新"},
                  ["year", "unit_name", "clause_name"], "date"),
    "unit_totals": ("单位各条款小计", "单位 × 年度 × 条款的条数与分数，来自计分行。",
                    {"year": "年度", "unit_id": "单位编号", "unit_name": "单位", "kind": "类别",
                     "clause_id": "条款编号", "clause_name": "条款", "lines": "条数", "points": "分数",
                     "current": "是否最新"},
                    ["year", "unit_name", "clause_name"], None),
    "units": ("单位", "config/units.toml 中的单位。",
              {"id": "单位编号", "name": "正式名称", "kind": "类别（district 辖市区 / department 部室）",
               "target": "年度目标分值", "valid_from": "起始日期", "valid_to": "截止日期", "position": "排列顺序",
               "email": "邮箱"}, ["kind"], None),
    "site_columns": ("栏目", "config/sites.toml 中的栏目与计分类别。",
                     {"site": "网站", "column_key": "栏目键", "site_name": "网站名称", "name": "栏目名称",
                      "category": "计分类别"}, ["site", "category"], None),
    "articles": ("文章（原始字段）", "抓取到的原文，按页面原样保存。",
                 {"site": "网站", "id": "文章编号", "url": "网址", "alt_url": "另一种网址", "url_form": "网址形式",
                  "title": "标题", "subtitle": "副标题", "date": "发布日期", "source": "来源",
                  "source_label": "来源标签", "closing_bylines": "结尾署名", "correspondents": "通讯员",
                  "body": "正文", "image_count": "图片数", "content_hash": "内容哈希",
                  "first_seen_at": "首次抓到（UTC）", "fetched_at": "最近抓取（UTC）", "run_id": "运行编号"},
                 ["site"], "date"),
    "article_columns": ("文章所在栏目", "文章在哪些栏目的列表页出现过。",
                        {"site": "网站", "article_id": "文章编号", "column_key": "栏目键",
                         "first_seen_at": "首次出现（UTC）", "run_id": "运行编号"}, ["column_key"], None),
    "attributions": ("归属引擎的结果", "引擎的判断（不含人工决定；要看最终归属请用 credits）。",
                     {"site": "网站", "article_id": "文章编号", "unit_id": "单位", "method": "归属方式",
                      "confidence": "把握", "evidence": "依据", "suggestions": "建议单位",
                      "needs_review": "引擎要求审核", "content_hash": "内容哈希", "attributed_at": "归属时间（UTC）"},
                     ["unit_id", "method", "needs_review"], None),
    "review_decisions": ("人工决定", "审核人员的决定，从不删除；撤销或被取代时记下时间与理由。",
                         {"id": "编号", "site": "网站", "article_id": "文章编号", "action": "决定",
                          "unit_id": "单位", "note": "备注", "decided_by": "决定人", "decided_at": "决定时间（UTC）",
                          "undone_at": "撤销时间（UTC）", "undone_by": "撤销人", "undo_reason": "撤销理由"},
                         ["action", "unit_id", "decided_by"], "decided_at"),
    "score_entries": ("手工录入", "网站抓不到的采用：批示、党政采用、约稿、信息活动、加分。",
                      {"id": "编号", "unit_id": "单位", "kind": "条款", "date": "日期", "title": "标题",
                       "evidence": "依据", "note": "备注", "source": "录入方式", "created_at": "录入时间（UTC）",
                       "created_by": "录入人", "removed_at": "删除时间（UTC）", "removed_reason": "删除理由"},
                      ["unit_id", "kind"], "date"),
    "runs": ("运行记录", "每次抓取、重抓与每晚任务。",
             {"id": "编号", "kind": "类型", "trigger": "触发方式", "site": "网站", "started_at": "开始（UTC）",
              "finished_at": "结束（UTC）", "status": "状态", "requests": "请求", "new": "新文章",
              "updated": "更新", "errors": "错误", "parse_failures": "解析失败", "error": "错误信息",
              "parent_id": "上级运行"}, ["kind", "status"], "id"),
    "run_columns": ("运行的栏目数字", "每次运行每个栏目的请求、列表页、链接、新文章、更新、错误。",
                    {"run_id": "运行编号", "site": "网站", "column_key": "栏目键", "requests": "请求",
                     "list_pages": "列表页", "links": "链接", "new": "新文章", "updated": "更新", "errors": "错误",
                     "parse_failures": "解析失败", "completed": "翻完"}, ["column_key"], "run_id"),
}


def metadata(db_name: str) -> dict[str, Any]:
    """The metadata document for a database that Datasette names `db_name` (the file name without .db)."""
    tables: dict[str, Any] = {}
    for name, (title, description, columns, facets, sort) in TABLES.items():
        entry: dict[str, Any] = {"title": title, "description": description, "columns": columns, "facets": facets}
        if sort:
            entry["sort_desc"] = sort
        tables[name] = entry
    tables["units"]["label_column"] = "name"   # unit ids shown with their names wherever a key points to units
    return {
        "title": "常州市总工会信息采用统计",
        "description": "时间以 UTC 存储（列名注明），日期为 YYYY-MM-DD。最终归属看 credits，计分看 adoptions 与 unit_totals。",
        "databases": {db_name: {"tables": tables}},
    }


@cli.command("datasette-metadata")
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="写到这个文件（默认显示在屏幕上）。")
@with_settings
def datasette_metadata(settings: Settings, output: Path | None) -> None:
    """写出 Datasette 的 metadata.json：表和列的中文说明，按单位名称分面。

    例如：xinxi datasette-metadata --output metadata.json
    """
    db = store.open_db(settings.db_path)
    try:
        # the units table names the units
        store.sync_config(db, settings, load_units(settings.config_dir), scoring_files_hash(settings))
    finally:
        db.close()
    text = json.dumps(metadata(settings.db_path.stem), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    writing(files.write_text, output, text, encoding="utf-8")
    click.echo(f"已写出 {output}（用法：datasette {settings.db_path} --metadata {output}）")
