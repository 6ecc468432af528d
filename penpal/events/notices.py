"""Sending what is owed to readers about events: reminders, promotions, cancellations.

Notices wait in the app database, so a restarted scheduler sends what fell
due while it was down (a reminder only while the event has not started). A
scheduler claims a notice with one conditional UPDATE (pending -> sending)
before pushing it, so two schedulers never send the same notice; a claim
left by a scheduler that died mid-send is taken over after CLAIM_TIMEOUT.

Pushes go through Rasa's ``trigger_intent`` to the channel the reader last
used. Channels that cannot push (REST, the command line) still get the
intent: the bot's reply is then kept in the conversation's history (status
``history``) rather than reaching the reader.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from penpal.db import Database
from penpal.db.clock import as_utc, utcnow
from penpal.db.models import (
    ChannelIdentity,
    Event,
    EventNotice,
    EventStatus,
    NoticeStatus,
    Rsvp,
    RsvpStatus,
)
from penpal.push import PushError, RasaPusher, can_push

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=15)
BATCH = 100
INTENTS = {
    "reminder": "EXTERNAL_event_reminder",
    "promoted": "EXTERNAL_event_promoted",
    "cancelled": "EXTERNAL_event_cancelled",
}


@dataclass
class DeliveryReport:
    sent: int = 0  # pushed to the reader's channel
    history: int = 0  # channel cannot push: kept in the conversation only
    skipped: int = 0  # no longer relevant (event started, RSVP gone, superseded)
    failed: int = 0  # Rasa unreachable: tried again next round


def _due_ids(session: Session, now: datetime) -> list[int]:
    return list(session.execute(
        select(EventNotice.id).where(
            EventNotice.due_at <= now,
            or_(EventNotice.status == NoticeStatus.PENDING,
                and_(EventNotice.status == NoticeStatus.SENDING,
                     EventNotice.claimed_at < now - CLAIM_TIMEOUT)))
        .order_by(EventNotice.due_at, EventNotice.id).limit(BATCH)
    ).scalars())


def _claim(db: Database, notice_id: int, now: datetime) -> bool:
    with db.session() as session:
        claimed = session.execute(
            update(EventNotice).where(
                EventNotice.id == notice_id,
                or_(EventNotice.status == NoticeStatus.PENDING,
                    and_(EventNotice.status == NoticeStatus.SENDING,
                         EventNotice.claimed_at < now - CLAIM_TIMEOUT)))
            .values(status=NoticeStatus.SENDING, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        return claimed.rowcount == 1


def _finish(db: Database, notice_id: int, status: NoticeStatus, now: datetime,
            channel: str | None = None, detail: str | None = None) -> None:
    with db.session() as session:
        session.execute(
            update(EventNotice).where(EventNotice.id == notice_id,
                                      EventNotice.status == NoticeStatus.SENDING)
            .values(status=status, channel=channel, detail=detail,
                    sent_at=now if status in (NoticeStatus.SENT, NoticeStatus.HISTORY) else None,
                    claimed_at=None if status == NoticeStatus.PENDING else EventNotice.claimed_at)
            .execution_options(synchronize_session=False)
        )


def _why_not(session: Session, notice: EventNotice, rsvp: Rsvp, event: Event,
             now: datetime) -> str | None:
    """Why a claimed notice should not be sent any more (None: send it)."""
    if notice.kind == "cancelled":
        return None
    if event.status != EventStatus.SCHEDULED:
        return "event cancelled"
    if as_utc(event.starts_at) <= now:
        return "event has started"
    if rsvp.status != RsvpStatus.GOING:
        return f"RSVP is {rsvp.status}"
    if notice.kind == "reminder":
        nearer = session.execute(
            select(EventNotice.id).where(
                EventNotice.rsvp_id == rsvp.id, EventNotice.kind == "reminder",
                EventNotice.status == NoticeStatus.PENDING, EventNotice.due_at <= now,
                EventNotice.due_at > notice.due_at)
        ).first()
        if nearer is not None:
            return "a nearer reminder is due"
    return None


def _target(session: Session, reader_id: int) -> ChannelIdentity | None:
    """The reader's conversation to speak in: one that can push, the newest first."""
    identities = session.execute(
        select(ChannelIdentity).where(ChannelIdentity.reader_id == reader_id)
        .order_by(ChannelIdentity.id.desc())
    ).scalars().all()
    pushable = [identity for identity in identities if can_push(identity.channel)]
    return (pushable or identities or [None])[0]


def _deliver(db: Database, pusher: RasaPusher, notice_id: int, now: datetime) -> str:
    """Send one claimed notice; the outcome is the DeliveryReport field to count it in."""
    with db.session() as session:
        notice = session.get(EventNotice, notice_id)
        if notice is None:  # the reader was forgotten meanwhile
            return NoticeStatus.SKIPPED.value
        rsvp = session.get(Rsvp, notice.rsvp_id)
        event = session.get(Event, rsvp.event_id)
        reason = _why_not(session, notice, rsvp, event, now)
        target = _target(session, notice.reader_id)
        entities = {"event_id": str(event.id), "event_notice": notice.kind}
        if notice.hours_before is not None:
            entities["event_hours"] = f"{notice.hours_before:g}"
    if reason is None and target is None:
        reason = "no conversation to speak in"
    if reason is not None or target is None:  # target is None only with a reason set
        _finish(db, notice_id, NoticeStatus.SKIPPED, now, detail=reason)
        return NoticeStatus.SKIPPED.value
    channel = target.channel or "rest"
    try:
        pusher.trigger(target.conversation_id, INTENTS[notice.kind], channel, entities)
    except PushError as error:
        log.warning("events: notice %s not delivered, retrying later: %s", notice_id, error)
        _finish(db, notice_id, NoticeStatus.PENDING, now, detail=str(error)[:300])
        return "failed"
    status = NoticeStatus.SENT if can_push(channel) else NoticeStatus.HISTORY
    _finish(db, notice_id, status, now, channel=channel)
    return status.value


def deliver_due(db: Database, pusher: RasaPusher, now: datetime | None = None) -> DeliveryReport:
    """Claim and send every notice that is due; safe to run from several schedulers."""
    now = utcnow(now)
    report = DeliveryReport()
    with db.session() as session:
        due = _due_ids(session, now)
    for notice_id in due:
        if not _claim(db, notice_id, now):
            continue  # another scheduler has it
        outcome = _deliver(db, pusher, notice_id, now)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report
