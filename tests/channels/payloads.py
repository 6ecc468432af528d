"""Telegram updates and Slack events in the shapes the platforms document.

Telegram: the Bot API's ``Update``, ``Message``, ``PhotoSize``, ``Voice``,
``Sticker``, ``Document``, ``Location``, ``Contact``, ``MessageEntity`` and
``ChatMemberUpdated`` objects (https://core.telegram.org/bots/api), with the
fields Telegram fills in for a private chat. Slack: the Events API's outer
``event_callback`` envelope and the ``message`` event with its ``message.im``,
``file_share``, ``message_changed``, ``message_deleted`` and ``bot_message``
shapes (https://api.slack.com/events/message and its subtypes).

Every builder takes fresh update, message and event ids, so no two calls are a
replay of each other.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import yaml

PROJECT = Path(__file__).resolve().parents[2]
_ids = itertools.count(5_000)
DATE = 1_700_000_000
BOT_ID = 123456  # the bot's user id: the number before the colon of its token
SLACK_BOT_USER = "UPENPAL"
BOT_USERNAME = "penpal_bot"  # PENPAL_TELEGRAM_BOT_USERNAME of the channel stack


def connector_setting(connector: str, key: str) -> str:
    """A setting of ``penpal.channels.<connector>`` in the project's credentials.yml."""
    credentials = yaml.safe_load((PROJECT / "credentials.yml").read_text())
    for name, settings in credentials.items():
        if name.startswith(f"penpal.channels.{connector}."):
            return str(settings[key])
    raise KeyError(connector)


# Telegram ------------------------------------------------------------------------------

def telegram_user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Ada", "last_name": "Lovelace",
            "username": f"ada{user_id}", "language_code": "en"}


def private_chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "first_name": "Ada", "last_name": "Lovelace",
            "username": f"ada{chat_id}", "type": "private"}


def telegram_message(chat_id: int, **content: Any) -> dict[str, Any]:
    """A Message in a private chat with ``content`` (text, voice, photo...)."""
    return {"message_id": next(_ids), "from": telegram_user(chat_id),
            "chat": private_chat(chat_id), "date": DATE, **content}


def update(kind: str = "message", **body: Any) -> dict[str, Any]:
    return {"update_id": next(_ids), kind: body}


def command_with_entities(chat_id: int, text: str = "/start") -> dict[str, Any]:
    """A bot command, as Telegram marks it: a ``bot_command`` entity over the command."""
    command = text.split()[0]
    return update(**telegram_message(chat_id, text=text, entities=[
        {"offset": 0, "length": len(command), "type": "bot_command"}]))


def text_with_entities(chat_id: int) -> dict[str, Any]:
    """Text with a URL and a bold part marked up as MessageEntity objects."""
    text = "are you a bot? I read about you at https://penpal.example"
    return update(**telegram_message(chat_id, text=text, entities=[
        {"offset": 0, "length": 14, "type": "bold"},
        {"offset": text.index("https"), "length": len("https://penpal.example"),
         "type": "url"}]))


def edited_message(chat_id: int, text: str) -> dict[str, Any]:
    """An ``edited_message`` update: the message with its new text and ``edit_date``."""
    message = telegram_message(chat_id, text=text)
    return update("edited_message", **message, edit_date=DATE + 60)


def voice(chat_id: int) -> dict[str, Any]:
    return update(**telegram_message(chat_id, voice={
        "duration": 4, "mime_type": "audio/ogg", "file_id": "AwACAgIAAxkBAAIBZ2V0",
        "file_unique_id": "AgADxw4AAv", "file_size": 13_021}))


def _photo_sizes() -> list[dict[str, Any]]:
    return [{"file_id": f"AgACAgIAAxkBAAIBaGV0-{size}", "file_unique_id": f"AQADsM0xG-{size}",
             "file_size": size * 12, "width": size, "height": size * 3 // 4}
            for size in (90, 320, 800)]


def photo(chat_id: int, caption: str | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"photo": _photo_sizes()}
    if caption is not None:
        content["caption"] = caption
        content["caption_entities"] = [{"offset": 0, "length": 1, "type": "italic"}]
    return update(**telegram_message(chat_id, **content))


def sticker(chat_id: int) -> dict[str, Any]:
    return update(**telegram_message(chat_id, sticker={
        "width": 512, "height": 512, "emoji": "👍", "set_name": "HotCherry",
        "is_animated": True, "is_video": False, "type": "regular",
        "thumbnail": {"file_id": "AAMCAgADGQEAAgFp", "file_unique_id": "AQADAgAT",
                      "file_size": 4_662, "width": 128, "height": 128},
        "file_id": "CAACAgIAAxkBAAIBaWV0", "file_unique_id": "AgADAgAD", "file_size": 26_324}))


def document(chat_id: int, caption: str | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"document": {
        "file_name": "chapter-one.docx",
        "mime_type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "file_id": "BQACAgIAAxkBAAIBamV0", "file_unique_id": "AgADyA4AAv", "file_size": 48_211}}
    if caption is not None:
        content["caption"] = caption
    return update(**telegram_message(chat_id, **content))


def location(chat_id: int) -> dict[str, Any]:
    return update(**telegram_message(chat_id, location={
        "latitude": 52.520008, "longitude": 13.404954}))


def contact(chat_id: int) -> dict[str, Any]:
    return update(**telegram_message(chat_id, contact={
        "phone_number": "+4930123456", "first_name": "Grace", "last_name": "Hopper",
        "user_id": 777}))


def my_chat_member(chat_id: int, status: str = "kicked") -> dict[str, Any]:
    """The reader blocked (``kicked``) or restarted (``member``) the bot."""
    bot = {"id": BOT_ID, "is_bot": True, "first_name": "Penpal", "username": BOT_USERNAME}
    old = "member" if status == "kicked" else "kicked"
    return update("my_chat_member", **{
        "chat": private_chat(chat_id), "from": telegram_user(chat_id), "date": DATE,
        "old_chat_member": {"status": old, "user": bot},
        "new_chat_member": {"status": status, "user": bot,
                            **({"until_date": 0} if status == "kicked" else {})}})


def supergroup(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "title": "Readers' club", "type": "supergroup"}


def group_message(chat_id: int, member: int, **content: Any) -> dict[str, Any]:
    """A Message from ``member`` in a supergroup, with ``content``."""
    return {"message_id": next(_ids), "from": telegram_user(member),
            "chat": supergroup(chat_id), "date": DATE, **content}


def group_text(chat_id: int, member: int, text: str) -> dict[str, Any]:
    """Text in a group, with the entities Telegram marks: commands and mentions."""
    entities = []
    for offset, word in ((m.start(), m.group()) for m in re.finditer(r"[/@]\w+(@\w+)?", text)):
        kind = "bot_command" if word.startswith("/") and offset == 0 else "mention"
        entities.append({"offset": offset, "length": len(word), "type": kind})
    return update(**group_message(chat_id, member, text=text,
                                  **({"entities": entities} if entities else {})))


def group_reply_to_bot(chat_id: int, member: int, text: str) -> dict[str, Any]:
    """A member replying to one of the bot's messages in the group."""
    bot = {"id": BOT_ID, "is_bot": True, "first_name": "Penpal", "username": BOT_USERNAME}
    replied = {"message_id": next(_ids), "from": bot, "chat": supergroup(chat_id),
               "date": DATE - 60, "text": "Hi! I'm Penpal."}
    return update(**group_message(chat_id, member, text=text, reply_to_message=replied))


def group_sticker(chat_id: int, member: int) -> dict[str, Any]:
    return update(**group_message(chat_id, member, sticker={
        "width": 512, "height": 512, "emoji": "😂", "is_animated": False, "is_video": False,
        "type": "regular", "file_id": "CAACAgIAAxkBAAIBa2V0", "file_unique_id": "AgADBQAD"}))


# Slack ---------------------------------------------------------------------------------

def _ts() -> str:
    return f"1700001000.{next(_ids):06d}"


def slack_envelope(event: dict[str, Any]) -> dict[str, Any]:
    """The Events API's outer ``event_callback`` around ``event``."""
    return {"token": "XXYYZZ", "team_id": "T123ABC456", "api_app_id": "A123ABC456",
            "event": event, "type": "event_callback", "event_id": f"Ev{next(_ids):08d}",
            "event_time": DATE, "event_context": "4-eyJldCI6Im1lc3NhZ2UifQ",
            "authorizations": [{"enterprise_id": None, "team_id": "T123ABC456",
                                "user_id": SLACK_BOT_USER, "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": False}


def message_im(user: str, text: str) -> dict[str, Any]:
    """``message.im``: a reader writes to the bot in its direct-message channel."""
    ts = _ts()
    return slack_envelope({"type": "message", "channel": f"D{user}", "user": user,
                           "text": text, "ts": ts, "event_ts": ts, "channel_type": "im",
                           "client_msg_id": f"5a4d0e1c-{next(_ids)}", "team": "T123ABC456",
                           "blocks": [{"type": "rich_text", "block_id": "b1", "elements": [
                               {"type": "rich_text_section",
                                "elements": [{"type": "text", "text": text}]}]}]})


def file_share(user: str, text: str = "") -> dict[str, Any]:
    """A ``file_share`` message in a DM, with a ``files`` array (text empty when none)."""
    ts = _ts()
    return slack_envelope({
        "type": "message", "subtype": "file_share", "text": text, "user": user,
        "files": [{"id": "F0123ABC456", "created": DATE, "timestamp": DATE,
                   "name": "chapter-one.pdf", "title": "chapter-one.pdf",
                   "mimetype": "application/pdf", "filetype": "pdf", "pretty_type": "PDF",
                   "user": user, "mode": "hosted", "editable": False, "is_external": False,
                   "size": 48_211, "url_private": "https://files.slack.com/files-pri/F0123",
                   "url_private_download": "https://files.slack.com/files-pri/F0123/download",
                   "permalink": "https://example.slack.com/files/U1/F0123/chapter-one.pdf"}],
        "upload": False, "display_as_bot": False, "ts": ts, "event_ts": ts,
        "channel": f"D{user}", "channel_type": "im"})


def message_changed(user: str, text: str) -> dict[str, Any]:
    ts = _ts()
    return slack_envelope({
        "type": "message", "subtype": "message_changed", "hidden": True,
        "channel": f"D{user}", "channel_type": "im", "ts": ts, "event_ts": ts,
        "message": {"type": "message", "user": user, "text": text,
                    "ts": "1700000999.000001", "edited": {"user": user, "ts": ts}},
        "previous_message": {"type": "message", "user": user, "text": text + " (typo)",
                             "ts": "1700000999.000001"}})


def message_deleted(user: str) -> dict[str, Any]:
    ts = _ts()
    return slack_envelope({
        "type": "message", "subtype": "message_deleted", "hidden": True,
        "channel": f"D{user}", "channel_type": "im", "ts": ts, "event_ts": ts,
        "deleted_ts": "1700000999.000001",
        "previous_message": {"type": "message", "user": user, "text": "oops",
                             "ts": "1700000999.000001"}})


def bot_message(user: str, text: str) -> dict[str, Any]:
    """Another app's bot posting in the reader's DM channel (subtype ``bot_message``)."""
    ts = _ts()
    return slack_envelope({"type": "message", "subtype": "bot_message", "text": text,
                           "ts": ts, "event_ts": ts, "bot_id": "BB12033", "username": "github",
                           "icons": {}, "channel": f"D{user}", "channel_type": "im"})


def own_message(user: str, text: str) -> dict[str, Any]:
    """Penpal's own reply, as Slack echoes it to the bot in ``message.im``."""
    ts = _ts()
    return slack_envelope({"type": "message", "user": SLACK_BOT_USER, "text": text,
                           "ts": ts, "event_ts": ts, "bot_id": "BPENPAL",
                           "app_id": "A123ABC456", "team": "T123ABC456",
                           "bot_profile": {"id": "BPENPAL", "name": "Penpal",
                                           "app_id": "A123ABC456", "deleted": False},
                           "channel": f"D{user}", "channel_type": "im"})


def app_mention(user: str, channel: str, text: str) -> dict[str, Any]:
    """``app_mention``: a reader mentions the bot in a public channel."""
    ts = _ts()
    return slack_envelope({"type": "app_mention", "user": user,
                           "text": f"<@{SLACK_BOT_USER}> {text}", "ts": ts, "event_ts": ts,
                           "channel": channel, "client_msg_id": f"7e2c-{next(_ids)}",
                           "team": "T123ABC456"})


def channel_message(user: str, channel: str, text: str) -> dict[str, Any]:
    """``message.channels``: a message in a public channel, not addressed to the bot."""
    ts = _ts()
    return slack_envelope({"type": "message", "channel": channel, "user": user, "text": text,
                           "ts": ts, "event_ts": ts, "channel_type": "channel"})
