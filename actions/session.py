"""Start of every session: an honest disclosure and the reader's profile."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.guard import blocking_or


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        writer_name = services.config().writer.name
        events: list[EventType] = [SessionStarted(), SlotSet("writer_name", writer_name)]
        profile = await blocking_or(
            None, self.name(), services.readers().profile, tracker.sender_id)
        if profile and profile.name:
            events.append(SlotSet("reader_name", profile.name))
        dispatcher.utter_message(response="utter_session_disclosure", writer_name=writer_name)
        events.append(ActionExecuted("action_listen"))
        return events
