"""Passing a reader's message, with the conversation, to the writer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.guard import GuardedAction, blocking
from penpal.contact import InvalidContact, parse_contact
from penpal.handoff import MAX_MESSAGE_LENGTH, Turn

HANDOFF_SLOTS = ("handoff_message", "handoff_contact")


def transcript(tracker: Tracker) -> list[Turn]:
    """The reader's and the bot's messages in this conversation, in order."""
    turns = []
    for event in tracker.events:
        if event.get("event") == "user" and event.get("text"):
            turns.append(Turn("reader", event["text"]))
        elif event.get("event") == "bot" and event.get("text"):
            turns.append(Turn("bot", event["text"]))
    return turns


class ValidateHandoffForm(FormValidationAction):
    def name(self) -> str:
        return "validate_handoff_form"

    def validate_handoff_message(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if not text:
            dispatcher.utter_message(response="utter_handoff_message_empty")
            return {"handoff_message": None}
        if len(text) > MAX_MESSAGE_LENGTH:
            dispatcher.utter_message(response="utter_handoff_message_too_long")
            return {"handoff_message": None}
        return {"handoff_message": text}

    def validate_handoff_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        try:
            contact = parse_contact(str(value or ""))
        except InvalidContact as error:
            dispatcher.utter_message(response="utter_handoff_contact_invalid", reason=str(error))
            return {"handoff_contact": None}
        return {"handoff_contact": contact.value}


class ActionSubmitHandoff(GuardedAction):
    apology = "utter_handoff_failed"
    failures = (InvalidContact, ValueError)

    def name(self) -> str:
        return "action_submit_handoff"

    def safe_events(self, tracker: Tracker) -> list[EventType]:
        return reset_handoff_slots()

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        message = tracker.get_slot("handoff_message") or ""
        settings = services.config().handoff
        contact = parse_contact(tracker.get_slot("handoff_contact") or "")
        receipt = await blocking(
            services.handoff_desk().submit,
            tracker.sender_id, tracker.get_latest_input_channel(),
            message, contact, transcript(tracker),
        )
        dispatcher.utter_message(
            response="utter_handoff_sent" if receipt.notified else "utter_handoff_saved",
            contact=contact.value,
            reply_within=settings.reply_within,
            request_id=receipt.request_id,
        )
        return reset_handoff_slots()


class ActionResetHandoff(Action):
    def name(self) -> str:
        return "action_reset_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return reset_handoff_slots()


def reset_handoff_slots() -> list[EventType]:
    return [SlotSet(slot, None) for slot in HANDOFF_SLOTS]
