"""What the last fetch of each feed returned (``FeedState``), for conditional requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from penpal.db import Database
from penpal.db.clock import as_utc, utcnow
from penpal.db.models import FeedState
from penpal.db.upsert import upsert
from penpal.fetch import Fetched

MAX_ERROR = 2000


@dataclass(frozen=True)
class FeedCheck:
    """The FeedState row of one feed, detached from any session."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    checked_at: datetime | None = None
    last_error: str | None = None


def feed_check(db: Database, url: str) -> FeedCheck:
    """The last recorded fetch of ``url`` (all None if it was never fetched)."""
    with db.session() as session:
        state = session.get(FeedState, url)
        if state is None:
            return FeedCheck(url)
        checked_at = as_utc(state.checked_at) if state.checked_at else None
        return FeedCheck(url, state.etag, state.last_modified, checked_at, state.last_error)


def record_success(db: Database, url: str, fetched: Fetched) -> None:
    """``url`` was read (or was not modified) now; keep the validators it sent."""
    changes: dict[str, Any] = {"last_error": None}
    if not fetched.not_modified:
        changes["etag"] = _bounded(fetched.etag, 500)
        changes["last_modified"] = _bounded(fetched.last_modified, 100)
    _update(db, url, changes)


def record_checked(db: Database, url: str) -> None:
    """``url`` was read now by an importer that sends no conditional requests (ICS feeds)."""
    _update(db, url, {"last_error": None})


def record_failure(db: Database, url: str, error: str) -> None:
    """``url`` failed now; its validators stay, so a later success can still use them."""
    _update(db, url, {"last_error": error[:MAX_ERROR]})


def _update(db: Database, url: str, changes: dict[str, Any]) -> None:
    """Mark ``url`` checked now with ``changes``; its row is created on the first check.

    One upsert, so two first fetches of a new feed cannot race to insert the row.
    """
    changes = {"checked_at": utcnow(), **changes}
    with db.session() as session:
        upsert(session, FeedState, {"url": url, **changes}, key=[FeedState.url], changes=changes)


def _bounded(value: str | None, limit: int) -> str | None:
    """A validator too long for its column is not kept (the next fetch is then plain)."""
    return value if value and len(value) <= limit else None
