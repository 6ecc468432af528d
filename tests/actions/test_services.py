"""The action side's shared objects: one per database, built by penpal.services."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions import services
from penpal.db import Database
from penpal.services import NotMigrated


def test_the_actions_share_one_database_and_one_recommender_per_url(app_db: Database) -> None:
    assert services.database() is services.database()
    assert services.database().url == app_db.url
    assert services.recommendations() is services.recommendations()


def test_the_migration_check_refuses_a_database_without_migrations(
    config_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    monkeypatch.setenv("PENPAL_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    with pytest.raises(NotMigrated, match="penpal db upgrade"):
        services.migrated_database()
    monkeypatch.setenv("PENPAL_DATABASE_URL", sqlite_url)
    assert services.migrated_database() is services.database()
