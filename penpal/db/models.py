"""The app database's tables (one model set for SQLite and PostgreSQL).

Every table that holds personal data hangs off ``readers`` with
``ON DELETE CASCADE``, so erasing a reader is a single delete.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.sql.schema import Column

Base = declarative_base()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Reader(Base):
    """One person, whichever channels they use."""

    __tablename__ = "readers"

    id = Column(Integer, primary_key=True)
    display_name = Column(String(100), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    identities = relationship(
        "ChannelIdentity", back_populates="reader", cascade="all, delete-orphan",
        passive_deletes=True,
    )
    consents = relationship(
        "ConsentRecord", back_populates="reader", cascade="all, delete-orphan",
        passive_deletes=True, order_by="ConsentRecord.id",
    )
    handoff_requests = relationship(
        "HandoffRequest", back_populates="reader", cascade="all, delete-orphan",
        passive_deletes=True,
    )


class ChannelIdentity(Base):
    """A Rasa conversation (sender id) that belongs to a reader.

    Rasa keys a conversation by its sender id alone, so that id is unique here
    too; ``channel`` is the input channel it was last seen on, which is where
    proactive messages for it must go.
    """

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("conversation_id", name="uq_identity_conversation"),)

    id = Column(Integer, primary_key=True)
    reader_id = Column(
        Integer, ForeignKey("readers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    conversation_id = Column(String(255), nullable=False)
    channel = Column(String(32), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    reader = relationship("Reader", back_populates="identities")


class ConsentRecord(Base):
    """What a reader agreed (or declined) to, when and where. Newest wins."""

    __tablename__ = "consent_records"

    id = Column(Integer, primary_key=True)
    reader_id = Column(
        Integer, ForeignKey("readers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    purpose = Column(String(32), nullable=False)
    granted = Column(Boolean, nullable=False)
    channel = Column(String(32), nullable=True)
    recorded_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    reader = relationship("Reader", back_populates="consents")


class HandoffRequest(Base):
    """A reader's message for the writer, with the conversation so far."""

    __tablename__ = "handoff_requests"

    id = Column(Integer, primary_key=True)
    reader_id = Column(
        Integer, ForeignKey("readers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    message = Column(Text, nullable=False)
    contact = Column(String(320), nullable=False)
    transcript = Column(JSON, nullable=False)
    status = Column(String(16), nullable=False, default="pending")
    notify_attempts = Column(Integer, nullable=False, default=0)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    notified_at = Column(DateTime(timezone=True), nullable=True)

    reader = relationship("Reader", back_populates="handoff_requests")
