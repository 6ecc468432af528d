"""Telegram: real update payloads (as in the Bot API docs) posted to the running server.

The Bot API base URL points at a local stand-in that records what the bot sends.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest
import requests

from penpal.push import RasaPusher
from tests.channels.conftest import TELEGRAM_SECRET, TELEGRAM_TOKEN, Channels
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
