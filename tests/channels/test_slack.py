"""Slack: signed Events API payloads posted to the running server.

The Web API base URL points at a local stand-in that records chat.postMessage.
The documented shapes of the other events (file_share, message_changed,
bot_message...) are in tests/channels/payloads.py.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from penpal.channels.flood import SLOW_DOWN
from penpal.push import RasaPusher
from tests.channels import payloads
from tests.channels.conftest import SENDER_BURST, SLACK_SIGNING_SECRET, SLACK_TOKEN, Channels
from tests.channels.standins import Call

pytestmark = pytest.mark.e2e
_ids = itertools.count(1)


def message_event(user: str, text: str, *, thread_ts: str | None = None,
                  event_id: str | None = None) -> dict[str, Any]:
    number = next(_ids)
    event = {"type": "message", "channel": f"D{user}", "channel_type": "im", "user": user,
             "text": text, "ts": f"1700000000.{number:06d}", "event_ts": f"1700000000.{number:06d}"}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return {"token": "unused", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
            "event_id": event_id or f"Ev{number:08d}", "event_time": 1_700_000_000,
            "authorizations": [{"user_id": "UPENPAL", "is_bot": True}], "event": event}


def post(channels: Channels, payload: dict[str, Any], *, secret: str = SLACK_SIGNING_SECRET,
         headers: dict[str, str] | None = None) -> requests.Response:
    body = json.dumps(payload)
    timestamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    signed = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": timestamp,
              "X-Slack-Signature": f"v0={digest.hexdigest()}", **(headers or {})}
    return requests.post(f"{channels.stack.rasa_url}/webhooks/slack/webhook",
                         data=body, headers=signed, timeout=60)


def posted_to(channel: str, words: str = "") -> Callable[[Call], bool]:
    def accept(call: Call) -> bool:
        return (call.method == "chat.postMessage" and call.params.get("channel") == channel
                and words in call.params.get("text", ""))
    return accept


def user_turns(channels: Channels, conversation_id: str) -> list[str]:
    events = channels.stack.tracker(conversation_id, "slack")["events"]
    return [event["text"] for event in events if event["event"] == "user"]


@pytest.mark.hostile("Slack")
def test_a_forged_request_is_refused(channels: Channels) -> None:
    assert post(channels, message_event("UFORGE", "hello"), secret="guessed").status_code == 401
    unsigned = requests.post(f"{channels.stack.rasa_url}/webhooks/slack/webhook",
                             json=message_event("UFORGE", "hello"), timeout=60)
    assert unsigned.status_code == 401
    assert user_turns(channels, "UFORGE") == []


def test_the_url_verification_challenge_is_answered(channels: Channels) -> None:
    answer = post(channels, {"type": "url_verification", "challenge": "c-123", "token": "t"})
    assert answer.json() == {"challenge": "c-123"}


def test_replies_go_to_the_readers_thread(channels: Channels) -> None:
    started = message_event("UTHREAD", "are you a bot?")
    assert post(channels, started).status_code == 200
    (reply,) = channels.slack.wait_for(posted_to("DUTHREAD", "Yes, I'm a bot"))
    assert reply.params["thread_ts"] == started["event"]["ts"]
    assert reply.headers["Authorization"] == f"Bearer {SLACK_TOKEN}"

    in_thread = message_event("UTHREAD", "what can you do?", thread_ts="1699999999.000001")
    assert post(channels, in_thread).status_code == 200
    (reply,) = channels.slack.wait_for(posted_to("DUTHREAD", "I can recommend"))
    assert reply.params["thread_ts"] == "1699999999.000001"
    buttons = reply.params["blocks"][1]["elements"]
    assert len(buttons) > 5  # Rasa's own Slack output sends none when there are more than five
    assert {"About the writer": "/faq_bio"}.items() <= {
        b["text"]["text"]: b["value"] for b in buttons}.items()


@pytest.mark.hostile("Slack")
def test_a_retried_event_is_handled_once(channels: Channels) -> None:
    original = message_event("URETRY", "are you a bot?")
    assert post(channels, original).status_code == 200
    channels.slack.wait_for(posted_to("DURETRY", "Yes, I'm a bot"))
    retry = post(channels, original,
                 headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"})
    assert retry.status_code == 200
    assert retry.headers["X-Slack-No-Retry"] == "1"
    # A retry whose original never arrived is the first delivery: it is handled.
    replies_so_far = len([call for call in channels.slack.calls if posted_to("DURETRY")(call)])
    lost = message_event("URETRY", "hello")
    assert post(channels, lost, headers={"X-Slack-Retry-Num": "2",
                                         "X-Slack-Retry-Reason": "http_timeout"}).status_code == 200
    channels.slack.wait_for(posted_to("DURETRY"), count=replies_so_far + 1)
    # Turns are handled in order per conversation: a handled retry would sit in between.
    assert user_turns(channels, "URETRY") == ["are you a bot?", "hello"]


def test_a_pushed_message_reaches_the_reader(channels: Channels) -> None:
    assert post(channels, message_event("UPUSH", "hello")).status_code == 200
    channels.slack.wait_for(posted_to("DUPUSH"))
    result = RasaPusher(channels.stack.rasa_url).trigger("slack:UPUSH", "bot_challenge", "slack")
    assert result.messages == []
    (pushed,) = channels.slack.wait_for(posted_to("UPUSH", "Yes, I'm a bot"))
    assert "thread_ts" not in pushed.params


NOT_TEXT = payloads.connector_setting("slack", "not_text_reply")


def posted_texts(channels: Channels, channel: str) -> list[str]:
    return [call.params.get("text", "") for call in list(channels.slack.calls)
            if posted_to(channel)(call)]


def test_a_documented_direct_message_is_read(channels: Channels) -> None:
    event = payloads.message_im("UDOCIM", "are you a bot?")
    assert post(channels, event).status_code == 200
    (reply,) = channels.slack.wait_for(posted_to("DUDOCIM", "Yes, I'm a bot"))
    assert reply.params["thread_ts"] == event["event"]["ts"]
    assert user_turns(channels, "UDOCIM") == ["are you a bot?"]


def test_a_file_shared_with_text_is_read_as_the_text(channels: Channels) -> None:
    event = payloads.file_share("UFILETEXT", "are you a bot?")
    assert post(channels, event).status_code == 200
    channels.slack.wait_for(posted_to("DUFILETEXT", "Yes, I'm a bot"))
    assert user_turns(channels, "UFILETEXT") == ["are you a bot?"]
    assert NOT_TEXT not in posted_texts(channels, "DUFILETEXT")


def test_a_file_alone_gets_the_honest_reply_where_replies_go(channels: Channels) -> None:
    event = payloads.file_share("UFILEONLY")
    assert post(channels, event).status_code == 200
    (reply,) = channels.slack.wait_for(posted_to("DUFILEONLY", NOT_TEXT))
    assert reply.params["thread_ts"] == event["event"]["ts"]  # in the thread, as every reply
    assert post(channels, event).status_code == 200  # a replay: not answered again
    assert post(channels, payloads.message_im("UFILEONLY", "are you a bot?")).status_code == 200
    channels.slack.wait_for(posted_to("DUFILEONLY", "Yes, I'm a bot"))
    assert posted_texts(channels, "DUFILEONLY").count(NOT_TEXT) == 1
    assert user_turns(channels, "UFILEONLY") == ["are you a bot?"]


@pytest.mark.parametrize("make", [
    lambda user: payloads.message_changed(user, "what can you do?"),
    payloads.message_deleted,
    lambda user: payloads.bot_message(user, "are you a bot?"),
    lambda user: payloads.own_message(user, "Yes, I'm a bot."),
], ids=["message_changed", "message_deleted", "bot_message", "penpal's own message"])
def test_edits_deletions_and_bots_are_never_answered(
    channels: Channels, make: Callable[[str], dict[str, Any]]
) -> None:
    user = f"UIGN{next(_ids)}"
    assert post(channels, make(user)).status_code == 200
    # The next message in the same place is answered, and is the only turn there.
    assert post(channels, payloads.message_im(user, "hello")).status_code == 200
    channels.slack.wait_for(posted_to(f"D{user}"))
    time.sleep(1)  # a reply to the ignored event, if one were sent, would be in by now
    assert NOT_TEXT not in posted_texts(channels, f"D{user}")
    assert user_turns(channels, user) == ["hello"]
    assert user_turns(channels, payloads.SLACK_BOT_USER) == []


def test_a_flood_of_files_is_a_flood(channels: Channels) -> None:
    for _ in range(SENDER_BURST + 8):
        assert post(channels, payloads.file_share("UFILEFLOOD")).status_code == 200
    channels.slack.wait_for(posted_to("DUFILEFLOOD", SLOW_DOWN))
    time.sleep(1)  # the last replies, sent in the background
    sent = posted_texts(channels, "DUFILEFLOOD")
    assert sent.count(SLOW_DOWN) == 1
    assert SENDER_BURST <= sent.count(NOT_TEXT) < SENDER_BURST + 8
    assert user_turns(channels, "UFILEFLOOD") == []


def test_in_a_public_channel_only_a_mention_is_answered_in_its_thread(
    channels: Channels,
) -> None:
    ignored = payloads.channel_message("UCHAN", "CPUBLIC", "are you a bot?")
    assert post(channels, ignored).status_code == 200
    mention = payloads.app_mention("UCHAN", "CPUBLIC", "are you a bot?")
    assert post(channels, mention).status_code == 200
    (reply,) = channels.slack.wait_for(posted_to("CPUBLIC", "Yes, I'm a bot"))
    assert reply.params["thread_ts"] == mention["event"]["ts"]
    assert user_turns(channels, "UCHAN") == ["are you a bot?"]  # the mention taken out
