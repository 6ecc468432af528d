"""The reader's rights: see, export and erase their data; link their chats."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.guard import GuardedAction, blocking
from actions.tracking import latest_entity
from penpal.privacy import (
    LinkStatus,
    complete_link,
    create_export_link,
    erase_conversations,
    export_reader,
    forget_conversation,
    reader_id_for,
    start_link,
    summary_lines,
    tracker_store_url,
    unlink,
)
from penpal.privacy.links import DEFAULT_TTL
from penpal.privacy.tracker import DEFAULT_GRACE_SECONDS

log = logging.getLogger(__name__)

# Background erasures in flight (kept referenced until done).
_erasures: set[asyncio.Task] = set()

LINK_RESPONSES = {
    LinkStatus.LINKED: "utter_link_done",
    LinkStatus.SAME_READER: "utter_link_already",
    LinkStatus.WRONG: "utter_link_wrong",
    LinkStatus.EXPIRED: "utter_link_expired",
    LinkStatus.BLOCKED: "utter_link_blocked",
}


class PrivacyAction(GuardedAction):
    """If the data cannot be reached, the reader is told so."""

    apology = "utter_privacy_unavailable"


async def known_reader(dispatcher: CollectingDispatcher, tracker: Tracker) -> int | None:
    """The conversation's reader; None (and the reader is told so) if nothing is kept."""
    reader_id = await blocking(reader_id_for, services.database(), tracker.sender_id)
    if reader_id is None:
        dispatcher.utter_message(response="utter_nothing_stored")
    return reader_id


class ActionShowMyData(PrivacyAction):
    def name(self) -> str:
        return "action_show_my_data"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        reader_id = await known_reader(dispatcher, tracker)
        if reader_id is None:
            return []
        export = await blocking(export_reader, services.database(), reader_id)
        dispatcher.utter_message(response="utter_my_data_intro")
        dispatcher.utter_message(text="\n".join(f"• {line}" for line in summary_lines(export)))
        dispatcher.utter_message(response="utter_my_data_outro")
        return []


class ActionExportData(PrivacyAction):
    def name(self) -> str:
        return "action_export_data"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        reader_id = await known_reader(dispatcher, tracker)
        if reader_id is None:
            return []
        token = await blocking(create_export_link, services.database(), reader_id)
        link = f"{str(services.config().public_url).rstrip('/')}/export/{token}"
        dispatcher.utter_message(response="utter_export_link", link=link,
                                 hours=int(DEFAULT_TTL.total_seconds() // 3600))
        return []


class ActionAskForget(Action):
    def name(self) -> str:
        return "action_ask_forget"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_ask_forget")
        return [SlotSet("confirm_forget", True), SlotSet("asked_to_personalize", False)]


class ActionForgetMe(PrivacyAction):
    def name(self) -> str:
        return "action_forget_me"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        await blocking(forget_conversation, services.database(), tracker.sender_id)
        log.info("forget me: a reader was erased")
        task = asyncio.create_task(erase_history_soon())
        _erasures.add(task)
        task.add_done_callback(_erasures.discard)
        dispatcher.utter_message(response="utter_forgotten")
        return [AllSlotsReset(), SlotSet("writer_name", services.config().writer.name)]


async def erase_history_soon() -> None:
    """Erase this turn's conversation history once Rasa has saved it.

    Rasa stores the turn after the action returns, so the erasure waits for
    the grace period; `penpal scheduler` does the same, should this server stop.
    """
    await asyncio.sleep(DEFAULT_GRACE_SECONDS + 1)
    try:
        await blocking(erase_conversations, tracker_store_url(), services.database())
    except Exception:
        log.exception("forget me: conversation history not erased yet; the scheduler retries")


class ActionKeepMe(Action):
    def name(self) -> str:
        return "action_keep_me"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_not_forgotten")
        return [SlotSet("confirm_forget", False)]


class ActionStartLink(PrivacyAction):
    def name(self) -> str:
        return "action_start_link"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        code = await blocking(
            start_link, services.database(), tracker.sender_id,
            tracker.get_latest_input_channel(),
        )
        dispatcher.utter_message(response="utter_link_code", code=code)
        return []


class ActionCompleteLink(PrivacyAction):
    def name(self) -> str:
        return "action_complete_link"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        code = "".join(ch for ch in latest_entity(tracker, "code") or "" if ch.isdigit())
        if len(code) != 6:
            dispatcher.utter_message(response="utter_link_no_code")
            return []
        result = await blocking(
            complete_link, services.database(), code, tracker.sender_id,
            tracker.get_latest_input_channel(),
        )
        dispatcher.utter_message(response=LINK_RESPONSES[result.status])
        return []


class ActionUnlink(PrivacyAction):
    def name(self) -> str:
        return "action_unlink"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        done = await blocking(unlink, services.database(), tracker.sender_id)
        dispatcher.utter_message(response="utter_unlinked" if done else "utter_not_linked")
        return []
