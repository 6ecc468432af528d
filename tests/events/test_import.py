"""Importing ICS files and URLs (a real local HTTP server), and the demo calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from penpal.catalog import feed_check
from penpal.config import EventsSettings
from penpal.db import Database
from penpal.db.models import EventNotice
from penpal.events import (
    EventError,
    EventFilter,
    get_event,
    import_source,
    rsvp,
    upcoming,
)
from penpal.events.jobs import sync_event_feeds
from tests.conftest import PROJECT
from tests.events.conftest import FIXTURES


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
    with pytest.raises(EventError, match="HTTPError"):
        import_source(db, f"{server}/missing.ics")
    with pytest.raises(EventError, match="Timeout"):
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
