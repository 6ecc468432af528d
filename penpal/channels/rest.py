"""The REST channel, with one promise added: a reader never meets silence.

Rasa carries on when a custom action fails (say the action server is down)
and may answer nothing at all. Every message a reader sends deserves a reply,
so when a turn produced none, this connector sends an apology instead.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from penpal.gcfreeze import freeze_startup_objects

log = logging.getLogger(__name__)

DEFAULT_APOLOGY = (
    "Sorry, something went wrong on my side and I couldn't answer that. "
    "Please try again in a moment."
)


class PenpalRestInput(RestInput):
    """Rasa's REST input (same name and URL) that apologises instead of staying silent."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> PenpalRestInput:
        return cls(apology=(credentials or {}).get("apology") or DEFAULT_APOLOGY)

    def __init__(self, apology: str = DEFAULT_APOLOGY) -> None:
        self.apology = apology

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        webhook = super().blueprint(self._never_silent(on_new_message))
        # REST is on in every Penpal Rasa server: the model is loaded by now.
        webhook.listener("after_server_start")(freeze_startup_objects)
        return webhook

    def _never_silent(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Callable[[UserMessage], Awaitable[Any]]:
        async def handle(message: UserMessage) -> None:
            output = message.output_channel
            before = len(output.messages) if isinstance(output, CollectingOutputChannel) else None
            try:
                await on_new_message(message)
            finally:
                if before is not None and len(output.messages) == before:
                    log.warning("conversation turn produced no reply; sent the apology")
                    await output.send_text_message(message.sender_id, self.apology)

        return handle
