"""Storing events: import (upsert by UID), add, cancel, look up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
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
)
from penpal.events.records import EventError, EventRecord, EventView


@dataclass
class EventImportSummary:
    """What importing an ICS file or feed did to the events (by UID)."""

    source: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    cancelled: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)


def view(event: Event) -> EventView:
    return EventView(
        id=event.id, title=event.title, kind=event.kind, description=event.description,
        starts_at=as_utc(event.starts_at), ends_at=as_utc(event.ends_at),
        timezone=event.timezone,
        venue=event.venue, city=event.city, online_url=event.online_url,
        capacity=event.capacity, seats_taken=event.seats_taken, topics=list(event.topics or []),
        status=event.status,
    )


def _fields(record: EventRecord) -> dict:
    return {
        "title": record.title, "kind": record.kind, "description": record.description,
        "starts_at": as_utc(record.starts_at),
        "ends_at": as_utc(record.ends_at),
        "timezone": record.timezone, "venue": record.venue, "city": record.city,
        "online_url": record.online_url, "capacity": record.capacity,
        "topics": list(record.topics),
    }


def _same(event: Event, values: dict) -> bool:
    for key, value in values.items():
        current = getattr(event, key)
        if isinstance(current, datetime):
            current = as_utc(current)
        if current != value:
            return False
    return True


def _reschedule_reminders(session: Session, event: Event) -> None:
    notices = session.execute(
        select(EventNotice).join(Rsvp, EventNotice.rsvp_id == Rsvp.id)
        .where(Rsvp.event_id == event.id, EventNotice.kind == "reminder",
               EventNotice.status == NoticeStatus.PENDING)
    ).scalars()
    for notice in notices:
        notice.due_at = as_utc(event.starts_at) - timedelta(hours=notice.hours_before or 0)


def upsert(session: Session, record: EventRecord, source: str | None) -> str:
    """Insert or update one event; returns new, updated, unchanged or cancelled."""
    event = session.execute(select(Event).where(Event.uid == record.uid)).scalar_one_or_none()
    values = _fields(record)
    if record.capacity is not None and record.capacity < 0:
        raise EventError(f"{record.uid}: capacity must not be negative")
    if event is None:
        event = Event(uid=record.uid, source=source, seats_taken=0, **values,
                      status=EventStatus.CANCELLED if record.cancelled else EventStatus.SCHEDULED)
        session.add(event)
        session.flush()
        return "new"
    if record.cancelled and event.status != EventStatus.CANCELLED:
        cancel(session, event)
        return "cancelled"
    if _same(event, values):
        return "unchanged"
    moved = as_utc(event.starts_at) != values["starts_at"]
    for key, value in values.items():
        setattr(event, key, value)
    if event.capacity is not None and event.seats_taken > event.capacity:
        event.capacity = event.seats_taken  # never unseat readers who are going
    event.updated_at = utcnow()
    session.flush()
    if moved:
        _reschedule_reminders(session, event)
    return "updated"


def import_records(
    db: Database, records: list[EventRecord], source: str, rejected: list[tuple[str, str]]
) -> EventImportSummary:
    summary = EventImportSummary(source=source, rejected=list(rejected))
    with db.session() as session:
        for record in records:
            try:
                with session.begin_nested():
                    outcome = upsert(session, record, source)
            except EventError as error:
                summary.rejected.append((record.uid, str(error)))
                continue
            except IntegrityError:  # another process imported it this very moment
                summary.unchanged += 1
                continue
            setattr(summary, outcome, getattr(summary, outcome) + 1)
    return summary


def add_event(db: Database, record: EventRecord) -> EventView:
    with db.session() as session:
        if session.execute(select(Event.id).where(Event.uid == record.uid)).first():
            raise EventError(f"an event with UID {record.uid} exists already")
        upsert(session, record, "console")
        return view(session.execute(select(Event).where(Event.uid == record.uid)).scalar_one())


def cancel(session: Session, event: Event) -> int:
    """Cancel ``event``: drop its pending reminders and tell everyone signed up.

    Returns how many readers will be told.
    """
    event.status = EventStatus.CANCELLED
    event.updated_at = utcnow()
    rsvps = session.execute(
        select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.status.in_(ACTIVE_RSVP_STATUSES))
    ).scalars().all()
    session.execute(
        update(EventNotice)
        .where(EventNotice.rsvp_id.in_([rsvp.id for rsvp in rsvps]),
               EventNotice.status == NoticeStatus.PENDING)
        .values(status=NoticeStatus.SKIPPED, detail="event cancelled")
        .execution_options(synchronize_session=False)
    )
    now = utcnow()
    for rsvp in rsvps:
        session.add(EventNotice(reader_id=rsvp.reader_id, rsvp_id=rsvp.id, kind="cancelled",
                                due_at=now, status=NoticeStatus.PENDING))
    session.flush()
    return len(rsvps)


def cancel_event(db: Database, event_id: int) -> tuple[EventView, int]:
    """Cancel an event by id (the writer's console); EventError if unknown."""
    with db.session() as session:
        event = session.get(Event, event_id, with_for_update=True)
        if event is None:
            raise EventError(f"no event #{event_id}")
        told = 0 if event.status == EventStatus.CANCELLED else cancel(session, event)
        return view(event), told


def get_event(db: Database, event_id: int) -> EventView | None:
    with db.session() as session:
        event = session.get(Event, event_id)
        return None if event is None else view(event)
