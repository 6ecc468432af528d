"""The app database: models, sessions and migrations."""

from penpal.db.database import Database, database_url
from penpal.db.migrate import upgrade

__all__ = ["Database", "database_url", "upgrade"]
