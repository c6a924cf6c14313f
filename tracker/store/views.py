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


def _sync_hash(db: Database, name: str, digest: str) -> None:
    db.execute("INSERT INTO config_sync (name, hash, synced_at) VALUES (?, ?, ?) "
               "ON CONFLICT(name) DO UPDATE SET hash = excluded.hash, synced_at = excluded.synced_at",
               [name, digest, now()])


def sync_config(db: Database, settings: Settings, registry: Registry, rules_hash: str) -> bool:
    """Bring `units` and `site_columns` in line with config, and record the hash of the files that decide points
    (`rules_hash`, see scores.scoring_files_hash) that scoring lines are compared with; True when anything changed."""
    units, columns = config_rows(settings, registry)
    digest = _digest([units, columns])
    stored = dict(db.execute("SELECT name, hash FROM config_sync WHERE name IN ('config', 'rules')").fetchall())
    if stored.get("config") == digest and stored.get("rules") == rules_hash:
        return False
    with db.atomic():
        if stored.get("config") != digest:
            db.execute("DELETE FROM units")
            db.execute("DELETE FROM site_columns")
            if units:
                db["units"].insert_all(units)
            if columns:
                db["site_columns"].insert_all(columns)
            _sync_hash(db, "config", digest)
        if stored.get("rules") != rules_hash:
            _sync_hash(db, "rules", rules_hash)
    return True
