"""Recommending the writer's work: picks, "more like that", feedback and "why?"."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.guard import GuardedAction, blocking, blocking_or
from actions.tracking import latest_entity, latest_intent
from penpal.recommend.query import content_request
from penpal.recommend.service import Recommended
from penpal.web import tracked_link

KIND_LABELS = {"article": "read", "book": "book", "episode": "listen", "video": "watch"}


def picked_item(tracker: Tracker) -> int | None:
    """The item the reader means: a button's item_id, else the latest pick."""
    for value in (latest_entity(tracker, "item_id"), tracker.get_slot("last_pick")):
        if value is not None and str(value).isdigit():
            return int(value)
    return None


def session_seen(tracker: Tracker) -> set[int]:
    return {int(item) for item in tracker.get_slot("recommended_items") or []}


def button(title: str, intent: str, item_id: int) -> dict[str, str]:
    return {"title": title, "payload": f"/{intent}{json.dumps({'item_id': str(item_id)})}"}


def pick_message(pick: Recommended, public_url: str) -> dict[str, Any]:
    """One pick as a message: title, one line, tracked link, reason, and buttons."""
    length = f", {pick.minutes} min" if pick.minutes else ""
    lines = [f"📖 {pick.title} ({KIND_LABELS.get(pick.kind, pick.kind)}{length})"]
    if pick.summary:
        lines.append(pick.summary)
    lines += [tracked_link(public_url, pick.token), f"Why: {pick.reason}"]
    return {
        "text": "\n".join(lines),
        "buttons": [
            button("More like this", "more_like_that", pick.item_id),
            button("👍 Liked it", "feedback_like", pick.item_id),
            button("Not for me", "feedback_dislike", pick.item_id),
        ],
    }


class ActionRecommend(GuardedAction):
    """find_content ("anything short about maps?") and more_like_that."""

    apology = "utter_recommend_unavailable"

    def name(self) -> str:
        return "action_recommend"

    def safe_events(self, tracker: Tracker) -> list[EventType]:
        return [SlotSet("topic", None), SlotSet("kind", None), SlotSet("length", None)]

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        reset = self.safe_events(tracker)
        picks = await self._picks(dispatcher, tracker)
        if not picks:
            return reset
        config = services.config()
        dispatcher.utter_message(response="utter_picks_intro")
        for pick in picks:
            dispatcher.utter_message(**pick_message(pick, str(config.public_url)))
        seen = sorted(session_seen(tracker) | {pick.item_id for pick in picks})
        events = [
            *reset,
            SlotSet("recommended_items", [str(item) for item in seen]),
            SlotSet("last_pick", str(picks[0].item_id)),
            SlotSet("last_picks", [
                {"id": pick.item_id, "title": pick.title, "reason": pick.reason} for pick in picks
            ]),
        ]
        if await self._should_ask_consent(tracker):
            dispatcher.utter_message(response="utter_ask_personalize")
            events.append(SlotSet("asked_to_personalize", True))
        return events

    async def _picks(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[Recommended]:
        service = services.recommendations()
        reader, seen = tracker.sender_id, session_seen(tracker)
        if latest_intent(tracker) == "more_like_that":
            anchor = picked_item(tracker)
            if anchor is None:
                dispatcher.utter_message(response="utter_no_pick_yet")
                return []
            picks = await blocking(service.more_like_for, reader, anchor, seen)
            if not picks:
                topics = await blocking(service.known_topics)  # may rebuild the index
                dispatcher.utter_message(response="utter_nothing_matches",
                                         topics=", ".join(topics))
            return picks

        topics = await blocking(service.known_topics)
        if not topics:
            dispatcher.utter_message(response="utter_no_content")
            return []
        request = content_request(
            tracker.latest_message.get("text") or "",
            latest_entity(tracker, "topic"), latest_entity(tracker, "kind"),
            latest_entity(tracker, "length"), topics, services.config().writer.name,
        )
        if request.query:
            picks = await blocking(
                service.search_for, reader, request.query, request.filters, seen)
            if not picks:
                dispatcher.utter_message(
                    response="utter_unknown_topic", query=request.query,
                    topics=", ".join(topics))
            return picks
        picks = await blocking(service.recommend_for, reader, request.filters, seen)
        if not picks:
            dispatcher.utter_message(response="utter_nothing_matches", topics=", ".join(topics))
        for topic in request.filters.topics:
            await blocking(service.add_interest, reader, topic)
        return picks

    async def _should_ask_consent(self, tracker: Tracker) -> bool:
        if tracker.get_slot("asked_to_personalize"):
            return False
        # If the consent state cannot be read, the reader is not asked now.
        choice = await blocking_or(
            False, self.name(), services.readers().personalization_choice, tracker.sender_id)
        return choice is None


class ActionFeedback(Action):
    """feedback_like / feedback_dislike about a pick."""

    def name(self) -> str:
        return "action_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        item = picked_item(tracker)
        if item is None:
            dispatcher.utter_message(response="utter_no_pick_yet")
            return []
        liked = latest_intent(tracker) == "feedback_like"
        kept = await blocking_or(
            False, self.name(), services.recommendations().feedback, tracker.sender_id, item,
            "liked" if liked else "disliked",
        )
        response = "utter_feedback_liked" if liked else "utter_feedback_disliked"
        dispatcher.utter_message(response=response if kept else f"{response}_session")
        return [SlotSet("last_pick", str(item))]


class ActionExplainPick(Action):
    """why_this: the reason a pick was made."""

    def name(self) -> str:
        return "action_explain_pick"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        item = picked_item(tracker)
        picks = {pick["id"]: pick for pick in tracker.get_slot("last_picks") or []}
        pick = picks.get(item) if item is not None else None
        if pick is None:
            dispatcher.utter_message(response="utter_no_pick_yet")
            return []
        dispatcher.utter_message(response="utter_why_pick", title=pick["title"],
                                 reason=pick["reason"])
        return []
