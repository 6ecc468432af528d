"""Penpal's own servers for end-to-end tests: its penpal.yml (with test edits), a
fresh SQLite app database, a SQL tracker store, and the project's credentials."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from penpal.db import Database, upgrade
from penpal.devstack import Stack, running_stack

PROJECT = Path(__file__).resolve().parents[2]
MODEL = Path(os.environ.get("PENPAL_TEST_MODEL", PROJECT / "models" / "penpal.tar.gz"))


def app_database_url(workdir: Path) -> str:
    return f"sqlite:///{workdir / 'penpal.db'}"


@contextmanager
def penpal_stack(
    workdir: Path,
    edit_config: Callable[[dict[str, Any]], None] = lambda config: None,
    env: dict[str, str] | None = None,
    seed: Callable[[Database], None] = lambda db: None,
) -> Iterator[Stack]:
    """Both servers with the trained model.

    ``edit_config`` changes penpal.yml and ``seed`` fills the app database
    before the servers start.
    """
    assert MODEL.exists(), "no trained model: run `make train` (or set PENPAL_TEST_MODEL)"
    config = yaml.safe_load((PROJECT / "penpal.yml").read_text())
    edit_config(config)
    (workdir / "penpal.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
    upgrade(app_database_url(workdir))
    database = Database(app_database_url(workdir))
    try:
        seed(database)
    finally:
        database.dispose()
    tracker_db = workdir / "tracker.db"
    with running_stack(
        PROJECT, MODEL, workdir / "servers",
        env={"PENPAL_CONFIG": str(workdir / "penpal.yml"),
             "PENPAL_DATABASE_URL": app_database_url(workdir),
             "PENPAL_TRACKER_STORE_URL": f"sqlite:///{tracker_db}", **(env or {})},
        credentials=PROJECT / "credentials.yml",
        tracker_store={"type": "SQL", "dialect": "sqlite", "db": str(tracker_db)},
    ) as running:
        yield running
