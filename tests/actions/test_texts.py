"""Replies that moved from action code to domain.yml read as they did."""

from __future__ import annotations

from datetime import timedelta

from actions.events import ActionAskRsvpEvent, ActionEventNotice, _calendar
from penpal.db import Database
from tests.actions.said import said
from tests.events.conftest import make_event
from tests.support.rasa import responses, run, tracker


def notice(event_id: int, kind: str, hours: str | None = None) -> list[dict]:
    entities = {"event_id": str(event_id), "event_notice": kind}
    if hours is not None:
        entities["event_hours"] = hours
    return run(ActionEventNotice(), tracker(entities=entities))[0]


def test_event_notices_read_as_before(app_db: Database) -> None:
    online = make_event(app_db, "webinar", kind="webinar", title="Maps webinar",
                        online_url="https://meet.example/maps", starts_in=timedelta(days=1))
    hall = make_event(app_db, "launch", kind="launch", title="Launch party", city="Hamburg")

    [reminder] = notice(online.id, "reminder", "24")
    assert reminder["response"] == "utter_event_notice_reminder_online"
    assert said(reminder) == (f"⏰ Reminder: Maps webinar starts in 24 hours: {online.when()}, "
                              "online. Join here: https://meet.example/maps")
    assert reminder["buttons"][0]["title"] == "I can't come"
    assert said(notice(hall.id, "reminder", "1")[0]) == (
        f"⏰ Reminder: Launch party starts in 1 hour: {hall.when()}, Hamburg.")
    assert said(notice(hall.id, "reminder")[0]).startswith("⏰ Reminder: Launch party starts soon:")

    [promoted] = notice(hall.id, "promoted")
    assert said(promoted) == (
        f"Good news! A seat freed up for Launch party and it's yours: {hall.when()}, Hamburg. "
        f"Add it to your calendar: {_calendar(hall)}")
    assert promoted["buttons"][0]["title"] == "Cancel my place"
    assert said(notice(hall.id, "cancelled")[0]) == (
        f"Sorry: Launch party ({hall.when()}) has been cancelled. Your sign-up is void; "
        "ask me \"any events coming up?\" for others.")


def test_the_rsvp_form_asks_which_event_with_buttons(app_db: Database) -> None:
    make_event(app_db, "launch", kind="launch", title="Launch party", city="Hamburg")
    [asked], _ = run(ActionAskRsvpEvent(), tracker())
    assert responses([asked]) == ["utter_rsvp_which_event"]
    assert said(asked) == "Which event would you like to sign up for?"
    assert asked["buttons"][0]["title"].startswith("Launch party (")
