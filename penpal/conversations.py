"""Conversation ids, namespaced by the channel they come from.

Rasa keys a conversation by its sender id alone, and a Telegram chat id or a
Slack user id is no secret: if every channel used the platform's id as it is,
a caller of one channel (say REST) could name another channel's reader and
speak as them. Each Penpal connector therefore gives Rasa ``<channel>:<id>``
and takes the prefix off again when it sends, so a conversation belongs to
exactly one channel, and no caller can choose another channel's prefix.

In a Telegram group each member has their own conversation,
``telegram:<chat>:<member>``, never the group's: what Penpal keeps about a
reader is not shared by everyone in the group. Replies still go to the chat.
"""

from __future__ import annotations

SEPARATOR = ":"
# The input channels Penpal runs: Rasa's channel names.
CHANNELS = frozenset({"rest", "socketio", "telegram", "slack", "cmdline"})


def namespaced(channel: str, platform_id: str) -> str:
    """The conversation id Rasa and Penpal use for ``platform_id`` on ``channel``."""
    return f"{channel}{SEPARATOR}{platform_id}"


def member_conversation(channel: str, chat_id: str, member_id: str) -> str:
    """The conversation id of one member of a group chat (replies go to the chat)."""
    return namespaced(channel, f"{chat_id}{SEPARATOR}{member_id}")


def channel_of(conversation_id: str) -> str | None:
    """The channel a namespaced conversation id belongs to; None for any other id."""
    channel, separator, _ = conversation_id.partition(SEPARATOR)
    return channel if separator and channel in CHANNELS else None


def platform_id(conversation_id: str) -> str:
    """The id the platform knows (the prefix taken off); other ids as they are."""
    channel = channel_of(conversation_id)
    if channel is None:
        return conversation_id
    own = conversation_id.partition(SEPARATOR)[2]
    if channel == "telegram":  # a chat id, then a group member's id: replies go to the chat
        return own.partition(SEPARATOR)[0]
    return own
