"""The calendar file readers get: a valid iCalendar event in the event's own time zone."""

from __future__ import annotations

from icalendar import Calendar

from penpal.db import Database
from penpal.events import calendar_file
from tests.events.conftest import make_event


def test_calendar_file_round_trips(db: Database) -> None:
    event = make_event(db, "cal", city="Leeds", venue="Book Corner", timezone="Europe/London",
                       description="Signed copies.")
    data = calendar_file(db, event.id, "https://penpal.example/", "Mira Kestrel")
    entry = next(iter(Calendar.from_ical(data).walk("VEVENT")))
    assert str(entry["SUMMARY"]) == "Reading cal"
    assert entry.decoded("DTSTART") == event.local_start
    assert entry["DTSTART"].params["TZID"] == "Europe/London"
    assert str(entry["LOCATION"]) == "Book Corner, Leeds"
    assert str(entry["URL"]) == f"https://penpal.example/events/{event.id}.ics"
    assert calendar_file(db, 9999, "https://penpal.example", "Mira") is None


def test_the_route_registers_on_a_sanic_app() -> None:
    from sanic import Sanic

    from penpal.events.web import events_routes

    app = Sanic("penpal_events_test")
    app.blueprint(events_routes(lambda event_id: None))
    assert any(route.path == "events/<filename:str>" for route in app.router.routes)
