"""Erasing conversations from Rasa's SQL tracker store (without importing Rasa).

Rasa 3.6's ``SQLTrackerStore`` keeps every event of every conversation in one
table, ``events``, keyed by ``sender_id`` (the conversation id). Rasa saves a
conversation after the turn's actions return, and it writes every event it
finds missing, so erasing during the "forget me" turn would be undone: a
request waits ``grace_seconds`` before it is carried out.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Column, Float, MetaData, String, Table, delete, inspect, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from penpal.db import Database
from penpal.db.clock import utcnow
from penpal.db.database import make_engine
from penpal.db.models import PendingErasure
from penpal.db.upsert import upsert
from penpal.privacy.broker import ErasureNotices

log = logging.getLogger(__name__)

DEFAULT_TRACKER_STORE_URL = "sqlite:///tracker.db"  # what endpoints.yml configures
DEFAULT_GRACE_SECONDS = 5.0
_BATCH = 500

# The columns of Rasa's ``events`` table that erasure needs.
EVENTS = Table(
    "events", MetaData(), Column("sender_id", String(255)), Column("timestamp", Float)
)


def tracker_store_url() -> str:
    return os.environ.get("PENPAL_TRACKER_STORE_URL", DEFAULT_TRACKER_STORE_URL)


def queue_erasure(
    session: Session, conversation_ids: Iterable[str], now: datetime | None = None
) -> int:
    """Note conversations whose tracker history must go; a repeated request restarts the wait."""
    ids = sorted(set(conversation_ids))
    if ids:
        moment = utcnow(now)
        upsert(
            session, PendingErasure,
            [{"conversation_id": cid, "requested_at": moment} for cid in ids],
            key=[PendingErasure.conversation_id],
            changes=lambda new: {"requested_at": new.requested_at},
        )
    return len(ids)


def erase_conversations(
    tracker_db_url: str,
    db: Database,
    grace_seconds: float = DEFAULT_GRACE_SECONDS,
    now: datetime | None = None,
    notices: ErasureNotices | None = None,
) -> int:
    """Erase the tracker events of every request older than ``grace_seconds``.

    Returns the number of events deleted. Idempotent: a request is removed only
    after its events are gone and, with ``notices`` (an event broker), after the
    broker confirmed the erasure notices. Without an ``events`` table (Rasa
    never ran against that database) nothing happens and the requests wait.
    """
    cutoff = utcnow(now) - timedelta(seconds=grace_seconds)
    with db.session() as session:
        due = list(session.execute(
            select(PendingErasure.conversation_id).where(PendingErasure.requested_at <= cutoff)
        ).scalars())
    if not due:
        return 0
    engine = _events_engine(tracker_db_url)
    if engine is None:
        log.warning("tracker store has no events table yet; %d erasure(s) wait", len(due))
        return 0
    try:
        with engine.begin() as connection:
            deleted = sum(
                connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(batch))).rowcount
                for batch in _batches(due)
            )
    finally:
        engine.dispose()
    if notices is not None:
        notices.publish(due)  # raises when the broker is down: the requests stay
    with db.session() as session:
        for batch in _batches(due):
            session.execute(delete(PendingErasure).where(
                PendingErasure.conversation_id.in_(batch), PendingErasure.requested_at <= cutoff
            ))
    log.info("erased %d tracker event(s) of %d conversation(s)", deleted, len(due))
    return deleted


def purge_conversation_history(
    tracker_db_url: str, retention_days: int, now: datetime | None = None
) -> int:
    """Delete tracker events older than the retention period, in every conversation."""
    cutoff = utcnow(now) - timedelta(days=retention_days)
    engine = _events_engine(tracker_db_url)
    if engine is None:
        return 0
    try:
        with engine.begin() as connection:
            return connection.execute(
                delete(EVENTS).where(EVENTS.c.timestamp < cutoff.timestamp())
            ).rowcount
    finally:
        engine.dispose()


def _events_engine(url: str) -> Engine | None:
    """An engine on the tracker store if it has an ``events`` table, else None.

    A missing SQLite file is not created (it would only be an empty stray file).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not (
        parsed.database and Path(parsed.database).is_file()
    ):
        return None
    engine = make_engine(url)
    if inspect(engine).has_table(EVENTS.name):
        return engine
    engine.dispose()
    return None


def _batches(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), _BATCH):
        yield ids[start:start + _BATCH]
