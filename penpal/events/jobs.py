"""The scheduler's events jobs: send due notices, and import the ICS feeds of penpal.yml."""

from __future__ import annotations

import logging
import time

from penpal.config import EventsSettings
from penpal.db import Database
from penpal.events.importer import import_source
from penpal.events.notices import deliver_due
from penpal.events.records import EventError
from penpal.push import RasaPusher

log = logging.getLogger(__name__)

# When each ICS feed was last imported by this process (a restart imports at once:
# importing is idempotent, by UID).
_last_sync: dict[str, float] = {}


def send_event_notices(db: Database) -> None:
    report = deliver_due(db, RasaPusher())
    if report.sent or report.history or report.failed:
        log.info("scheduler: event notices: %s sent, %s kept in history only, %s skipped, "
                 "%s to retry", report.sent, report.history, report.skipped, report.failed)


def sync_event_feeds(db: Database, settings: EventsSettings) -> None:
    for url in map(str, settings.feeds):
        if time.monotonic() - _last_sync.get(url, float("-inf")) < settings.sync_minutes * 60:
            continue
        _last_sync[url] = time.monotonic()
        try:
            summary = import_source(db, url, settings.timezone)
        except EventError as error:
            log.warning("scheduler: events feed %s failed: %s", url, error)
            continue
        log.info("scheduler: events feed %s: %s new, %s updated, %s cancelled", url,
                 summary.new, summary.updated, summary.cancelled)
