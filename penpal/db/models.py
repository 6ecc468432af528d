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
    Float,
    ForeignKey,
    Index,
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


# --- The writer's catalogue -------------------------------------------------

ITEM_KINDS = ("article", "book", "episode", "video")


class Item(Base):
    """One piece of the writer's work: an article, a book, an episode or a video.

    ``(source, external_id)`` identifies an item across re-imports (a feed's
    entry id, a CSV row's id), so importing again updates it in place.
    """

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_item_source_id"),)

    id = Column(Integer, primary_key=True)
    source = Column(String(500), nullable=False)
    external_id = Column(String(1000), nullable=False)
    url = Column(String(2000), nullable=False)
    title = Column(String(500), nullable=False)
    summary = Column(Text, nullable=False, default="")
    body = Column(Text, nullable=True)
    kind = Column(String(16), nullable=False, default="article")
    minutes = Column(Integer, nullable=True)  # reading, listening or watching time
    published_at = Column(DateTime(timezone=True), nullable=True, index=True)
    content_hash = Column(String(64), nullable=False)
    imported_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    topics = relationship(
        "ItemTopic", back_populates="item", cascade="all, delete-orphan", passive_deletes=True,
    )


class ItemTopic(Base):
    __tablename__ = "item_topics"

    item_id = Column(Integer, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    topic = Column(String(64), primary_key=True, index=True)

    item = relationship("Item", back_populates="topics")


class FeedState(Base):
    """What the last fetch of a feed returned, for conditional requests."""

    __tablename__ = "feed_states"

    url = Column(String(2000), primary_key=True)
    etag = Column(String(500), nullable=True)
    last_modified = Column(String(100), nullable=True)
    checked_at = Column(DateTime(timezone=True), nullable=True)
    last_error = Column(Text, nullable=True)


# --- What readers like (kept only with their consent) ---------------------


class ReaderInterest(Base):
    """A topic a reader said they like, or showed it by what they liked."""

    __tablename__ = "reader_interests"

    reader_id = Column(
        Integer, ForeignKey("readers.id", ondelete="CASCADE"), primary_key=True
    )
    topic = Column(String(64), primary_key=True)
    weight = Column(Float, nullable=False, default=1.0)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


FEEDBACK_KINDS = ("clicked", "liked", "disliked")


class Feedback(Base):
    """A reader's reaction to an item: a click, a like, a "not for me"."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_reader_item", "reader_id", "item_id"),)

    id = Column(Integer, primary_key=True)
    reader_id = Column(
        Integer, ForeignKey("readers.id", ondelete="CASCADE"), nullable=False
    )
    item_id = Column(
        Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind = Column(String(16), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Recommendation(Base):
    """One pick shown to a reader; its token is the tracked link's key.

    ``reader_id`` is set only for readers who allowed personalisation; for the
    others the row still counts shows and clicks, anonymously.
    """

    __tablename__ = "recommendations"

    token = Column(String(32), primary_key=True)
    reader_id = Column(
        Integer, ForeignKey("readers.id", ondelete="CASCADE"), nullable=True, index=True
    )
    item_id = Column(
        Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True
    )
    reason = Column(String(300), nullable=False, default="")
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    clicked_at = Column(DateTime(timezone=True), nullable=True)


# --- Privacy: export links, linking conversations, pending erasures ----------


class ExportLink(Base):
    """A secret, expiring link to everything kept about a reader."""

    __tablename__ = "export_links"

    token = Column(String(64), primary_key=True)
    reader_id = Column(
        Integer, ForeignKey("readers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=False, index=True)


class LinkCode(Base):
    """A one-time code that joins another conversation to this reader.

    Only the code's SHA-256 is kept. ``attempts`` counts the wrong codes tried
    anywhere while this one was live: a code is revoked after too many, so
    guessing from many conversations at once cannot find it either.
    """

    __tablename__ = "link_codes"
    __table_args__ = (
        UniqueConstraint("reader_id", name="uq_link_code_reader"),  # one live code per reader
        UniqueConstraint("code_hash", name="uq_link_code_hash"),
    )

    id = Column(Integer, primary_key=True)
    reader_id = Column(
        Integer, ForeignKey("readers.id", ondelete="CASCADE"), nullable=False
    )
    code_hash = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=False, index=True)
    attempts = Column(Integer, nullable=False, default=0)


class LinkAttempt(Base):
    """How often a conversation tried a link code in the current window."""

    __tablename__ = "link_attempts"

    conversation_id = Column(String(255), primary_key=True)
    tries = Column(Integer, nullable=False)
    window_started_at = Column(DateTime(timezone=True), nullable=False, index=True)


class PendingErasure(Base):
    """A conversation whose history must still be erased from Rasa's tracker store."""

    __tablename__ = "pending_erasures"

    conversation_id = Column(String(255), primary_key=True)
    requested_at = Column(DateTime(timezone=True), nullable=False, index=True)
