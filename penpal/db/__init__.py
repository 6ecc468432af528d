"""The app database: models, sessions and migrations.

Shared helpers: :mod:`penpal.db.clock` (one UTC clock), :mod:`penpal.db.upsert`
(INSERT ... ON CONFLICT on SQLite and PostgreSQL), :mod:`penpal.db.retry`
(transactions run again when the database is busy or a race was lost).
"""

from penpal.db.database import (
    Database,
    StoreUnavailable,
    database_at,
    database_url,
    shared_database,
)
from penpal.db.migrate import upgrade

__all__ = [
    "Database", "StoreUnavailable", "database_at", "database_url", "shared_database", "upgrade",
]
