"""Transactions that are tried again when the database asks for it.

SQLite answers "database is locked" when writers collide, PostgreSQL may
abort one side of a deadlock; both are safe to retry from the start because
each transaction decides everything from what it reads inside itself.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from penpal.db import Database

T = TypeVar("T")
ATTEMPTS = 40


def transaction(db: Database, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one transaction, retrying it when the database was busy."""
    for attempt in range(ATTEMPTS):
        try:
            with db.session() as session:
                return work(session)
        except OperationalError:
            if attempt == ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
    raise AssertionError("unreachable")
