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

What a reader sends, and what they get:

- **Text and button presses** are read as the reader's message (``/start`` as
  the ``start_message`` setting).
- **A photo, video, document, audio file or animation with a caption** is read
  as its caption; the file itself is not looked at.
- **Anything else a reader sends** (a voice note, a video note, a sticker, a
  location or venue, a contact, a poll, dice, media without a caption) gets a
  short, honest reply straight back (``voice_reply`` for voice notes,
  ``not_text_reply`` for the rest, both in credentials.yml), without a Rasa
  turn.
- **Edited messages are ignored** (one log line, no reply, no turn): the
  original was already answered, and a reader fixing a typo should not get a
  second answer. So an edit can never be answered, let alone twice.
- **Service messages and other updates** (members joining or leaving, the
  bot's own membership ``my_chat_member``, ``chat_member``, pinned messages,
  channel posts...) are acknowledged and ignored with a debug line.

Every update, whatever it carries, is taken once by its ``update_id`` and
passes the per-conversation flood control: a flood of stickers is a flood.

**Groups and supergroups.** Penpal answers there only when addressed: a
command (``/help``, or ``/help@<bot>`` naming this bot), a mention of the bot
(``@<bot>``, PENPAL_TELEGRAM_BOT_USERNAME), or a reply to one of its messages
(recognised by the bot's id, the number the token starts with). The mention is
taken out of the text. Each member has their own conversation,
``telegram:<chat>:<member>`` (:func:`penpal.conversations.member_conversation`),
never the group's; the replies go to the group chat. Messages from other bots
are ignored everywhere.
"""

from __future__ import annotations

import hmac
import logging
import re
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
from penpal.channels.text import NOT_TEXT_REPLY, VOICE_REPLY, clean_text
from penpal.conversations import member_conversation, namespaced

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REQUIRED = ["token", "secret_token"]
# Telegram sends "/start" when a reader first opens the bot.
DEFAULT_START_MESSAGE = "/greet"
# Messages whose caption (if any) is what the reader wrote.
CAPTIONED = ("photo", "video", "document", "audio", "animation")
# Messages a reader sends that Penpal cannot read (voice notes have their own reply).
UNREADABLE = ("video_note", "sticker", "location", "venue", "contact", "poll", "dice",
              "game", "story", *CAPTIONED)
GROUPS = ("group", "supergroup")


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
            not_text_reply=credentials.get("not_text_reply") or NOT_TEXT_REPLY,
            voice_reply=credentials.get("voice_reply") or VOICE_REPLY,
            bot_username=env_setting(credentials, "bot_username"),
        )

    def __init__(
        self,
        token: str | None,
        secret_token: str | None,
        *,
        api_url: str = DEFAULT_API_URL,
        webhook_url: str | None = None,
        start_message: str = DEFAULT_START_MESSAGE,
        not_text_reply: str = NOT_TEXT_REPLY,
        voice_reply: str = VOICE_REPLY,
        bot_username: str | None = None,
    ) -> None:
        self.token = token
        self.secret_token = secret_token
        self.api_url = api_url
        self.webhook_url = webhook_url
        self.start_message = start_message
        self.not_text_reply = not_text_reply
        self.voice_reply = voice_reply
        self.bot_username = str(bot_username).lstrip("@").lower() if bot_username else None
        self._mention = (
            re.compile(rf"(?<![\w@])@{re.escape(self.bot_username)}(?!\w)", re.IGNORECASE)
            if self.bot_username else None
        )
        # The bot's own user id: the token starts with it ("123456:ABC...").
        bot_id = (token or "").partition(":")[0]
        self.bot_id = int(bot_id) if bot_id.isdigit() else None
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
        """Text, captions and button presses become user messages; other things a
        reader sends get the honest reply; the rest is ignored (see the module's text).

        An update Telegram resends, or anyone replays, is taken once (by update id).
        """
        update_id = update.get("update_id")
        if not isinstance(update_id, int) or not self._updates.first_time(str(update_id)):
            log.info("Telegram update without a new update id; ignored")
            return
        output = self._live_output()
        callback = _object(update.get("callback_query"))
        reply: str | None = None
        if callback:
            message, text = _object(callback.get("message")), callback.get("data")
            sender = _object(callback.get("from"))
            await self._acknowledge(callback.get("id"))
        elif "message" in update:
            message = _object(update.get("message"))
            sender = _object(message.get("from"))
            text, reply = self._read(message)
        else:
            if "edited_message" in update:
                log.info("Telegram update %s is an edited message; ignored", update_id)
            else:
                kinds = [str(key)[:32] for key in update if key != "update_id"][:3]
                log.debug("Telegram update %s is not a message (%s); ignored", update_id, kinds)
            return
        chat = _object(message.get("chat"))
        chat_id = chat.get("id")
        said = text if isinstance(text, str) and text else None
        if not isinstance(chat_id, (int, str)) or not (reply or said) or sender.get("is_bot"):
            log.debug("Telegram update %s carries nothing to answer; ignored", update_id)
            return
        if chat.get("type") in GROUPS:
            member = sender.get("id")
            if not isinstance(member, int) or not (callback or self._addressed(message, said)):
                log.debug("Telegram update %s in a group, not for Penpal; ignored", update_id)
                return
            conversation_id = member_conversation(self.name(), str(chat_id), str(member))
        else:
            conversation_id = namespaced(self.name(), str(chat_id))
        if said is not None and not callback:
            said = self._without_address(said)  # nothing left: the bot was only greeted
            said = self.start_message if said in ("/start", "") else said
        if not (await flood_gate.sender(conversation_id)).allowed:
            if flood_gate.should_tell(conversation_id):
                await output.send_text_message(str(chat_id), SLOW_DOWN)
            return
        try:
            if said is None:
                await output.send_text_message(str(chat_id), reply or "")
            else:
                await on_new_message(UserMessage(
                    clean_text(said), output, conversation_id,
                    input_channel=self.name(),
                    metadata={"telegram_update_id": update_id},
                ))
        except Exception:
            log.exception("Telegram update %s could not be handled", update_id)

    def _read(self, message: dict[str, Any]) -> tuple[str | None, str | None]:
        """``(text, None)`` for what the reader wrote, ``(None, reply)`` for what Penpal
        cannot read, ``(None, None)`` for a service message."""
        text = message.get("text")
        if isinstance(text, str) and text:
            return text, None
        caption = message.get("caption")
        if (any(kind in message for kind in CAPTIONED)
                and isinstance(caption, str) and clean_text(caption).strip()):
            return caption, None
        if "voice" in message:
            return None, self.voice_reply
        if any(kind in message for kind in UNREADABLE):
            return None, self.not_text_reply
        return None, None

    def _addressed(self, message: dict[str, Any], text: str | None) -> bool:
        """Whether a group message is for Penpal: a reply to it, its command, a mention."""
        replied_to = _object(_object(message.get("reply_to_message")).get("from"))
        if self.bot_id is not None and replied_to.get("id") == self.bot_id:
            return True
        if text is None:
            return False
        if text.startswith("/"):
            _, at, target = text.split(maxsplit=1)[0].partition("@")
            return not at or target.lower() == self.bot_username
        return self._mention is not None and self._mention.search(text) is not None

    def _without_address(self, text: str) -> str:
        """``text`` without ``@<bot>`` (after a command, or as a mention)."""
        if self.bot_username is None:
            return text
        if text.startswith("/"):
            command, space, rest = text.partition(" ")
            name, _, target = command.partition("@")
            return name + space + rest if target.lower() == self.bot_username else text
        if self._mention is None or not self._mention.search(text):
            return text
        return self._mention.sub(" ", text).strip(" \t\n,:;")

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
