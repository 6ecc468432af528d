"""Greetings that use the reader's name when they asked us to remember it."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if tracker.get_slot("reader_name"):
            dispatcher.utter_message(response="utter_greet_by_name")
        else:
            dispatcher.utter_message(response="utter_greet")
        return []
