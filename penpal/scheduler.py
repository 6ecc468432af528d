"""Penpal's background work, run by `penpal scheduler` beside the servers.

Every tick it syncs the writer's feeds (catalogue and events) that are due,
sends what readers are owed (event reminders and notices, newsletter
confirmation emails and provider updates, notices of new work on topics they
follow) and erases the Rasa conversation history of readers who asked to be
forgotten; once a day (and at start) it purges what is older than the
retention period. The state of each job lives in the app database (when a
feed was last checked, which notices are pending or claimed, which
conversations await erasure), so a restarted scheduler picks up where the last
one stopped, and two schedulers never send the same message twice.
"""

from __future__ import annotations

import logging
import threading
import time

from penpal.catalog import sync_feeds
from penpal.config import ConfigError, PenpalConfig, current_config
from penpal.db import Database
from penpal.events.jobs import send_event_notices, sync_event_feeds
from penpal.newsletter import newsletter_for
from penpal.newsletter.follows import send_new_item_notices
from penpal.privacy import (
    erase_conversations,
    purge_conversation_history,
    purge_expired,
    tracker_store_url,
)
from penpal.privacy.broker import erasure_notices
from penpal.push import RasaPusher

log = logging.getLogger(__name__)

DEFAULT_TICK_SECONDS = 10.0
PURGE_EVERY_SECONDS = 24 * 3600.0


def tick(db: Database, purge: bool = False) -> None:
    """One round of every job; a failing job is logged and the others still run."""
    try:
        config = current_config()
    except ConfigError as error:
        log.error("scheduler: %s", error)
        return
    jobs = [("feed sync", lambda: _sync_feeds(db, config)),
            ("conversation erasure", lambda: erase_conversations(
                tracker_store_url(), db, notices=erasure_notices())),
            ("event feeds", lambda: sync_event_feeds(db, config.events)),
            ("event notices", lambda: send_event_notices(db)),
            ("newsletter outbox", lambda: newsletter_for(db, config).deliver_due()),
            ("follow notices", lambda: send_new_item_notices(
                db, RasaPusher(), config.follows.max_notices_per_day))]
    if purge:
        jobs.append(("retention purge", lambda: _purge(db, config.retention_days)))
    for name, job in jobs:
        try:
            job()
        except Exception:
            log.exception("scheduler: %s failed; trying again next time", name)


def _sync_feeds(db: Database, config: PenpalConfig) -> None:
    for result in sync_feeds(db, config):
        if result.status == "failed":
            log.warning("scheduler: feed %s failed: %s", result.url, result.error)
        elif result.status == "imported" and result.summary is not None:
            log.info("scheduler: feed %s: %s new, %s updated", result.url,
                     result.summary.new, result.summary.updated)


def _purge(db: Database, retention_days: int) -> None:
    report = purge_expired(db, retention_days)
    events = purge_conversation_history(tracker_store_url(), retention_days)
    log.info("scheduler: retention purge: %s readers, %s old conversation events",
             report.readers, events)


def run(db: Database, stop: threading.Event, tick_seconds: float = DEFAULT_TICK_SECONDS) -> None:
    """Tick until ``stop`` is set; purge at start and then daily."""
    log.info("scheduler: started (every %.0f s)", tick_seconds)
    last_purge = float("-inf")
    while not stop.is_set():
        purge = time.monotonic() - last_purge >= PURGE_EVERY_SECONDS
        tick(db, purge=purge)
        if purge:
            last_purge = time.monotonic()
        stop.wait(tick_seconds)
    log.info("scheduler: stopped")
