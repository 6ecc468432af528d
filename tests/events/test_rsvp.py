"""RSVPs on SQLite and PostgreSQL: seats, waitlist, cancelling, and 100 readers racing."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from penpal.db import Database
from penpal.db.models import Event, EventNotice, Reader, Rsvp
from penpal.events import InvalidRsvp, cancel_rsvp, check_email, my_rsvps, rsvp
from tests.events.conftest import make_event

HOURS = [24.0, 1.0]


def sign_up(db: Database, who: str, event_id: int, channel: str = "telegram"):
    return rsvp(db, who, channel, event_id, who.title(), f"{who}@example.org", HOURS)


def test_seats_then_waitlist_with_positions(db: Database) -> None:
    event = make_event(db, capacity=2)
    assert [sign_up(db, name, event.id).status for name in ("ann", "bob")] == ["going"] * 2
    carl, dora = sign_up(db, "carl", event.id), sign_up(db, "dora", event.id)
    assert (carl.status, carl.position) == ("waitlisted", 1)
    assert (dora.status, dora.position) == ("waitlisted", 2)
    again = sign_up(db, "dora", event.id)
    assert again.already and again.position == 2
    assert again.event.seats_left == 0


def test_going_gets_reminders_in_the_future_only(db: Database) -> None:
    event = make_event(db, starts_in=timedelta(hours=5))
    sign_up(db, "ann", event.id)
    with db.session() as session:
        hours = session.execute(select(EventNotice.hours_before)).scalars().all()
    assert hours == [1.0]  # 24 h before is already past


def test_cancelling_promotes_the_first_on_the_waitlist_who_is_told(db: Database) -> None:
    event = make_event(db, capacity=1)
    for name in ("ann", "bob", "carl"):
        sign_up(db, name, event.id)
    result = cancel_rsvp(db, "ann", event.id, HOURS)
    assert result.cancelled and result.promoted
    assert [(mine.event.id, mine.status) for mine in my_rsvps(db, "bob")] == [(event.id, "going")]
    assert [(mine.status, mine.position) for mine in my_rsvps(db, "carl")] == [("waitlisted", 1)]
    assert my_rsvps(db, "ann") == []
    with db.session() as session:
        notices = session.execute(
            select(Rsvp.name, EventNotice.kind, EventNotice.status)
            .join(Rsvp, Rsvp.id == EventNotice.rsvp_id).order_by(EventNotice.id)
        ).all()
        seats = session.get(Event, event.id).seats_taken
    assert ("Bob", "promoted", "pending") in notices
    assert ("Ann", "reminder", "skipped") in notices
    assert seats == 1


def test_cancelling_without_a_waitlist_frees_the_seat(db: Database) -> None:
    event = make_event(db, capacity=1)
    sign_up(db, "ann", event.id)
    assert cancel_rsvp(db, "ann", event.id, HOURS).event.seats_left == 1
    assert not cancel_rsvp(db, "ann", event.id, HOURS).cancelled
    assert sign_up(db, "bob", event.id).status == "going"


def test_signing_up_again_after_cancelling_joins_the_end_of_the_queue(db: Database) -> None:
    event = make_event(db, capacity=1)
    for name in ("ann", "bob", "carl"):
        sign_up(db, name, event.id)
    cancel_rsvp(db, "bob", event.id, HOURS)
    assert sign_up(db, "bob", event.id).position == 2


def test_no_sign_up_for_a_started_event(db: Database) -> None:
    event = make_event(db, starts_in=timedelta(minutes=-5))
    assert sign_up(db, "ann", event.id).status == "closed"


def test_email_is_checked_without_dns() -> None:
    assert check_email(" Ann@Example.ORG ") == "Ann@example.org"
    for bad in ("ann", "ann@", "ann@@example.org", "ann@example"):
        with pytest.raises(InvalidRsvp):
            check_email(bad)


def test_a_hundred_concurrent_rsvps_for_ten_seats(db: Database) -> None:
    event = make_event(db, capacity=10)
    start = threading.Barrier(100)
    results: list[str] = []
    errors: list[BaseException] = []

    def reader(number: int) -> None:
        own = Database(db.url) if number % 10 == 0 else db  # some as other processes would
        start.wait()
        try:
            results.append(sign_up(own, f"reader{number}", event.id).status)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Counter(results) == {"going": 10, "waitlisted": 90}
    with db.session() as session:
        statuses = Counter(session.execute(select(Rsvp.status)).scalars())
        assert session.get(Event, event.id).seats_taken == 10
    assert statuses == {"going": 10, "waitlisted": 90}


def test_forgetting_a_reader_erases_their_rsvps_and_notices(db: Database) -> None:
    event = make_event(db, capacity=5)
    sign_up(db, "ann", event.id)
    with db.session() as session:
        session.execute(delete(Reader))
    with db.session() as session:
        assert session.execute(select(Rsvp)).first() is None
        assert session.execute(select(EventNotice)).first() is None
