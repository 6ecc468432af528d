"""Fixtures: a table added "later", and a real Rasa SQL tracker store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    text,
)
from sqlalchemy.exc import OperationalError

from penpal.db import Database
from penpal.db.models import Base
from tests.conftest import POSTGRES_ADMIN_URL, _skip_or_fail
from tests.privacy.people import add_catalogue
from tests.privacy.rasa_store import Rasa


@pytest.fixture
def follows(db: Database) -> Iterator[Table]:
    """A reader-linked table that no privacy code names (as RSVPs or follows will be)."""
    table = Table(
        "test_follows", Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("reader_id", Integer, ForeignKey("readers.id", ondelete="CASCADE"),
               nullable=False),
        Column("topic", String(64), nullable=False),
        Column("since", DateTime(timezone=True), nullable=False),
        UniqueConstraint("reader_id", "topic", name="uq_test_follow"),
    )
    table.create(db.engine)
    try:
        yield table
    finally:
        table.drop(db.engine)
        Base.metadata.remove(table)


@pytest.fixture
def items(db: Database) -> list[int]:
    return add_catalogue(db)


@pytest.fixture
def tracker_url(db: Database, tmp_path: Path) -> Iterator[str]:
    """An empty tracker store database of the same kind as the app database."""
    if db.url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    name = f"penpal_tracker_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        _skip_or_fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error.orig}")
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def rasa(tracker_url: str) -> Iterator[Rasa]:
    store = Rasa(tracker_url)
    yield store
    store.close()
