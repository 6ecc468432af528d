"""Engine and sessions for the app database (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DATABASE_URL = "sqlite:///penpal.db"

# Errors a caller may ask to get as they are, to handle them itself.
DatabaseErrors = tuple[type[SQLAlchemyError], ...]
# A unique or foreign key constraint said no: the caller lost a race it can handle.
CONFLICTS: DatabaseErrors = (IntegrityError,)


class StoreUnavailable(Exception):
    """The app database could not do the work now: unreachable, locked, broken or refusing.

    The message names only the kind of database error, never the statement or
    its values; the error itself is the ``__cause__``.
    """


def store_unavailable(error: SQLAlchemyError, detail: str = "") -> StoreUnavailable:
    """A :class:`StoreUnavailable` for ``error`` (raise it ``from error``)."""
    suffix = f", {detail}" if detail else ""
    return StoreUnavailable(f"the app database is unavailable ({type(error).__name__}{suffix})")


def database_url() -> str:
    return os.environ.get("PENPAL_DATABASE_URL", DEFAULT_DATABASE_URL)


@cache
def database_at(url: str) -> Database:
    """One Database (one connection pool) per URL for the whole process."""
    return Database(url)


def shared_database() -> Database:
    """The process's database at PENPAL_DATABASE_URL."""
    return database_at(database_url())


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine that enforces foreign keys on SQLite as PostgreSQL does."""
    if url.startswith("sqlite"):
        engine = create_engine(url, future=True, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


class Database:
    """One app database: hands out transactional sessions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)

    @contextmanager
    def session(self, *, passthrough: DatabaseErrors = ()) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on error.

        A database error, inside the block or at commit, leaves as
        :class:`StoreUnavailable`, except the ``passthrough`` kinds (e.g.
        :data:`CONFLICTS`), which leave as they are for a caller that handles
        them. Other exceptions raised in the block are not touched.
        """
        try:
            with self._sessions() as session, session.begin():
                yield session
        except passthrough:
            raise
        except SQLAlchemyError as error:
            raise store_unavailable(error) from error

    def dispose(self) -> None:
        self.engine.dispose()
