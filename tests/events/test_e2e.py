"""End to end: events over the REST channel with the trained model and both servers.

Notices go through the real Rasa HTTP API (trigger_intent); readers here use
the REST channel, which cannot push, so the notices land in their
conversation history, which is what the test reads.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from penpal.db import Database
from penpal.db.clock import as_utc
from penpal.db.models import Event, Rsvp
from penpal.events import cancel_event, deliver_due, rsvp
from penpal.push import RasaPusher
from tests.support.devstack import Stack
from tests.support.stack import SharedPenpal

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(shared: SharedPenpal) -> Stack:
    """The shared Penpal, with the demo events imported."""
    return shared.stack


@pytest.fixture(scope="module")
def app_db(shared: SharedPenpal) -> Database:
    return shared.database


def texts(replies: list[dict]) -> list[str]:
    return [reply.get("text", "") for reply in replies]


def said(stack: Stack, sender: str, text: str) -> str:
    return "\n".join(texts(stack.say(sender, text)))


def bot_history(stack: Stack, sender: str) -> str:
    events = stack.tracker(sender)["events"]
    return "\n".join(event.get("text") or "" for event in events if event["event"] == "bot")


def rsvp_of(app_db: Database, name: str) -> tuple[int, str]:
    with app_db.session() as session:
        row = session.execute(select(Rsvp).where(Rsvp.name == name)).scalar_one()
        return row.event_id, row.status


def test_list_details_sign_up_calendar_and_my_rsvps(stack: Stack, app_db: Database) -> None:
    listing = said(stack, "ann", "any events coming up?")
    assert "Here are the upcoming events:" in listing and "1. " in listing
    details = said(stack, "ann", "tell me more about the first one")
    assert "When: " in details and "Calendar file: " in details
    assert "name" in said(stack, "ann", "sign me up")
    assert "email" in said(stack, "ann", "Ann Lee")
    assert "doesn't look right" in said(stack, "ann", "ann(at)example")
    confirmed = said(stack, "ann", "ann@example.org")
    assert "You're on the list for" in confirmed
    event_id, status = rsvp_of(app_db, "Ann Lee")
    assert status == "going"
    calendar = requests.get(f"{stack.rasa_url}/events/{event_id}.ics", timeout=30)
    assert calendar.status_code == 200
    assert calendar.headers["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in calendar.content
    assert "(going)" in said(stack, "ann", "what am I signed up for?")


def test_the_form_can_be_cancelled(stack: Stack, app_db: Database) -> None:
    said(stack, "carl", "any webinars?")
    assert "name" in said(stack, "carl", "sign me up for the first one")
    assert "haven't signed you up" in said(stack, "carl", "never mind")


def test_full_event_waitlist_then_promotion_is_told(stack: Stack, app_db: Database) -> None:
    with app_db.session() as session:
        small = session.execute(select(Event).where(Event.capacity == 3)).scalar_one()
    for number in range(3):
        # Their conversations over REST, as Rasa keys them.
        rsvp(app_db, f"rest:x{number}", "rest", small.id, f"Guest {number}",
             f"g{number}@example.org", [24.0, 1.0])
    assert "Baltic folklore" in said(stack, "bob", "any readings in Berlin?")
    said(stack, "bob", "sign me up for the first one")
    said(stack, "bob", "Bob Stone")
    assert "you're number 1" in said(stack, "bob", "bob@example.org")
    assert "is cancelled" in said(stack, "x0", "cancel my RSVP")
    report = deliver_due(app_db, RasaPusher(stack.rasa_url))
    assert report.history == 1
    assert "Good news! A seat freed up for Reading: Baltic folklore" in bot_history(stack, "bob")
    assert rsvp_of(app_db, "Bob Stone")[1] == "going"


def test_a_reminder_and_a_cancellation_reach_the_conversation_once(
    stack: Stack, app_db: Database
) -> None:
    event_id, _ = rsvp_of(app_db, "Ann Lee")
    with app_db.session() as session:
        starts_at = as_utc(session.get(Event, event_id).starts_at)
    pusher = RasaPusher(stack.rasa_url)
    deliver_due(app_db, pusher, now=starts_at - timedelta(hours=23))
    deliver_due(app_db, pusher, now=starts_at - timedelta(hours=23))  # a second round
    assert bot_history(stack, "ann").count("⏰ Reminder:") == 1
    cancel_event(app_db, event_id)
    deliver_due(app_db, pusher)
    assert "has been cancelled" in bot_history(stack, "ann")
