"""What the model metadata says about readers' data, read generically.

Every table with a foreign key to ``readers.id`` holds data about a reader, so
export, merge and retention walk ``Base.metadata`` instead of naming tables:
a table added later (RSVPs, subscriptions, follows) is covered without edits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, PrimaryKeyConstraint, Table, UniqueConstraint
from sqlalchemy.engine import Row
from sqlalchemy.sql.schema import Column

from penpal.db.clock import as_utc
from penpal.db.models import Base, Reader

READERS: Table = Reader.__table__

# Access credentials to a reader's data, not data about the reader: never exported.
CREDENTIAL_TABLES = frozenset({"export_links", "link_codes", "newsletter_tokens"})


@dataclass(frozen=True)
class ReaderTable:
    """A table that points at readers, and the column(s) that do."""

    table: Table
    columns: tuple[Column, ...]

    @property
    def name(self) -> str:
        return self.table.name

    def datetime_columns(self) -> list[Column]:
        return [column for column in self.table.columns if isinstance(column.type, DateTime)]

    def unique_sets(self, column: Column) -> list[list[Column]]:
        """Column sets that must be unique and include ``column`` (keys, constraints, indexes)."""
        sets = [
            list(constraint.columns)
            for constraint in self.table.constraints
            if isinstance(constraint, UniqueConstraint | PrimaryKeyConstraint)
        ]
        sets += [list(index.columns) for index in self.table.indexes if index.unique]
        return [columns for columns in sets if column in columns]


def reader_tables() -> list[ReaderTable]:
    """Every table with a direct foreign key to ``readers.id``, in dependency order."""
    found = []
    for table in Base.metadata.sorted_tables:
        columns = tuple(
            key.parent for key in table.foreign_keys if key.column is READERS.c.id
        )
        if columns and table is not READERS:
            found.append(ReaderTable(table, columns))
    return found


def jsonable(value: Any) -> Any:
    """A column value as JSON can carry it (datetimes as ISO 8601 in UTC)."""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def row_dict(row: Row) -> dict[str, Any]:
    return {key: jsonable(value) for key, value in row._mapping.items()}
