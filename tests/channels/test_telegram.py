"""Telegram: real update payloads (as in the Bot API docs) posted to the running server.

The Bot API base URL points at a local stand-in that records what the bot sends.
The documented shapes of the other updates (voice, photo, sticker...) are in
tests/channels/payloads.py.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest
import requests

from penpal.channels.flood import SLOW_DOWN
from penpal.push import RasaPusher
from tests.channels import payloads
from tests.channels.conftest import SENDER_BURST, TELEGRAM_SECRET, TELEGRAM_TOKEN, Channels
from tests.channels.standins import Call

pytestmark = pytest.mark.e2e
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_ids = itertools.count(1000)


def text_update(chat_id: int, text: str) -> dict[str, Any]:
    reader = {"id": chat_id, "is_bot": False, "first_name": "Ada", "language_code": "en"}
    return {"update_id": next(_ids), "message": {
        "message_id": next(_ids), "from": reader, "date": 1_700_000_000, "text": text,
        "chat": {"id": chat_id, "first_name": "Ada", "type": "private"},
    }}


def button_update(chat_id: int, data: str) -> dict[str, Any]:
    reader = {"id": chat_id, "is_bot": False, "first_name": "Ada"}
    return {"update_id": next(_ids), "callback_query": {
        "id": f"cbq-{next(_ids)}", "from": reader, "chat_instance": "-42", "data": data,
        "message": {"message_id": next(_ids), "date": 1_700_000_000, "text": "…",
                    "chat": {"id": chat_id, "type": "private"},
                    "from": {"id": 123456, "is_bot": True, "first_name": "Penpal"}},
    }}


def post(channels: Channels, update: dict[str, Any], secret: str | None = TELEGRAM_SECRET
         ) -> requests.Response:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return requests.post(f"{channels.stack.rasa_url}/webhooks/telegram/webhook",
                         json=update, headers=headers, timeout=60)


def sent_to(chat_id: int, words: str = "") -> Callable[[Call], bool]:
    def accept(call: Call) -> bool:
        return (call.method == "sendMessage" and call.params.get("chat_id") == str(chat_id)
                and words in call.params.get("text", ""))
    return accept


def test_the_webhook_is_set_with_its_secret_token_at_startup(channels: Channels) -> None:
    (call,) = channels.telegram.wait_for(lambda call: call.method == "setWebhook")
    assert call.path == f"/bot{TELEGRAM_TOKEN}/setWebhook"
    assert call.params == {"url": "https://penpal.example/webhooks/telegram/webhook",
                           "secret_token": TELEGRAM_SECRET}


@pytest.mark.hostile("Telegram")
def test_updates_without_the_secret_token_are_refused(channels: Channels) -> None:
    assert post(channels, text_update(11, "hello"), secret=None).status_code == 403
    assert post(channels, text_update(11, "hello"), secret="guess").status_code == 403
    assert post(channels, text_update(12, "are you a bot?")).status_code == 200
    channels.telegram.wait_for(sent_to(12, "Yes, I'm a bot"))
    assert not [call for call in channels.telegram.calls if sent_to(11)(call)]
    events = channels.stack.tracker("11", "telegram")["events"]
    assert not [event for event in events if event["event"] == "user"]


def test_a_reader_chats_and_presses_a_button(channels: Channels) -> None:
    assert post(channels, text_update(21, "what can you do?")).status_code == 200
    (offer,) = channels.telegram.wait_for(sent_to(21, "I can recommend"))
    keyboard = json.loads(offer.params["reply_markup"])["inline_keyboard"]
    buttons = {b["text"]: b["callback_data"] for row in keyboard for b in row}
    assert buttons["About the writer"] == "/faq_bio"

    press = button_update(21, buttons["About the writer"])
    assert post(channels, press).status_code == 200
    channels.telegram.wait_for(
        lambda call: call.method == "answerCallbackQuery"
        and call.params.get("callback_query_id") == press["callback_query"]["id"])
    said = [e["text"] for e in channels.stack.tracker("21", "telegram")["events"]
            if e["event"] == "user"]
    assert said == ["what can you do?", "/faq_bio"]
    channels.telegram.wait_for(sent_to(21), count=2)


def test_start_greets_the_reader(channels: Channels) -> None:
    assert post(channels, text_update(31, "/start")).status_code == 200
    channels.telegram.wait_for(sent_to(31, "Penpal"))
    tracker = channels.stack.tracker("31", "telegram")
    assert tracker["latest_message"]["intent"]["name"] == "greet"


def test_a_pushed_message_reaches_the_chat(channels: Channels) -> None:
    assert post(channels, text_update(41, "hello")).status_code == 200
    channels.telegram.wait_for(sent_to(41))
    result = RasaPusher(channels.stack.rasa_url).trigger("telegram:41", "bot_challenge", "telegram")
    assert result.messages == []  # sent through the Bot API, not returned
    channels.telegram.wait_for(sent_to(41, "Yes, I'm a bot"))


NOT_TEXT = payloads.connector_setting("telegram", "not_text_reply")
VOICE = payloads.connector_setting("telegram", "voice_reply")


def said_in(channels: Channels, chat_id: int | str) -> list[str]:
    """What the reader said in the chat's conversation (its Rasa turns)."""
    return [event["text"] for event in channels.stack.tracker(str(chat_id), "telegram")["events"]
            if event["event"] == "user"]


def sent_texts(channels: Channels, chat_id: int) -> list[str]:
    return [call.params["text"] for call in list(channels.telegram.calls)
            if sent_to(chat_id)(call)]


def test_a_command_and_text_with_entities_are_read(channels: Channels) -> None:
    assert post(channels, payloads.command_with_entities(301)).status_code == 200
    channels.telegram.wait_for(sent_to(301, "Penpal"))
    assert post(channels, payloads.text_with_entities(301)).status_code == 200
    channels.telegram.wait_for(sent_to(301, "Yes, I'm a bot"))
    assert said_in(channels, 301) == [
        "/greet", "are you a bot? I read about you at https://penpal.example"]


@pytest.mark.parametrize(("chat_id", "make", "reply"), [
    (311, payloads.voice, VOICE),
    (312, payloads.sticker, NOT_TEXT),
    (313, payloads.location, NOT_TEXT),
    (314, payloads.contact, NOT_TEXT),
    (315, payloads.photo, NOT_TEXT),  # without a caption
    (316, payloads.document, NOT_TEXT),  # without a caption
], ids=["voice", "sticker", "location", "contact", "photo", "document"])
def test_what_penpal_cannot_read_gets_an_honest_reply_and_no_turn(
    channels: Channels, chat_id: int, make: Callable[[int], dict[str, Any]], reply: str
) -> None:
    assert post(channels, make(chat_id)).status_code == 200
    # The reply is sent before the webhook answers: nothing else will follow.
    assert sent_texts(channels, chat_id) == [reply]
    assert said_in(channels, chat_id) == []


def test_a_caption_is_read_as_the_readers_text(channels: Channels) -> None:
    assert post(channels, payloads.photo(321, caption="are you a bot?")).status_code == 200
    channels.telegram.wait_for(sent_to(321, "Yes, I'm a bot"))
    assert post(channels, payloads.document(321, caption="\u202ewhat can you do?")
                ).status_code == 200
    channels.telegram.wait_for(sent_to(321, "I can recommend"))
    assert said_in(channels, 321) == ["are you a bot?", "what can you do?"]  # cleaned
    assert NOT_TEXT not in sent_texts(channels, 321)


def test_an_edited_message_is_never_answered(channels: Channels) -> None:
    assert post(channels, text_update(331, "are you a bot?")).status_code == 200
    channels.telegram.wait_for(sent_to(331, "Yes, I'm a bot"))
    answered = sent_texts(channels, 331)
    edit = payloads.edited_message(331, "what can you do?")
    for _ in range(2):  # Telegram resending the same update
        assert post(channels, edit).status_code == 200
    assert post(channels, payloads.edited_message(331, "hello")).status_code == 200
    assert sent_texts(channels, 331) == answered
    assert said_in(channels, 331) == ["are you a bot?"]


@pytest.mark.parametrize("make", [
    lambda chat_id: payloads.my_chat_member(chat_id, "kicked"),
    lambda chat_id: payloads.my_chat_member(chat_id, "member"),
    lambda chat_id: payloads.update(**payloads.telegram_message(
        chat_id, new_chat_members=[payloads.telegram_user(chat_id + 1)])),
    lambda chat_id: payloads.update(**payloads.telegram_message(
        chat_id, pinned_message=payloads.telegram_message(chat_id, text="hello"))),
], ids=["bot blocked", "bot restarted", "new member", "pinned message"])
def test_service_updates_are_acknowledged_and_ignored(
    channels: Channels, make: Callable[[int], dict[str, Any]]
) -> None:
    chat_id = next(_ids)
    assert post(channels, make(chat_id)).status_code == 200
    assert sent_texts(channels, chat_id) == []
    assert said_in(channels, chat_id) == []


def test_a_replayed_sticker_is_answered_once(channels: Channels) -> None:
    update = payloads.sticker(341)
    for _ in range(3):
        assert post(channels, update).status_code == 200
    assert sent_texts(channels, 341) == [NOT_TEXT]


def test_a_flood_of_stickers_is_a_flood(channels: Channels) -> None:
    for _ in range(SENDER_BURST + 8):
        assert post(channels, payloads.sticker(351)).status_code == 200
    sent = sent_texts(channels, 351)
    assert sent.count(SLOW_DOWN) == 1
    assert SENDER_BURST <= sent.count(NOT_TEXT) < SENDER_BURST + 8
    assert said_in(channels, 351) == []


GROUP = -1001234567890


def said_in_group(channels: Channels, member: int) -> list[str]:
    """What ``member`` said to Penpal in the group: their own conversation's turns."""
    return said_in(channels, f"{GROUP}:{member}")


def test_in_a_group_penpal_answers_only_when_addressed(channels: Channels) -> None:
    for update in (payloads.group_text(GROUP, 901, "are you a bot?"),
                   payloads.group_text(GROUP, 901, "ask @someone_else, are you a bot?"),
                   payloads.group_text(GROUP, 901, "/help@other_bot"),
                   payloads.group_sticker(GROUP, 901)):
        assert post(channels, update).status_code == 200
    assert sent_texts(channels, GROUP) == []
    assert said_in_group(channels, 901) == []

    assert post(channels, payloads.group_text(GROUP, 901, "@penpal_bot are you a bot?")
                ).status_code == 200
    channels.telegram.wait_for(sent_to(GROUP, "Yes, I'm a bot"))  # in the group chat
    assert post(channels, payloads.group_text(GROUP, 902, "/start@penpal_bot")).status_code == 200
    channels.telegram.wait_for(sent_to(GROUP, "Penpal"), count=2)
    assert post(channels, payloads.group_reply_to_bot(GROUP, 902, "what can you do?")
                ).status_code == 200
    channels.telegram.wait_for(sent_to(GROUP, "I can recommend"))

    # Each member has their own conversation; the group has none.
    assert said_in_group(channels, 901) == ["are you a bot?"]
    assert said_in_group(channels, 902) == ["/greet", "what can you do?"]
    assert said_in(channels, GROUP) == []
