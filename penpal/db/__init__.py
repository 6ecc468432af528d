"""The app database: models, sessions and migrations."""

from penpal.db.database import Database, database_at, database_url, shared_database
from penpal.db.migrate import upgrade

__all__ = ["Database", "database_at", "database_url", "shared_database", "upgrade"]
