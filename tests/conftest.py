"""Shared fixtures: a real SQLite file per test, the project's config."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker import store
from tracker.config import DEFAULT_CONFIG_DIR, Settings, load_settings

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "xinxi.db"


@pytest.fixture
def db(db_path: Path):
    database = store.open_db(db_path)
    yield database
    database.close()


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return load_settings(DEFAULT_CONFIG_DIR, db=db_path, env={})
