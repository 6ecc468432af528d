"""Events: the writer's launches, readings, signings and webinars, RSVPs and reminders."""

from penpal.events.calendar import calendar_file, calendar_url, event_ics
from penpal.events.dates import DateRange, date_range
from penpal.events.importer import import_source
from penpal.events.notices import DeliveryReport, deliver_due
from penpal.events.queries import EventFilter, upcoming
from penpal.events.records import EVENT_KINDS, EventError, EventRecord, EventView
from penpal.events.rsvp import (
    CancelResult,
    InvalidRsvp,
    MyRsvp,
    RsvpResult,
    cancel_rsvp,
    check_email,
    check_name,
    my_rsvps,
    rsvp,
)
from penpal.events.store import EventImportSummary, add_event, cancel_event, get_event

__all__ = [
    "EVENT_KINDS", "CancelResult", "DateRange", "DeliveryReport", "EventError", "EventFilter",
    "EventImportSummary", "EventRecord", "EventView", "InvalidRsvp", "MyRsvp", "RsvpResult",
    "add_event", "calendar_file", "calendar_url", "cancel_event", "cancel_rsvp", "check_email",
    "check_name", "date_range", "deliver_due", "event_ics", "get_event", "import_source",
    "my_rsvps", "rsvp", "upcoming",
]
