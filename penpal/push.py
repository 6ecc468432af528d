"""Proactive messages: ask the Rasa server to speak first in a conversation.

Reminders and new-item notices go through Rasa's HTTP API
(``POST /conversations/{id}/trigger_intent``) with an explicit output channel,
so the bot's own responses (and any action they run) reach the reader on the
channel they used. Channels that cannot receive pushes (REST, the command
line) answer the request itself: those messages come back in the result.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from penpal.server_secrets import shared_secret

log = logging.getLogger(__name__)

DEFAULT_RASA_URL = "http://localhost:5005"

# Input channels whose output channel can reach a reader later, unprompted.
PUSH_CHANNELS = frozenset({"socketio", "telegram", "slack"})


class PushError(Exception):
    """The Rasa server did not take the message (down, refused, or an error)."""


@dataclass(frozen=True)
class PushResult:
    """What Rasa answered: the bot's messages when the channel collects them."""

    conversation_id: str
    output_channel: str
    messages: list[dict[str, Any]] = field(default_factory=list)


def can_push(channel: str | None) -> bool:
    """Whether a reader on ``channel`` can be reached without writing first."""
    return channel in PUSH_CHANNELS


class RasaPusher:
    """A small client for Rasa's ``trigger_intent`` endpoint."""

    def __init__(
        self, base_url: str | None = None, token: str | None = None, timeout: float = 10.0
    ) -> None:
        self.base_url = (base_url or os.environ.get("PENPAL_RASA_URL", DEFAULT_RASA_URL)).rstrip(
            "/"
        )
        self.token = token if token is not None else shared_secret("api")
        self.timeout = timeout

    def trigger(
        self,
        conversation_id: str,
        intent: str,
        output_channel: str,
        entities: dict[str, Any] | None = None,
    ) -> PushResult:
        """Inject ``intent`` (with ``entities``) into the conversation; raise PushError."""
        params = {"output_channel": output_channel}
        if self.token:
            params["token"] = self.token
        # Rasa (Sanic) does not unquote the path: the namespace's ":" must stay as it is.
        conversation = quote(conversation_id, safe=":")
        url = f"{self.base_url}/conversations/{conversation}/trigger_intent"
        try:
            response = requests.post(
                url,
                params=params,
                json={"name": intent, "entities": entities or {}},
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise PushError(f"Rasa server unreachable: {type(error).__name__}") from error
        if response.status_code != 200:
            raise PushError(f"Rasa server answered {response.status_code}")
        body = response.json() if response.content else {}
        return PushResult(conversation_id, output_channel, list(body.get("messages") or []))
