"""The socket.io channel behind the web chat, with working session persistence.

With ``session_persistence`` on, a browser asks for a session (``session_request``
with the ``session_id`` it kept) and the conversation id is that session id, so
reloading the page carries on the same conversation. The bot's replies, and
messages pushed later through ``trigger_intent?output_channel=socketio``, are
emitted to a socket.io *room* named after the session id, which the socket must
have entered.

Rasa 3.6's connector calls ``sio.enter_room(sid, session_id)`` without
``await``; since python-socketio 5.x ``AsyncServer.enter_room`` is a coroutine,
so that call only creates a coroutine that never runs: the socket never joins
the room, and every reply and push goes to an empty room (the reader sees
nothing). This connector awaits it. It also keeps the session id with the
socket instead of trusting the one each message carries, sends the stored
history when a session it handed out comes back (so a reloaded page shows the
conversation, pushes made while it was closed included), and serves the chat
page at ``GET /chat`` (with the socket.io client from npm).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from rasa.shared.core.constants import IS_EXTERNAL
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from penpal.channels.flood import SLOW_DOWN, flood_gate
from penpal.channels.recipients import PlatformRecipient
from penpal.channels.text import clean_text
from penpal.conversations import namespaced
from penpal.origins import ORIGINS_VARIABLE, allowed_origins, origin_allowed
from penpal.server_secrets import shared_secret

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
PAGE_FILES = ("chat.js", "chat.css")
# The socket.io client from npm (web/package.json), installed by `make install`.
SOCKETIO_CLIENT = Path("node_modules/socket.io-client/dist/socket.io.min.js")
HISTORY_EVENT = "session_history"
# The session id is the reader's only key to their conversation: only ids this
# Penpal handed out are taken back, never a guessable one such as another
# channel's conversation id, nor a well-formed one it never issued. An id is 128
# random bits and their HMAC under the shared session secret, both in hex.
SESSION_ID = re.compile(r"[0-9a-f]{64}")
# A reader's own words are shown as typed; a button click as the button's title.
DISPLAY_KEY = "display"


class ChatPageBlueprint(SocketBlueprint):
    """Attaches socket.io to the app and serves the chat page at ``/chat``."""

    def __init__(self, sio: AsyncServer, socketio_path: str, web_dir: Path) -> None:
        super().__init__(sio, socketio_path, "penpal_socketio", __name__)
        self.ctx.web_dir = web_dir
        self.ctx.app = None

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        self.ctx.app = app
        web_dir: Path = self.ctx.web_dir
        app.static("/chat", str(web_dir / "index.html"), name="penpal_chat_page")
        for name in PAGE_FILES:
            app.static(f"/chat/static/{name}", str(web_dir / name),
                       name=f"penpal_chat_{name.replace('.', '_')}")
        client = web_dir / SOCKETIO_CLIENT
        if not client.exists():
            log.error("web chat: %s is missing; run `make install` (npm ci in web/)", client)
        app.static("/chat/static/socket.io.min.js", str(client), name="penpal_chat_client")
        super().register(app, options)


class SessionIds:
    """Issues web chat session ids and recognises the ones it issued."""

    def __init__(self, key: str) -> None:
        self._key = key.encode()

    def _mac(self, random_part: str) -> str:
        return hmac.new(self._key, random_part.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self) -> str:
        random_part = secrets.token_hex(16)
        return random_part + self._mac(random_part)

    def issued(self, session_id: object) -> bool:
        if not (isinstance(session_id, str) and SESSION_ID.fullmatch(session_id)):
            return False
        return hmac.compare_digest(session_id[32:], self._mac(session_id[:32]))


class PenpalSocketIOOutput(PlatformRecipient, SocketIOOutput):
    """Rasa's socket.io output, emitting to the session's room (the id without its prefix)."""


class PenpalSocketIOInput(SocketIOInput):
    """Rasa's socket.io input (same name, events and options), persistence fixed."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> PenpalSocketIOInput:
        credentials = credentials or {}
        channel = cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("namespace"),
            credentials.get("session_persistence", True),
            credentials.get("socketio_path", "/socket.io"),
            metadata_key=credentials.get("metadata_key", "metadata"),
        )
        channel.web_dir = Path(credentials.get("web_dir") or WEB_DIR)
        channel.allowed_origins = allowed_origins(os.environ.get(ORIGINS_VARIABLE))
        return channel

    web_dir: Path = WEB_DIR
    allowed_origins: list[str] = []

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self._origin_allowed)
        self.sio = sio
        sessions = SessionIds(shared_secret("session"))
        webhook = ChatPageBlueprint(sio, self.socketio_path, self.web_dir)
        namespace = self.namespace

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.listener("before_server_stop")
        async def disconnect_all(_: Sanic, __: Any) -> None:
            await sio.shutdown()  # python-socketio: stop its background task first

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict, auth: dict | None = None) -> bool:
            request = environ.get("sanic.request")
            return request is None or (await flood_gate.address(request)).allowed

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: dict | None) -> None:
            known = data.get("session_id") if isinstance(data, dict) else None
            if not sessions.issued(known):
                known = None
            session_id = known or sessions.issue()
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=namespace)
                await sio.save_session(sid, {"session_id": session_id}, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)
            if self.session_persistence and known:
                history = await self._history(webhook.ctx.app, session_id)
                await sio.emit(HISTORY_EVENT, history, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any) -> None:
            text = data.get("message") if isinstance(data, dict) else None
            if not isinstance(text, str):
                log.debug("socket.io message without text; ignored")
                return
            if self.session_persistence:
                session = await sio.get_session(sid, namespace=namespace)
                sender_id = session.get("session_id")
                if not sender_id:
                    log.warning("socket.io message before session_request; ignored")
                    return
            else:
                sender_id = sid
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            if not isinstance(metadata, dict):
                metadata = {}
            conversation_id = namespaced(self.name(), sender_id)
            if not (await flood_gate.sender(conversation_id)).allowed:
                await sio.emit(self.bot_message_evt, {"text": SLOW_DOWN}, room=sid,
                               namespace=namespace)
                return
            await on_new_message(UserMessage(
                clean_text(text),
                self.get_output_channel(),
                conversation_id,
                input_channel=self.name(),
                metadata=metadata,
            ))

        return webhook

    def _origin_allowed(self, origin: str, environ: dict[str, Any]) -> bool:
        """Pages of this server (the chat page) and of PENPAL_ALLOWED_ORIGINS only.

        Browsers do not apply CORS to WebSockets, so the server checks.
        """
        if not origin:  # not a browser page (python-engineio also asks when building headers)
            return True
        hosts = [environ.get("HTTP_HOST", ""), environ.get("HTTP_X_FORWARDED_HOST", "")]
        if origin_allowed(origin, [host for host in hosts if host], self.allowed_origins):
            return True
        log.warning("web chat: a page from another site tried to connect; refused")
        return False

    def get_output_channel(self) -> PenpalSocketIOOutput | None:
        if self.sio is None:
            return None
        return PenpalSocketIOOutput(self.sio, self.bot_message_evt)

    @staticmethod
    async def _history(app: Sanic | None, session_id: str) -> list[dict[str, Any]]:
        """The conversation so far, as the page shows it: who said what, with buttons.

        Pushed intents (``trigger_intent``) are events the reader never typed: only
        the bot's answers to them are shown.
        """
        agent = getattr(app.ctx, "agent", None) if app else None
        if agent is None or agent.tracker_store is None:
            return []
        # Every session: the disclosure that opens one is logged just before its
        # SessionStarted, so the latest session alone would lose it.
        tracker = await agent.tracker_store.retrieve_full_tracker(
            namespaced(PenpalSocketIOInput.name(), session_id))
        if tracker is None or tracker.get_latest_input_channel() != PenpalSocketIOInput.name():
            return []
        history: list[dict[str, Any]] = []
        for event in tracker.events:
            metadata = getattr(event, "metadata", None) or {}
            if isinstance(event, UserUttered) and event.text and not metadata.get(IS_EXTERNAL):
                shown = metadata.get(DISPLAY_KEY) or event.text
                history.append({"sender": "user", "text": shown})
            elif isinstance(event, BotUttered) and (event.text or event.data.get("buttons")):
                buttons = [
                    {"title": button["title"], "payload": button["payload"]}
                    for button in event.data.get("buttons") or []
                ]
                history.append({"sender": "bot", "text": event.text or "", "buttons": buttons})
        return history
