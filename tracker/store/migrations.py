"""The schema steps in the order they are applied, by sqlite-utils `Migrations`.

A step's name is its function's name, recorded in the database once applied: add new steps at the end of
STEPS and never rename, reorder or edit one, so that every existing database migrates the same way.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from tracker.store.schema import articles, attribution, notices, runs, scoring, users, views

STEPS = (
    articles.m001_crawl,
    runs.m004_operations,
    scoring.m003_scoring,
    attribution.m002_attribution,
    scoring.m005_assessment,
    users.m006_report_sendings,
    users.m007_users,
    notices.m020_notices,
    articles.m021_checked_records,
    views.m030_views,
    views.m031_rules_hash,
)

migrations = Migrations("xinxi")
for _step in STEPS:
    migrations()(_step)


def known_migrations() -> list[str]:
    """Names of the schema steps this program knows, in order."""
    return [m.name for m in migrations.pending(Database(memory=True))]


def unknown_migrations(db: Database) -> list[str]:
    """Schema steps recorded in the database that this program does not know (a newer version made them)."""
    known = set(known_migrations())
    return [m.name for m in migrations.applied(db) if m.name not in known]
