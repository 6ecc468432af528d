"""Start of every session: an honest disclosure and the reader's profile."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import services

log = logging.getLogger(__name__)


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        writer_name = services.config().writer.name
        events: list[EventType] = [SessionStarted(), SlotSet("writer_name", writer_name)]
        try:
            profile = await asyncio.to_thread(services.readers().profile, tracker.sender_id)
        except SQLAlchemyError:
            log.exception("session start: reader profile unavailable; continuing without it")
            profile = None
        if profile and profile.name:
            events.append(SlotSet("reader_name", profile.name))
        dispatcher.utter_message(response="utter_session_disclosure", writer_name=writer_name)
        events.append(ActionExecuted("action_listen"))
        return events
