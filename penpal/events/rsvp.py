"""Signing up for events: seats, the waitlist, cancelling, and a reader's sign-ups.

A seat is taken by one conditional UPDATE (``seats_taken + 1`` only while it
is below capacity), inside the transaction that writes the RSVP. The
database serialises concurrent UPDATEs of the event's row, so 100 readers
racing for 10 seats get exactly 10 seats; a CHECK constraint backs it up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from penpal.db import Database
from penpal.db.clock import as_utc, utcnow
from penpal.db.models import (
    ACTIVE_RSVP_STATUSES,
    Event,
    EventNotice,
    EventStatus,
    NoticeStatus,
    Rsvp,
    RsvpStatus,
)
from penpal.db.retry import WHEN_BUSY, transaction
from penpal.events.records import EventError, EventView
from penpal.events.store import view
from penpal.readers import clean_name, identity_for, reader_for_conversation


class InvalidRsvp(ValueError):
    """A name or email address that cannot be used for an RSVP (the reason is readable)."""


@dataclass(frozen=True)
class RsvpResult:
    event: EventView
    status: str  # a RsvpStatus (going, waitlisted), or closed (cancelled, started, unknown)
    position: int | None = None  # on the waitlist, 1 = next in line
    already: bool = False


@dataclass(frozen=True)
class MyRsvp:
    event: EventView
    status: str
    position: int | None


def check_email(raw: str) -> str:
    """The address, normalised; InvalidRsvp with the reason if it is not valid.

    No DNS lookups: deliverability is not checked, only the syntax.
    """
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise InvalidRsvp(str(error)) from error


def check_name(raw: str) -> str:
    name = clean_name(raw)
    if name is None:
        raise InvalidRsvp("a name needs letters and at most 100 characters")
    return name


def schedule_reminders(
    session: Session, rsvp: Rsvp, starts_at: datetime, hours: list[float], now: datetime
) -> None:
    """A reminder ``h`` hours before the start for each ``h`` still in the future."""
    for before in hours:
        due = starts_at - timedelta(hours=before)
        if due > now:
            session.add(EventNotice(reader_id=rsvp.reader_id, rsvp_id=rsvp.id, kind="reminder",
                                    hours_before=before, due_at=due, status=NoticeStatus.PENDING))


def _position(session: Session, rsvp: Rsvp) -> int | None:
    if rsvp.status != RsvpStatus.WAITLISTED:
        return None
    return session.execute(
        select(func.count()).select_from(Rsvp)
        .where(Rsvp.event_id == rsvp.event_id, Rsvp.status == RsvpStatus.WAITLISTED,
               Rsvp.id <= rsvp.id)
    ).scalar_one()


def _take_seat(session: Session, event_id: int) -> bool:
    taken = session.execute(
        update(Event)
        .where(Event.id == event_id, Event.status == EventStatus.SCHEDULED,
               or_(Event.capacity.is_(None), Event.seats_taken < Event.capacity))
        .values(seats_taken=Event.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def rsvp(
    db: Database, conversation_id: str, channel: str | None, event_id: int, name: str,
    email: str, reminder_hours: list[float], now: datetime | None = None,
) -> RsvpResult:
    """Sign the conversation's reader up: a seat if one is free, else the waitlist."""
    name, email = check_name(name), check_email(email)
    now = utcnow(now)

    def work(session: Session) -> RsvpResult:
        event = session.get(Event, event_id)
        if event is None:
            raise EventError(f"no event #{event_id}")
        if event.status != EventStatus.SCHEDULED or as_utc(event.starts_at) <= now:
            return RsvpResult(view(event), "closed")
        reader = reader_for_conversation(session, conversation_id, channel)
        existing = session.execute(
            select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.reader_id == reader.id)
        ).scalar_one_or_none()
        if existing is not None and existing.status in ACTIVE_RSVP_STATUSES:
            return RsvpResult(view(event), existing.status, _position(session, existing), True)
        if existing is not None:  # signing up again joins the end of the queue
            session.delete(existing)
            session.flush()
        status = RsvpStatus.GOING if _take_seat(session, event_id) else RsvpStatus.WAITLISTED
        row = Rsvp(event_id=event_id, reader_id=reader.id, name=name, email=email,
                   status=status, created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        if status == RsvpStatus.GOING:
            schedule_reminders(session, row, as_utc(event.starts_at), reminder_hours, now)
        session.refresh(event)
        return RsvpResult(view(event), status, _position(session, row))

    return transaction(db, work, WHEN_BUSY)


@dataclass(frozen=True)
class CancelResult:
    event: EventView | None
    cancelled: bool  # False: the reader had no sign-up for it
    promoted: bool = False  # someone on the waitlist got the seat


def _promote_next(session: Session, event: Event, now: datetime, hours: list[float]) -> bool:
    """Give a freed seat to the first on the waitlist (and tell them), or free it."""
    if event.status == EventStatus.SCHEDULED and as_utc(event.starts_at) > now:
        while True:
            first = session.execute(
                select(Rsvp).where(Rsvp.event_id == event.id,
                                   Rsvp.status == RsvpStatus.WAITLISTED)
                .order_by(Rsvp.id).limit(1)
            ).scalar_one_or_none()
            if first is None:
                break
            moved = session.execute(
                update(Rsvp).where(Rsvp.id == first.id, Rsvp.status == RsvpStatus.WAITLISTED)
                .values(status=RsvpStatus.GOING, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if moved.rowcount == 1:
                session.refresh(first)
                schedule_reminders(session, first, as_utc(event.starts_at), hours, now)
                session.add(EventNotice(reader_id=first.reader_id, rsvp_id=first.id,
                                        kind="promoted", due_at=now,
                                        status=NoticeStatus.PENDING))
                return True
    session.execute(
        update(Event).where(Event.id == event.id, Event.seats_taken > 0)
        .values(seats_taken=Event.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )
    return False


def cancel_rsvp(
    db: Database, conversation_id: str, event_id: int, reminder_hours: list[float],
    now: datetime | None = None,
) -> CancelResult:
    """Cancel the reader's sign-up; a freed seat goes to the first on the waitlist."""
    now = utcnow(now)

    def work(session: Session) -> CancelResult:
        event = session.get(Event, event_id, with_for_update=True)
        identity = identity_for(session, conversation_id)
        if event is None or identity is None:
            return CancelResult(None if event is None else view(event), False)
        mine = session.execute(
            select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.reader_id == identity.reader_id,
                               Rsvp.status.in_(ACTIVE_RSVP_STATUSES))
        ).scalar_one_or_none()
        if mine is None:
            return CancelResult(view(event), False)
        was_going = mine.status == RsvpStatus.GOING
        mine.status, mine.updated_at = RsvpStatus.CANCELLED, now
        session.execute(
            update(EventNotice).where(EventNotice.rsvp_id == mine.id,
                                      EventNotice.status == NoticeStatus.PENDING)
            .values(status=NoticeStatus.SKIPPED, detail="RSVP cancelled")
            .execution_options(synchronize_session=False)
        )
        promoted = was_going and _promote_next(session, event, now, reminder_hours)
        session.flush()
        session.refresh(event)
        return CancelResult(view(event), True, promoted)

    return transaction(db, work, WHEN_BUSY)


def my_rsvps(db: Database, conversation_id: str, now: datetime | None = None) -> list[MyRsvp]:
    """The reader's sign-ups for events still to come, soonest first."""
    now = utcnow(now)
    with db.session() as session:
        identity = identity_for(session, conversation_id)
        if identity is None:
            return []
        rows = session.execute(
            select(Rsvp, Event).join(Event, Rsvp.event_id == Event.id)
            .where(Rsvp.reader_id == identity.reader_id,
                   Rsvp.status.in_(ACTIVE_RSVP_STATUSES),
                   Event.starts_at > now)
            .order_by(Event.starts_at)
        ).all()
        return [MyRsvp(view(event), row.status, _position(session, row)) for row, event in rows]
