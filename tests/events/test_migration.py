"""Migration 0004 creates exactly what the events models describe, and can be undone."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from penpal.db import Database
from penpal.db.migrate import alembic_config
from penpal.db.models import Base

EVENT_TABLES = {"events", "rsvps", "event_notices"}


def _about_events(diff) -> bool:
    return any(f"'{name}'" in repr(diff) for name in EVENT_TABLES)


def test_the_migration_matches_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [diff for diff in diffs if _about_events(diff)] == []


def test_downgrade_removes_the_tables(db: Database) -> None:
    command.downgrade(alembic_config(db.url), "0003")
    assert not EVENT_TABLES & set(inspect(db.engine).get_table_names())
    command.upgrade(alembic_config(db.url), "head")
    assert set(inspect(db.engine).get_table_names()) >= EVENT_TABLES
