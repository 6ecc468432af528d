"""Forgetting a reader: every row about them, and (queued) their conversation history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from penpal.db import Database
from penpal.db.models import ChannelIdentity, Reader
from penpal.privacy.schema import reader_tables
from penpal.privacy.throttle import forget_conversations
from penpal.privacy.tracker import queue_erasure
from penpal.readers import identity_for


@dataclass(frozen=True)
class ErasureReport:
    """What was erased: rows per table, and conversations queued for the tracker store."""

    found: bool
    rows: dict[str, int] = field(default_factory=dict)
    conversations: int = 0

    def lines(self) -> list[str]:
        lines = [f"{table}: {count}" for table, count in self.rows.items() if count]
        if not self.found:
            lines.append("Nothing was kept about this reader.")
        if self.conversations:
            lines.append(f"conversations queued for erasure from Rasa's history: "
                         f"{self.conversations}")
        return lines


def forget_reader(db: Database, reader_id: int, now: datetime | None = None) -> ErasureReport:
    """Delete the reader and everything about them; queue their conversations' history."""
    with db.session() as session:
        return erase_reader(session, reader_id, now)


def forget_conversation(
    db: Database, conversation_id: str, now: datetime | None = None
) -> ErasureReport:
    """"Forget me" from a conversation: its reader (if any) and its history.

    The conversation is queued for tracker erasure even when it has no reader.
    """
    with db.session() as session:
        identity = identity_for(session, conversation_id)
        if identity is not None:
            return erase_reader(session, identity.reader_id, now)
        forget_conversations(session, [conversation_id])
        queue_erasure(session, [conversation_id], now)
        return ErasureReport(found=False, conversations=1)


def erase_reader(session: Session, reader_id: int, now: datetime | None = None) -> ErasureReport:
    """Erase one reader inside the caller's transaction (the cascades do the deleting)."""
    if session.get(Reader, reader_id) is None:
        return ErasureReport(found=False)
    conversations = list(session.execute(
        select(ChannelIdentity.conversation_id).where(ChannelIdentity.reader_id == reader_id)
    ).scalars())
    rows = {"readers": 1}
    for linked in reader_tables():
        rows[linked.name] = session.execute(
            select(func.count()).select_from(linked.table)
            .where(or_(*(column == reader_id for column in linked.columns)))
        ).scalar_one()
    forget_conversations(session, conversations)  # try counters name them
    queued = queue_erasure(session, conversations, now)
    session.execute(delete(Reader).where(Reader.id == reader_id))
    session.expire_all()  # loaded objects of the reader no longer exist
    return ErasureReport(found=True, rows=rows, conversations=queued)
