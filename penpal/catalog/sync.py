"""Keeping the writer's feeds (``catalog.feeds`` in penpal.yml) in sync."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from penpal.catalog.errors import ImportFailed
from penpal.catalog.fetch import DEFAULT_TIMEOUT
from penpal.catalog.importer import import_url
from penpal.catalog.state import feed_check, record_failure
from penpal.catalog.store import CatalogImportSummary
from penpal.config import Feed, PenpalConfig
from penpal.db import Database
from penpal.db.clock import utcnow

log = logging.getLogger(__name__)

SyncStatus = Literal["imported", "unchanged", "failed", "not due"]


@dataclass(frozen=True)
class FeedResult:
    url: str
    status: SyncStatus
    summary: CatalogImportSummary | None = None
    error: str | None = None


def is_due(db: Database, feed: Feed, every_minutes: int, now: datetime) -> bool:
    """Whether ``feed`` was last checked ``every_minutes`` ago or more (or never)."""
    checked_at = feed_check(db, str(feed.url)).checked_at
    return checked_at is None or checked_at <= now - timedelta(minutes=every_minutes)


def sync_feeds(
    db: Database,
    config: PenpalConfig,
    *,
    force: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    now: datetime | None = None,
) -> list[FeedResult]:
    """Import every feed that is due, one result per feed, in the configured order.

    A feed that fails is reported (and its error recorded) without stopping the
    others. ``force`` imports every feed now and without conditional headers, so a
    feed's kind or topics just changed in penpal.yml reach items the server calls
    unchanged.
    """
    settings = config.catalog
    now = utcnow(now)
    results = []
    for feed in settings.feeds:
        url = str(feed.url)
        if not force and not is_due(db, feed, settings.sync_minutes, now):
            results.append(FeedResult(url, "not due"))
            continue
        results.append(_sync_one(db, feed, url, force, timeout))
    return results


def _sync_one(db: Database, feed: Feed, url: str, force: bool, timeout: float) -> FeedResult:
    try:
        summary = import_url(db, url, kind=feed.kind, topics=feed.topics, timeout=timeout,
                             conditional=not force)
    except ImportFailed as error:
        log.warning("feed sync failed: %s", error)
        return FeedResult(url, "failed", error=str(error))
    except Exception as error:  # one feed's bug or database hiccup must not stop the rest
        log.exception("feed sync failed unexpectedly: %s", url)
        message = f"{type(error).__name__}: {error}"
        try:
            record_failure(db, url, message)
        except Exception:
            log.exception("could not record the failure of %s", url)
        return FeedResult(url, "failed", error=message)
    return FeedResult(url, "unchanged" if summary.not_modified else "imported", summary)
