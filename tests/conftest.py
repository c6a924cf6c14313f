"""Shared fixtures: a real SQLite file per test, the project's config."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker import store
from tracker.config import DEFAULT_CONFIG_DIR, Settings, load_settings

FIXTURES = Path(__file__).parent / "fixtures"
PROVINCIAL_MARK = "# --- 省总工会"


def municipal_only(config_dir: Path) -> None:
    """Leave only the municipal site in a copied config folder, for tests about that site alone."""
    sites = config_dir / "sites.toml"
    text = sites.read_text(encoding="utf-8")
    assert PROVINCIAL_MARK in text
    sites.write_text(text[: text.index(PROVINCIAL_MARK)], encoding="utf-8")


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


# --- scoring: the CLI on a temp SQLite file --------------------------------------------------------


@pytest.fixture
def xinxi(db_path: Path):
    """Run `xinxi --db <temp file> ARGS…`; fails the test on a non-zero exit unless `ok=False`."""
    from click.testing import CliRunner

    from tracker.cli import cli

    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(cli, ["--db", str(db_path), *args])
        if ok:
            assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
        return result

    return run


class CreditedArticles(list):
    """Articles stored for real (save_batch) with the engine's attribution saved beside them.

    Each dict names site, id, url, date, title, subtitle, columns and unit_id (None: waiting for review);
    `store.credited_articles` then reads them back through the real SQL.
    """

    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.db_path = db_path

    def _save(self, rows: list[dict]) -> None:
        db = store.open_db(self.db_path)
        try:
            for r in rows:
                first, *others = r["columns"] or [None]
                article = {"id": r["id"], "url": r["url"], "legacy": True, "title": r["title"],
                           "subtitle": r.get("subtitle"), "date": r["date"], "column": first}
                store.save_batch(db, r.get("site", "czgh"), None, [article],
                                 listings=[(r["id"], c) for c in others])
                store.save_attributions(db, [{
                    "site": r.get("site", "czgh"), "article_id": r["id"], "unit_id": r["unit_id"],
                    "method": "source" if r["unit_id"] else None, "confidence": 1.0 if r["unit_id"] else 0.0,
                    "evidence": "来源", "suggestions": "[]", "needs_review": int(r["unit_id"] is None),
                }])
        finally:
            db.close()

    def append(self, row: dict) -> None:
        self._save([row])
        super().append(row)

    def extend(self, rows) -> None:
        rows = list(rows)
        self._save(rows)
        super().extend(rows)

    def __iadd__(self, rows):
        self.extend(rows)
        return self


@pytest.fixture
def credited(db_path: Path) -> CreditedArticles:
    """Attributed articles in the test's SQLite file; append dicts to add more."""
    return CreditedArticles(db_path)


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd); `.messages` holds every message it received."""
    import email
    import email.policy
    import socket

    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self) -> None:
            self.messages: list = []
            self.envelopes: list = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
            self.envelopes.append(envelope)
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 Message accepted for delivery"

    with socket.socket() as probe:  # aiosmtpd needs a concrete port to check it is up
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.host, inbox.port = "127.0.0.1", port
    try:
        yield inbox
    finally:
        controller.stop()
