"""Topic follows in chat: follow, stop, list; and the notice of a new item."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import services
from actions.newsletter import topics_wanted
from actions.tracking import latest_entity
from penpal.newsletter.follows import announce_item, follow, followed, unfollow
from penpal.push import can_push
from penpal.web import tracked_link

log = logging.getLogger(__name__)


class ActionFollowTopic(Action):
    """"tell me when you post about worldbuilding"."""

    def name(self) -> str:
        return "action_follow_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        known = services.config().topics
        topics = topics_wanted(tracker, known)
        if not topics:
            asked = latest_entity(tracker, "topic")
            dispatcher.utter_message(
                response="utter_follow_unknown_topic" if asked else "utter_follow_which_topic",
                topic=asked or "", topics=", ".join(known))
            return []
        channel = tracker.get_latest_input_channel()
        try:
            new = [topic for topic in topics if await asyncio.to_thread(
                follow, services.database(), tracker.sender_id, channel, topic, known)]
        except SQLAlchemyError:
            log.exception("follows: could not keep a follow")
            dispatcher.utter_message(response="utter_follow_failed")
            return []
        if new:
            dispatcher.utter_message(response="utter_follow_started", topics=", ".join(new))
        else:
            dispatcher.utter_message(response="utter_follow_already", topics=", ".join(topics))
        if not can_push(channel):
            dispatcher.utter_message(response="utter_follow_no_push")
        return []


class ActionFollowStop(Action):
    """"stop those updates" (everything) or "stop the maps updates" (one topic)."""

    def name(self) -> str:
        return "action_follow_stop"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        topics = topics_wanted(tracker, services.config().topics)
        database, channel = services.database(), tracker.get_latest_input_channel()
        try:
            if topics:
                stopped = []
                for topic in topics:
                    stopped += await asyncio.to_thread(
                        unfollow, database, tracker.sender_id, channel, topic)
            else:
                stopped = await asyncio.to_thread(unfollow, database, tracker.sender_id, channel)
        except SQLAlchemyError:
            log.exception("follows: could not stop a follow")
            dispatcher.utter_message(response="utter_follow_failed")
            return []
        if stopped:
            dispatcher.utter_message(response="utter_follow_stopped", topics=", ".join(stopped))
        else:
            dispatcher.utter_message(response="utter_follow_none")
        return []


class ActionFollowList(Action):
    """"what do I follow?"."""

    def name(self) -> str:
        return "action_follow_list"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        try:
            topics = await asyncio.to_thread(followed, services.database(), tracker.sender_id)
        except SQLAlchemyError:
            log.exception("follows: could not list follows")
            dispatcher.utter_message(response="utter_follow_failed")
            return []
        if topics:
            dispatcher.utter_message(response="utter_follow_list", topics=", ".join(topics))
        else:
            dispatcher.utter_message(response="utter_follow_none")
        return []


class ActionFollowNotifyItem(Action):
    """Pushed with EXTERNAL_follow_new_item: tells the follower about the new item."""

    def name(self) -> str:
        return "action_follow_notify_item"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        item_id = latest_entity(tracker, "item_id")
        if item_id is None or not item_id.isdigit():
            return []
        try:
            notice = await asyncio.to_thread(
                announce_item, services.database(), tracker.sender_id, int(item_id))
        except SQLAlchemyError:
            log.exception("follows: the notice for item %s could not be prepared", item_id)
            return []
        if notice is None:
            return []
        link = tracked_link(str(services.config().public_url), notice.token)
        dispatcher.utter_message(response="utter_follow_new_item", title=notice.title,
                                 topics=", ".join(notice.topics), link=link,
                                 summary=notice.summary)
        return []
