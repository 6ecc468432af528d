"""Penpal's own servers for end-to-end tests: its penpal.yml (with test edits), a
fresh SQLite app database, a SQL tracker store, and the project's credentials;
and the one such stack the end-to-end modules share (``SharedPenpal``)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from penpal.catalog import import_file
from penpal.db import Database, upgrade
from penpal.events import import_source
from tests.support.devstack import Stack, running_stack
from tests.support.servers import RecordingWebhook, Relay, smtp_server

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
    relay: Relay | None = None,
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
        relay=relay,
    ) as running:
        yield running


@dataclass(frozen=True)
class SharedPenpal:
    """The one running Penpal that every end-to-end module able to share it talks to.

    The demo catalogue and events are imported; handoff requests go to ``webhook``;
    newsletter mail to the SMTP server whose (port, inbox) is ``smtp``; Rasa reaches
    the action server through ``relay``, which a test cuts to take the action
    server away; ``database`` is its app database. Each module speaks as its own
    readers, so none sees another's.
    """

    stack: Stack
    workdir: Path
    webhook: RecordingWebhook
    smtp: tuple[int, list[Any]]
    relay: Relay
    database: Database


def demo_content(database: Database) -> None:
    import_file(database, str(PROJECT / "data" / "demo" / "catalog.atom"))
    import_source(database, str(PROJECT / "data" / "demo" / "events.ics"))


@contextmanager
def shared_penpal(workdir: Path) -> Iterator[SharedPenpal]:
    with RecordingWebhook().running() as webhook, smtp_server() as smtp:
        def configure(config: dict[str, Any]) -> None:
            config["handoff"]["webhook_url"] = webhook.url
            config["newsletter"].update(smtp_host="127.0.0.1", smtp_port=smtp[0])

        relay = Relay()
        with penpal_stack(
            workdir, configure, seed=demo_content, relay=relay,
            env={"PENPAL_SMTP_HOST": "127.0.0.1", "PENPAL_SMTP_PORT": str(smtp[0])},
        ) as stack:
            database = Database(app_database_url(workdir))
            try:
                yield SharedPenpal(stack, workdir, webhook, smtp, relay, database)
            finally:
                database.dispose()
