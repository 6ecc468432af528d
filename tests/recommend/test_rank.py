import random
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from penpal.recommend import (
    SHORT_MINUTES,
    Engagement,
    Filters,
    ItemDoc,
    ReaderState,
    Weights,
    recommend,
)
from tests.recommend.synthetic import (
    KINDS,
    NOW,
    TOPICS,
    catalogue,
    engagement_of,
    index_of,
    topic_readers,
)

DOCS = catalogue()
INDEX = index_of(DOCS)
ENGAGEMENT = engagement_of(INDEX, topic_readers(DOCS))
BY_ID = {doc.id: doc for doc in DOCS}
RANKED = replace(Weights(), diversity=0.0)  # plain score order, to compare rankings


def primary(item_id: int) -> str:
    return BY_ID[item_id].topics[0]


def random_state(rng: random.Random) -> ReaderState:
    ids = [doc.id for doc in DOCS]
    return ReaderState(
        liked=frozenset(rng.sample(ids, rng.randint(0, 4))),
        disliked=frozenset(rng.sample(ids, rng.randint(0, 4))),
        clicked=frozenset(rng.sample(ids, rng.randint(0, 4))),
        seen=frozenset(rng.sample(ids, rng.randint(0, 10))),
        interests={rng.choice(TOPICS): rng.uniform(-1, 3) for _ in range(rng.randint(0, 3))},
    )


def passes(doc: ItemDoc, filters: Filters) -> bool:
    if filters.topics and not set(filters.topics) & set(doc.topics):
        return False
    if filters.kinds and doc.kind not in filters.kinds:
        return False
    if doc.minutes is None and (filters.max_minutes, filters.min_minutes) != (None, None):
        return False
    if filters.max_minutes is not None and doc.minutes > filters.max_minutes:
        return False
    if filters.min_minutes is not None and doc.minutes < filters.min_minutes:
        return False
    return doc.id not in filters.exclude


@pytest.mark.parametrize("seed", range(25))
def test_every_filter_is_honoured_and_never_relaxed(seed: int) -> None:
    rng = random.Random(seed)
    state = random_state(rng)
    filters = Filters(
        topics=frozenset(rng.sample(TOPICS, rng.randint(0, 2))),
        kinds=frozenset(rng.sample(sorted(set(KINDS)), rng.randint(0, 2))),
        max_minutes=rng.choice([None, SHORT_MINUTES, 12]),
        min_minutes=rng.choice([None, None, 5]),
        exclude=frozenset(rng.sample([d.id for d in DOCS], 5)),
    )
    k = rng.randint(1, 6)
    picks = recommend(INDEX, ENGAGEMENT, state, filters, k=k)
    eligible = {d.id for d in DOCS if passes(d, filters)} - state.excluded
    assert {p.item_id for p in picks} <= eligible
    assert len(picks) == min(k, len(eligible))  # fewer only when nothing else qualifies
    assert len({p.item_id for p in picks}) == len(picks)


def test_unknown_filter_values_leave_nothing_rather_than_anything() -> None:
    assert recommend(INDEX, ENGAGEMENT, ReaderState(), Filters(topics=frozenset({"cooking"}))) == []
    assert recommend(INDEX, ENGAGEMENT, ReaderState(), Filters(kinds=frozenset({"poem"}))) == []


@pytest.mark.parametrize("seed", range(5))
def test_successive_calls_never_repeat_until_the_catalogue_is_exhausted(seed: int) -> None:
    state = random_state(random.Random(seed))
    shown: list[int] = []
    while picks := recommend(INDEX, ENGAGEMENT, state, k=3):
        shown += [p.item_id for p in picks]
        state = replace(state, seen=state.seen | {p.item_id for p in picks})
    assert len(shown) == len(set(shown))
    assert set(shown) == {d.id for d in DOCS} - (
        state.liked | state.disliked | state.clicked | (state.seen - set(shown))
    )


def test_a_new_reader_gets_what_is_popular_right_now() -> None:
    hits = [(None, 30, 1)] * 20 + [(None, 11, 2)] * 15 + [(None, 40, 300)] * 20
    engagement = engagement_of(INDEX, hits)
    picks = recommend(INDEX, engagement, ReaderState(), k=3)
    assert [p.item_id for p in picks][:2] == [30, 11]
    assert picks[0].reason == "popular right now"
    assert engagement.popularity[INDEX.position(40)] < engagement.popularity[INDEX.position(11)]


def test_a_new_reader_in_a_new_catalogue_gets_recent_items() -> None:
    picks = recommend(INDEX, Engagement.empty(INDEX), ReaderState(), k=3)
    ages = sorted((NOW - d.published_at, d.id) for d in DOCS)
    newest = {item_id for _, item_id in ages[:8]}
    assert picks[0].item_id == ages[0][1]
    assert {p.item_id for p in picks} <= newest
    assert all(p.reason.startswith("new in ") for p in picks)


def rank_of_topic(state: ReaderState, topic: str) -> float:
    """Mean rank, over the whole catalogue, of the items whose first topic is ``topic``."""
    order = [p.item_id for p in recommend(INDEX, ENGAGEMENT, state, k=len(DOCS), weights=RANKED)]
    return float(np.mean([rank for rank, item in enumerate(order) if primary(item) == topic]))


def test_liking_an_item_moves_the_next_picks_toward_it() -> None:
    liked = next(d for d in DOCS if d.topics == ("folklore",))
    before = rank_of_topic(ReaderState(), "folklore")
    state = ReaderState(liked=frozenset({liked.id}))
    assert rank_of_topic(state, "folklore") < before - 5
    picks = recommend(INDEX, ENGAGEMENT, state, k=3)
    assert [primary(p.item_id) for p in picks].count("folklore") >= 2
    assert picks[0].reason == f"because you liked “{liked.title}”"


def test_disliking_an_item_pushes_similar_items_away() -> None:
    disliked = next(d for d in DOCS if d.topics == ("research",))
    before = rank_of_topic(ReaderState(), "research")
    after = rank_of_topic(ReaderState(disliked=frozenset({disliked.id})), "research")
    assert after > before + 5
    liked_too = ReaderState(liked=frozenset({DOCS[1].id}), disliked=frozenset({disliked.id}))
    assert rank_of_topic(liked_too, "research") > rank_of_topic(
        ReaderState(liked=frozenset({DOCS[1].id})), "research"
    )


def test_a_stated_interest_is_followed_and_explained() -> None:
    picks = recommend(INDEX, Engagement.empty(INDEX), ReaderState(interests={"Craft": 2.0}))
    assert all("craft" in BY_ID[p.item_id].topics for p in picks)
    assert picks[0].reason == "matches your interest in craft"


def test_popular_items_in_a_followed_topic_say_so() -> None:
    hits = [(None, 20, 1)] * 30
    picks = recommend(
        INDEX, engagement_of(INDEX, hits), ReaderState(), Filters(topics=frozenset({"craft"}))
    )
    assert primary(20) == "craft"
    assert picks[0].item_id == 20
    assert picks[0].reason == "popular with readers who follow craft"


def test_the_picks_are_diverse_when_the_catalogue_allows() -> None:
    same_day = [replace(d, published_at=NOW) for d in DOCS]
    index = index_of(same_day)
    state = ReaderState(interests={"maps": 1.0, "folklore": 0.9})
    plain = recommend(index, Engagement.empty(index), state, weights=RANKED)
    diverse = recommend(index, Engagement.empty(index), state)
    assert {primary(p.item_id) for p in plain} == {"maps"}
    assert len({primary(p.item_id) for p in diverse}) >= 2
    assert any(primary(p.item_id) == "folklore" for p in diverse)


def test_an_empty_catalogue_recommends_nothing() -> None:
    index = index_of([])
    assert recommend(index, Engagement.empty(index), ReaderState(liked=frozenset({1}))) == []


def test_history_about_items_no_longer_in_the_catalogue_is_ignored() -> None:
    state = ReaderState(liked=frozenset({999}), disliked=frozenset({998}), seen=frozenset({997}))
    assert len(recommend(INDEX, ENGAGEMENT, state, k=3)) == 3


def test_scores_are_finite_and_best_first_without_diversity() -> None:
    picks = recommend(INDEX, ENGAGEMENT, random_state(random.Random(1)), k=10, weights=RANKED)
    scores = [p.score for p in picks]
    assert all(np.isfinite(scores)) and scores == sorted(scores, reverse=True)


def test_an_old_item_is_not_new() -> None:
    old = ItemDoc(1, "Ancient maps", topics=("maps",), published_at=NOW - timedelta(days=3650))
    fresh = ItemDoc(2, "Modern maps", topics=("maps",), published_at=NOW - timedelta(days=1))
    index = index_of([old, fresh])
    assert [p.item_id for p in recommend(index, Engagement.empty(index), ReaderState())] == [2, 1]
