"""Transactions that are run again when the database asks for it.

SQLite answers "database is locked" when writers collide and PostgreSQL may
abort one side of a deadlock (:data:`WHEN_BUSY`); a concurrent insert of the
same row fails a unique constraint (:data:`ON_CONFLICT`). Both are safe to
retry from the start when the work decides everything from what it reads
inside its own transaction.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from penpal.db.database import CONFLICTS, Database, DatabaseErrors, store_unavailable

T = TypeVar("T")


def no_pause(_attempt: int) -> float:
    return 0.0


def jittered_pause(attempt: int) -> float:
    """A short random wait that grows with the attempt, so colliding writers spread out."""
    return random.uniform(0.005, 0.02) * attempt


@dataclass(frozen=True)
class Retry:
    """Which database errors make a transaction worth running again, and how often."""

    errors: DatabaseErrors
    attempts: int
    pause: Callable[[int], float] = no_pause  # seconds to wait after failed attempt n (1-based)


WHEN_BUSY = Retry((OperationalError,), 40, jittered_pause)
ON_CONFLICT = Retry(CONFLICTS, 2)


def transaction(
    db: Database,
    work: Callable[[Session], T],
    retry: Retry = WHEN_BUSY,
    *,
    on_retry: Callable[[int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``work`` in one transaction, again (a fresh one) when it fails as ``retry`` says.

    ``on_retry`` is told the number of the attempt that failed before the next
    one starts. When the last attempt fails too, the error leaves as
    StoreUnavailable; every other database error leaves as Database.session
    lets it.
    """
    for attempt in range(1, retry.attempts + 1):
        try:
            with db.session(passthrough=retry.errors) as session:
                return work(session)
        except retry.errors as error:
            if attempt == retry.attempts:
                raise store_unavailable(error, f"{attempt} attempts") from error
            if on_retry is not None:
                on_retry(attempt)
            pause = retry.pause(attempt)
            if pause > 0:
                sleep(pause)
    raise AssertionError("a Retry needs at least one attempt")
