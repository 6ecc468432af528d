"""INSERT ... ON CONFLICT for the two databases Penpal runs on."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def insert_for(session: Session) -> Any:
    """The ``insert`` construct with ``on_conflict_do_update`` for the session's database."""
    dialect = session.get_bind().dialect.name
    return postgresql_insert if dialect == "postgresql" else sqlite_insert
