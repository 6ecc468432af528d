"""Penpal's background work, run by `penpal scheduler` beside the servers.

Every tick it syncs the writer's feeds that are due. The state of each job
lives in the app database (when a feed was last checked), so a restarted
scheduler picks up where the last one stopped.
"""

from __future__ import annotations

import logging
import threading

from penpal.catalog import sync_feeds
from penpal.config import ConfigError, current_config
from penpal.db import Database

log = logging.getLogger(__name__)

DEFAULT_TICK_SECONDS = 60.0


def tick(db: Database) -> None:
    """One round of every job; a failing job is logged and the others still run."""
    try:
        config = current_config()
    except ConfigError as error:
        log.error("scheduler: %s", error)
        return
    for result in sync_feeds(db, config):
        if result.status == "failed":
            log.warning("scheduler: feed %s failed: %s", result.url, result.error)
        elif result.status == "imported" and result.summary is not None:
            log.info("scheduler: feed %s: %s new, %s updated", result.url,
                     result.summary.new, result.summary.updated)


def run(db: Database, stop: threading.Event, tick_seconds: float = DEFAULT_TICK_SECONDS) -> None:
    """Tick until ``stop`` is set."""
    log.info("scheduler: started (every %.0f s)", tick_seconds)
    while not stop.is_set():
        try:
            tick(db)
        except Exception:
            log.exception("scheduler: tick failed; trying again next time")
        stop.wait(tick_seconds)
    log.info("scheduler: stopped")
