"""One event as an iCalendar file, for readers' calendars."""

from __future__ import annotations

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from penpal.db import Database
from penpal.db.clock import utcnow
from penpal.db.models import EventStatus
from penpal.events.records import EventView
from penpal.events.store import get_event


def event_ics(event: EventView, public_url: str, writer: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", f"-//Penpal//{writer}//EN")
    calendar.add("version", "2.0")
    entry = CalendarEvent()
    entry.add("uid", f"event-{event.id}@penpal")
    entry.add("dtstamp", utcnow())
    entry.add("summary", event.title)
    entry.add("dtstart", event.local_start)
    entry.add("dtend", event.local_end)
    if event.description:
        entry.add("description", event.description)
    entry.add("location", event.online_url if event.online else event.where())
    entry.add("url", event.online_url or calendar_url(public_url, event.id))
    if event.status == EventStatus.CANCELLED:
        entry.add("status", "CANCELLED")
    calendar.add_component(entry)
    return calendar.to_ical()


def calendar_url(public_url: str, event_id: int) -> str:
    return f"{public_url.rstrip('/')}/events/{event_id}.ics"


def calendar_file(db: Database, event_id: int, public_url: str, writer: str) -> bytes | None:
    """The calendar file of an event, or None if there is no such event."""
    event = get_event(db, event_id)
    return None if event is None else event_ics(event, public_url, writer)
