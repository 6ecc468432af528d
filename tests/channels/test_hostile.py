"""The hostile-input suite against the running servers (with tests/channels/test_doors.py,
the socket.io and Telegram/Slack modules, and the feed and configuration tests).

Each case is a request a stranger or a broken client could send; each must get a
clear error or a friendly reply, and the servers must stay up and answer the next
reader. The tally is written to results/hostile-inputs.md (tests/support/hostile.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import socketio

from penpal.channels.flood import SLOW_DOWN
from penpal.server_secrets import ACTION_SECRET_HEADER, shared_secret
from tests.channels.conftest import SLACK_SIGNING_SECRET, TELEGRAM_SECRET, Channels
from tests.channels.test_slack import message_event
from tests.channels.test_socketio import close
from tests.channels.test_telegram import text_update

pytestmark = pytest.mark.e2e
_ids = itertools.count(5000)


@dataclass(frozen=True)
class Knock:
    """One request: where, what, and the statuses that count as a clear answer."""

    door: str
    name: str
    method: str
    path: str
    expect: frozenset[int]
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _knock(door: str, name: str, method: str, path: str, expect: set[int], body: Any = None,
           headers: dict[str, str] | None = None) -> Knock:
    raw = body if body is None or isinstance(body, bytes) else _json(body)
    return Knock(door, name, method, path, frozenset(expect), raw, headers or {})


REST = "/webhooks/rest/webhook"
JSON = {"Content-Type": "application/json"}
TELEGRAM = "/webhooks/telegram/webhook"
TELEGRAM_OK = {**JSON, "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}


def _telegram(update: Any) -> bytes:
    return _json(update)


KNOCKS = [
    # REST: malformed and oversized bodies, odd text (bad senders are in test_doors.py).
    _knock("REST", "GET instead of POST", "GET", REST, {405}),
    _knock("REST", "JSON nested 30,000 deep", "POST", REST, {400}, b"[" * 30_000, JSON),
    _knock("REST", "a 70 kB body", "POST", REST, {400},
           {"sender": "h-big", "message": "x" * 70_000}, JSON),
    _knock("REST", "a lone surrogate", "POST", REST, {200},
           b'{"sender": "h-sur", "message": "a\\ud800b"}', JSON),
    _knock("REST", "NUL bytes", "POST", REST, {200},
           {"sender": "h-nul", "message": "hi\u0000\u0000 there"}, JSON),
    _knock("REST", "only emoji", "POST", REST, {200},
           {"sender": "h-emoji", "message": "🙃🙃🔥📚"}, JSON),
    _knock("REST", "a 10,000-character message", "POST", REST, {200},
           {"sender": "h-long", "message": "why " * 2_500}, JSON),
    _knock("REST", "markup and script", "POST", REST, {200},
           {"sender": "h-html", "message": "<script>alert(1)</script><b>hi</b>"}, JSON),
    _knock("REST", "a text/plain body", "POST", REST, {200},
           {"sender": "h-plain", "message": "hello"}, {"Content-Type": "text/plain"}),
    _knock("REST", "metadata that is a list", "POST", REST, {400},
           {"sender": "h-meta", "message": "hi", "metadata": [1, 2]}, JSON),
    # Telegram: forged, broken and odd updates.
    _knock("Telegram", "no secret token", "POST", TELEGRAM, {403},
           _telegram(text_update(61, "hi")), JSON),
    _knock("Telegram", "the secret token with a character more", "POST", TELEGRAM, {403},
           _telegram(text_update(61, "hi")),
           {**JSON, "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET + "x"}),
    _knock("Telegram", "an empty secret token", "POST", TELEGRAM, {403},
           _telegram(text_update(61, "hi")), {**JSON, "X-Telegram-Bot-Api-Secret-Token": ""}),
    _knock("Telegram", "not JSON", "POST", TELEGRAM, {200, 400}, b"{oops", TELEGRAM_OK),
    _knock("Telegram", "a JSON list", "POST", TELEGRAM, {200}, b"[1, 2]", TELEGRAM_OK),
    _knock("Telegram", "message as a string", "POST", TELEGRAM, {200},
           {"update_id": 9_000_001, "message": "hi"}, TELEGRAM_OK),
    _knock("Telegram", "chat id as an object", "POST", TELEGRAM, {200},
           {"update_id": 9_000_002, "message": {"text": "hi", "chat": {"id": {"a": 1}}}},
           TELEGRAM_OK),
    _knock("Telegram", "no update id", "POST", TELEGRAM, {200},
           {"message": {"text": "hi", "chat": {"id": 62}}}, TELEGRAM_OK),
    _knock("Telegram", "a callback without a message", "POST", TELEGRAM, {200},
           {"update_id": 9_000_003, "callback_query": {"id": "x", "data": "/greet"}},
           TELEGRAM_OK),
    # Slack: unsigned and badly signed requests (signed ones are below).
    _knock("Slack", "no signature", "POST", "/webhooks/slack/webhook", {401},
           message_event("UH1", "hi"), JSON),
    _knock("Slack", "a made-up signature", "POST", "/webhooks/slack/webhook", {401},
           message_event("UH1", "hi"),
           {**JSON, "X-Slack-Request-Timestamp": str(int(time.time())),
            "X-Slack-Signature": "v0=" + "0" * 64}),
    _knock("Slack", "a forged url_verification", "POST", "/webhooks/slack/webhook", {401},
           {"type": "url_verification", "challenge": "x"}, JSON),
    # The links in messages.
    _knock("links", "a 1,000-character tracked-link token", "GET", "/r/" + "a" * 1000, {404}),
    _knock("links", "a made-up tracked-link token", "GET", "/r/" + "b" * 43, {404}),
    _knock("links", "a path-traversal token", "GET", "/r/..%2F..%2Fetc%2Fpasswd", {404}),
    _knock("links", "a made-up export token", "GET", "/export/" + "c" * 43, {404}),
    _knock("links", "an export token with a NUL", "GET", "/export/abc%00def", {404}),
    _knock("links", "a calendar file for no event", "GET", "/events/99999999.ics", {404}),
    _knock("links", "a calendar file with a huge number", "GET",
           "/events/" + "9" * 40 + ".ics", {404}),
    _knock("links", "a calendar file by name", "GET", "/events/launch.ics", {404}),
    _knock("links", "a made-up confirmation token", "GET",
           "/newsletter/confirm/" + "d" * 43, {404}),
    _knock("links", "a 1,000-character confirmation token", "GET",
           "/newsletter/confirm/" + "e" * 1000, {404}),
    _knock("links", "unsubscribe with a made-up token", "POST",
           "/newsletter/unsubscribe/" + "f" * 43, {404}),
    # Rasa's HTTP API without its token.
    _knock("HTTP API", "a tracker without the token", "GET",
           "/conversations/telegram:61/tracker", {401}),
    _knock("HTTP API", "a tracker with the token in a header", "GET",
           "/conversations/telegram:61/tracker", {401},
           headers={"Authorization": "Bearer not-the-token"}),
    _knock("HTTP API", "speak first in a conversation", "POST",
           "/conversations/telegram:61/trigger_intent", {401}, {"name": "greet"}, JSON),
    _knock("HTTP API", "replace the model", "PUT", "/model", {401}, {"model_file": "/tmp/x"},
           JSON),
    _knock("HTTP API", "the status", "GET", "/status", {401}),
    # The action server: the test that matters is in test_doors.py; odd requests here.
    _knock("action server", "GET /webhook", "GET", "/webhook", {401, 405}),
    _knock("action server", "not JSON, no secret", "POST", "/webhook", {401}, b"{", JSON),
]


def _url(channels: Channels, knock: Knock) -> str:
    base = channels.stack.actions_url if knock.door == "action server" else channels.stack.rasa_url
    return base + knock.path


@pytest.mark.parametrize("knock", [pytest.param(k, marks=pytest.mark.hostile(k.door), id=k.name)
                                   for k in KNOCKS])
def test_a_hostile_request_gets_a_clear_answer(channels: Channels, knock: Knock) -> None:
    answer = requests.request(knock.method, _url(channels, knock), data=knock.body,
                              headers=knock.headers, timeout=120, allow_redirects=False)
    assert answer.status_code in knock.expect, answer.text[:300]
    if knock.door == "REST" and answer.status_code == 200:
        assert answer.json(), "a friendly reply, never silence"
    if knock.door == "REST" and answer.status_code == 400:
        assert answer.json()["error"]
    assert "Traceback" not in answer.text


def _slack_signed(body: bytes, timestamp: int) -> dict[str, str]:
    digest = hmac.new(SLACK_SIGNING_SECRET.encode(), f"v0:{timestamp}:".encode() + body,
                      hashlib.sha256).hexdigest()
    return {**JSON, "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": f"v0={digest}"}


@pytest.mark.hostile("Slack")
@pytest.mark.parametrize("age", [-600, 400, 3600])
def test_a_correctly_signed_but_stale_or_future_slack_request_is_refused(
    channels: Channels, age: int
) -> None:
    body = _json(message_event("UH2", "hello"))
    answer = requests.post(f"{channels.stack.rasa_url}/webhooks/slack/webhook", data=body,
                           headers=_slack_signed(body, int(time.time()) - age), timeout=60)
    assert answer.status_code == 401


@pytest.mark.hostile("Slack")
def test_a_signature_for_another_body_is_refused(channels: Channels) -> None:
    signed = _slack_signed(_json(message_event("UH3", "hello")), int(time.time()))
    other = _json(message_event("UH3", "forget me"))
    answer = requests.post(f"{channels.stack.rasa_url}/webhooks/slack/webhook", data=other,
                           headers=signed, timeout=60)
    assert answer.status_code == 401


@pytest.mark.hostile("Slack")
def test_a_replayed_slack_event_is_taken_once(channels: Channels) -> None:
    event = message_event("UH4", "are you a bot?", event_id=f"EvReplay{next(_ids)}")
    for _ in range(3):  # the same event again, freshly signed each time
        body = _json(event)
        answer = requests.post(f"{channels.stack.rasa_url}/webhooks/slack/webhook", data=body,
                               headers=_slack_signed(body, int(time.time())), timeout=60)
        assert answer.status_code == 200
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        events = channels.stack.tracker("UH4", "slack")["events"]
        said = [e["text"] for e in events if e["event"] == "user"]
        if said:
            break
        time.sleep(0.2)
    time.sleep(1)  # a second copy, if one were taken, would be in by now
    events = channels.stack.tracker("UH4", "slack")["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == ["are you a bot?"]


@pytest.mark.hostile("Telegram")
def test_a_replayed_telegram_update_is_taken_once(channels: Channels) -> None:
    update = text_update(63, "are you a bot?")
    for _ in range(3):
        answer = requests.post(f"{channels.stack.rasa_url}{TELEGRAM}", data=_json(update),
                               headers=TELEGRAM_OK, timeout=60)
        assert answer.status_code == 200
    events = channels.stack.tracker("63", "telegram")["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == ["are you a bot?"]


@pytest.mark.hostile("web chat")
@pytest.mark.parametrize("data", ["just a string", ["a", "list"], {"message": ["x"]},
                                  {"message": None}, {"message": "hi", "metadata": "{broken"}])
def test_odd_web_chat_messages_are_ignored_or_answered(channels: Channels, data: Any) -> None:
    async def scenario() -> list[dict[str, Any]]:
        client = socketio.AsyncClient()
        replies: asyncio.Queue = asyncio.Queue()
        confirmed: asyncio.Queue = asyncio.Queue()
        client.on("bot_uttered", replies.put_nowait)
        client.on("session_confirm", confirmed.put_nowait)
        await client.connect(channels.stack.rasa_url, transports=["polling"])
        try:
            await client.emit("session_request", {"session_id": None})
            await asyncio.wait_for(confirmed.get(), 30)
            await client.emit("user_uttered", data)
            await client.emit("user_uttered", {"message": "are you a bot?"})
            answers: list[dict[str, Any]] = []
            while not any("Yes, I'm a bot" in (a.get("text") or "") for a in answers):
                answers.append(await asyncio.wait_for(replies.get(), 60))
            return answers
        finally:
            await close(client)

    answers = asyncio.run(scenario())  # the next message is answered (or this times out)
    assert not any(SLOW_DOWN in (answer.get("text") or "") for answer in answers)


@pytest.mark.hostile("action server")
def test_a_tracker_the_secret_cannot_excuse(channels: Channels) -> None:
    """Even with the secret, a tracker that is not one gets an error, not a crash."""
    answer = requests.post(f"{channels.stack.actions_url}/webhook",
                           data=b'{"next_action": "action_forget_me", "tracker": 7}',
                           headers={**JSON, ACTION_SECRET_HEADER: shared_secret("action")},
                           timeout=30)
    assert 400 <= answer.status_code < 600 and "Traceback" not in answer.text
    assert requests.get(f"{channels.stack.actions_url}/health", timeout=10).ok


def test_after_all_that_both_servers_answer_a_reader(channels: Channels) -> None:
    replies = channels.stack.say("h-after", "are you a bot?")
    assert "Yes, I'm a bot" in " ".join(reply.get("text", "") for reply in replies)
    assert requests.get(f"{channels.stack.actions_url}/health", timeout=10).ok
