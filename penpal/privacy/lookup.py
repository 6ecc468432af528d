"""Finding a reader by conversation id, or by what the writer typed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from penpal.db import Database
from penpal.db.models import Reader
from penpal.readers import identity_for


class AmbiguousReader(LookupError):
    """The reference is both a reader id and another reader's conversation id."""


def reader_id_for(db: Database, conversation_id: str) -> int | None:
    """The reader behind a conversation, or None when nothing is kept about it."""
    with db.session() as session:
        identity = identity_for(session, conversation_id)
        return None if identity is None else identity.reader_id


def resolve_reader(session: Session, ref: str) -> int | None:
    """A reader from ``reader:ID``, ``conversation:ID``, or a bare reader or conversation id."""
    kind, _, value = ref.partition(":")
    if kind == "reader" and value.isdigit():
        return _reader(session, int(value))
    if kind == "conversation" and value:
        return _by_conversation(session, value)
    by_conversation = _by_conversation(session, ref)
    by_id = _reader(session, int(ref)) if ref.isdigit() else None
    if by_conversation is not None and by_id is not None and by_conversation != by_id:
        raise AmbiguousReader(ref)
    return by_conversation if by_conversation is not None else by_id


def _reader(session: Session, reader_id: int) -> int | None:
    return reader_id if session.get(Reader, reader_id) is not None else None


def _by_conversation(session: Session, conversation_id: str) -> int | None:
    identity = identity_for(session, conversation_id)
    return None if identity is None else identity.reader_id
