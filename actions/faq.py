"""Answers about the writer from penpal.yml, so edits need no retraining."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.tracking import latest_intent
from penpal import faq
from penpal.config import ConfigError

log = logging.getLogger(__name__)


class ActionAnswerFaq(Action):
    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = latest_intent(tracker)
        try:
            text = faq.answer(services.config(), intent.removeprefix("faq_"))
        except (faq.UnknownTopic, ConfigError):
            log.exception("faq: no answer for intent %r", intent)
            dispatcher.utter_message(response="utter_faq_unavailable")
            return []
        dispatcher.utter_message(text=text)
        return []
