"""The Slack channel: signed requests only, each event handled once, replies in threads.

Built on Rasa 3.6's Slack connector (message parsing, interactive buttons,
output), with these changes:

- Requests are checked against the signing secret with slack_sdk's verifier;
  a forged or stale one is refused with 401 before anything is read.
- Slack resends an event (``X-Slack-Retry-Num``) when it did not see a quick
  2xx. Rasa only drops retries whose reason is ``http_timeout``, so a retry for
  any other reason (``http_error``...) makes the bot answer twice. Here every
  event is handled at most once, by its ``event_id``: a retry of an event
  already taken is acknowledged and dropped, one whose original never arrived
  is handled. (The memory is per process: behind several Rasa instances, route
  Slack to one, or accept the rare double answer.)
- Replies go in the reader's thread by default, and the Web API base URL can be
  changed (a local stand-in in tests).
- Messages with more than five buttons keep them: Rasa sends none at all past
  an old limit of five, but a Block Kit ``actions`` block takes up to 25.
- What a reader sends is sorted: a message with text (a file shared with a
  comment too: subtype ``file_share``) is read as its text; one without text
  (a file alone) gets a short, honest reply (the ``not_text_reply`` setting in
  credentials.yml) in the same place as any reply, without a Rasa turn. Edits
  (``message_changed``), deletions (``message_deleted``), bots' messages
  (``bot_message`` or any event with a ``bot_id``, Penpal's own included) and
  other subtypes (joins, topic changes...) are acknowledged and never answered.
  Replay protection and flood control apply to every event alike.
- In a public channel only an ``app_mention`` is answered (in its thread), as
  in Rasa's connector; messages there that do not mention Penpal are not.

The bot token and the signing secret come from environment variables (see
:mod:`penpal.channels.settings`); without both the channel stays off.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from penpal.channels.flood import SLOW_DOWN, flood_gate
from penpal.channels.recent import RecentIds
from penpal.channels.recipients import PlatformRecipient
from penpal.channels.settings import channel_off, empty_blueprint, env_setting, missing_settings
from penpal.channels.text import NOT_TEXT_REPLY, clean_text
from penpal.conversations import namespaced

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
REQUIRED = ["token", "signing_secret"]
REMEMBERED_EVENTS = 10_000
NO_RETRY = {"X-Slack-No-Retry": "1"}
MAX_BUTTONS_PER_BLOCK = 25  # Slack Block Kit's limit for an actions block
# Message subtypes a reader makes; every other one (message_changed, bot_message,
# channel_join...) is the platform's or a bot's, and never answered.
READER_SUBTYPES = frozenset({None, "file_share", "thread_broadcast", "me_message"})


class PenpalSlackBot(PlatformRecipient, SlackBot):
    """Rasa's Slack output, talking to a configurable Web API base URL."""

    def __init__(
        self, token: str, api_url: str, channel: str | None = None, thread_id: str | None = None
    ) -> None:
        super().__init__(token, channel, thread_id)
        self.client = AsyncWebClient(token, base_url=api_url)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "plain_text", "text": text}}
        ]
        for start in range(0, len(buttons), MAX_BUTTONS_PER_BLOCK):
            blocks.append({"type": "actions", "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": button["title"]},
                 "value": button["payload"]}
                for button in buttons[start:start + MAX_BUTTONS_PER_BLOCK]
            ]})
        await self._post_message(
            channel=self.slack_channel or recipient_id, as_user=True, text=text, blocks=blocks
        )


class PenpalSlackInput(SlackInput):
    """Slack's Events API and interactive buttons in, Web API out."""

    # set here or by Rasa's SlackInput; None when the channel is off
    slack_token: str | None
    slack_signing_secret: str | None

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> PenpalSlackInput:
        missing = missing_settings(credentials, REQUIRED)
        if missing:
            channel_off("Slack", missing)
            return cls(None, None)
        credentials = credentials or {}
        return cls(
            env_setting(credentials, "token"),
            env_setting(credentials, "signing_secret"),
            api_url=env_setting(credentials, "api_url") or DEFAULT_API_URL,
            slack_channel=credentials.get("slack_channel"),
            use_threads=credentials.get("use_threads", True),
            conversation_granularity=credentials.get("conversation_granularity", "sender"),
            not_text_reply=credentials.get("not_text_reply") or NOT_TEXT_REPLY,
        )

    def __init__(
        self,
        token: str | None,
        signing_secret: str | None,
        *,
        api_url: str = DEFAULT_API_URL,
        slack_channel: str | None = None,
        use_threads: bool = True,
        conversation_granularity: str = "sender",
        not_text_reply: str = NOT_TEXT_REPLY,
    ) -> None:
        self.api_url = api_url
        self.not_text_reply = not_text_reply
        self._seen_events = RecentIds(REMEMBERED_EVENTS)
        if not (token and signing_secret):
            self.slack_token = self.slack_signing_secret = None
            return
        super().__init__(
            token,
            slack_channel=slack_channel,
            use_threads=use_threads,
            slack_signing_secret=signing_secret,
            conversation_granularity=conversation_granularity,
            slack_retry_number_header="x-slack-retry-num",
        )
        self.verifier = SignatureVerifier(signing_secret)

    @property
    def enabled(self) -> bool:
        return bool(self.slack_token and self.slack_signing_secret)

    def get_output_channel(
        self, channel: str | None = None, thread_id: str | None = None
    ) -> PenpalSlackBot | None:
        if not self.enabled or self.slack_token is None:  # enabled implies a token
            return None
        return PenpalSlackBot(
            self.slack_token, self.api_url, channel or self.slack_channel, thread_id
        )

    def is_request_from_slack_authentic(self, request: Request) -> bool:
        return self.verifier.is_valid_request(request.body, dict(request.headers))

    def first_delivery(self, event_id: str | None, is_retry: bool) -> bool:
        """Whether to handle this event: not if it (or its original) was already taken."""
        if not event_id:
            return not is_retry
        return self._seen_events.first_time(str(event_id))

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        if not self.enabled:
            return empty_blueprint(self.name())
        webhook = Blueprint("penpal_slack", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.is_request_from_slack_authentic(request):
                log.warning("Slack request with a missing or wrong signature; refused")
                return response.text("invalid signature", status=HTTPStatus.UNAUTHORIZED)
            if request.headers.get("content-type") == "application/json":
                return await self._event(request, on_new_message)
            return await self._interaction(request, on_new_message)

        return webhook

    async def _event(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        body = request.json or {}
        if body.get("type") == "url_verification":
            return response.json({"challenge": body.get("challenge")})
        is_retry = self.retry_num_header in request.headers
        if not self.first_delivery(body.get("event_id"), is_retry):
            log.info("Slack retry #%s of a handled event; dropped",
                     request.headers.get(self.retry_num_header))
            return response.text("", headers=NO_RETRY)
        event = body.get("event")
        ignored = self._not_from_a_reader(event)
        if ignored or not isinstance(event, dict):
            log.debug("Slack event %s: %s; ignored", body.get("event_id"), ignored)
            return response.text("not a user message")
        metadata = self.get_metadata(request)
        if not self._is_supported_channel(body, metadata):
            return response.text("channel not supported")
        conversation_id = self._get_conversation_id(
            event.get("user"), metadata.get("out_channel"), metadata.get("thread_id")
        )
        raw = event.get("text")
        if not isinstance(raw, str) or not raw:
            return await self._say_not_text(conversation_id, metadata)
        text = self._sanitize_user_message(raw, metadata["users"])
        return await self.process_message(
            request, on_new_message, text=text, sender_id=conversation_id, metadata=metadata
        )

    @staticmethod
    def _not_from_a_reader(event: Any) -> str | None:
        """Why ``event`` is not a message a reader sent, or None when it is one."""
        if not isinstance(event, dict) or event.get("type") not in ("message", "app_mention"):
            return "not a message"
        if event.get("bot_id") or event.get("subtype") == "bot_message":
            return "a bot's message"
        if event.get("subtype") not in READER_SUBTYPES:
            return f"a {str(event.get('subtype'))[:32]} message"
        if not isinstance(event.get("user"), str) or not event["user"]:
            return "no sender"
        return None

    async def _say_not_text(
        self, sender_id: str | None, metadata: dict[str, Any]
    ) -> HTTPResponse:
        """The honest reply to a message without text (a file alone), where replies go."""
        if not sender_id:
            return response.text("no sender")
        output = self._reply_output(metadata)
        conversation_id = namespaced(self.name(), sender_id)
        if await self._flooding(conversation_id, output, sender_id):
            return response.text("")
        if output is not None:
            self._in_background(output.send_text_message(sender_id, self.not_text_reply))
        return response.text("")

    def _reply_output(self, metadata: dict[str, Any]) -> PenpalSlackBot | None:
        """The output that answers in the event's channel (and thread, with threads on)."""
        thread_id = metadata.get("thread_id") if self.use_threads else None
        return self.get_output_channel(metadata.get("out_channel"), thread_id)

    async def _flooding(
        self, conversation_id: str, output: PenpalSlackBot | None, sender_id: str
    ) -> bool:
        """Whether the conversation is over its rate (then told to slow down, once a minute)."""
        if (await flood_gate.sender(conversation_id)).allowed:
            return False
        if flood_gate.should_tell(conversation_id) and output is not None:
            self._in_background(output.send_text_message(sender_id, SLOW_DOWN))
        return True

    def _in_background(self, work: Awaitable[Any]) -> None:
        """Run ``work`` after Slack has its quick answer (it resends after 3 s)."""
        task = asyncio.ensure_future(work)
        self._background_tasks.add(task)
        task.add_done_callback(self._background_tasks.discard)
        task.add_done_callback(_log_failure)

    async def _interaction(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        """A button pressed in a message (form-encoded ``payload``)."""
        try:
            payload = json.loads(request.form.get("payload") or "{}")
        except json.JSONDecodeError:
            return response.text("bad payload", status=HTTPStatus.BAD_REQUEST)
        if not self._is_interactive_message(payload):
            return response.text("not an interaction")
        text = self._get_interactive_response(payload["actions"][0])
        if text is None:
            return response.text("no value")
        metadata = self.get_metadata(request)
        conversation_id = self._get_conversation_id(
            payload.get("user", {}).get("id"), metadata.get("out_channel"),
            metadata.get("thread_id"),
        )
        return await self.process_message(request, on_new_message, text, conversation_id, metadata)

    async def process_message(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        sender_id: str | None,
        metadata: dict | None,
    ) -> HTTPResponse:
        """Answer Slack at once (it resends after 3 s) and handle the message in the background.

        Rasa's version does the same after its own retry filter, replaced here by
        :meth:`first_delivery`.
        """
        if not sender_id:  # never Rasa's shared "default" conversation
            return response.text("no sender")
        metadata = metadata or {}
        output = self._reply_output(metadata)
        conversation_id = namespaced(self.name(), sender_id)
        if await self._flooding(conversation_id, output, sender_id):
            return response.text("")
        message = UserMessage(
            clean_text(text),
            output,
            conversation_id,
            input_channel=self.name(),
            metadata=metadata,
        )
        self._in_background(self._handle(message, on_new_message))
        return response.text("")

    @staticmethod
    async def _handle(
        message: UserMessage, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        try:
            await on_new_message(message)
        except Exception:
            log.exception("Slack message could not be handled")


def _log_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("Slack reply could not be sent: %s", type(task.exception()).__name__)
