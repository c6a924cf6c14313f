"""The `xinxi` command: a thin skin over the tracker library.

The group and what every command shares are in app.py; each sibling *_cmd module registers its commands
on that group when imported here.
"""

from tracker.cli import (  # noqa: F401 - importing a module registers its commands
    assess_cmd,
    config_cmd,
    crawl_cmd,
    datasette_cmd,
    demo_cmd,
    entry_cmd,
    notice_cmd,
    ops_cmd,
    replica_cmd,
    report_cmd,
    review_cmd,
    score_cmd,
    user_cmd,
    web_cmd,
)
from tracker.cli.app import AppContext, cli, database_problem, main, shown_time, with_settings

__all__ = ["AppContext", "cli", "database_problem", "main", "shown_time", "with_settings"]
