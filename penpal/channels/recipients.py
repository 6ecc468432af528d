"""Output channels that address the platform's id, not Penpal's namespaced one.

Rasa sends every reply to the conversation's id, which Penpal's connectors
namespace by channel (:mod:`penpal.conversations`); the platform (a Telegram
chat, a Slack user, a web chat room) knows the id without the prefix.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import OutputChannel

from penpal.conversations import platform_id


class PlatformRecipient(OutputChannel):
    """Mixin for an OutputChannel: strips the channel prefix off the recipient.

    Listed before the platform's output class, whose ``send_response`` it wraps.
    """

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        await super().send_response(platform_id(recipient_id), message)
