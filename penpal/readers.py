"""Readers, the conversations that belong to them, and what they consented to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from penpal.db import Database
from penpal.db.models import (
    ChannelIdentity,
    ConsentRecord,
    Feedback,
    Reader,
    ReaderInterest,
    Recommendation,
)

MAX_NAME_LENGTH = 100
REMEMBER_NAME = "remember_name"
PERSONALIZE = "personalize"


@dataclass(frozen=True)
class ReaderProfile:
    """What Penpal may use about a reader at the start of a conversation."""

    reader_id: int
    name: str | None


def clean_name(raw: str | None) -> str | None:
    """A display name from what the reader typed, or None if it is not usable."""
    if not raw:
        return None
    name = " ".join(raw.split()).strip(" .,!?:;\"'")
    if not name or len(name) > MAX_NAME_LENGTH or not any(ch.isalpha() for ch in name):
        return None
    return name


def reader_for_conversation(
    session: Session, conversation_id: str, channel: str | None
) -> Reader:
    """The reader behind a conversation, created on first need.

    Readers are created only when there is something to keep (a name they
    asked us to remember, a message for the writer), never just for visiting.
    """
    identity = identity_for(session, conversation_id)
    if identity is None:
        reader = Reader()
        session.add(reader)
        identity = ChannelIdentity(reader=reader, conversation_id=conversation_id)
        session.add(identity)
    if channel:
        identity.channel = channel
    session.flush()
    return identity.reader


def identity_for(session: Session, conversation_id: str) -> ChannelIdentity | None:
    return session.execute(
        select(ChannelIdentity).where(ChannelIdentity.conversation_id == conversation_id)
    ).scalar_one_or_none()


def consent_answer(session: Session, reader_id: int, purpose: str) -> bool | None:
    """The reader's latest answer for ``purpose``, or None if never asked."""
    return session.execute(
        select(ConsentRecord.granted)
        .where(ConsentRecord.reader_id == reader_id, ConsentRecord.purpose == purpose)
        .order_by(ConsentRecord.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def personalization_choice(session: Session, conversation_id: str) -> bool | None:
    """The reader's answer to "may I personalise?", or None if never given."""
    identity = identity_for(session, conversation_id)
    return None if identity is None else consent_answer(session, identity.reader_id, PERSONALIZE)


def personalization_allowed(session: Session, conversation_id: str) -> bool:
    """Whether Penpal may keep and use a profile of this conversation's reader."""
    return bool(personalization_choice(session, conversation_id))


def drop_profile(session: Session, reader_id: int) -> None:
    """Delete what profiles a reader: interests, feedback, the picks tied to them.

    Their past recommendations stay, anonymously, so click-through still counts.
    """
    session.execute(delete(ReaderInterest).where(ReaderInterest.reader_id == reader_id))
    session.execute(delete(Feedback).where(Feedback.reader_id == reader_id))
    session.execute(
        update(Recommendation).where(Recommendation.reader_id == reader_id).values(reader_id=None)
    )


def record_consent(
    session: Session, reader: Reader, purpose: str, granted: bool, channel: str | None
) -> None:
    session.add(ConsentRecord(reader=reader, purpose=purpose, granted=granted, channel=channel))


class Readers:
    """Reading and updating reader profiles."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def profile(self, conversation_id: str) -> ReaderProfile | None:
        with self._db.session() as session:
            reader = session.execute(
                select(Reader)
                .join(ChannelIdentity)
                .where(ChannelIdentity.conversation_id == conversation_id)
            ).scalar_one_or_none()
            if reader is None:
                return None
            return ReaderProfile(reader_id=reader.id, name=reader.display_name)

    def set_personalization(
        self, conversation_id: str, channel: str | None, allowed: bool
    ) -> None:
        """Record the reader's answer to "may I personalise?" (a reader is created for it).

        A no also deletes whatever profile was built while the answer was yes.
        """
        with self._db.session() as session:
            reader = reader_for_conversation(session, conversation_id, channel)
            record_consent(session, reader, PERSONALIZE, allowed, channel)
            if not allowed:
                drop_profile(session, reader.id)

    def personalization_choice(self, conversation_id: str) -> bool | None:
        with self._db.session() as session:
            return personalization_choice(session, conversation_id)

    def remember_name(self, conversation_id: str, channel: str | None, name: str) -> str:
        """Keep the reader's name (they agreed to it) and return it as stored."""
        cleaned = clean_name(name)
        if cleaned is None:
            raise ValueError("not a usable name")
        with self._db.session() as session:
            reader = reader_for_conversation(session, conversation_id, channel)
            reader.display_name = cleaned
            record_consent(session, reader, REMEMBER_NAME, True, channel)
        return cleaned

    def forget_name(self, conversation_id: str, channel: str | None) -> None:
        """Drop a remembered name and record that the reader declined."""
        with self._db.session() as session:
            identity = identity_for(session, conversation_id)
            if identity is None:
                return
            identity.reader.display_name = None
            record_consent(session, identity.reader, REMEMBER_NAME, False, channel)
