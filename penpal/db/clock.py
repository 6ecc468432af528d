"""The one clock for stored times: aware UTC datetimes.

Columns are ``DateTime(timezone=True)``. PostgreSQL hands them back aware;
SQLite keeps no offset and hands them back naive, as the UTC wall-clock time
they were stored with. So a naive datetime is always taken to be UTC here,
never local time, and only UTC values may be stored: SQLite would keep the
wall-clock time of any other offset as if it were UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (a naive one is taken to be UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def utcnow(now: datetime | None = None) -> datetime:
    """The current time in UTC, or ``now`` (when given) in UTC.

    The ``now`` argument lets callers take an injected time for tests and jobs;
    the models use ``utcnow`` as their column default.
    """
    return datetime.now(timezone.utc) if now is None else as_utc(now)
