"""The scheduler's events jobs: send due notices, and import the ICS feeds of penpal.yml."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from penpal.catalog.state import feed_check, record_checked, record_failure
from penpal.config import EventsSettings
from penpal.db import Database
from penpal.db.clock import utcnow
from penpal.events.importer import import_source
from penpal.events.notices import deliver_due
from penpal.events.records import EventError
from penpal.push import RasaPusher

log = logging.getLogger(__name__)

def send_event_notices(db: Database) -> None:
    report = deliver_due(db, RasaPusher())
    if report.sent or report.history or report.failed:
        log.info("scheduler: event notices: %s sent, %s kept in history only, %s skipped, "
                 "%s to retry", report.sent, report.history, report.skipped, report.failed)


def sync_event_feeds(
    db: Database, settings: EventsSettings, now: datetime | None = None
) -> None:
    """Import each ICS feed last checked ``sync_minutes`` ago or more.

    When a feed was checked is kept in the app database (as for the catalogue's
    feeds), so a restarted scheduler, or a second one, knows it too. Importing is
    idempotent by UID: a feed two schedulers import at once ends up imported once.
    """
    now = utcnow(now)
    for url in map(str, settings.feeds):
        checked_at = feed_check(db, url).checked_at
        if checked_at is not None and checked_at > now - timedelta(minutes=settings.sync_minutes):
            continue
        try:
            summary = import_source(db, url, settings.timezone)
        except EventError as error:
            record_failure(db, url, str(error))
            log.warning("scheduler: events feed %s failed: %s", url, error)
            continue
        record_checked(db, url)
        log.info("scheduler: events feed %s: %s new, %s updated, %s cancelled", url,
                 summary.new, summary.updated, summary.cancelled)
