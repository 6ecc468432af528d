"""INSERT ... ON CONFLICT DO UPDATE on both databases Penpal runs on (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

# What to set on conflict: a mapping, or one built from ``excluded`` (the row
# that was to be inserted, e.g. ``lambda new: {"at": new.at}``).
Changes = Mapping[str, Any] | Callable[[Any], Mapping[str, Any]]


def insert_for(session: Session) -> Any:
    """The ``insert`` construct with ``on_conflict_do_update`` for the session's database."""
    dialect = session.get_bind().dialect.name
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


def upsert(
    session: Session,
    model: Any,
    values: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    key: Sequence[Any],
    changes: Changes,
) -> None:
    """Insert ``values`` (one row or several); where ``key`` exists already, update it.

    One statement, so concurrent upserts of the same key queue on the row's lock
    instead of failing a unique constraint.
    """
    statement = insert_for(session)(model).values(values)
    updates = changes(statement.excluded) if callable(changes) else changes
    session.execute(statement.on_conflict_do_update(index_elements=list(key), set_=dict(updates)))
