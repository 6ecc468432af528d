"""The socket.io channel against the running server, with a python-socketio client.

The client uses long-polling: python-engineio's asyncio WebSocket transport needs a
newer aiohttp than Rasa 3.6 allows. The page itself uses WebSocket (browser test).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import pytest
import socketio

from penpal.push import RasaPusher
from tests.channels.conftest import Channels

pytestmark = pytest.mark.e2e
WAIT_SECONDS = 60
CLOSE_SECONDS = 2  # the close packet is out in milliseconds; the hang is only the read loop


async def close(client: socketio.AsyncClient) -> None:
    """Disconnect, without waiting forever: python-engineio's polling client can hang
    in disconnect (its read loop waits on a long poll). The server's side is checked
    by the tests; a client that cannot say goodbye in time is left to be dropped."""
    with suppress(asyncio.TimeoutError):
        await asyncio.wait_for(client.disconnect(), CLOSE_SECONDS)


@dataclass
class WebChat:
    """One browser tab, as the page behaves: a socket, a session id, what arrived."""

    client: socketio.AsyncClient
    session_id: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)
    bot: asyncio.Queue = field(default_factory=asyncio.Queue)

    async def say(self, text: str, display: str | None = None) -> None:
        message: dict[str, Any] = {"message": text, "session_id": self.session_id}
        if display:
            message["metadata"] = {"display": display}
        await self.client.emit("user_uttered", message)

    async def reply_containing(self, words: str) -> dict[str, Any]:
        """The first bot message (from now on) whose text contains ``words``."""
        while True:
            message = await asyncio.wait_for(self.bot.get(), WAIT_SECONDS)
            if words in message.get("text", ""):
                return message


@asynccontextmanager
async def web_chat(url: str, session_id: str | None = None) -> AsyncIterator[WebChat]:
    client = socketio.AsyncClient()
    chat = WebChat(client)
    confirmed = asyncio.Event()
    history_arrived = asyncio.Event()

    @client.on("session_confirm")
    async def on_confirm(session: str) -> None:
        chat.session_id = session
        confirmed.set()

    @client.on("session_history")
    async def on_history(history: list[dict[str, Any]]) -> None:
        chat.history = history
        history_arrived.set()

    @client.on("bot_uttered")
    async def on_bot(message: dict[str, Any]) -> None:
        chat.bot.put_nowait(message)

    await client.connect(url, transports=["polling"])
    try:
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), WAIT_SECONDS)
        if session_id:
            await asyncio.wait_for(history_arrived.wait(), WAIT_SECONDS)
        yield chat
    finally:
        await close(client)


def test_a_reconnected_session_keeps_its_conversation(channels: Channels) -> None:
    url = channels.stack.rasa_url

    async def scenario() -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
        async with web_chat(url) as first:
            await first.say("what can you do?")
            offer = await first.reply_containing("I can recommend")
            assert "About the writer" in [b["title"] for b in offer["quick_replies"]]
        async with web_chat(url, first.session_id) as again:
            await again.say("/faq_bio", display="About the writer")
            answer = await asyncio.wait_for(again.bot.get(), WAIT_SECONDS)
        return again.session_id, again.history, answer

    session_id, history, answer = asyncio.run(scenario())
    disclosure, asked, offer = history[:3]
    assert disclosure["sender"] == "bot" and "I'm a bot, not" in disclosure["text"]
    assert asked == {"sender": "user", "text": "what can you do?"}
    assert offer["text"].startswith("I can recommend")
    assert {"title": "About the writer", "payload": "/faq_bio"} in offer["buttons"]
    assert answer["text"]

    tracker = channels.stack.tracker(session_id, "socketio")
    said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert said == ["what can you do?", "/faq_bio"]
    assert tracker["latest_input_channel"] == "socketio"


def test_a_pushed_message_reaches_the_open_page(channels: Channels) -> None:
    url = channels.stack.rasa_url

    async def scenario() -> dict[str, Any]:
        async with web_chat(url) as chat:
            await chat.say("hello")
            await asyncio.wait_for(chat.bot.get(), WAIT_SECONDS)
            pusher = RasaPusher(url)
            result = await asyncio.to_thread(
                pusher.trigger, f"socketio:{chat.session_id}", "bot_challenge", "socketio"
            )
            assert result.messages == []  # delivered on the socket, not in the answer
            return await chat.reply_containing("I'm a bot")

    assert asyncio.run(scenario())["text"].startswith("Yes, I'm a bot")


def test_a_push_while_the_page_is_closed_is_there_on_return(channels: Channels) -> None:
    url = channels.stack.rasa_url

    async def scenario() -> list[dict[str, Any]]:
        async with web_chat(url) as chat:
            await chat.say("hello")
            await asyncio.wait_for(chat.bot.get(), WAIT_SECONDS)
        await asyncio.to_thread(
            RasaPusher(url).trigger, f"socketio:{chat.session_id}", "bot_challenge", "socketio")
        async with web_chat(url, chat.session_id) as again:
            return again.history

    history = asyncio.run(scenario())
    assert [entry["text"] for entry in history if entry["sender"] == "user"] == ["hello"]
    assert history[-1]["sender"] == "bot"
    assert history[-1]["text"].startswith("Yes, I'm a bot")


@pytest.mark.hostile("web chat")
def test_only_session_ids_it_handed_out_are_taken_back(channels: Channels) -> None:
    """A socket cannot claim another conversation (say a REST one) by its id."""
    assert channels.stack.say("someone-else", "are you a bot?")

    async def scenario() -> tuple[str, dict[str, Any]]:
        client = socketio.AsyncClient()
        replies: asyncio.Queue = asyncio.Queue()
        confirmed: asyncio.Queue = asyncio.Queue()
        client.on("bot_uttered", replies.put_nowait)
        client.on("session_confirm", confirmed.put_nowait)
        await client.connect(channels.stack.rasa_url, transports=["polling"])
        try:
            # Ignored: no session yet, and the id in the message does not count.
            await client.emit("user_uttered", {"message": "hello", "session_id": "someone-else"})
            await client.emit("session_request", {"session_id": "someone-else"})
            session_id = await asyncio.wait_for(confirmed.get(), WAIT_SECONDS)
            await client.emit("user_uttered", {"message": "what can you do?"})
            first = await asyncio.wait_for(replies.get(), WAIT_SECONDS)
            return session_id, first
        finally:
            await close(client)

    session_id, first = asyncio.run(scenario())
    assert session_id != "someone-else" and len(session_id) == 64
    assert first["text"]
    said = [e["text"] for e in channels.stack.tracker("someone-else")["events"]
            if e["event"] == "user"]
    assert said == ["are you a bot?"]
    said = [e["text"] for e in channels.stack.tracker(session_id, "socketio")["events"]
            if e["event"] == "user"]
    assert said == ["what can you do?"]


@pytest.mark.hostile("web chat")
@pytest.mark.parametrize("claimed", [
    "0" * 64,  # well-formed, never issued
    "a" * 32 + "b" * 32,
    None, 42, ["x"], "",
])
def test_a_well_formed_session_id_it_never_issued_gets_a_fresh_one(
    channels: Channels, claimed: object
) -> None:
    async def scenario() -> str:
        client = socketio.AsyncClient()
        confirmed: asyncio.Queue = asyncio.Queue()
        client.on("session_confirm", confirmed.put_nowait)
        await client.connect(channels.stack.rasa_url, transports=["polling"])
        try:
            await client.emit("session_request", {"session_id": claimed})
            return await asyncio.wait_for(confirmed.get(), WAIT_SECONDS)
        finally:
            await close(client)

    issued = asyncio.run(scenario())
    assert issued != claimed and len(issued) == 64  # one it did issue is taken back:
    # test_a_reconnected_session_keeps_its_conversation
