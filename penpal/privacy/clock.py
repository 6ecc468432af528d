"""UTC times for comparisons with stored columns.

SQLite hands ``DateTime(timezone=True)`` values back without a zone (they are
stored as UTC wall-clock time); PostgreSQL hands them back aware.
"""

from __future__ import annotations

from datetime import datetime, timezone


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (a naive one is taken to be UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def utc_now(now: datetime | None = None) -> datetime:
    """``now`` in UTC, or the current time when it is not given."""
    return datetime.now(timezone.utc) if now is None else as_utc(now)
