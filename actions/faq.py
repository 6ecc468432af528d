"""Answers about the writer from penpal.yml, so edits need no retraining."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.guard import GuardedAction
from actions.tracking import latest_intent
from penpal import faq
from penpal.config import ConfigError


class ActionAnswerFaq(GuardedAction):
    apology = "utter_faq_unavailable"
    failures = (faq.UnknownTopic, ConfigError)

    def name(self) -> str:
        return "action_answer_faq"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        text = faq.answer(services.config(), latest_intent(tracker).removeprefix("faq_"))
        dispatcher.utter_message(text=text)
        return []
