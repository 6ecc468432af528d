"""The reader's answer to "may I personalise?", given any time."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.guard import GuardedAction, blocking
from actions.tracking import latest_intent

YES_INTENTS = ("personalize_on", "affirm")


class ActionSetPersonalization(GuardedAction):
    apology = "utter_personalize_unavailable"

    def name(self) -> str:
        return "action_set_personalization"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        allowed = latest_intent(tracker) in YES_INTENTS
        await blocking(
            services.readers().set_personalization,
            tracker.sender_id, tracker.get_latest_input_channel(), allowed,
        )
        dispatcher.utter_message(
            response="utter_personalize_on" if allowed else "utter_personalize_off")
        return self.safe_events(tracker)

    def safe_events(self, tracker: Tracker) -> list[EventType]:
        return [SlotSet("asked_to_personalize", False)]
