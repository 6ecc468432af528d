"""Fixtures: a table added "later", and a real Rasa SQL tracker store."""

from __future__ import annotations

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
)

from penpal.db import Database
from penpal.db.models import Base
from tests.conftest import scratch_postgres_database
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
    with scratch_postgres_database("penpal_tracker") as url:
        yield url


@pytest.fixture
def rasa(tracker_url: str) -> Iterator[Rasa]:
    store = Rasa(tracker_url)
    yield store
    store.close()
