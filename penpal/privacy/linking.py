"""One reader across channels: a code shown in one conversation, typed in another.

Only a code's SHA-256 is stored. Guessing is limited twice: a conversation
gets ``MAX_TRIES`` tries per ``TRY_WINDOW``, and every wrong code tried
anywhere counts against each live code, which is revoked after
``MAX_WRONG_GUESSES`` (so a guesser with many conversations cannot find it
either: at most 20 of the 1,000,000 codes can be tried against it).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import DateTime, case, delete, func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from penpal.db import Database
from penpal.db.models import ChannelIdentity, LinkAttempt, LinkCode, Reader
from penpal.privacy.clock import as_utc, utc_now
from penpal.privacy.merge import merge_readers
from penpal.privacy.upsert import insert_for
from penpal.readers import identity_for, reader_for_conversation

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_TRIES = 5
TRY_WINDOW = timedelta(minutes=10)
MAX_WRONG_GUESSES = 20
_ALLOCATION_TRIES = 5


class LinkStatus(str, Enum):
    LINKED = "linked"
    WRONG = "wrong"
    EXPIRED = "expired"
    SAME_READER = "same_reader"
    BLOCKED = "blocked"  # too many tries from this conversation; wait for the window


@dataclass(frozen=True)
class LinkResult:
    status: LinkStatus
    reader_id: int | None = None  # the reader the conversation now belongs to

    @property
    def ok(self) -> bool:
        return self.status in (LinkStatus.LINKED, LinkStatus.SAME_READER)


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def start_link(
    db: Database, conversation_id: str, channel: str | None, now: datetime | None = None
) -> str:
    """A fresh 6-digit code for this conversation's reader (created if needed), valid 10 min.

    It replaces the reader's earlier code.
    """
    moment = utc_now(now)
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
                        reader_id=reader.id, code_hash=hash_code(code), created_at=moment,
                        expires_at=moment + CODE_TTL, attempts=0,
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
    moment = utc_now(now)
    entered = "".join(ch for ch in code if not ch.isspace() and ch != "-")
    with db.session() as session:
        if _count_try(session, conversation_id, moment) > MAX_TRIES:
            return LinkResult(LinkStatus.BLOCKED)
        link = session.execute(
            select(LinkCode).where(LinkCode.code_hash == hash_code(entered)).with_for_update()
        ).scalar_one_or_none()
        if link is None:
            _count_wrong_guess(session, moment)
            return LinkResult(LinkStatus.WRONG)
        owner_id, expired = link.reader_id, as_utc(link.expires_at) <= moment
        session.delete(link)
        if expired:
            return LinkResult(LinkStatus.EXPIRED)
        session.execute(delete(LinkAttempt).where(LinkAttempt.conversation_id == conversation_id))
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


def _count_try(session: Session, conversation_id: str, moment: datetime) -> int:
    """Count one try for the conversation; the number of tries in the current window.

    The upsert locks the counter's row until commit, so concurrent tries queue.
    """
    window_open = LinkAttempt.window_started_at > moment - TRY_WINDOW
    started = literal(moment, DateTime(timezone=True))
    statement = insert_for(session)(LinkAttempt).values(
        conversation_id=conversation_id, tries=1, window_started_at=moment
    )
    session.execute(statement.on_conflict_do_update(
        index_elements=[LinkAttempt.conversation_id],
        set_={
            "tries": case((window_open, LinkAttempt.tries + 1), else_=1),
            "window_started_at": case((window_open, LinkAttempt.window_started_at), else_=started),
        },
    ))
    return session.execute(
        select(LinkAttempt.tries).where(LinkAttempt.conversation_id == conversation_id)
    ).scalar_one()


def _count_wrong_guess(session: Session, moment: datetime) -> None:
    session.execute(
        update(LinkCode).where(LinkCode.expires_at > moment)
        .values(attempts=LinkCode.attempts + 1).execution_options(synchronize_session=False)
    )
    session.execute(
        delete(LinkCode).where(LinkCode.attempts >= MAX_WRONG_GUESSES)
        .execution_options(synchronize_session=False)
    )
