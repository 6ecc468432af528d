"""Topic follows in chat: follow, stop, list; and the notice of a new item."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.guard import GuardedAction, blocking
from actions.newsletter import topics_wanted
from actions.tracking import latest_entity
from penpal.newsletter.follows import announce_item, follow, followed, unfollow
from penpal.push import can_push
from penpal.web import tracked_link


class FollowAction(GuardedAction):
    """If follows cannot be read or kept, the reader is told so."""

    apology = "utter_follow_failed"


class ActionFollowTopic(FollowAction):
    """"tell me when you post about worldbuilding"."""

    def name(self) -> str:
        return "action_follow_topic"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        known = services.config().topics
        topics = topics_wanted(tracker, known)
        if not topics:
            asked = latest_entity(tracker, "topic")
            dispatcher.utter_message(
                response="utter_follow_unknown_topic" if asked else "utter_follow_which_topic",
                topic=asked or "", topics=", ".join(known))
            return []
        channel = tracker.get_latest_input_channel()
        new = [topic for topic in topics if await blocking(
            follow, services.database(), tracker.sender_id, channel, topic, known)]
        if new:
            dispatcher.utter_message(response="utter_follow_started", topics=", ".join(new))
        else:
            dispatcher.utter_message(response="utter_follow_already", topics=", ".join(topics))
        if not can_push(channel):
            dispatcher.utter_message(response="utter_follow_no_push")
        return []


class ActionFollowStop(FollowAction):
    """"stop those updates" (everything) or "stop the maps updates" (one topic)."""

    def name(self) -> str:
        return "action_follow_stop"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        topics = topics_wanted(tracker, services.config().topics)
        database, channel = services.database(), tracker.get_latest_input_channel()
        if topics:
            stopped = []
            for topic in topics:
                stopped += await blocking(unfollow, database, tracker.sender_id, channel, topic)
        else:
            stopped = await blocking(unfollow, database, tracker.sender_id, channel)
        if stopped:
            dispatcher.utter_message(response="utter_follow_stopped", topics=", ".join(stopped))
        else:
            dispatcher.utter_message(response="utter_follow_none")
        return []


class ActionFollowList(FollowAction):
    """"what do I follow?"."""

    def name(self) -> str:
        return "action_follow_list"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        topics = await blocking(followed, services.database(), tracker.sender_id)
        if topics:
            dispatcher.utter_message(response="utter_follow_list", topics=", ".join(topics))
        else:
            dispatcher.utter_message(response="utter_follow_none")
        return []


class ActionFollowNotifyItem(GuardedAction):
    """Pushed with EXTERNAL_follow_new_item: tells the follower about the new item.

    If the item cannot be read, nothing is said (the reader asked nothing).
    """

    def name(self) -> str:
        return "action_follow_notify_item"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        item_id = latest_entity(tracker, "item_id")
        if item_id is None or not item_id.isdigit():
            return []
        notice = await blocking(
            announce_item, services.database(), tracker.sender_id, int(item_id))
        if notice is None:
            return []
        link = tracked_link(str(services.config().public_url), notice.token)
        dispatcher.utter_message(response="utter_follow_new_item", title=notice.title,
                                 topics=", ".join(notice.topics), link=link,
                                 summary=notice.summary)
        return []
