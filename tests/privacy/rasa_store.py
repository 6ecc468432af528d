"""A real Rasa tracker store for the tests (tests may import Rasa; penpal/ does not)."""

from __future__ import annotations

import asyncio

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker


class Rasa:
    """Rasa's own SQLTrackerStore, saving conversations as the Rasa server does."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite"):
            self.store = SQLTrackerStore(dialect="sqlite", db=url.removeprefix("sqlite:///"))
        else:
            self.store = SQLTrackerStore(host=url)  # a full URL is taken as it is

    def conversation(self, sender_id: str, *turns: tuple[str, str]) -> DialogueStateTracker:
        """A conversation with (reader text, bot text) turns, saved."""
        events: list[Event] = [
            ActionExecuted("action_session_start"), SessionStarted(),
            ActionExecuted("action_listen"),
        ]
        tracker = DialogueStateTracker.from_events(sender_id, events)
        self.turn(tracker, *turns)
        return tracker

    def turn(self, tracker: DialogueStateTracker, *turns: tuple[str, str]) -> None:
        """Add turns to the conversation and save it (only the new events are written)."""
        for said, answered in turns:
            tracker.update(UserUttered(
                said, intent={"name": "inform", "confidence": 0.9}, input_channel="rest",
            ))
            tracker.update(ActionExecuted("utter_answer"))
            tracker.update(BotUttered(answered))
            tracker.update(ActionExecuted("action_listen"))
        asyncio.run(self.store.save(tracker))

    def close(self) -> None:
        self.store.engine.dispose()
