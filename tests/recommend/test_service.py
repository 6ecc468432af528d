import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from penpal.db import Database
from penpal.db.models import Feedback, Item, ItemTopic, Reader, ReaderInterest, Recommendation
from penpal.newsletter.tokens import digest
from penpal.readers import Readers
from penpal.recommend import Filters, ItemDoc
from penpal.recommend import service as service_module
from penpal.recommend.service import RecommendationService
from penpal.recommend.store import load_catalogue
from tests.privacy.scan import app_database_text
from tests.recommend.synthetic import NOW, catalogue

DOCS = catalogue(per_topic=4)
BY_ID = {doc.id: doc for doc in DOCS}
TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")


def add_items(db: Database, docs: list[ItemDoc]) -> None:
    with db.session() as session:
        for doc in docs:
            item = Item(
                id=doc.id, source="test", external_id=str(doc.id),
                url=f"https://writer.example/{doc.id}", title=doc.title,
                summary=f"{doc.summary}. More words follow here.", body=doc.body,
                kind=doc.kind, minutes=doc.minutes, published_at=doc.published_at,
                content_hash=str(doc.id),
            )
            item.topics = [ItemTopic(topic=topic) for topic in doc.topics]
            session.add(item)


def count(db: Database, model: type, *where: object) -> int:
    with db.session() as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


@pytest.fixture
def service(db: Database) -> RecommendationService:
    add_items(db, DOCS)
    return RecommendationService(db, check_seconds=0, engagement_seconds=0)


def consenting(db: Database, conversation_id: str) -> str:
    Readers(db).set_personalization(conversation_id, "rest", True)
    return conversation_id


def test_without_consent_only_anonymous_picks_are_stored(
    db: Database, service: RecommendationService
) -> None:
    Readers(db).set_personalization("declined", "rest", False)
    for conversation in ("stranger", "declined"):
        picks = service.recommend_for(conversation, k=3)
        assert len(picks) == 3
        assert not service.feedback(conversation, picks[0].item_id, "liked")
        assert not service.feedback(conversation, picks[1].item_id, "disliked")
        assert not service.add_interest(conversation, "maps")
        assert service.click(picks[0].token) == picks[0].url
    assert count(db, Recommendation) == 6
    assert count(db, Recommendation, Recommendation.reader_id.is_not(None)) == 0
    assert count(db, Feedback) == 0 and count(db, ReaderInterest) == 0
    assert count(db, Reader) == 1  # the one who declined, and only their answer


def test_without_consent_the_conversation_keeps_what_was_seen(
    service: RecommendationService,
) -> None:
    seen: set[int] = set()
    while picks := service.recommend_for("stranger", session_seen=seen, k=5):
        assert not seen & {p.item_id for p in picks}
        seen |= {p.item_id for p in picks}
    assert seen == set(BY_ID)


def test_a_consenting_reader_is_never_shown_the_same_item_twice(
    db: Database, service: RecommendationService
) -> None:
    reader = consenting(db, "tg-1")
    shown = [p.item_id for _ in range(4) for p in service.recommend_for(reader, k=3)]
    assert len(shown) == 12 and len(set(shown)) == 12
    assert count(db, Recommendation, Recommendation.reader_id.is_(None)) == 0


def test_likes_and_dislikes_are_kept_and_steer_the_next_picks(
    db: Database, service: RecommendationService
) -> None:
    reader = consenting(db, "tg-2")
    liked = next(d for d in DOCS if d.topics == ("folklore", "craft"))
    disliked = next(d for d in DOCS if d.topics == ("research",))
    assert service.feedback(reader, liked.id, "liked")
    assert service.feedback(reader, disliked.id, "disliked")
    assert service.add_interest(reader, " Folklore ")
    assert not service.add_interest(reader, "cooking")
    assert not service.feedback(reader, 9999, "liked")
    with pytest.raises(ValueError):
        service.feedback(reader, liked.id, "clicked")
    with db.session() as session:
        kinds = session.execute(select(Feedback.item_id, Feedback.kind).order_by(Feedback.id))
        assert kinds.all() == [(liked.id, "liked"), (disliked.id, "disliked")]
        weights = dict(session.execute(select(ReaderInterest.topic, ReaderInterest.weight)).all())
    assert weights == {"folklore": 3.0, "craft": 1.0, "research": -0.5}
    picks = service.recommend_for(reader, k=3)
    assert not {liked.id, disliked.id} & {p.item_id for p in picks}
    assert [BY_ID[p.item_id].topics[0] for p in picks].count("folklore") >= 2
    assert "research" not in {BY_ID[p.item_id].topics[0] for p in picks}
    assert any(p.reason == f"because you liked “{liked.title}”" for p in picks)


def test_filters_reach_the_picks(service: RecommendationService) -> None:
    filters = Filters(topics=frozenset({"maps"}), max_minutes=7)
    picks = service.recommend_for("stranger", filters, k=10)
    assert picks
    for pick in picks:
        assert "maps" in BY_ID[pick.item_id].topics
        assert pick.minutes is not None and pick.minutes <= 7


def test_a_pick_carries_what_the_reader_is_shown(service: RecommendationService) -> None:
    pick = service.recommend_for("stranger", k=1)[0]
    doc = BY_ID[pick.item_id]
    assert (pick.title, pick.kind, pick.minutes) == (doc.title, doc.kind, doc.minutes)
    assert pick.url == f"https://writer.example/{doc.id}"
    assert pick.summary == f"{doc.summary}."
    assert TOKEN.match(pick.token)


def test_a_click_is_recorded_once_and_redirects(
    db: Database, service: RecommendationService
) -> None:
    reader = consenting(db, "tg-3")
    pick = service.recommend_for(reader, k=1)[0]
    assert service.click(pick.token) == pick.url
    with db.session() as session:
        first = session.get(Recommendation, digest(pick.token)).clicked_at
    assert first is not None
    assert service.click(pick.token) == pick.url
    with db.session() as session:
        assert session.get(Recommendation, digest(pick.token)).clicked_at == first
    assert count(db, Feedback, Feedback.kind == "clicked") == 1
    assert service.click("no-such-token") is None
    assert service.click("") is None and service.click("x" * 500) is None


def test_tokens_are_unique_even_under_concurrency(
    db: Database, service: RecommendationService
) -> None:
    reader = consenting(db, "tg-4")
    with ThreadPoolExecutor(max_workers=6) as pool:
        batches = list(pool.map(
            lambda i: service.recommend_for(reader if i % 2 else f"anon-{i}", k=2), range(12)
        ))
    tokens = [pick.token for batch in batches for pick in batch]
    assert len(tokens) == 24 and len(set(tokens)) == 24
    assert all(TOKEN.match(token) for token in tokens)
    assert count(db, Recommendation) == 24


def test_only_the_hash_of_a_token_is_kept(db: Database, service: RecommendationService) -> None:
    picks = service.recommend_for(consenting(db, "tg-6"), k=3)

    stored = app_database_text(db)
    assert [pick.token for pick in picks if pick.token in stored] == []
    with db.session() as session:
        hashes = set(session.execute(select(Recommendation.token_hash)).scalars())
    assert hashes == {digest(pick.token) for pick in picks}
    assert service.click(digest(picks[0].token)) is None  # the hash is no link
    assert service.explain(digest(picks[0].token)) is None


def test_why_a_pick_was_made(db: Database, service: RecommendationService) -> None:
    reader = consenting(db, "tg-5")
    pick = service.recommend_for(reader, k=1)[0]
    assert service.explain(pick.token) == pick.reason
    assert service.explain(pick.item_id, reader) == pick.reason
    assert service.explain(pick.item_id, "stranger") is None
    assert service.explain(pick.item_id) is None
    assert service.explain("unknown-token") is None


def test_the_catalogue_is_reloaded_when_it_changes(db: Database) -> None:
    add_items(db, DOCS)
    ticks = [0.0]
    service = RecommendationService(db, check_seconds=10, clock=lambda: ticks[0])
    assert "astronomy" not in service.known_topics()
    stars = ItemDoc(500, "Stars and comets", "Telescopes for writers", topics=("astronomy",),
                    published_at=NOW)
    add_items(db, [stars])
    assert "astronomy" not in service.known_topics()  # checked less than 10 s ago
    ticks[0] = 11.0
    assert "astronomy" in service.known_topics()
    assert [p.item_id for p in service.search_for("x", "telescope")] == [500]
    with db.session() as session:
        session.execute(update(Item).where(Item.id == 500).values(
            title="Galaxies", updated_at=Item.updated_at + timedelta(seconds=1)
        ))
    ticks[0] = 22.0
    assert service.search_for("x", "telescope")[0].title == "Galaxies"


def test_items_deleted_since_the_last_build_are_never_offered(db: Database) -> None:
    add_items(db, DOCS[:3])
    service = RecommendationService(db, check_seconds=3600)
    assert len(service.known_topics()) > 0
    with db.session() as session:
        session.execute(delete(Item).where(Item.id.in_([DOCS[0].id, DOCS[1].id])))
    assert [p.item_id for p in service.recommend_for("x", k=3)] == [DOCS[2].id]


def test_what_readers_like_makes_an_item_popular_for_newcomers(
    db: Database, service: RecommendationService
) -> None:
    favourite = DOCS[-1].id
    for n in range(6):
        reader = consenting(db, f"fan-{n}")
        assert service.feedback(reader, favourite, "liked")
    pick = service.recommend_for("newcomer", k=1)[0]
    assert pick.item_id == favourite
    assert pick.reason == "popular right now"


def test_search_and_more_like_store_their_picks(
    db: Database, service: RecommendationService
) -> None:
    found = service.search_for("stranger", "witch", k=2)
    assert found and all("folklore" in BY_ID[p.item_id].topics for p in found)
    similar = service.more_like_for("stranger", found[0].item_id, {found[0].item_id}, k=2)
    assert similar and found[0].item_id not in {p.item_id for p in similar}
    assert count(db, Recommendation) == len(found) + len(similar)


def test_an_empty_catalogue_recommends_nothing(db: Database) -> None:
    service = RecommendationService(db)
    assert service.recommend_for("x") == [] and service.known_topics() == []
    assert service.search_for("x", "maps") == []


def test_a_forced_refresh_rebuilds(db: Database) -> None:
    service = RecommendationService(db, check_seconds=3600)
    assert service.known_topics() == []
    add_items(db, [replace(DOCS[0], id=900)])
    service.refresh()
    assert service.known_topics() == sorted(DOCS[0].topics)


def test_a_click_after_consent_was_withdrawn_keeps_nothing_personal(
    db: Database, service: RecommendationService
) -> None:
    reader = consenting(db, "tg-6")
    pick = service.recommend_for(reader, k=1)[0]
    Readers(db).set_personalization(reader, "rest", False)
    assert service.click(pick.token) == pick.url
    assert count(db, Recommendation, Recommendation.clicked_at.is_not(None)) == 1
    assert count(db, Feedback) == 0
    assert not service.feedback(reader, pick.item_id, "liked")


def test_concurrent_first_use_builds_once_and_serves_everyone(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_items(db, DOCS)
    builds = []

    def counted(session: Session) -> tuple:
        builds.append(1)
        return load_catalogue(session)

    monkeypatch.setattr(service_module, "load_catalogue", counted)
    service = RecommendationService(db)
    with ThreadPoolExecutor(max_workers=8) as pool:
        topics = list(pool.map(lambda _: tuple(service.known_topics()), range(16)))
    assert len(set(topics)) == 1 and topics[0]
    assert len(builds) == 1


def test_others_feedback_reaches_popularity_at_most_every_engagement_seconds(
    db: Database,
) -> None:
    add_items(db, DOCS)
    ticks = [0.0]
    service = RecommendationService(
        db, check_seconds=0, engagement_seconds=60, clock=lambda: ticks[0]
    )
    before = service.recommend_for("newcomer", k=1)[0].item_id
    favourite = next(d.id for d in DOCS if d.id != before)
    for n in range(6):
        assert service.feedback(consenting(db, f"fan-{n}"), favourite, "liked")
    ticks[0] = 30.0
    assert service.recommend_for("newcomer", session_seen={before}, k=1)[0].item_id != favourite
    ticks[0] = 61.0
    assert service.recommend_for("newcomer", session_seen={before}, k=1)[0].item_id == favourite
