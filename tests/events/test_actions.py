"""The events actions with rasa-sdk's Tracker and CollectingDispatcher, on a real app database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.events import (
    ActionAskRsvpEvent,
    ActionEventDetails,
    ActionEventList,
    ActionEventNotice,
    ActionRsvpCancel,
    ActionRsvpList,
    ActionRsvpSubmit,
    ValidateRsvpForm,
)
from penpal.db import Database
from penpal.db.models import ChannelIdentity, Rsvp
from tests.actions.said import said
from tests.events.conftest import make_event
from tests.support.rasa import responses, run, tracker


@pytest.fixture
def events(app_db: Database) -> dict[str, int]:
    made = {
        "berlin": make_event(app_db, "berlin", kind="reading", city="Berlin", venue="Kiezbuch",
                             capacity=1, starts_in=timedelta(days=2)),
        "webinar": make_event(app_db, "webinar", kind="webinar", title="Maps webinar",
                              online_url="https://meet.example/maps", topics=("maps",),
                              starts_in=timedelta(days=4)),
        "launch": make_event(app_db, "launch", kind="launch", title="Launch party",
                             city="Hamburg", starts_in=timedelta(days=30)),
    }
    return {name: event.id for name, event in made.items()}


def texts(messages: list[dict]) -> list[str]:
    """What the reader reads: a message's text, or its domain response filled in."""
    return [said(message) for message in messages]


def test_listing_filters_and_remembers_what_it_showed(events: dict[str, int]) -> None:
    messages, slots = run(ActionEventList(), tracker(
        intent="events_list", text="any readings in Berlin?",
        entities={"event_kind": "reading", "event_city": "Berlin"}))
    assert responses(messages) == ["utter_events_intro", None, "utter_events_outro"]
    assert messages[0]["what"] == "readings in Berlin"
    assert texts(messages)[1].startswith("1. Reading berlin (reading): ")
    assert "Kiezbuch, Berlin" in texts(messages)[1]
    assert messages[1]["buttons"][1]["payload"] == f'/rsvp{{"event_id": "{events["berlin"]}"}}'
    assert slots == [SlotSet("event_listed", [str(events["berlin"])])]


def test_listing_online_and_by_date_phrase(events: dict[str, int]) -> None:
    messages, _ = run(ActionEventList(), tracker(
        intent="events_list", text="online events", entities={"event_online": "online"}))
    assert next(t for t in texts(messages) if t.startswith("1.")).startswith("1. Maps webinar")
    messages, slots = run(ActionEventList(), tracker(intent="events_list",
                                                     text="anything happening today?"))
    assert responses(messages) == ["utter_events_none"]
    assert slots == [SlotSet("event_listed", [])]


def test_details_of_the_second_listed_event_in_its_own_time_zone(
    events: dict[str, int],
) -> None:
    listed = [str(events["berlin"]), str(events["webinar"])]
    messages, slots = run(ActionEventDetails(), tracker(
        intent="event_details", slots={"event_listed": listed}, entities={"ordinal": "2"}))
    text = texts(messages)[0]
    assert text.startswith("Maps webinar (webinar)\nWhen: ")
    assert "CET" in text or "CEST" in text
    assert "Link: https://meet.example/maps" in text
    assert f"/events/{events['webinar']}.ics" in text
    assert slots == [SlotSet("event_current", str(events["webinar"]))]
    messages, _ = run(ActionEventDetails(), tracker(
        intent="event_details", entities={"event_kind": "launch"}))
    assert texts(messages)[0].startswith("Launch party (launch)")
    assert responses(run(ActionEventDetails(), tracker(intent="event_details"))[0]) == [
        "utter_event_which"]


def extract(state) -> tuple[dict, list]:
    dispatcher = CollectingDispatcher()
    result = asyncio.run(ValidateRsvpForm().extract_rsvp_event(dispatcher, state, {}))
    return result, dispatcher.messages


def test_the_form_finds_the_event_and_validates_name_and_email(events: dict[str, int]) -> None:
    assert extract(tracker(intent="rsvp", slots={"event_current": str(events["launch"])}))[0] == {
        "rsvp_event": str(events["launch"]), "event_current": str(events["launch"])}
    assert extract(tracker(intent="rsvp"))[0] == {}
    dispatcher = CollectingDispatcher()
    form = ValidateRsvpForm()
    assert form.validate_rsvp_email("Ann@Example.org", dispatcher, tracker(), {}) == {
        "rsvp_email": "Ann@example.org"}
    assert form.validate_rsvp_email("ann@@x", dispatcher, tracker(), {}) == {"rsvp_email": None}
    assert form.validate_rsvp_name("!!!", dispatcher, tracker(), {}) == {"rsvp_name": None}
    assert responses(dispatcher.messages) == ["utter_rsvp_email_invalid",
                                              "utter_rsvp_name_invalid"]
    assert dispatcher.messages[0]["reason"]


def test_the_form_asks_which_event_with_buttons(events: dict[str, int]) -> None:
    messages, slots = run(ActionAskRsvpEvent(), tracker(intent="rsvp"))
    assert [button["title"].split(" (")[0] for button in messages[0]["buttons"]] == [
        "Reading berlin", "Maps webinar", "Launch party"]
    assert slots[0].get("name") == "event_listed"


def submit(sender: str, event_id: int, name: str = "Ann", channel: str = "telegram"):
    return run(ActionRsvpSubmit(), tracker(sender=sender, channel=channel, slots={
        "rsvp_event": str(event_id), "rsvp_name": name, "rsvp_email": f"{sender}@example.org"}))


def test_sign_up_waitlist_list_and_cancel(app_db: Database, events: dict[str, int]) -> None:
    messages, slots = submit("tg-1", events["berlin"])
    assert responses(messages) == ["utter_rsvp_going"]
    assert messages[0]["calendar"].endswith(f"/events/{events['berlin']}.ics")
    assert SlotSet("rsvp_event", None) in slots
    messages, _ = submit("tg-2", events["berlin"], "Bob")
    assert responses(messages) == ["utter_rsvp_waitlisted"] and messages[0]["position"] == 1
    assert responses(submit("tg-2", events["berlin"], "Bob")[0]) == ["utter_rsvp_already"]

    messages, _ = run(ActionRsvpList(), tracker(sender="tg-2", intent="my_rsvps"))
    assert responses(messages) == ["utter_rsvp_list_intro", None]
    assert "(waitlist, number 1)" in texts(messages)[1]

    messages, _ = run(ActionRsvpCancel(), tracker(sender="tg-1", intent="rsvp_cancel"))
    assert responses(messages) == ["utter_rsvp_cancelled"]
    messages, _ = run(ActionRsvpList(), tracker(sender="tg-2", intent="my_rsvps"))
    assert "(going)" in texts(messages)[1]
    with app_db.session() as session:
        assert session.execute(select(ChannelIdentity.channel).where(
            ChannelIdentity.conversation_id == "tg-2")).scalar_one() == "telegram"
        assert session.execute(select(Rsvp.status).where(Rsvp.name == "Ann")).scalar_one() == (
            "cancelled")


def test_cancel_asks_which_when_there_are_several(events: dict[str, int]) -> None:
    submit("tg-3", events["webinar"])
    submit("tg-3", events["launch"])
    messages, _ = run(ActionRsvpCancel(), tracker(sender="tg-3", intent="rsvp_cancel"))
    assert responses(messages) == ["utter_rsvp_cancel_which"]
    assert len(messages[0]["buttons"]) == 2
    messages, _ = run(ActionRsvpCancel(), tracker(
        sender="tg-3", intent="rsvp_cancel", entities={"event_kind": "launch"}))
    assert responses(messages) == ["utter_rsvp_cancelled"]
    assert messages[0]["title"] == "Launch party"
    assert responses(run(ActionRsvpCancel(), tracker(sender="nobody"))[0]) == [
        "utter_rsvp_none"]


def test_notices_read_the_event_from_the_entities(events: dict[str, int]) -> None:
    entities = {"event_id": str(events["webinar"]), "event_notice": "reminder",
                "event_hours": "24"}
    messages, _ = run(ActionEventNotice(), tracker(
        intent="EXTERNAL_event_reminder", entities=entities))
    assert texts(messages)[0].startswith("⏰ Reminder: Maps webinar starts in 24 hours")
    assert "Join here: https://meet.example/maps" in texts(messages)[0]
    messages, _ = run(ActionEventNotice(), tracker(intent="EXTERNAL_event_cancelled", entities={
        **entities, "event_notice": "cancelled"}))
    assert "has been cancelled" in texts(messages)[0]
    messages, _ = run(ActionEventNotice(), tracker(intent="EXTERNAL_event_promoted", entities={
        **entities, "event_notice": "promoted"}))
    assert texts(messages)[0].startswith("Good news! A seat freed up for Maps webinar")


def test_a_broken_database_fails_soft(events: dict[str, int], monkeypatch) -> None:
    monkeypatch.setenv("PENPAL_DATABASE_URL", "sqlite:////nonexistent/dir/penpal.db")
    messages, _ = run(ActionEventList(), tracker(intent="events_list", text="events?"))
    assert responses(messages) == ["utter_events_unavailable"]
    messages, _ = submit("tg-9", events["launch"])
    assert responses(messages) == ["utter_rsvp_failed"]
