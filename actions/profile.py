"""The reader's name: used in this chat, remembered only if they agree."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import services
from penpal.readers import clean_name

log = logging.getLogger(__name__)


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


class ActionRememberName(Action):
    def name(self) -> str:
        return "action_remember_name"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        name = clean_name(tracker.get_slot("reader_name"))
        if name is None:
            dispatcher.utter_message(response="utter_name_not_caught")
            return []
        try:
            await asyncio.to_thread(
                services.readers().remember_name,
                tracker.sender_id, tracker.get_latest_input_channel(), name,
            )
        except SQLAlchemyError:
            log.exception("remember name: could not store it")
            dispatcher.utter_message(response="utter_name_not_saved")
            return []
        dispatcher.utter_message(response="utter_name_remembered")
        return []


class ActionForgetName(Action):
    def name(self) -> str:
        return "action_forget_name"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        try:
            await asyncio.to_thread(
                services.readers().forget_name,
                tracker.sender_id, tracker.get_latest_input_channel(),
            )
        except SQLAlchemyError:
            log.exception("forget name: could not record the refusal")
        dispatcher.utter_message(response="utter_name_not_kept")
        return []
