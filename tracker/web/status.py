"""Status: the last runs per site and column, open warnings, the queue, the next run, the last backup."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from tracker import store
from tracker.ops import maintenance as ops
from tracker.ops.schedule import utc_now
from tracker.web.common import column_names, get_db, loaded, office_required, settings

bp = Blueprint("status", __name__, url_prefix="/status")
KINDS = {"crawl": "抓取", "recrawl": "重新抓取", "nightly": "夜间任务", "backup": "备份"}
STATES = {"ok": "成功", "failed": "失败", "killed": "中断", "running": "进行中", "partial": "部分完成"}


@bp.route("")
@office_required
def index() -> Any:
    db = get_db()
    ops_settings = loaded()["ops"]
    st = ops.status(db, ops_settings, utc_now(), limit=20)
    names = column_names()
    per_column: dict[tuple[str, str], dict[str, Any]] = {}
    for site in settings().sites:
        for run in store.finished_site_runs(db, site, 5):
            for key, figures in run["columns"].items():
                per_column.setdefault((site, key), {**figures, "run": run})
    return render_template(
        "status.html", st=st, per_column=sorted(per_column.items()), names=names, kinds=KINDS, states=STATES,
        last_backup=store.last_run(db, "backup"), tz=ops_settings.schedule.tz,
        sites={k: s.name for k, s in settings().sites.items()},
    )
