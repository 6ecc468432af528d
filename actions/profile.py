"""The reader's name: used in this chat, remembered only if they agree."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.guard import GuardedAction, blocking, blocking_or
from penpal.readers import clean_name


class ActionAskRememberName(Action):
    def name(self) -> str:
        return "action_ask_remember_name"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if clean_name(tracker.get_slot("reader_name")):
            dispatcher.utter_message(response="utter_ask_remember_name")
        else:
            dispatcher.utter_message(response="utter_name_not_caught")
        return []


class ActionRememberName(GuardedAction):
    apology = "utter_name_not_saved"

    def name(self) -> str:
        return "action_remember_name"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        name = clean_name(tracker.get_slot("reader_name"))
        if name is None:
            dispatcher.utter_message(response="utter_name_not_caught")
            return []
        await blocking(
            services.readers().remember_name,
            tracker.sender_id, tracker.get_latest_input_channel(), name,
        )
        dispatcher.utter_message(response="utter_name_remembered")
        return []


class ActionForgetName(Action):
    def name(self) -> str:
        return "action_forget_name"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # If the refusal cannot be recorded, nothing is kept either way.
        await blocking_or(
            None, self.name(), services.readers().forget_name,
            tracker.sender_id, tracker.get_latest_input_channel(),
        )
        dispatcher.utter_message(response="utter_name_not_kept")
        return []
