"""Topic follows: readers told about new items on the topics they follow.

A notice is claimed by inserting its (reader, item) row before it is pushed,
so the unique constraint makes "once per item" hold even with two schedulers.
A push that fails releases the claim to be tried again on the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from penpal.db import Database
from penpal.db.clock import utcnow
from penpal.db.database import CONFLICTS
from penpal.db.models import (
    ChannelIdentity,
    DeliveryStatus,
    FollowNotice,
    Item,
    ItemTopic,
    TopicFollow,
)
from penpal.push import PushError, RasaPusher, can_push
from penpal.readers import (
    identity_for,
    personalization_allowed,
    reader_for_conversation,
    record_consent,
)
from penpal.recommend.tracked import add_tracked_pick

log = logging.getLogger(__name__)

UPDATES = "updates"  # the consent purpose: being told about new work
NEW_ITEM_INTENT = "EXTERNAL_follow_new_item"
# Items older than this when first seen by the job are not news any more.
NEWS_WINDOW = timedelta(days=7)


class UnknownTopic(ValueError):
    """Not one of the writer's topics."""


@dataclass(frozen=True)
class NoticeReport:
    sent: int
    failed: int
    capped: int  # readers who reached today's limit


def _known(topic: str, topics: Sequence[str]) -> str:
    cleaned = (topic or "").strip().lower()
    if cleaned not in topics:
        raise UnknownTopic(topic)
    return cleaned


def follow(
    db: Database, conversation_id: str, channel: str | None, topic: str,
    topics: Sequence[str],
) -> bool:
    """Follow ``topic``; False if the reader already did. Raises UnknownTopic."""
    chosen = _known(topic, topics)
    try:
        with db.session(passthrough=CONFLICTS) as session:
            reader = reader_for_conversation(session, conversation_id, channel)
            if session.get(TopicFollow, (reader.id, chosen)) is not None:
                return False
            session.add(TopicFollow(reader_id=reader.id, topic=chosen))
            record_consent(session, reader, UPDATES, True, channel)
    except IntegrityError:  # the same follow, concurrently
        return False
    return True


def unfollow(
    db: Database, conversation_id: str, channel: str | None, topic: str | None = None
) -> list[str]:
    """Stop one topic, or every topic (and record the opt-out); the topics stopped."""
    with db.session() as session:
        identity = identity_for(session, conversation_id)
        if identity is None:
            return []
        query = select(TopicFollow.topic).where(TopicFollow.reader_id == identity.reader_id)
        if topic:
            query = query.where(TopicFollow.topic == topic.strip().lower())
        stopped = sorted(session.execute(query).scalars().all())
        session.execute(delete(TopicFollow).where(
            TopicFollow.reader_id == identity.reader_id, TopicFollow.topic.in_(stopped)))
        if topic is None:
            record_consent(session, identity.reader, UPDATES, False, channel)
        return stopped


def followed(db: Database, conversation_id: str) -> list[str]:
    with db.session() as session:
        identity = identity_for(session, conversation_id)
        if identity is None:
            return []
        return sorted(session.execute(select(TopicFollow.topic).where(
            TopicFollow.reader_id == identity.reader_id)).scalars().all())


def push_target(session: Session, reader_id: int) -> ChannelIdentity | None:
    """The reader's latest conversation on a channel that can be pushed to."""
    identities = session.execute(
        select(ChannelIdentity).where(ChannelIdentity.reader_id == reader_id)
        .order_by(ChannelIdentity.id.desc())
    ).scalars().all()
    return next((identity for identity in identities if can_push(identity.channel)), None)


def _due(session: Session, now: datetime) -> list[tuple[int, int]]:
    """(reader, item) pairs: items on a followed topic, new since the follow, not noticed."""
    noticed = select(FollowNotice.id).where(
        FollowNotice.reader_id == TopicFollow.reader_id, FollowNotice.item_id == Item.id
    ).exists()
    rows = session.execute(
        select(TopicFollow.reader_id, Item.id)
        .join(ItemTopic, ItemTopic.topic == TopicFollow.topic)
        .join(Item, Item.id == ItemTopic.item_id)
        .where(Item.imported_at >= TopicFollow.created_at,
               Item.imported_at >= now - NEWS_WINDOW, ~noticed)
        .distinct()
        .order_by(TopicFollow.reader_id, Item.id)
    ).all()
    return [(reader_id, item_id) for reader_id, item_id in rows]


def _sent_today(session: Session, reader_id: int, now: datetime) -> int:
    return session.execute(select(func.count(FollowNotice.id)).where(
        FollowNotice.reader_id == reader_id,
        FollowNotice.created_at >= now - timedelta(days=1),
    )).scalar_one()


def send_new_item_notices(
    db: Database, pusher: RasaPusher, max_per_day: int, now: datetime | None = None
) -> NoticeReport:
    """Tell followers about new items on their topics, once per item, within the daily cap."""
    moment = utcnow(now)
    with db.session() as session:
        due = _due(session, moment)
    sent = failed = 0
    capped: set[int] = set()
    for reader_id, item_id in due:
        if reader_id in capped:
            continue
        claim = _claim(db, reader_id, item_id, max_per_day, moment)
        if claim == "capped":
            capped.add(reader_id)
        if not isinstance(claim, tuple):  # None or "capped"
            continue
        notice_id, conversation_id, channel = claim
        try:
            pusher.trigger(conversation_id, NEW_ITEM_INTENT, channel, {"item_id": str(item_id)})
        except PushError as error:
            log.warning("follows: notice for item %s not delivered: %s", item_id, error)
            with db.session() as session:
                session.execute(delete(FollowNotice).where(FollowNotice.id == notice_id))
            failed += 1
            continue
        with db.session() as session:
            session.get(FollowNotice, notice_id).status = DeliveryStatus.SENT
        sent += 1
    return NoticeReport(sent, failed, len(capped))


def _claim(
    db: Database, reader_id: int, item_id: int, max_per_day: int, moment: datetime
) -> tuple[int, str, str] | str | None:
    """Insert the notice row; (id, conversation, channel), "capped", or None (unreachable/taken)."""
    try:
        with db.session(passthrough=CONFLICTS) as session:
            target = push_target(session, reader_id)
            if target is None:
                return None
            if _sent_today(session, reader_id, moment) >= max_per_day:
                return "capped"
            notice = FollowNotice(reader_id=reader_id, item_id=item_id, created_at=moment)
            session.add(notice)
            session.flush()
            return notice.id, target.conversation_id, target.channel
    except IntegrityError:  # another scheduler claimed it
        return None


@dataclass(frozen=True)
class ItemNotice:
    item_id: int
    title: str
    summary: str
    token: str  # the tracked link's key (/r/<token>)
    topics: list[str]


def announce_item(db: Database, conversation_id: str, item_id: int) -> ItemNotice | None:
    """The new item for a follower's notice, with a tracked link (a recommendation row).

    The row names the reader only if they allowed personalisation, as every pick does.
    """
    with db.session() as session:
        item = session.get(Item, item_id)
        if item is None:
            return None
        identity = identity_for(session, conversation_id)
        reader_id = identity.reader_id if identity is not None else None
        followed_topics = set() if reader_id is None else set(session.execute(
            select(TopicFollow.topic).where(TopicFollow.reader_id == reader_id)).scalars())
        topics = sorted(topic.topic for topic in item.topics)
        matching = [topic for topic in topics if topic in followed_topics] or topics
        token = add_tracked_pick(
            session, item.id,
            reader_id if personalization_allowed(session, conversation_id) else None,
            f"new on {', '.join(matching)}, which you follow"[:300],
        )
        return ItemNotice(item.id, item.title, item.summary or "", token, matching)
