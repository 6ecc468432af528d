"""The Telegram channel, able to push and checking who is calling its webhook.

Rasa 3.6's connector builds its output channel in ``get_output_channel()`` and
sets the webhook there with ``asyncio.run(...)``. That works once, at startup,
before Sanic's loop runs; but Rasa also calls ``get_output_channel()`` from
inside the running loop when a message is pushed (``trigger_intent`` with
``output_channel=telegram``), and ``asyncio.run`` then raises "cannot be called
from a running event loop": reminders and follow-ups never reach Telegram.
Here the output channel is a plain object made once and reused, and the webhook
is set by a server-start listener, with Telegram's ``secret_token``.

The stock connector also asks Telegram who the bot is (``getMe``) on every
update and compares the name with a setting, which proves nothing about the
caller. Telegram sends the webhook's secret token in the
``X-Telegram-Bot-Api-Secret-Token`` header; requests without the right one are
refused with 403. The token and the secret come from environment variables
(see :mod:`penpal.channels.settings`); without both the channel stays off.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from penpal.channels.flood import SLOW_DOWN, flood_gate
from penpal.channels.recent import RecentIds
from penpal.channels.recipients import PlatformRecipient
from penpal.channels.settings import channel_off, empty_blueprint, env_setting, missing_settings
from penpal.channels.text import clean_text
from penpal.conversations import namespaced

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REQUIRED = ["token", "secret_token"]
# Telegram sends "/start" when a reader first opens the bot.
DEFAULT_START_MESSAGE = "/greet"


def _object(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one (updates are untrusted)."""
    return value if isinstance(value, dict) else {}


class PenpalTelegramOutput(PlatformRecipient, TelegramOutput):
    """Rasa's Telegram output, talking to a configurable Bot API server, to the chat's own id."""

    def __init__(self, token: str, api_url: str) -> None:
        Bot.__init__(self, token, server=TelegramAPIServer.from_base(api_url))


class PenpalTelegramInput(InputChannel):
    """Telegram updates in (webhook), replies and pushes out (Bot API)."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> PenpalTelegramInput:
        missing = missing_settings(credentials, REQUIRED)
        if missing:
            channel_off("Telegram", missing)
            return cls(None, None)
        credentials = credentials or {}
        return cls(
            env_setting(credentials, "token"),
            env_setting(credentials, "secret_token"),
            api_url=env_setting(credentials, "api_url") or DEFAULT_API_URL,
            webhook_url=env_setting(credentials, "webhook_url"),
            start_message=credentials.get("start_message", DEFAULT_START_MESSAGE),
        )

    def __init__(
        self,
        token: str | None,
        secret_token: str | None,
        *,
        api_url: str = DEFAULT_API_URL,
        webhook_url: str | None = None,
        start_message: str = DEFAULT_START_MESSAGE,
    ) -> None:
        self.token = token
        self.secret_token = secret_token
        self.api_url = api_url
        self.webhook_url = webhook_url
        self.start_message = start_message
        self._output: PenpalTelegramOutput | None = None
        self._updates = RecentIds()

    @property
    def enabled(self) -> bool:
        return bool(self.token and self.secret_token)

    def get_output_channel(self) -> PenpalTelegramOutput | None:
        """One output for the server's lifetime (one HTTP session), made on first use."""
        if not self.enabled or self.token is None:  # enabled implies a token
            return None
        if self._output is None:
            self._output = PenpalTelegramOutput(self.token, self.api_url)
        return self._output

    def _live_output(self) -> PenpalTelegramOutput:
        """The output of an enabled channel (its routes exist only then)."""
        output = self.get_output_channel()
        if output is None:
            raise RuntimeError("the Telegram channel is off")
        return output

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        if not self.enabled:
            return empty_blueprint(self.name())
        webhook = Blueprint("penpal_telegram", __name__)

        @webhook.listener("after_server_start")
        async def set_webhook(_: Sanic, __: Any) -> None:
            if self.webhook_url:
                await self._set_webhook()

        @webhook.listener("before_server_stop")
        async def close_session(_: Sanic, __: Any) -> None:
            if self._output is not None and self._output._session is not None:
                await self._output._session.close()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            given = request.headers.get(SECRET_HEADER, "")
            secret = self.secret_token
            if secret is None or not hmac.compare_digest(given.encode(), secret.encode()):
                log.warning("Telegram webhook call without the right secret token; refused")
                return response.text("forbidden", status=403)
            update = request.json if isinstance(request.json, dict) else {}
            await self._handle(update, on_new_message)
            # Always 200 once authenticated: anything else makes Telegram resend the update.
            return response.text("ok")

        return webhook

    async def _handle(
        self, update: dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        """Text messages and button presses become user messages; the rest is ignored.

        An update Telegram resends, or anyone replays, is taken once (by update id).
        """
        update_id = update.get("update_id")
        if not isinstance(update_id, int) or not self._updates.first_time(str(update_id)):
            log.info("Telegram update without a new update id; ignored")
            return
        output = self._live_output()
        callback = _object(update.get("callback_query"))
        if callback:
            message, text = _object(callback.get("message")), callback.get("data")
            await self._acknowledge(callback.get("id"))
        else:
            # Edits are ignored: a reader fixing a typo should not get a second answer.
            message = _object(update.get("message"))
            text = message.get("text")
            if text == "/start":
                text = self.start_message
        chat_id = _object(message.get("chat")).get("id")
        if not isinstance(text, str) or not text or not isinstance(chat_id, (int, str)):
            log.debug("Telegram update %s carries no text; ignored", update.get("update_id"))
            return
        conversation_id = namespaced(self.name(), str(chat_id))
        if not (await flood_gate.sender(conversation_id)).allowed:
            if flood_gate.should_tell(conversation_id):
                await output.send_text_message(str(chat_id), SLOW_DOWN)
            return
        try:
            await on_new_message(UserMessage(
                clean_text(text), output, conversation_id,
                input_channel=self.name(),
                metadata={"telegram_update_id": update.get("update_id")},
            ))
        except Exception:
            log.exception("Telegram update %s could not be handled", update.get("update_id"))

    async def _acknowledge(self, callback_query_id: str | None) -> None:
        """Stop the button's spinner in the reader's app (best effort)."""
        if not callback_query_id:
            return
        try:
            await self._live_output().answer_callback_query(callback_query_id)
        except Exception as error:
            log.warning("Telegram answerCallbackQuery failed: %s", type(error).__name__)

    async def _set_webhook(self) -> None:
        try:
            await self._live_output().request(
                "setWebhook", {"url": self.webhook_url, "secret_token": self.secret_token}
            )
            log.info("Telegram webhook set to %s", self.webhook_url)
        except Exception as error:
            log.error("Telegram webhook could not be set: %s", error)
