"""The REST channel: a door for a trusted front end, checked at every call.

Same URL as Rasa's (``POST /webhooks/rest/webhook`` with
``{"sender": ..., "message": ...}``), with what Rasa's version lacks:

- **Who may call.** A caller on this machine (loopback, not through a proxy
  that forwards for someone else), or one that shows ``PENPAL_REST_TOKEN`` as
  a bearer token. Without the token set, REST is for this machine only, and
  the server says so in one log line at start.
- **Whose conversation.** The sender id is namespaced (``rest:<sender>``), so
  a REST caller can never speak as a Telegram, Slack or web chat reader; the
  input channel is always ``rest`` (Rasa's takes one from the body).
- **A clear 400** for a body that is not JSON, a missing or non-text
  ``sender`` (Rasa answers such calls in one shared conversation called
  ``default``), or a non-text ``message`` (Rasa answers ``[]``).
- **Flood control** per client address and per conversation
  (:mod:`penpal.channels.flood`): 429 with Retry-After.
- **No silence.** Rasa carries on when a custom action fails (say the action
  server is down) and may answer nothing at all; a turn that produced no reply
  is answered with an apology.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from penpal.channels.flood import flood_gate, too_many
from penpal.channels.text import clean_text
from penpal.conversations import namespaced
from penpal.gcfreeze import freeze_startup_objects

log = logging.getLogger(__name__)

DEFAULT_APOLOGY = (
    "Sorry, something went wrong on my side and I couldn't answer that. "
    "Please try again in a moment."
)
TOKEN_VARIABLE = "PENPAL_REST_TOKEN"
MAX_BODY_BYTES = 64 * 1024
MAX_SENDER_LENGTH = 128
FORWARDED_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


class BadRequest(ValueError):
    """The body is not a message Penpal can take; the text says why."""


def parse_message(body: bytes) -> tuple[str, str, dict[str, Any]]:
    """``(sender, text, metadata)`` from a REST body, or BadRequest saying what is wrong."""
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise BadRequest(
            "the body must be JSON: {\"sender\": \"...\", \"message\": \"...\"}"
        ) from None
    if not isinstance(payload, dict):
        raise BadRequest("the body must be a JSON object")
    sender = payload.get("sender")
    if not isinstance(sender, str) or not clean_text(sender).strip():
        raise BadRequest("\"sender\" must be a non-empty string naming the conversation")
    if len(sender) > MAX_SENDER_LENGTH or clean_text(sender) != sender:
        raise BadRequest(
            f"\"sender\" must be at most {MAX_SENDER_LENGTH} printable characters"
        )
    message = payload.get("message")
    if not isinstance(message, str):
        raise BadRequest("\"message\" must be a string")
    metadata = payload.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise BadRequest("\"metadata\" must be a JSON object")
    return sender, clean_text(message), metadata


def is_local_caller(request: Request) -> bool:
    """A caller on this machine, not a proxy on it forwarding someone else's request."""
    if any(header in request.headers for header in FORWARDED_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.ip).is_loopback
    except ValueError:  # a Unix socket or no address at all
        return False


def has_token(request: Request, token: str | None) -> bool:
    if not token:
        return False
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())


class PenpalRestInput(InputChannel):
    """Rasa's REST channel (same name and URL), guarded and never silent."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> PenpalRestInput:
        return cls(
            apology=(credentials or {}).get("apology") or DEFAULT_APOLOGY,
            token=os.environ.get(TOKEN_VARIABLE) or None,
        )

    def __init__(self, apology: str = DEFAULT_APOLOGY, token: str | None = None) -> None:
        self.apology = apology
        self.token = token

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        webhook = Blueprint("penpal_rest", __name__)
        # REST is on in every Penpal Rasa server: the model is loaded by now.
        webhook.listener("after_server_start")(freeze_startup_objects)
        # One flood gate for every door of this server, opened in its event loop.
        webhook.listener("before_server_start")(flood_gate.start)
        webhook.listener("after_server_stop")(flood_gate.stop)

        @webhook.listener("after_server_start")
        async def say_who_may_call(_: Sanic, __: Any) -> None:
            if not self.token:
                log.info("REST channel: callers on this machine only; set %s to let "
                         "a front end elsewhere call it with that bearer token", TOKEN_VARIABLE)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not (decision := await flood_gate.address(request)).allowed:
                return too_many(decision, "Too many requests.")
            if not (is_local_caller(request) or has_token(request, self.token)):
                log.warning("REST call from beyond this machine without the bearer token; "
                            "refused")
                return response.json(
                    {"error": f"this channel needs a bearer token ({TOKEN_VARIABLE})"},
                    status=401, headers={"WWW-Authenticate": "Bearer"},
                )
            try:
                sender, text, metadata = parse_message(request.body)
            except BadRequest as error:
                return response.json({"error": str(error)}, status=400)
            conversation_id = namespaced(self.name(), sender)
            if not (decision := await flood_gate.sender(conversation_id)).allowed:
                return too_many(decision)
            output = CollectingOutputChannel()
            await self._answer(UserMessage(
                text, output, conversation_id,
                input_channel=self.name(), metadata=metadata,
            ), on_new_message)
            return response.json([{**reply, "recipient_id": sender} for reply in output.messages])

        return webhook

    async def _answer(
        self, message: UserMessage, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        output: CollectingOutputChannel = message.output_channel
        try:
            await on_new_message(message)
        except Exception:
            log.exception("REST message could not be handled")
        if not output.messages:
            log.warning("conversation turn produced no reply; sent the apology")
            await output.send_text_message(message.sender_id, self.apology)
