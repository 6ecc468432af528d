"""The app database's tables (one model set for SQLite and PostgreSQL).

Every table that holds personal data hangs off ``readers`` with
``ON DELETE CASCADE``, so erasing a reader is a single delete.
"""

from __future__ import annotations

import enum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import registry, relationship
from sqlalchemy.orm.decl_api import DeclarativeMeta
from sqlalchemy.sql.schema import Column

from penpal.db.clock import utcnow  # the column default; also imported from here

mapper_registry = registry()


class Base(metaclass=DeclarativeMeta):
    """The declarative base, spelt out as a class so a type checker sees one.

    It is what ``declarative_base()`` builds at run time (SQLAlchemy 1.4's
    "explicit base non-dynamically" recipe), but a variable holding a
    dynamically made class is not a valid base class for mypy.
    """

    __abstract__ = True
    registry = mapper_registry
    metadata = mapper_registry.metadata
    __init__ = mapper_registry.constructor


class Vocabulary(str, enum.Enum):
    """A status column's values: the members are the very strings stored.

    The columns stay ``String``; a member compares equal to its string, and
    ``str()`` and f-strings give the string too.
    """

    def __str__(self) -> str:
        return str(self.value)


class HandoffStatus(Vocabulary):
    PENDING = "pending"  # stored; the writer not notified yet
    NOTIFIED = "notified"


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
    status = Column(String(16), nullable=False, default=HandoffStatus.PENDING.value)
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
    """One pick shown to a reader, keyed by its tracked link's token (``/r/<token>``).

    Only the token's SHA-256 is kept. ``reader_id`` is set only for readers who
    allowed personalisation; for the others the row still counts shows and
    clicks, anonymously.
    """

    __tablename__ = "recommendations"

    token_hash = Column(String(64), primary_key=True)
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
    """A secret, expiring link to everything kept about a reader (its token's SHA-256)."""

    __tablename__ = "export_links"

    token_hash = Column(String(64), primary_key=True)
    reader_id = Column(
        Integer, ForeignKey("readers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=False, index=True)


class LinkCode(Base):
    """A one-time code that joins another conversation to this reader.

    Only the code's SHA-256 is kept. Guessing is limited by try counters
    (see penpal.privacy.linking), never by revoking codes.
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


class TryCounter(Base):
    """How often ``subject`` (a conversation, a channel) tried a secret of ``scope``.

    One row per window; see penpal.privacy.throttle.
    """

    __tablename__ = "try_counters"

    scope = Column(String(32), primary_key=True)
    subject = Column(String(255), primary_key=True)
    tries = Column(Integer, nullable=False)
    window_ends_at = Column(DateTime(timezone=True), nullable=False, index=True)


class PendingErasure(Base):
    """A conversation whose history must still be erased from Rasa's tracker store."""

    __tablename__ = "pending_erasures"

    conversation_id = Column(String(255), primary_key=True)
    requested_at = Column(DateTime(timezone=True), nullable=False, index=True)


# --- Events (issue #4): events, RSVPs, reminders. Migration 0004. ---


class EventStatus(Vocabulary):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class RsvpStatus(Vocabulary):
    GOING = "going"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


# The sign-ups that still count: a seat, or a place on the waitlist.
ACTIVE_RSVP_STATUSES = (RsvpStatus.GOING, RsvpStatus.WAITLISTED)


class NoticeStatus(Vocabulary):
    """An event notice's way: pending -> sending (claimed) -> sent, history or skipped."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"  # pushed to the reader's channel
    HISTORY = "history"  # the channel cannot push: kept in the conversation only
    SKIPPED = "skipped"  # no longer relevant


class Event(Base):
    """A launch, reading, signing or webinar. Times in UTC; ``timezone`` is where it happens.

    ``seats_taken`` counts RSVPs that are going; it only ever changes through
    one conditional UPDATE, so concurrent sign-ups cannot overbook.
    """

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("uid", name="uq_event_uid"),
        CheckConstraint("capacity IS NULL OR seats_taken <= capacity", name="ck_event_seats"),
        CheckConstraint("seats_taken >= 0", name="ck_event_seats_positive"),
    )

    id = Column(Integer, primary_key=True)
    uid = Column(String(500), nullable=False)
    title = Column(String(300), nullable=False)
    kind = Column(String(16), nullable=False, default="reading")
    description = Column(Text, nullable=False, default="")
    starts_at = Column(DateTime(timezone=True), nullable=False, index=True)
    ends_at = Column(DateTime(timezone=True), nullable=False)
    timezone = Column(String(64), nullable=False, default="UTC")
    venue = Column(String(300), nullable=True)
    city = Column(String(100), nullable=True)
    online_url = Column(String(2000), nullable=True)
    capacity = Column(Integer, nullable=True)
    seats_taken = Column(Integer, nullable=False, default=0)
    topics = Column(JSON, nullable=False, default=list)
    status = Column(String(16), nullable=False, default=EventStatus.SCHEDULED.value)
    source = Column(String(2000), nullable=True)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Rsvp(Base):
    """A reader's sign-up for an event (one per reader and event; cancelled ones stay)."""

    __tablename__ = "rsvps"
    __table_args__ = (UniqueConstraint("event_id", "reader_id", name="uq_rsvp_event_reader"),)

    id = Column(Integer, primary_key=True)
    event_id = Column(
        Integer, ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True
    )
    reader_id = Column(
        Integer, ForeignKey("readers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name = Column(String(100), nullable=False)
    email = Column(String(320), nullable=False)
    status = Column(String(16), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class EventNotice(Base):
    """A message owed to a reader about an event: a reminder, a promotion, a cancellation.

    The scheduler claims a due notice with a conditional UPDATE (pending ->
    sending), so two schedulers never send the same one.
    """

    __tablename__ = "event_notices"
    __table_args__ = (Index("ix_event_notice_due", "status", "due_at"),)

    id = Column(Integer, primary_key=True)
    reader_id = Column(
        Integer, ForeignKey("readers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    rsvp_id = Column(
        Integer, ForeignKey("rsvps.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind = Column(String(16), nullable=False)  # reminder, promoted, cancelled
    hours_before = Column(Float, nullable=True)  # reminders only
    due_at = Column(DateTime(timezone=True), nullable=False)
    status = Column(String(16), nullable=False, default=NoticeStatus.PENDING.value)
    claimed_at = Column(DateTime(timezone=True), nullable=True)
    sent_at = Column(DateTime(timezone=True), nullable=True)
    channel = Column(String(32), nullable=True)
    detail = Column(String(300), nullable=True)



# --- Newsletter, topic follows and broadcasts (issue #5). Migration 0005. ---


class SubscriptionStatus(Vocabulary):
    """A newsletter signup: pending until confirmed (double opt-in)."""

    PENDING = "pending"
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"


class NewsletterSubscription(Base):
    """A reader's newsletter signup: pending until confirmed (double opt-in).

    One per reader and one per address, so signing up twice cannot subscribe
    twice. ``mail_due`` and ``sync_due`` are the outbox: a confirmation email
    still to send, a state the provider has not seen yet. They stay set while
    the mail server or provider is down, and the scheduler retries them.
    """

    __tablename__ = "newsletter_subscriptions"
    __table_args__ = (
        UniqueConstraint("reader_id", name="uq_newsletter_reader"),
        UniqueConstraint("email", name="uq_newsletter_email"),
    )

    id = Column(Integer, primary_key=True)
    reader_id = Column(
        Integer, ForeignKey("readers.id", ondelete="CASCADE"), nullable=False
    )
    email = Column(String(320), nullable=False)
    topics = Column(JSON, nullable=False, default=list)
    frequency = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False, default=SubscriptionStatus.PENDING.value)
    consent_text = Column(Text, nullable=False)
    consent_channel = Column(String(32), nullable=True)
    consented_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    confirmed_at = Column(DateTime(timezone=True), nullable=True)
    unsubscribed_at = Column(DateTime(timezone=True), nullable=True)
    mail_due = Column(Boolean, nullable=False, default=True)
    sync_due = Column(Boolean, nullable=False, default=False, index=True)
    sync_attempts = Column(Integer, nullable=False, default=0)
    sync_error = Column(String(300), nullable=True)
    synced_at = Column(DateTime(timezone=True), nullable=True)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class NewsletterToken(Base):
    """A secret from a newsletter email: the confirm link and code, or the unsubscribe link.

    Only SHA-256 hashes are kept. A confirm token expires and a new one
    replaces it; unsubscribe tokens live as long as the subscription, so the
    link in every email sent keeps working.
    """

    __tablename__ = "newsletter_tokens"
    __table_args__ = (
        UniqueConstraint("token_hash", name="uq_newsletter_token_hash"),
        UniqueConstraint("code_hash", name="uq_newsletter_code_hash"),
    )

    id = Column(Integer, primary_key=True)
    subscription_id = Column(
        Integer, ForeignKey("newsletter_subscriptions.id", ondelete="CASCADE"), nullable=False,
        index=True,
    )
    reader_id = Column(
        Integer, ForeignKey("readers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    purpose = Column(String(16), nullable=False)  # confirm, unsubscribe
    token_hash = Column(String(64), nullable=False)
    code_hash = Column(String(64), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=True, index=True)


class DeliveryStatus(Vocabulary):
    """A follow notice or broadcast delivery: claimed (sending) before it is sent."""

    SENDING = "sending"
    SENT = "sent"


class TopicFollow(Base):
    """A topic a reader asked to be told about when something new appears."""

    __tablename__ = "topic_follows"

    reader_id = Column(
        Integer, ForeignKey("readers.id", ondelete="CASCADE"), primary_key=True
    )
    topic = Column(String(64), primary_key=True, index=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class FollowNotice(Base):
    """A new item a follower was told about: at most once per reader and item."""

    __tablename__ = "follow_notices"
    __table_args__ = (UniqueConstraint("reader_id", "item_id", name="uq_follow_notice"),)

    id = Column(Integer, primary_key=True)
    reader_id = Column(
        Integer, ForeignKey("readers.id", ondelete="CASCADE"), nullable=False
    )
    item_id = Column(
        Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status = Column(String(16), nullable=False, default=DeliveryStatus.SENDING.value)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class Broadcast(Base):
    """A message from the writer to a segment; ``key`` makes a rerun the same broadcast."""

    __tablename__ = "broadcasts"
    __table_args__ = (UniqueConstraint("key", name="uq_broadcast_key"),)

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False)
    segment = Column(String(100), nullable=False)
    message = Column(Text, nullable=True)
    item_id = Column(Integer, ForeignKey("items.id", ondelete="SET NULL"), nullable=True)
    event_id = Column(Integer, ForeignKey("events.id", ondelete="SET NULL"), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class BroadcastDelivery(Base):
    """One reader reached by one broadcast: a rerun skips the readers already here."""

    __tablename__ = "broadcast_deliveries"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "reader_id", name="uq_broadcast_delivery"),
    )

    id = Column(Integer, primary_key=True)
    broadcast_id = Column(
        Integer, ForeignKey("broadcasts.id", ondelete="CASCADE"), nullable=False
    )
    reader_id = Column(
        Integer, ForeignKey("readers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    via = Column(String(32), nullable=False)  # the channel, or "email"
    status = Column(String(16), nullable=False, default=DeliveryStatus.SENDING.value)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
