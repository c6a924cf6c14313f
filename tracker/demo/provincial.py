"""The provincial half of `xinxi demo`: how the provincial items were read, and one notice confirmed."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table
from sqlite_utils import Database

from crawler.replica.hanweb.generator import ELSEWHERE, ProvincialSite
from tracker import store
from tracker.attribution.provincial import ELSEWHERE as ELSEWHERE_METHOD
from tracker.config import Settings
from tracker.units import Registry

PROVINCIAL = ("jsgh", "jsghfw")


def provincial_check(db: Database, registry: Registry, site: ProvincialSite) -> str:
    """Provincial items: credited right or wrong, other cities kept out of the queue, against the replica."""
    truth = site.by_id
    tally: Counter[str] = Counter()
    queued = {(r["site"], r["id"]) for r in store.review_queue(db)}
    for row in store.credited_articles(db):
        item = truth.get(row["id"]) if row["site"] in PROVINCIAL else None
        if item is None:
            continue
        if row["unit_id"]:
            tally["right" if registry.name_of(row["unit_id"]) == item.expected_unit else "wrong"] += 1
        elif row["method_key"] == ELSEWHERE_METHOD:
            tally["elsewhere"] += 1
        if item.scope == ELSEWHERE and (row["site"], row["id"]) in queued:
            tally["elsewhere_queued"] += 1
        elif (row["site"], row["id"]) in queued:
            tally["queued"] += 1
    return (f"省总网站稿件：归到常州单位 {tally['right']} 篇（错误 {tally['wrong']} 篇），记为外市或省里稿件"
            f" {tally['elsewhere']} 篇（其中进入审核队列 {tally['elsewhere_queued']} 篇），待人工审核 {tally['queued']} 篇。")


def confirm_one_notice(db: Database, settings: Settings, console: Console) -> int | None:
    """List the crawled notices, then confirm every proposal of the year-end ranking notice; its year."""
    from tracker.notices import decisions
    from tracker.notices.service import load_context
    from tracker.store import notices as records

    notices = records.list_notices(db)
    table = Table(title="抓到的通报（只读与信息工作有关的；读出的只是建议，确认后才计分）")
    for header in ("编号", "通报", "文号", "日期", "状态", "建议"):
        table.add_column(header)
    for n in notices:
        table.add_row(str(n["id"]), n["title"], n["doc_no"] or "—", n["date"] or "—", n["status"],
                      str(n.get("proposed") or 0))
    console.print(table)
    chosen = next((n for n in notices if "年度" in (n["title"] or "") and n.get("proposed")), None) or \
        next((n for n in notices if n.get("proposed")), None)
    if chosen is None:
        console.print("没有等待确认的建议。")
        return None
    proposals = records.list_proposals(db, notice_id=chosen["id"], status="proposed")
    # As `xinxi notice confirm --all-proposed`: proposals that cannot be confirmed yet are left waiting.
    result = decisions.confirm(db, load_context(settings, db), [p["id"] for p in proposals], by="演示",
                               lenient=True)
    made = result.made
    console.print(f"已确认通报 #{chosen['id']}《{chosen['title']}》的 {len(made)} 条建议"
                  f"（相当于 xinxi notice confirm --all-proposed {chosen['id']}），生成 {sum(map(len, made.values()))} 条计分记录"
                  + (f"；{len(result.skipped)} 条留待人工确认。" if result.skipped else "。"))
    period = chosen.get("period") or chosen.get("date") or ""
    return int(period[:4]) if period[:4].isdigit() else None
