"""What the last fetch of each feed returned (``FeedState``), for conditional requests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from penpal.catalog.normalize import utc_datetime
from penpal.db import Database
from penpal.db.models import FeedState, utcnow
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
        checked_at = utc_datetime(state.checked_at) if state.checked_at else None
        return FeedCheck(url, state.etag, state.last_modified, checked_at, state.last_error)


def record_success(db: Database, url: str, fetched: Fetched) -> None:
    """``url`` was read (or was not modified) now; keep the validators it sent."""

    def change(state: FeedState) -> None:
        state.last_error = None
        if not fetched.not_modified:
            state.etag = _bounded(fetched.etag, 500)
            state.last_modified = _bounded(fetched.last_modified, 100)

    _update(db, url, change)


def record_checked(db: Database, url: str) -> None:
    """``url`` was read now by an importer that sends no conditional requests (ICS feeds)."""

    def change(state: FeedState) -> None:
        state.last_error = None

    _update(db, url, change)


def record_failure(db: Database, url: str, error: str) -> None:
    """``url`` failed now; its validators stay, so a later success can still use them."""

    def change(state: FeedState) -> None:
        state.last_error = error[:MAX_ERROR]

    _update(db, url, change)


def _update(db: Database, url: str, change: Callable[[FeedState], None]) -> None:
    for attempt in range(2):  # two first fetches of a new feed may race to insert its row
        try:
            with db.session() as session:
                state = session.get(FeedState, url)
                if state is None:
                    state = FeedState(url=url)
                    session.add(state)
                state.checked_at = utcnow()
                change(state)
            return
        except IntegrityError:
            if attempt:
                raise


def _bounded(value: str | None, limit: int) -> str | None:
    """A validator too long for its column is not kept (the next fetch is then plain)."""
    return value if value and len(value) <= limit else None
