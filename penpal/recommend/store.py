"""The recommender's reads and writes in the app database."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from penpal.db.clock import utcnow
from penpal.db.models import Feedback, Item, ItemTopic, ReaderInterest, Recommendation
from penpal.db.upsert import upsert
from penpal.recommend.engagement import Events
from penpal.recommend.index import ItemDoc
from penpal.recommend.state import ReaderState

POSITIVE = ("clicked", "liked")
MAX_SUMMARY_CHARS = 140


@dataclass(frozen=True)
class ItemCard:
    """What a reader is shown about an item."""

    title: str
    url: str
    summary: str  # one line
    minutes: int | None
    kind: str


def catalogue_signature(session: Session) -> tuple[Any, ...]:
    """Changes whenever an item is added, removed or updated, or its topics change."""
    items = session.execute(select(func.count(Item.id), func.max(Item.updated_at))).one()
    topics = session.execute(select(func.count()).select_from(ItemTopic)).scalar_one()
    return (*items, topics)


def engagement_signature(session: Session) -> tuple[Any, ...]:
    """Changes whenever feedback is given or erased, or an anonymous pick is clicked."""
    feedback = session.execute(select(func.count(Feedback.id), func.max(Feedback.id))).one()
    anonymous_clicks = session.execute(
        select(func.count()).select_from(Recommendation).where(
            Recommendation.reader_id.is_(None), Recommendation.clicked_at.is_not(None)
        )
    ).scalar_one()
    return (*feedback, anonymous_clicks)


def load_catalogue(session: Session) -> tuple[list[ItemDoc], dict[int, ItemCard]]:
    topics: dict[int, list[str]] = defaultdict(list)
    for item_id, topic in session.execute(
        select(ItemTopic.item_id, ItemTopic.topic).order_by(ItemTopic.item_id, ItemTopic.topic)
    ):
        topics[item_id].append(topic)
    docs, cards = [], {}
    rows = session.execute(
        select(
            Item.id, Item.title, Item.summary, Item.body, Item.kind, Item.minutes,
            Item.published_at, Item.url,
        ).order_by(Item.id)
    )
    for item_id, title, summary, body, kind, minutes, published_at, url in rows:
        docs.append(ItemDoc(
            id=item_id, title=title, summary=summary or "", body=body,
            topics=tuple(topics.get(item_id, ())), kind=kind, minutes=minutes,
            published_at=published_at,
        ))
        cards[item_id] = ItemCard(title, url, one_line(summary or ""), minutes, kind)
    return docs, cards


def load_events(session: Session) -> Events:
    """Readers' clicks and likes, and (for popularity only) anonymous clicks."""
    named = session.execute(
        select(Feedback.reader_id, Feedback.item_id, Feedback.created_at)
        .where(Feedback.kind.in_(POSITIVE))
    ).all()
    anonymous = session.execute(
        select(Recommendation.reader_id, Recommendation.item_id, Recommendation.clicked_at)
        .where(Recommendation.reader_id.is_(None), Recommendation.clicked_at.is_not(None))
    ).all()
    return Events.from_rows([tuple(row) for row in [*named, *anonymous]])


def load_state(session: Session, reader_id: int, session_seen: Collection[int]) -> ReaderState:
    """A consenting reader's history; the latest of like and dislike wins for an item."""
    verdicts: dict[int, str] = {}
    clicked: set[int] = set()
    for item_id, kind in session.execute(
        select(Feedback.item_id, Feedback.kind)
        .where(Feedback.reader_id == reader_id)
        .order_by(Feedback.id)
    ):
        if kind == "clicked":
            clicked.add(item_id)
        else:
            verdicts[item_id] = kind
    seen = session.execute(
        select(Recommendation.item_id).where(Recommendation.reader_id == reader_id).distinct()
    ).scalars()
    interests = session.execute(
        select(ReaderInterest.topic, ReaderInterest.weight)
        .where(ReaderInterest.reader_id == reader_id)
    ).all()
    return ReaderState(
        liked=frozenset(i for i, kind in verdicts.items() if kind == "liked"),
        disliked=frozenset(i for i, kind in verdicts.items() if kind == "disliked"),
        clicked=frozenset(clicked),
        seen=frozenset(seen) | frozenset(session_seen),
        interests=dict(interests),
    )


def add_to_interest(session: Session, reader_id: int, topic: str, delta: float) -> None:
    """Add ``delta`` to a reader's weight for ``topic`` in one atomic upsert."""
    now = utcnow()
    upsert(
        session, ReaderInterest,
        {"reader_id": reader_id, "topic": topic, "weight": delta, "updated_at": now},
        key=[ReaderInterest.reader_id, ReaderInterest.topic],
        changes={"weight": ReaderInterest.weight + delta, "updated_at": now},
    )


def item_topics(session: Session, item_id: int) -> list[str] | None:
    """The item's topics, or None when there is no such item."""
    if session.get(Item, item_id) is None:
        return None
    return list(session.execute(
        select(ItemTopic.topic).where(ItemTopic.item_id == item_id)
    ).scalars())


def existing_items(session: Session, item_ids: Collection[int]) -> set[int]:
    return set(session.execute(select(Item.id).where(Item.id.in_(item_ids))).scalars())


def one_line(text: str) -> str:
    """The first sentence, or the start of the text cut at a word, on one line."""
    text = " ".join(text.split())
    ends = [cut for cut in (text.find(". "), text.find("! "), text.find("? ")) if cut > 0]
    if ends and min(ends) < MAX_SUMMARY_CHARS:
        return text[: min(ends) + 1]
    if len(text) <= MAX_SUMMARY_CHARS:
        return text
    return text[: MAX_SUMMARY_CHARS - 1].rsplit(" ", 1)[0] + "…"
