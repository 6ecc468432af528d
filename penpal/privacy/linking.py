"""One reader across channels: a code shown in one conversation, typed in another.

Only a code's SHA-256 is stored. A code is six digits, lives ten minutes and
is not tied to whoever types it, so a wrong code tells nothing about which
code it was aimed at: guessing is limited by who guesses, never by revoking
codes (a stranger's wrong tries cannot cancel another reader's code). Every
try counts, in the app database (penpal.privacy.throttle):

- a conversation gets 5 tries per 10 minutes;
- a source gets 30 tries per 10 minutes, however many conversations it has.
  The source is the channel the conversation belongs to
  (penpal.conversations.channel_of); ids of no known channel share one.

A code's ten minutes overlap at most two windows of a source, so against one
code an attacker can try at most (5 channels + 1) sources x 2 windows x 30 =
360 of the 1,000,000 codes (``MAX_GUESSES_PER_CODE``): a 0.036% chance of
finding it, or n times that with n codes live at once. The price: while a
guesser spends a channel's budget, readers on that channel wait for the window.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from penpal.conversations import CHANNELS, channel_of
from penpal.db import Database
from penpal.db.clock import as_utc, utcnow
from penpal.db.models import ChannelIdentity, LinkCode, Reader
from penpal.newsletter.tokens import digest
from penpal.privacy.merge import merge_readers
from penpal.privacy.throttle import LINK_CODE_SOURCE_TRIES, LINK_CODE_TRIES
from penpal.readers import identity_for, reader_for_conversation

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
UNKNOWN_SOURCE = "unknown"  # every conversation id of no known channel
MAX_GUESSES_PER_CODE = (
    (len(CHANNELS) + 1)
    * (math.ceil(CODE_TTL / LINK_CODE_SOURCE_TRIES.window) + 1)
    * LINK_CODE_SOURCE_TRIES.limit
)
_ALLOCATION_TRIES = 5


class LinkStatus(str, Enum):
    LINKED = "linked"
    WRONG = "wrong"
    EXPIRED = "expired"
    SAME_READER = "same_reader"
    BLOCKED = "blocked"  # too many tries from this conversation or its channel; wait


@dataclass(frozen=True)
class LinkResult:
    status: LinkStatus
    reader_id: int | None = None  # the reader the conversation now belongs to

    @property
    def ok(self) -> bool:
        return self.status in (LinkStatus.LINKED, LinkStatus.SAME_READER)


def start_link(
    db: Database, conversation_id: str, channel: str | None, now: datetime | None = None
) -> str:
    """A fresh 6-digit code for this conversation's reader (created if needed), valid 10 min.

    It replaces the reader's earlier code.
    """
    moment = utcnow(now)
    with db.session() as session:
        reader = reader_for_conversation(session, conversation_id, channel)
        session.execute(delete(LinkCode).where(
            (LinkCode.reader_id == reader.id) | (LinkCode.expires_at <= moment)
        ).execution_options(synchronize_session=False))
        for _ in range(_ALLOCATION_TRIES):
            code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
            try:
                with session.begin_nested():
                    session.add(LinkCode(
                        reader_id=reader.id, code_hash=digest(code), created_at=moment,
                        expires_at=moment + CODE_TTL,
                    ))
            except IntegrityError:
                continue  # the same code is live for another reader: draw again
            return code
    raise RuntimeError("could not draw an unused link code")


def complete_link(
    db: Database, code: str, conversation_id: str, channel: str | None,
    now: datetime | None = None,
) -> LinkResult:
    """Join this conversation (and its reader's data) to the reader who got ``code``."""
    moment = utcnow(now)
    entered = "".join(ch for ch in code if not ch.isspace() and ch != "-")
    source = channel_of(conversation_id) or UNKNOWN_SOURCE
    with db.session() as session:  # counted in its own transaction: a try always counts
        allowed = (LINK_CODE_TRIES.allows(session, conversation_id, moment)
                   and LINK_CODE_SOURCE_TRIES.allows(session, source, moment))
    if not allowed:
        return LinkResult(LinkStatus.BLOCKED)
    with db.session() as session:
        link = session.execute(
            select(LinkCode).where(LinkCode.code_hash == digest(entered)).with_for_update()
        ).scalar_one_or_none()
        if link is None:
            return LinkResult(LinkStatus.WRONG)
        owner_id, expired = link.reader_id, as_utc(link.expires_at) <= moment
        session.delete(link)
        if expired:
            return LinkResult(LinkStatus.EXPIRED)
        return LinkResult(_join(session, owner_id, conversation_id, channel), owner_id)


def unlink(db: Database, conversation_id: str) -> bool:
    """Give the conversation a fresh reader with nothing; the original keeps everything.

    False (and nothing changes) when it is not linked to another conversation.
    """
    with db.session() as session:
        identity = identity_for(session, conversation_id)
        if identity is None:
            return False
        others = session.execute(
            select(func.count()).select_from(ChannelIdentity).where(
                ChannelIdentity.reader_id == identity.reader_id, ChannelIdentity.id != identity.id
            )
        ).scalar_one()
        if not others:
            return False
        identity.reader = Reader()
        return True


def _join(session: Session, owner_id: int, conversation_id: str, channel: str | None) -> LinkStatus:
    identity = identity_for(session, conversation_id)
    if identity is None:
        session.add(ChannelIdentity(
            reader_id=owner_id, conversation_id=conversation_id, channel=channel
        ))
        return LinkStatus.LINKED
    if channel:
        identity.channel = channel
    if identity.reader_id == owner_id:
        return LinkStatus.SAME_READER
    merge_readers(session, owner_id, identity.reader_id)
    return LinkStatus.LINKED
