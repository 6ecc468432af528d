"""Importing ICS files and URLs (a real local HTTP server), and the demo calendar; and
hostile calendars, which fail safe with a reason, in time and in bounded memory."""

from __future__ import annotations

import random
import time
import tracemalloc
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from penpal.catalog import feed_check
from penpal.config import EventsSettings
from penpal.db import Database
from penpal.db.models import Event, EventNotice
from penpal.events import (
    EventError,
    EventFilter,
    get_event,
    import_source,
    rsvp,
    upcoming,
)
from penpal.events.ics import MAX_BYTES, MAX_DESCRIPTION, MAX_EVENTS, MAX_PARTS, MAX_TITLE
from penpal.events.jobs import sync_event_feeds
from tests.catalog.conftest import FeedServer, Hostile, endless, gzip_bomb, in_flight_bytes
from tests.conftest import PROJECT
from tests.events.conftest import FIXTURES

ICS = "text/calendar"


def test_import_from_a_url_keeps_zones_and_rejects_bad_events(db: Database, server: str) -> None:
    summary = import_source(db, f"{server}/readings.ics", default_zone="Europe/London")
    assert (summary.new, summary.rejected) == (3, [("tour-bad@example", "tour-bad@example: "
                                                    "unknown kind 'party'")])
    now = datetime(2030, 1, 1, tzinfo=timezone.utc)
    events = upcoming(db, EventFilter(), now)
    berlin, webinar, leeds = events
    assert (berlin.kind, berlin.city, berlin.venue, berlin.capacity) == (
        "reading", "Berlin", "Kiezbuch", 25)
    assert berlin.topics == ["folklore"]
    assert berlin.when() == "Wed 12 Jun 2030, 19:30–21:00 CEST"
    assert (webinar.kind, webinar.online, webinar.ends_at - webinar.starts_at) == (
        "webinar", True, timedelta(minutes=90))
    assert leeds.timezone == "Europe/London" and leeds.local_start.hour == 11
    again = import_source(db, f"{server}/readings.ics", default_zone="Europe/London")
    assert (again.new, again.unchanged) == (0, 3)


def test_broken_missing_and_slow_sources_fail_with_a_reason(db: Database, server: str) -> None:
    with pytest.raises(EventError, match="not an iCalendar"):
        import_source(db, f"{server}/broken.ics")
    with pytest.raises(EventError, match="answered HTTP 404"):
        import_source(db, f"{server}/missing.ics")
    with pytest.raises(EventError, match=r"did not answer within 0\.5 s"):
        import_source(db, f"{server}/slow.ics", timeout=0.5)
    with pytest.raises(EventError, match="cannot read"):
        import_source(db, str(FIXTURES / "nowhere.ics"))


def test_feeds_are_synced_when_due_and_a_restarted_scheduler_knows_when_that_was(
    db: Database, server: str
) -> None:
    good, broken = f"{server}/readings.ics", f"{server}/broken.ics"
    settings = EventsSettings(feeds=[good, broken], sync_minutes=60)
    start = datetime.now(timezone.utc)
    sync_event_feeds(db, settings, now=start)
    assert upcoming(db, EventFilter(words="Reading in Berlin"), start)
    first = feed_check(db, good)
    assert first.last_error is None
    assert "not an iCalendar" in (feed_check(db, broken).last_error or "")

    restarted = Database(db.url)  # another process: nothing remembered in memory
    sync_event_feeds(restarted, settings, now=start + timedelta(minutes=30))
    assert feed_check(db, good).checked_at == first.checked_at
    sync_event_feeds(restarted, settings, now=start + timedelta(minutes=61))
    assert feed_check(db, good).checked_at > first.checked_at
    restarted.dispose()


def test_the_demo_calendar_always_has_upcoming_events(db: Database) -> None:
    demo = str(PROJECT / "data" / "demo" / "events.ics")
    summary = import_source(db, demo, today=date.today())
    assert summary.new >= 8 and not summary.rejected
    events = upcoming(db, EventFilter(), datetime.now(timezone.utc), limit=20)
    assert len(events) >= 8
    assert {event.kind for event in events} == {"launch", "reading", "signing", "webinar"}


def test_moving_an_event_moves_its_reminders_and_cancelling_it_tells_readers(
    db: Database, tmp_path
) -> None:
    source = (FIXTURES / "readings.ics").read_text()
    path = tmp_path / "tour.ics"
    path.write_text(source)
    import_source(db, str(path))
    berlin = upcoming(db, EventFilter(city="berlin"), datetime(2030, 1, 1, tzinfo=timezone.utc))[0]
    rsvp(db, "tg-1", "telegram", berlin.id, "Ann", "ann@example.org", [24.0],
         now=datetime(2030, 1, 1, tzinfo=timezone.utc))
    path.write_text(source.replace("20300612T", "20300613T"))
    assert import_source(db, str(path)).updated == 1
    with db.session() as session:
        due = session.execute(select(EventNotice.due_at)).scalar_one()
    day_before = datetime(2030, 6, 12, 17, 30, tzinfo=timezone.utc)
    assert due.replace(tzinfo=timezone.utc) == day_before
    path.write_text(source.replace("UID:tour-berlin@example", "UID:tour-berlin@example\n"
                                   "STATUS:CANCELLED"))
    assert import_source(db, str(path)).cancelled == 1
    assert get_event(db, berlin.id).status == "cancelled"
    with db.session() as session:
        kinds = session.execute(select(EventNotice.kind, EventNotice.status)).all()
    assert sorted(tuple(k) for k in kinds) == [("cancelled", "pending"), ("reminder", "skipped")]


def stored_events(db: Database) -> list[tuple]:
    with db.session() as session:
        return [tuple(row) for row in session.execute(
            select(Event.id, Event.uid, Event.title, Event.description, Event.starts_at,
                   Event.ends_at, Event.status, Event.updated_at).order_by(Event.id))]


def calendar(*events: str) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Hostile//EN\r\n"
            + "".join(events) + "END:VCALENDAR\r\n").encode()


def vevent(uid: str, **properties: str | None) -> str:
    fields = {"UID": uid, "SUMMARY": f"Reading {uid}", "DTSTART": "20300701T190000Z",
              **properties}
    return "BEGIN:VEVENT\r\n" + "".join(
        f"{name.replace('_', '-')}:{value}\r\n" for name, value in fields.items()
        if value is not None) + "END:VEVENT\r\n"


@pytest.fixture
def tour(db: Database, feed_server: FeedServer) -> str:
    """The URL of a calendar imported once (three events); each test then turns it hostile."""
    url = feed_server.serve("/tour.ics", (FIXTURES / "readings.ics").read_bytes(), ICS)
    assert import_source(db, url, default_zone="Europe/London").new == 3
    return url


def fails_safely(db: Database, url: str, reason: str, timeout: float = 10) -> float:
    """Import ``url``: EventError matching ``reason``, the events unchanged. Returns the
    seconds the import took."""
    before = stored_events(db)
    started = time.monotonic()
    with pytest.raises(EventError, match=reason):
        import_source(db, url, "Europe/London", timeout)
    elapsed = time.monotonic() - started
    assert stored_events(db) == before
    return elapsed


@pytest.mark.hostile("event feeds")
def test_an_ics_that_says_it_is_too_large_is_refused_before_it_is_read(
    db: Database, feed_server: FeedServer, tour: str
) -> None:
    hostile = Hostile(endless(bytes(64 * 1024)),
                      {"Content-Type": ICS, "Content-Length": str(50 * MAX_BYTES)})
    feed_server.serve_hostile("/tour.ics", hostile)
    elapsed = fails_safely(db, tour, r"/tour.ics is larger than 5 MB \(it says 250 MB\)$")
    assert elapsed < 8  # stopped by the cap, well before the 10 s deadline
    assert hostile.sent < MAX_BYTES


@pytest.mark.hostile("event feeds")
def test_an_ics_without_length_or_end_is_cut_off_at_the_cap(
    db: Database, feed_server: FeedServer, tour: str
) -> None:
    hostile = Hostile(endless(vevent("again@example").encode() * 500),
                      {"Content-Type": ICS, "Transfer-Encoding": "chunked"}, chunked=True)
    feed_server.serve_hostile("/tour.ics", hostile)
    elapsed = fails_safely(db, tour, r"/tour.ics is larger than 5 MB$")
    assert elapsed < 8  # stopped by the cap, well before the 10 s deadline
    # the client stopped at the cap: the server wrote no more than the connection holds
    assert MAX_BYTES < hostile.sent <= MAX_BYTES + in_flight_bytes()


@pytest.mark.hostile("event feeds")
def test_an_ics_gzip_bomb_stops_at_the_cap_on_the_inflated_bytes(
    db: Database, feed_server: FeedServer, tour: str
) -> None:
    pieces, size = gzip_bomb(b"BEGIN:VCALENDAR\r\nX-PADDING:", gigabytes=64)
    hostile = Hostile(pieces, {"Content-Type": ICS, "Content-Encoding": "gzip"}, total=size)
    feed_server.serve_hostile("/tour.ics", hostile)
    tracemalloc.start()
    try:
        elapsed = fails_safely(db, tour, r"/tour.ics is larger than 5 MB$")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 8  # stopped by the cap, well before the 10 s deadline
    assert peak < 2 * MAX_BYTES
    assert hostile.sent < hostile.total / 10


@pytest.mark.hostile("event feeds")
@pytest.mark.parametrize(("drip_head", "reason"), [
    (False, r"/tour.ics did not finish within 1 s$"),
    (True, r"/tour.ics did not answer within 1 s$"),
])
def test_an_ics_slow_drip_is_cut_off_at_the_deadline(
    db: Database, feed_server: FeedServer, tour: str, drip_head: bool, reason: str
) -> None:
    # A byte every 0.25 s: no single read waits as long as the 1 s timeout.
    hostile = Hostile(endless(b" "), {"Content-Type": ICS}, pause=0.25, drip_head=drip_head)
    feed_server.serve_hostile("/tour.ics", hostile)
    elapsed = fails_safely(db, tour, reason, timeout=1)
    assert 0.9 < elapsed < 5  # at the 1 s deadline, not never


@pytest.mark.hostile("event feeds")
@pytest.mark.parametrize(("body", "content_type"), [
    (random.Random(12).randbytes(4096), "application/octet-stream"),
    (b"<!DOCTYPE html><html><body><h1>Our events</h1></body></html>", "text/html"),
], ids=["binary noise", "an HTML page"])
def test_garbage_is_not_a_calendar(
    db: Database, feed_server: FeedServer, tour: str, body: bytes, content_type: str
) -> None:
    feed_server.serve("/tour.ics", body, content_type)
    fails_safely(db, tour, "^not an iCalendar document: ")


@pytest.mark.hostile("event feeds")
def test_events_that_cannot_be_read_are_rejected_each_with_its_reason(
    db: Database, feed_server: FeedServer, tour: str
) -> None:
    before = stored_events(db)
    feed_server.serve("/tour.ics", calendar(
        vevent("good@example"),
        vevent("no-start@example", DTSTART=None),
        vevent("garbled@example", DTSTART="next tuesday"),
        vevent("forever@example", DURATION="P99999999W"),
        vevent("far@example", DTSTART="99991231T230000Z", DURATION="P2D"),
        vevent("sneaky@example", URL="javascript:alert(1)"),
        vevent("crowd@example", X_PENPAL_CAPACITY="1" + "0" * 40),
        vevent("u" * 600),
    ), ICS)
    summary = import_source(db, tour, "Europe/London")
    assert summary.new == 1
    assert summary.rejected == [
        ("no-start@example", "an event needs UID, SUMMARY and DTSTART"),
        ("garbled@example", "DTSTART and DTEND must be dates or date-times"),
        ("forever@example", "its dates are out of range"),
        ("far@example", "its dates are out of range"),
        ("sneaky@example", "sneaky@example: its URL is not an http(s) address of at most "
                           "2000 characters"),
        ("crowd@example", "crowd@example: capacity is not a number from 0 to 100000"),
        ("u" * 100, "its UID is longer than 500 characters"),
    ]
    assert stored_events(db)[:3] == before


@pytest.mark.hostile("event feeds")
def test_absurdly_long_fields_are_cut_to_size(
    db: Database, feed_server: FeedServer, tour: str
) -> None:
    feed_server.serve("/tour.ics", calendar(vevent(
        "long@example", SUMMARY="Long " * 2000, DESCRIPTION="word " * 200_000,
        LOCATION="Hall " * 1000 + ", " + "Town " * 1000,
        CATEGORIES=",".join(f"topic {number}" for number in range(1000)))), ICS)
    assert import_source(db, tour, "Europe/London").new == 1
    [long] = upcoming(db, EventFilter(words="Long"), datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert len(long.title) <= MAX_TITLE and long.title.endswith("Long…")
    assert len(long.description) <= MAX_DESCRIPTION and long.description.endswith("word…")
    assert long.venue is not None and long.venue.endswith("Hall…")
    assert long.city is not None and long.city.endswith("Town…")
    assert len(long.topics) == 20


@pytest.mark.hostile("event feeds")
def test_one_import_takes_at_most_max_events_and_says_so_for_the_rest(
    db: Database, feed_server: FeedServer, tour: str
) -> None:
    before = stored_events(db)
    feed_server.serve("/tour.ics", calendar(
        *(vevent(f"e{number}@example") for number in range(1, MAX_EVENTS + 6))), ICS)
    summary = import_source(db, tour, "Europe/London")
    assert summary.new == MAX_EVENTS
    assert summary.rejected == [
        ("events 501–505", "one import takes at most 500 events; these were left out")]
    after = stored_events(db)
    assert after[:3] == before
    assert (after[3][1], after[-1][1]) == ("e1@example", f"e{MAX_EVENTS}@example")


@pytest.mark.hostile("event feeds")
def test_what_penpal_does_not_read_is_not_parsed_and_the_rest_is_bounded(
    db: Database, feed_server: FeedServer, tour: str
) -> None:
    # icalendar takes about 0.1 ms a property: 40,000 to-dos would take seconds.
    todo = "BEGIN:VTODO\r\nUID:chore@example\r\nSUMMARY:Not an event\r\nEND:VTODO\r\n"
    feed_server.serve("/tour.ics", calendar(vevent("good@example"), todo * 40_000), ICS)
    started = time.monotonic()
    assert import_source(db, tour, "Europe/London").new == 1
    assert time.monotonic() - started < 5  # dropped unread: parsing them takes far longer
    feed_server.serve("/tour.ics", calendar(vevent("busy@example", **{
        f"X-NOTE-{number}": "noted" for number in range(MAX_PARTS)})), ICS)
    elapsed = fails_safely(db, tour, f"^the calendar has more than {MAX_PARTS} properties and "
                                     r"parameters \(counting its first 500 events only\)$")
    assert elapsed < 5


@pytest.mark.hostile("event feeds")
def test_a_file_larger_than_the_cap_is_refused_unread(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "huge.ics"
    with path.open("wb") as file:
        file.truncate(50 * MAX_BYTES)  # sparse: nothing is written
    with pytest.raises(EventError, match=r"huge.ics is larger than 5 MB$"):
        import_source(db, str(path))
