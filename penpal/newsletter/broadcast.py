"""The writer's broadcasts: one message, item or event to a segment of readers.

A broadcast is identified by what it sends and to whom (``key``), and every
reader reached is a ``broadcast_deliveries`` row claimed before sending, so
running the same broadcast again reaches only those not reached yet. Readers
who opted out of updates are left out by the query itself.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from penpal.db import Database
from penpal.db.clock import as_utc, utcnow
from penpal.db.database import CONFLICTS
from penpal.db.models import (
    ACTIVE_RSVP_STATUSES,
    Broadcast,
    BroadcastDelivery,
    ConsentRecord,
    DeliveryStatus,
    Event,
    Item,
    NewsletterSubscription,
    Rsvp,
    SubscriptionStatus,
    TopicFollow,
)
from penpal.db.retry import ON_CONFLICT, transaction
from penpal.newsletter.follows import UPDATES, push_target
from penpal.newsletter.outbox import add_unsubscribe_token
from penpal.newsletter.providers import MailError, SmtpMailer
from penpal.newsletter.tokens import new_token
from penpal.push import PushError, RasaPusher

log = logging.getLogger(__name__)

BROADCAST_INTENT = "EXTERNAL_newsletter_broadcast"
SEGMENT_HELP = "topic:<topic>, newsletter, event:<id> or opted-in"


@dataclass(frozen=True)
class Segment:
    kind: str  # topic, newsletter, event, opted-in
    value: str | None = None

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}" if self.value else self.kind


def parse_segment(text: str) -> Segment:
    kind, _, value = (text or "").strip().lower().partition(":")
    if kind in ("newsletter", "opted-in") and not value:
        return Segment(kind)
    if kind == "topic" and value.strip():
        return Segment(kind, value.strip())
    if kind == "event" and value.strip().isdigit():
        return Segment(kind, value.strip())
    raise ValueError(f"unknown segment {text!r}; use {SEGMENT_HELP}")


@dataclass(frozen=True)
class Recipient:
    reader_id: int
    conversation_id: str | None
    channel: str | None
    email: str | None  # a confirmed newsletter address

    @property
    def via(self) -> str | None:
        """The reader's push channel, else "email", else None (unreachable)."""
        if self.conversation_id:
            return self.channel
        return "email" if self.email else None


@dataclass(frozen=True)
class Plan:
    key: str
    text: str
    to_send: list[Recipient]
    already: int  # reached by an earlier run
    unreachable: int  # no channel that can be pushed to and no newsletter address


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int
    already: int
    unreachable: int


def _opted_out(session: Session) -> set[int]:
    latest = select(func.max(ConsentRecord.id)).where(
        ConsentRecord.purpose == UPDATES).group_by(ConsentRecord.reader_id)
    return set(session.execute(select(ConsentRecord.reader_id).where(
        ConsentRecord.id.in_(latest), ConsentRecord.granted.is_(False))).scalars())


def _segment_readers(session: Session, segment: Segment) -> set[int]:
    subscribed = select(NewsletterSubscription.reader_id).where(
        NewsletterSubscription.status == SubscriptionStatus.SUBSCRIBED)
    if segment.kind == "topic":
        query = select(TopicFollow.reader_id).where(TopicFollow.topic == segment.value)
    elif segment.kind == "newsletter":
        query = subscribed
    elif segment.kind == "event":
        query = select(Rsvp.reader_id).where(
            Rsvp.event_id == int(segment.value or 0), Rsvp.status.in_(ACTIVE_RSVP_STATUSES))
    else:
        query = select(TopicFollow.reader_id).union(subscribed)
    return set(session.execute(query).scalars()) - _opted_out(session)


def _recipient(session: Session, reader_id: int) -> Recipient:
    target = push_target(session, reader_id)
    email = session.execute(select(NewsletterSubscription.email).where(
        NewsletterSubscription.reader_id == reader_id,
        NewsletterSubscription.status == SubscriptionStatus.SUBSCRIBED)).scalar_one_or_none()
    if target is not None:
        return Recipient(reader_id, target.conversation_id, target.channel, email)
    return Recipient(reader_id, None, None, email)


def compose(session: Session, message: str | None, item_id: int | None,
            event_id: int | None) -> str:
    """The broadcast's text: the writer's message, then the item or event."""
    parts = [message.strip()] if message and message.strip() else []
    if item_id is not None:
        item = session.get(Item, item_id)
        if item is None:
            raise ValueError(f"no item #{item_id} in the catalogue")
        parts.append(f"📖 {item.title}\n{item.url}")
    if event_id is not None:
        event = session.get(Event, event_id)
        if event is None:
            raise ValueError(f"no event #{event_id}")
        where = event.online_url or ", ".join(p for p in (event.venue, event.city) if p)
        parts.append(f"📅 {event.title}, {as_utc(event.starts_at):%a %d %b %Y %H:%M} UTC"
                     + (f"\n{where}" if where else ""))
    if not parts:
        raise ValueError("a broadcast needs a message, an item or an event")
    return "\n\n".join(parts)


def broadcast_key(segment: Segment, message: str | None, item_id: int | None,
                  event_id: int | None) -> str:
    identity = f"{segment}|{(message or '').strip()}|{item_id or ''}|{event_id or ''}"
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()


def plan(db: Database, segment: Segment, message: str | None = None,
         item_id: int | None = None, event_id: int | None = None) -> Plan:
    """Who would get it (the dry run); raises ValueError for missing content."""
    key = broadcast_key(segment, message, item_id, event_id)
    with db.session() as session:
        text = compose(session, message, item_id, event_id)
        reached = set(session.execute(
            select(BroadcastDelivery.reader_id).join(Broadcast).where(Broadcast.key == key)
        ).scalars())
        to_send, unreachable = [], 0
        for reader_id in sorted(_segment_readers(session, segment) - reached):
            recipient = _recipient(session, reader_id)
            if recipient.via is None:
                unreachable += 1
            else:
                to_send.append(recipient)
        already = len(reached & _segment_readers(session, segment))
    return Plan(key, text, to_send, already, unreachable)


def broadcast_text(db: Database, broadcast_id: int) -> str | None:
    """What broadcast ``broadcast_id`` says (the action that delivers it reads this)."""
    with db.session() as session:
        row = session.get(Broadcast, broadcast_id)
        return None if row is None else compose(session, row.message, row.item_id, row.event_id)


def send(
    db: Database, segment: Segment, pusher: RasaPusher, mailer: SmtpMailer, public_url: str,
    message: str | None = None, item_id: int | None = None, event_id: int | None = None,
    progress: Callable[[Recipient], None] = lambda _recipient: None,
    now: datetime | None = None,
) -> SendReport:
    """Deliver to everyone in the plan; each delivery is claimed first, so none is sent twice."""
    planned = plan(db, segment, message, item_id, event_id)
    broadcast_id = _broadcast(db, planned.key, segment, message, item_id, event_id, now)
    sent = failed = 0
    for recipient in planned.to_send:
        delivery = _claim(db, broadcast_id, recipient)
        if delivery is not None:
            if _deliver(db, recipient, broadcast_id, planned.text, pusher, mailer, public_url):
                sent += 1
                _settle(db, delivery, DeliveryStatus.SENT)
            else:
                failed += 1
                _settle(db, delivery, None)
        progress(recipient)
    return SendReport(sent, failed, planned.already, planned.unreachable)


def _broadcast(db: Database, key: str, segment: Segment, message: str | None,
               item_id: int | None, event_id: int | None, now: datetime | None) -> int:
    """The broadcast's id, recorded now unless a run before (or one right now) did."""

    def work(session: Session) -> int:
        found = session.execute(select(Broadcast.id).where(Broadcast.key == key)).scalar()
        if found is not None:
            return found
        row = Broadcast(key=key, segment=str(segment), message=message, item_id=item_id,
                        event_id=event_id, created_at=utcnow(now))
        session.add(row)
        session.flush()
        return row.id

    # The same broadcast may start elsewhere at the same moment: then it is found.
    return transaction(db, work, ON_CONFLICT)


def _claim(db: Database, broadcast_id: int, recipient: Recipient) -> int | None:
    try:
        with db.session(passthrough=CONFLICTS) as session:
            row = BroadcastDelivery(broadcast_id=broadcast_id, reader_id=recipient.reader_id,
                                    via=recipient.via or "")
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:  # already reached (another run)
        return None


def _settle(db: Database, delivery_id: int, status: DeliveryStatus | None) -> None:
    """Mark a delivery sent, or drop the claim (None) so a rerun tries again."""
    with db.session() as session:
        row = session.get(BroadcastDelivery, delivery_id)
        if status is None:
            session.delete(row)
        else:
            row.status = status


def _deliver(db: Database, recipient: Recipient, broadcast_id: int, text: str,
             pusher: RasaPusher, mailer: SmtpMailer, public_url: str) -> bool:
    try:
        if recipient.conversation_id and recipient.channel:
            pusher.trigger(recipient.conversation_id, BROADCAST_INTENT, recipient.channel,
                           {"broadcast_id": str(broadcast_id)})
        else:
            unsubscribe = _unsubscribe_url(db, recipient, public_url)
            mailer.send(recipient.email or "", "News from the writer",
                        f"{text}\n\nUnsubscribe: {unsubscribe}\n", unsubscribe)
    except (PushError, MailError) as error:
        log.warning("broadcast %s: delivery to reader %s failed: %s",
                    broadcast_id, recipient.reader_id, error)
        return False
    return True


def _unsubscribe_url(db: Database, recipient: Recipient, public_url: str) -> str:
    token = new_token()
    with db.session() as session:
        row = session.execute(select(NewsletterSubscription).where(and_(
            NewsletterSubscription.reader_id == recipient.reader_id))).scalar_one()
        add_unsubscribe_token(session, row, token, utcnow())
    return f"{public_url.rstrip('/')}/newsletter/unsubscribe/{token}"
