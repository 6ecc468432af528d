"""Readers with something in every table, written the way Penpal writes them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from penpal.config import HandoffSettings
from penpal.contact import ContactRoute
from penpal.db import Database
from penpal.db.models import (
    BroadcastDelivery,
    ChannelIdentity,
    ConsentRecord,
    EventNotice,
    ExportLink,
    Feedback,
    FollowNotice,
    HandoffRequest,
    Item,
    ItemTopic,
    LinkCode,
    NewsletterSubscription,
    NewsletterToken,
    Reader,
    ReaderInterest,
    Recommendation,
    Rsvp,
    TopicFollow,
    utcnow,
)
from penpal.events import EventRecord, add_event, rsvp
from penpal.handoff import HandoffDesk, Turn
from penpal.newsletter.tokens import digest
from penpal.notify import WriterNotifier
from penpal.privacy import create_export_link, reader_id_for, start_link
from penpal.readers import Readers
from tests.newsletter.support import add_newsletter_rows


@dataclass(frozen=True)
class Person:
    """What a reader told Penpal, to look for after they are forgotten."""

    name: str
    email: str
    conversations: tuple[str, str]  # (telegram, rest)
    message: str
    said: str  # something they typed that only the tracker store keeps

    @property
    def traces(self) -> list[str]:
        return [self.name, self.email, *self.conversations, self.message, self.said]


ZEPHYRINE = Person(
    "Zephyrine Quillfeather", "zephyrine.q@example.org", ("tg-zq-7781", "web-zq-1123"),
    "Would you sign my copy of the lighthouse keeper book", "my cat is called Marmaduke",
)
OSWIN = Person(
    "Oswin Brackenridge", "oswin.b@example.net", ("tg-ob-4410", "web-ob-9902"),
    "Is the sequel about the drowned bells coming", "I live next to the old tannery",
)


def add_item(db: Database, title: str, topics: tuple[str, ...]) -> int:
    with db.session() as session:
        item = Item(
            source="test", external_id=title, url=f"https://writer.example/{len(title)}",
            title=title, summary="", kind="article", content_hash=title,
        )
        item.topics = [ItemTopic(topic=topic) for topic in topics]
        session.add(item)
        session.flush()
        return item.id


def add_catalogue(db: Database) -> list[int]:
    return [
        add_item(db, "The Cartographer's Daughter", ("maps",)),
        add_item(db, "Songs of the Drowned Bells", ("folklore",)),
        add_item(db, "Sea Monsters of the Old Charts", ("maps", "sea")),
    ]


def populate(db: Database, person: Person, items: list[int]) -> int:
    """Give ``person`` a row in every table Penpal keeps about readers; their reader id."""
    telegram, rest = person.conversations
    readers = Readers(db)
    readers.remember_name(telegram, "telegram", person.name)
    readers.set_personalization(telegram, "telegram", True)
    HandoffDesk(db, WriterNotifier(HandoffSettings())).submit(
        telegram, "telegram", person.message, ContactRoute("email", person.email),
        [Turn("reader", person.said), Turn("bot", "Happy to pass that on.")],
    )
    reader_id = reader_id_for(db, telegram)
    assert reader_id is not None
    with db.session() as session:
        session.add(ChannelIdentity(reader_id=reader_id, conversation_id=rest, channel="rest"))
        session.add(ReaderInterest(reader_id=reader_id, topic="maps", weight=3.0))
        session.add(ReaderInterest(reader_id=reader_id, topic="folklore", weight=1.0))
        session.add(Feedback(reader_id=reader_id, item_id=items[0], kind="liked"))
        session.add(Feedback(reader_id=reader_id, item_id=items[1], kind="disliked"))
        session.add(Feedback(reader_id=reader_id, item_id=items[0], kind="clicked"))
        session.add(Recommendation(
            token_hash=digest(secrets.token_urlsafe(16)), reader_id=reader_id, item_id=items[0],
            reason="because you like maps", clicked_at=utcnow(),
        ))
        session.add(Recommendation(
            token_hash=digest(secrets.token_urlsafe(16)), reader_id=reader_id, item_id=items[1],
            reason="popular with readers who follow folklore",
        ))
    add_newsletter_rows(db, reader_id, items[0])
    starts = utcnow() + timedelta(days=3)
    reading = add_event(db, EventRecord(
        uid=f"reading-for-reader-{reader_id}", title="Reading", starts_at=starts,
        ends_at=starts + timedelta(hours=2), timezone="UTC",
    ))
    rsvp(db, telegram, "telegram", reading.id, person.name, person.email, [24.0])
    create_export_link(db, reader_id)
    start_link(db, telegram, "telegram")
    return reader_id


def backdate(db: Database, reader_id: int, at: datetime) -> None:
    """Date every row of the reader ``at`` (as if it all happened then)."""
    dated = {
        Reader: ("created_at",), ChannelIdentity: ("created_at",),
        ConsentRecord: ("recorded_at",), ReaderInterest: ("updated_at",),
        Feedback: ("created_at",), Recommendation: ("created_at", "clicked_at"),
        HandoffRequest: ("created_at", "notified_at"),
        ExportLink: ("created_at", "expires_at"), LinkCode: ("created_at", "expires_at"),
        NewsletterSubscription: ("consented_at", "confirmed_at", "unsubscribed_at",
                                 "synced_at", "updated_at"),
        NewsletterToken: ("created_at", "expires_at"), TopicFollow: ("created_at",),
        FollowNotice: ("created_at",), BroadcastDelivery: ("created_at",),
        Rsvp: ("created_at", "updated_at"), EventNotice: ("due_at", "claimed_at", "sent_at"),
    }
    with db.session() as session:
        for model, columns in dated.items():
            key = model.id if model is Reader else model.reader_id
            for row in session.execute(select(model).where(key == reader_id)).scalars():
                for column in columns:
                    setattr(row, column, at)


def days_ago(days: float) -> datetime:
    return utcnow() - timedelta(days=days)
