"""The config the views read: `units` and `site_columns` mirror config, refreshed whenever their content differs.

The views themselves (credits, review_queue, adoptions, unit_totals) are schema: tracker/store/schema/views.py.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from tracker.store.connection import now

if TYPE_CHECKING:   # config is loaded at the edge; the store only reads what it is given
    from tracker.config import Settings
    from tracker.units import Registry


def _digest(rows: Any) -> str:
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def config_rows(settings: Settings, registry: Registry) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows `units` and `site_columns` should hold for this config."""
    units = [{"id": u.id, "name": u.name, "kind": u.kind, "target": u.target,
              "valid_from": u.valid_from.isoformat() if u.valid_from else None,
              "valid_to": u.valid_to.isoformat() if u.valid_to else None, "position": i, "email": u.email}
             for i, u in enumerate(registry)]
    columns = [{"site": s.key, "column_key": c.key, "site_name": s.name, "name": c.name, "category": c.category}
               for s in settings.sites.values() for c in s.columns]
    return units, columns


def config_hash(settings: Settings, registry: Registry) -> str:
    return _digest(config_rows(settings, registry))


def sync_config(db: Database, settings: Settings, registry: Registry) -> bool:
    """Bring `units` and `site_columns` in line with config; True when they had to change."""
    units, columns = config_rows(settings, registry)
    digest = _digest([units, columns])
    row = db.execute("SELECT hash FROM config_sync WHERE name = 'config'").fetchone()
    if row and row[0] == digest:
        return False
    with db.atomic():
        db.execute("DELETE FROM units")
        db.execute("DELETE FROM site_columns")
        if units:
            db["units"].insert_all(units)
        if columns:
            db["site_columns"].insert_all(columns)
        db.execute("INSERT INTO config_sync (name, hash, synced_at) VALUES ('config', ?, ?) "
                   "ON CONFLICT(name) DO UPDATE SET hash = excluded.hash, synced_at = excluded.synced_at",
                   [digest, now()])
    return True
