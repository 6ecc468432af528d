"""The reader's answer to "may I personalise?", given any time."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import services
from actions.tracking import latest_intent

log = logging.getLogger(__name__)

YES_INTENTS = ("personalize_on", "affirm")


class ActionSetPersonalization(Action):
    def name(self) -> str:
        return "action_set_personalization"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        allowed = latest_intent(tracker) in YES_INTENTS
        try:
            await asyncio.to_thread(
                services.readers().set_personalization,
                tracker.sender_id, tracker.get_latest_input_channel(), allowed,
            )
        except SQLAlchemyError:
            log.exception("personalisation: could not record the choice")
            dispatcher.utter_message(response="utter_personalize_unavailable")
            return [SlotSet("asked_to_personalize", False)]
        dispatcher.utter_message(
            response="utter_personalize_on" if allowed else "utter_personalize_off")
        return [SlotSet("asked_to_personalize", False)]
