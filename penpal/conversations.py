"""Conversation ids, namespaced by the channel they come from.

Rasa keys a conversation by its sender id alone, and a Telegram chat id or a
Slack user id is no secret: if every channel used the platform's id as it is,
a caller of one channel (say REST) could name another channel's reader and
speak as them. Each Penpal connector therefore gives Rasa ``<channel>:<id>``
and takes the prefix off again when it sends, so a conversation belongs to
exactly one channel, and no caller can choose another channel's prefix.
"""

from __future__ import annotations

SEPARATOR = ":"
# The input channels Penpal runs: Rasa's channel names.
CHANNELS = frozenset({"rest", "socketio", "telegram", "slack", "cmdline"})


def namespaced(channel: str, platform_id: str) -> str:
    """The conversation id Rasa and Penpal use for ``platform_id`` on ``channel``."""
    return f"{channel}{SEPARATOR}{platform_id}"


def channel_of(conversation_id: str) -> str | None:
    """The channel a namespaced conversation id belongs to; None for any other id."""
    channel, separator, _ = conversation_id.partition(SEPARATOR)
    return channel if separator and channel in CHANNELS else None


def platform_id(conversation_id: str) -> str:
    """The id the platform knows (the prefix taken off); other ids as they are."""
    if channel_of(conversation_id) is None:
        return conversation_id
    return conversation_id.partition(SEPARATOR)[2]
