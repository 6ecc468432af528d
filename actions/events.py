"""Events: listings, details, the RSVP form, cancelling, "what am I signed up for?", notices."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.guard import GuardedAction, blocking, blocking_or
from actions.tracking import latest_entity
from penpal.events import (
    EVENT_KINDS,
    EventError,
    EventFilter,
    EventView,
    InvalidRsvp,
    calendar_url,
    cancel_rsvp,
    check_email,
    check_name,
    date_range,
    get_event,
    my_rsvps,
    rsvp,
    upcoming,
)

ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
RSVP_SLOTS = ("rsvp_event", "rsvp_name", "rsvp_email")
FAILURES = (EventError, OSError)  # with StoreUnavailable, which every guard catches


def _button(title: str, intent: str, event_id: int) -> dict[str, str]:
    return {"title": title, "payload": f"/{intent}{json.dumps({'event_id': str(event_id)})}"}


def _ordinal(raw: str | None) -> int | None:
    if raw is None:
        return None
    raw = raw.strip().lower()
    if raw.lstrip("-").isdigit():
        return int(raw)
    return ORDINALS.get(raw.rstrip(".").removesuffix("one").strip())


def _kind(raw: str | None) -> str | None:
    kind = (raw or "").strip().lower().rstrip("s")
    return kind if kind in EVENT_KINDS else None


def _calendar(event: EventView) -> str:
    return calendar_url(str(services.config().public_url), event.id)


def event_summary(event: EventView, number: int | None = None) -> dict[str, Any]:
    """One event in a listing: title, time in its own zone, place, and buttons."""
    prefix = f"{number}. " if number is not None else ""
    seats = ""
    if event.seats_left == 0:
        seats = " (full: waitlist open)"
    return {
        "text": f"{prefix}{event.title} ({event.kind}): {event.when()}, {event.where()}{seats}",
        "buttons": [_button("Details", "event_details", event.id),
                    _button("Sign me up", "rsvp", event.id)],
    }


def event_details(event: EventView) -> dict[str, Any]:
    lines = [f"{event.title} ({event.kind})", f"When: {event.when()}",
             f"Where: {event.where()}"]
    if event.online_url:
        lines.append(f"Link: {event.online_url}")
    if event.description:
        lines.append(event.description)
    if event.topics:
        lines.append(f"Topics: {', '.join(event.topics)}")
    if event.seats_left is not None:
        lines.append(f"Seats left: {event.seats_left}" if event.seats_left
                     else "It's full, but there's a waitlist.")
    if event.status == "cancelled":
        lines.append("This event has been cancelled.")
    lines.append(f"Calendar file: {_calendar(event)}")
    buttons = [_button("Sign me up", "rsvp", event.id)] if event.status == "scheduled" else []
    return {"text": "\n".join(lines), "buttons": buttons}


def chosen_event_id(tracker: Tracker) -> int | None:
    """The event the reader points at: a button's id, "the second one", else the one
    talked about last."""
    explicit = latest_entity(tracker, "event_id")
    if explicit and explicit.isdigit():
        return int(explicit)
    listed = [int(value) for value in tracker.get_slot("event_listed") or []]
    number = _ordinal(latest_entity(tracker, "ordinal"))
    if number and listed and -len(listed) <= number <= len(listed):
        return listed[number - 1] if number > 0 else listed[number]
    current = tracker.get_slot("event_current")
    return int(current) if current and str(current).isdigit() else None


def _resolve(tracker: Tracker) -> EventView | None:
    """Blocking: the event meant; "the launch" is the next upcoming launch."""
    db = services.database()
    kind = _kind(latest_entity(tracker, "event_kind"))
    pointed = latest_entity(tracker, "event_id") or latest_entity(tracker, "ordinal")
    if kind is not None and not pointed:
        found = upcoming(db, EventFilter(kind=kind), datetime.now(timezone.utc), limit=1)
        return found[0] if found else None
    chosen = chosen_event_id(tracker)
    return None if chosen is None else get_event(db, chosen)


def _listing_filter(tracker: Tracker) -> EventFilter:
    settings = services.config().events
    text = tracker.latest_message.get("text") or ""
    topic = (latest_entity(tracker, "topic") or "").lower() or None
    return EventFilter(
        kind=_kind(latest_entity(tracker, "event_kind")),
        topic=None if _kind(topic) else topic,  # "reading" is a topic and a kind
        city=latest_entity(tracker, "event_city"),
        online=latest_entity(tracker, "event_online") is not None,
        when=date_range(text, datetime.now(timezone.utc), settings.timezone)
        if text and not text.startswith("/") else None,
    )


class EventsAction(GuardedAction):
    """If the calendar cannot be read, the reader is told so."""

    apology = "utter_events_unavailable"
    failures = FAILURES


class ActionEventList(EventsAction):
    """ "any events coming up?", "readings in Berlin next week?" """

    def name(self) -> str:
        return "action_event_list"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        wanted = _listing_filter(tracker)
        events = await blocking(upcoming, services.database(), wanted, datetime.now(timezone.utc))
        if not events:
            dispatcher.utter_message(response="utter_events_none", what=wanted.describe())
            return [SlotSet("event_listed", [])]
        dispatcher.utter_message(response="utter_events_intro", what=wanted.describe())
        for number, event in enumerate(events, start=1):
            dispatcher.utter_message(**event_summary(event, number))
        dispatcher.utter_message(response="utter_events_outro")
        return [SlotSet("event_listed", [str(event.id) for event in events])]


class ActionEventDetails(EventsAction):
    def name(self) -> str:
        return "action_event_details"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        event = await blocking(_resolve, tracker)
        if event is None:
            dispatcher.utter_message(response="utter_event_which")
            return []
        dispatcher.utter_message(**event_details(event))
        return [SlotSet("event_current", str(event.id))]


class ValidateRsvpForm(FormValidationAction):
    def name(self) -> str:
        return "validate_rsvp_form"

    async def extract_rsvp_event(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("rsvp_event"):
            return {}
        event = await blocking_or(None, self.name(), _resolve, tracker, failures=FAILURES)
        if event is None:
            return {}
        if event.status != "scheduled" or event.starts_at <= datetime.now(timezone.utc):
            dispatcher.utter_message(response="utter_event_gone")
            return {"event_current": None}
        return {"rsvp_event": str(event.id), "event_current": str(event.id)}

    def validate_rsvp_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        try:
            return {"rsvp_name": check_name(str(value or ""))}
        except InvalidRsvp as error:
            dispatcher.utter_message(response="utter_rsvp_name_invalid", reason=str(error))
            return {"rsvp_name": None}

    def validate_rsvp_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        try:
            return {"rsvp_email": check_email(str(value or ""))}
        except InvalidRsvp as error:
            dispatcher.utter_message(response="utter_rsvp_email_invalid", reason=str(error))
            return {"rsvp_email": None}


class ActionAskRsvpEvent(Action):
    """Asked when the reader wants to sign up but has not said for what: show the options."""

    def name(self) -> str:
        return "action_ask_rsvp_event"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events: list[EventView] = await blocking_or(
            [], self.name(), upcoming, services.database(), EventFilter(),
            datetime.now(timezone.utc), failures=FAILURES)
        dispatcher.utter_message(
            response="utter_rsvp_which_event",
            buttons=[_button(f"{event.title} ({event.local_start:%-d %b})", "rsvp", event.id)
                     for event in events])
        return [SlotSet("event_listed", [str(event.id) for event in events])]


class ActionRsvpSubmit(GuardedAction):
    apology = "utter_rsvp_failed"
    failures = (*FAILURES, InvalidRsvp, TypeError, ValueError)

    def name(self) -> str:
        return "action_rsvp_submit"

    def safe_events(self, tracker: Tracker) -> list[EventType]:
        return reset_rsvp_slots()

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        reset = reset_rsvp_slots()
        result = await blocking(
            rsvp, services.database(), tracker.sender_id, tracker.get_latest_input_channel(),
            int(tracker.get_slot("rsvp_event")), tracker.get_slot("rsvp_name") or "",
            tracker.get_slot("rsvp_email") or "", services.config().events.reminder_hours)
        event = result.event
        if result.already:
            dispatcher.utter_message(response="utter_rsvp_already", title=event.title,
                                     status=_status(result.status, result.position))
        elif result.status == "going":
            dispatcher.utter_message(response="utter_rsvp_going", title=event.title,
                                     when=event.when(), where=event.where(),
                                     calendar=_calendar(event))
        elif result.status == "waitlisted":
            dispatcher.utter_message(response="utter_rsvp_waitlisted", title=event.title,
                                     position=result.position)
        else:
            dispatcher.utter_message(response="utter_rsvp_closed", title=event.title)
        return [*reset, SlotSet("event_current", str(event.id))]


class ActionRsvpReset(Action):
    def name(self) -> str:
        return "action_rsvp_reset"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return reset_rsvp_slots()


def reset_rsvp_slots() -> list[EventType]:
    return [SlotSet(slot, None) for slot in RSVP_SLOTS]


def _status(status: str, position: int | None) -> str:
    return f"waitlist, number {position}" if status == "waitlisted" else "going"


class ActionRsvpList(EventsAction):
    """ "What am I signed up for?" """

    def name(self) -> str:
        return "action_rsvp_list"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        mine = await blocking(my_rsvps, services.database(), tracker.sender_id)
        if not mine:
            dispatcher.utter_message(response="utter_rsvp_none")
            return []
        dispatcher.utter_message(response="utter_rsvp_list_intro")
        for number, item in enumerate(mine, start=1):
            dispatcher.utter_message(
                text=f"{number}. {item.event.title}: {item.event.when()}, {item.event.where()} "
                     f"({_status(item.status, item.position)})",
                buttons=[_button("Cancel my place", "rsvp_cancel", item.event.id)])
        return [SlotSet("event_listed", [str(item.event.id) for item in mine])]


class ActionRsvpCancel(EventsAction):
    """ "Cancel my RSVP (for the launch)": frees the seat for the waitlist."""

    def name(self) -> str:
        return "action_rsvp_cancel"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        db = services.database()
        mine = await blocking(my_rsvps, db, tracker.sender_id)
        target = self._target(tracker, [item.event for item in mine])
        if target is None:
            self._ask(dispatcher, mine)
            return []
        result = await blocking(
            cancel_rsvp, db, tracker.sender_id, target, services.config().events.reminder_hours)
        if not result.cancelled or result.event is None:
            dispatcher.utter_message(response="utter_rsvp_none")
            return []
        dispatcher.utter_message(response="utter_rsvp_cancelled", title=result.event.title)
        return []

    @staticmethod
    def _target(tracker: Tracker, signed_up: list[EventView]) -> int | None:
        ids = [event.id for event in signed_up]
        kind = _kind(latest_entity(tracker, "event_kind"))
        if kind is not None:
            matching = [event.id for event in signed_up if event.kind == kind]
            return matching[0] if len(matching) == 1 else None
        chosen = chosen_event_id(tracker)
        if chosen in ids:
            return chosen
        return ids[0] if len(ids) == 1 else None

    @staticmethod
    def _ask(dispatcher: CollectingDispatcher, mine: list) -> None:
        if not mine:
            dispatcher.utter_message(response="utter_rsvp_none")
            return
        dispatcher.utter_message(
            response="utter_rsvp_cancel_which",
            buttons=[_button(item.event.title, "rsvp_cancel", item.event.id) for item in mine])


class ActionEventNotice(GuardedAction):
    """Speaks a notice the scheduler triggered: a reminder, a freed seat, a cancellation.

    If the event cannot be read, nothing is said (the reader asked nothing).
    """

    failures = (*FAILURES, ValueError)

    def name(self) -> str:
        return "action_event_notice"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        event_id = latest_entity(tracker, "event_id")
        kind = latest_entity(tracker, "event_notice") or "reminder"
        event = await blocking(get_event, services.database(), int(event_id or 0))
        if event is None:
            return []
        dispatcher.utter_message(**notice_message(event, kind, latest_entity(
            tracker, "event_hours")))
        return [SlotSet("event_current", str(event.id))]


def notice_message(event: EventView, kind: str, hours: str | None) -> dict[str, Any]:
    """The notice's response and what fills it in."""
    if kind == "cancelled":
        return {"response": "utter_event_notice_cancelled", "title": event.title,
                "when": event.when()}
    if kind == "promoted":
        return {"response": "utter_event_notice_promoted", "title": event.title,
                "when": event.when(), "where": event.where(), "calendar": _calendar(event),
                "buttons": [_button("Cancel my place", "rsvp_cancel", event.id)]}
    starts = f"in {hours} hour{'s' if hours != '1' else ''}" if hours else "soon"
    reminder = {"response": "utter_event_notice_reminder", "title": event.title,
                "starts": starts, "when": event.when(), "where": event.where(),
                "buttons": [_button("I can't come", "rsvp_cancel", event.id)]}
    if event.online_url:
        reminder.update(response="utter_event_notice_reminder_online", link=event.online_url)
    return reminder
