"""Recommendations for a conversation, backed by the app database.

The catalogue index and the engagement are built in memory and shared by
every call; a cheap signature query decides when to rebuild them. Methods are
synchronous (database and CPU work): call them from a thread, never on the
action server's event loop. They are safe to call from several threads.

Nothing is kept about a reader who did not allow personalisation: their
recommendations are stored without a reader (to count shows and clicks), and
what they have seen is the caller's to keep in the conversation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from penpal.db import Database
from penpal.db.clock import utcnow
from penpal.db.models import ChannelIdentity, Feedback, Item, Recommendation
from penpal.readers import identity_for, personalization_allowed
from penpal.recommend.engagement import Engagement
from penpal.recommend.filters import Filters
from penpal.recommend.index import CatalogIndex, ItemDoc, normalize_topic
from penpal.recommend.rank import NO_FILTERS, Pick, more_like, recommend
from penpal.recommend.search import search
from penpal.recommend.state import ReaderState
from penpal.recommend.store import (
    ItemCard,
    add_to_interest,
    catalogue_signature,
    engagement_signature,
    existing_items,
    item_topics,
    load_catalogue,
    load_events,
    load_state,
)
from penpal.recommend.tracked import add_tracked_pick, with_token

LIKE_STEP = 1.0  # interest added to each topic of a liked item
DISLIKE_STEP = -0.5
STATED_INTEREST = 2.0  # "I like maps" says more than one like
MAX_TOKEN_CHARS = 64


@dataclass(frozen=True)
class Recommended:
    """One pick, ready to show: ``token`` keys the tracked link and "why?"."""

    item_id: int
    title: str
    url: str
    summary: str
    minutes: int | None
    kind: str
    reason: str
    token: str


@dataclass(frozen=True)
class _Snapshot:
    index: CatalogIndex
    engagement: Engagement
    cards: dict[int, ItemCard]
    catalogue: tuple[Any, ...]  # signatures of what was loaded
    feedback: tuple[Any, ...]
    built_at: float  # monotonic seconds
    engagement_at: float


class RecommendationService:
    """Recommendations, feedback, interests and tracked clicks for conversations.

    ``check_seconds``: how often to look for catalogue or feedback changes;
    ``engagement_seconds``: the least time between two rebuilds of the engagement
    for new feedback (a reader's own feedback counts at once either way);
    ``max_age_seconds``: rebuild anyway, so recency and popularity follow the clock.
    """

    def __init__(
        self,
        db: Database,
        *,
        check_seconds: float = 5.0,
        engagement_seconds: float = 60.0,
        max_age_seconds: float = 6 * 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._check_seconds = check_seconds
        self._engagement_seconds = engagement_seconds
        self._max_age_seconds = max_age_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._checked_at = float("-inf")

    # --- recommending -----------------------------------------------------

    def recommend_for(
        self,
        conversation_id: str,
        filters: Filters = NO_FILTERS,
        session_seen: Collection[int] = (),
        k: int = 3,
    ) -> list[Recommended]:
        """Up to ``k`` picks (fewer if the filters leave fewer), each stored with a token."""
        snapshot = self._current()
        reader_id, state = self._reader(conversation_id, session_seen)
        picks = recommend(snapshot.index, snapshot.engagement, state, filters, k)
        return self._deliver(snapshot, picks, reader_id)

    def search_for(
        self,
        conversation_id: str,
        query: str,
        filters: Filters = NO_FILTERS,
        session_seen: Collection[int] = (),
        k: int = 3,
    ) -> list[Recommended]:
        """Items matching ``query``, leaving out what the reader saw or rejected."""
        snapshot = self._current()
        reader_id, state = self._reader(conversation_id, session_seen)
        exclude = filters.exclude | state.excluded
        picks = search(snapshot.index, query, replace(filters, exclude=exclude), k)
        return self._deliver(snapshot, picks, reader_id)

    def more_like_for(
        self,
        conversation_id: str,
        item_id: int,
        session_seen: Collection[int] = (),
        k: int = 3,
        filters: Filters = NO_FILTERS,
    ) -> list[Recommended]:
        """Items like ``item_id`` ("more like that")."""
        snapshot = self._current()
        reader_id, state = self._reader(conversation_id, session_seen)
        picks = more_like(
            snapshot.index, item_id, state, k, engagement=snapshot.engagement, filters=filters
        )
        return self._deliver(snapshot, picks, reader_id)

    def known_topics(self) -> list[str]:
        return list(self._current().index.topic_names)

    def explain(self, ref: str | int, conversation_id: str | None = None) -> str | None:
        """Why an item was picked: by its token, or by item id for a consenting reader."""
        with self._db.session() as session:
            if isinstance(ref, str):
                return session.execute(
                    select(Recommendation.reason).where(with_token(ref))
                ).scalar_one_or_none()
            reader_id = _consenting_reader(session, conversation_id) if conversation_id else None
            if reader_id is None:
                return None
            return session.execute(
                select(Recommendation.reason)
                .where(Recommendation.reader_id == reader_id, Recommendation.item_id == ref)
                .order_by(Recommendation.created_at.desc())
                .limit(1)
            ).scalar_one_or_none()

    # --- what readers tell and do ------------------------------------------

    def feedback(self, conversation_id: str, item_id: int, kind: str) -> bool:
        """Record "liked"/"disliked" and shift the reader's topic interests.

        False, and nothing written, without consent or for an unknown item.
        """
        if kind not in ("liked", "disliked"):
            raise ValueError(f"feedback must be liked or disliked, not {kind!r}")
        with self._db.session() as session:
            reader_id = _consenting_reader(session, conversation_id)
            topics = item_topics(session, item_id) if reader_id is not None else None
            if reader_id is None or topics is None:
                return False
            session.add(Feedback(reader_id=reader_id, item_id=item_id, kind=kind))
            step = LIKE_STEP if kind == "liked" else DISLIKE_STEP
            for topic in topics:
                add_to_interest(session, reader_id, topic, step)
        return True

    def add_interest(self, conversation_id: str, topic: str) -> bool:
        """Note a topic the reader said they like; False without consent or if unknown."""
        topic = normalize_topic(topic)
        if topic not in self._current().index.topic_names:
            return False
        with self._db.session() as session:
            reader_id = _consenting_reader(session, conversation_id)
            if reader_id is None:
                return False
            add_to_interest(session, reader_id, topic, STATED_INTEREST)
        return True

    def click(self, token: str) -> str | None:
        """The item URL to redirect to (None for an unknown token); the first click counts."""
        if not token or len(token) > MAX_TOKEN_CHARS:
            return None
        with self._db.session() as session:
            found = session.execute(
                select(Recommendation.reader_id, Recommendation.item_id, Item.url)
                .join(Item, Item.id == Recommendation.item_id)
                .where(with_token(token))
            ).one_or_none()
            if found is None:
                return None
            reader_id, item_id, url = found
            first = session.execute(
                update(Recommendation)
                .where(with_token(token), Recommendation.clicked_at.is_(None))
                .values(clicked_at=utcnow())
                .execution_options(synchronize_session=False)
            ).rowcount == 1
            if first and reader_id is not None and _reader_consents(session, reader_id):
                session.add(Feedback(reader_id=reader_id, item_id=item_id, kind="clicked"))
        return url

    # --- the in-memory index ---------------------------------------------

    def refresh(self, force: bool = False) -> None:
        """Look for changes now (``force``: rebuild everything), e.g. after an import."""
        with self._lock:
            if force:
                self._snapshot = None
            self._checked_at = float("-inf")
            self._refresh()

    def _current(self) -> _Snapshot:
        if (fresh := self._fresh()) is not None:
            return fresh
        snapshot = self._snapshot
        if snapshot is None:
            self._lock.acquire()  # nothing to serve yet: wait for the first build
        elif not self._lock.acquire(blocking=False):
            return snapshot  # another thread is refreshing: serve the current one meanwhile
        try:
            return self._fresh() or self._refresh()
        finally:
            self._lock.release()

    def _fresh(self) -> _Snapshot | None:
        """The snapshot, if it was checked recently enough to be used without a check."""
        if self._clock() - self._checked_at < self._check_seconds:
            return self._snapshot
        return None

    def _refresh(self) -> _Snapshot:
        """Reload and rebuild what changed; the caller holds the lock.

        The database is read in one short transaction; the building happens after it.
        """
        now = self._clock()
        old = self._snapshot
        with self._db.session() as session:
            catalogue, feedback = catalogue_signature(session), engagement_signature(session)
            base: _Snapshot | tuple[list[ItemDoc], dict[int, ItemCard]]  # kept, or loaded anew
            if (old is None or old.catalogue != catalogue
                    or now - old.built_at > self._max_age_seconds):
                base, reengage = load_catalogue(session), True
            else:
                base, reengage = old, (
                    old.feedback != feedback and now - old.engagement_at >= self._engagement_seconds
                )
            events = load_events(session) if reengage else None
        moment = utcnow()
        if isinstance(base, _Snapshot):
            snapshot = base
        else:
            docs, cards = base
            index = CatalogIndex.build(docs, moment)
            snapshot = _Snapshot(index, Engagement.empty(index), cards, catalogue, (), now, now)
        if events is not None:
            snapshot = replace(
                snapshot,
                engagement=Engagement.build(snapshot.index, events, moment),
                feedback=feedback,
                engagement_at=now,
            )
        self._snapshot = snapshot
        self._checked_at = now
        return snapshot

    # --- readers and stored picks -----------------------------------------

    def _reader(
        self, conversation_id: str, session_seen: Collection[int]
    ) -> tuple[int | None, ReaderState]:
        """The consenting reader's id and history; otherwise only what this session saw."""
        with self._db.session() as session:
            reader_id = _consenting_reader(session, conversation_id)
            if reader_id is None:
                return None, ReaderState(seen=frozenset(session_seen))
            return reader_id, load_state(session, reader_id, session_seen)

    def _deliver(
        self, snapshot: _Snapshot, picks: list[Pick], reader_id: int | None
    ) -> list[Recommended]:
        """Store each pick under a fresh token (skipping items deleted since the last build)."""
        if not picks:
            return []
        delivered = []
        with self._db.session() as session:
            present = existing_items(session, [pick.item_id for pick in picks])
            for pick in picks:
                if pick.item_id not in present:
                    continue
                reason = pick.reason[:300]
                token = add_tracked_pick(session, pick.item_id, reader_id, reason)
                card = snapshot.cards[pick.item_id]
                delivered.append(Recommended(
                    pick.item_id, card.title, card.url, card.summary, card.minutes, card.kind,
                    reason, token,
                ))
        return delivered


def _reader_consents(session: Session, reader_id: int) -> bool:
    """Whether the reader (still) allows personalisation; consent belongs to the reader."""
    conversation_id = session.execute(
        select(ChannelIdentity.conversation_id).where(ChannelIdentity.reader_id == reader_id)
        .limit(1)
    ).scalar_one_or_none()
    return conversation_id is not None and personalization_allowed(session, conversation_id)


def _consenting_reader(session: Session, conversation_id: str) -> int | None:
    """The reader behind the conversation if they allowed personalisation, else None."""
    if not personalization_allowed(session, conversation_id):
        return None
    identity = identity_for(session, conversation_id)
    return identity.reader_id if identity is not None else None
