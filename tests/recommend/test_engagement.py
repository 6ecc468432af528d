import numpy as np

from penpal.recommend import Engagement, ItemDoc
from penpal.recommend.engagement import NEIGHBOURS
from tests.recommend.synthetic import engagement_of, index_of

INDEX = index_of([ItemDoc(i, f"item {i}") for i in range(1, 8)])


def co(engagement: Engagement, a: int, b: int) -> float:
    return float(engagement.co[INDEX.position(a), INDEX.position(b)])


def test_items_read_by_the_same_readers_are_related() -> None:
    events = [(r, 1, 1) for r in range(10)] + [(r, 2, 1) for r in range(10)]
    events += [(r, 3, 1) for r in range(8, 12)] + [(99, 4, 1), (99, 4, 2)]
    engagement = engagement_of(INDEX, events)
    assert co(engagement, 1, 2) > co(engagement, 1, 3) > 0
    assert co(engagement, 1, 2) == co(engagement, 2, 1)
    assert co(engagement, 1, 1) == 0 and co(engagement, 1, 4) == 0
    assert engagement.co.max() < 1


def test_anonymous_clicks_count_for_popularity_only_and_unknown_items_are_ignored() -> None:
    events = [(None, 5, 0)] * 5 + [(None, 6, 0)] + [(None, 404, 0)] * 50
    engagement = engagement_of(INDEX, events)
    assert engagement.co.nnz == 0
    popularity = engagement.popularity
    assert popularity[INDEX.position(5)] == 1.0
    assert 0 < popularity[INDEX.position(6)] < 1
    assert popularity[INDEX.position(7)] == 0


def test_old_engagement_fades() -> None:
    engagement = engagement_of(INDEX, [(1, 1, 0), (2, 2, 120)])
    assert engagement.popularity[INDEX.position(1)] > 4 * engagement.popularity[INDEX.position(2)]


def test_each_item_keeps_its_nearest_neighbours_only() -> None:
    many = index_of([ItemDoc(i, f"item {i}") for i in range(NEIGHBOURS + 20)])
    events = [(0, i, 0) for i in range(NEIGHBOURS + 20)]
    engagement = engagement_of(many, events)
    assert np.diff(engagement.co.indptr).max() == NEIGHBOURS


def test_no_events_no_engagement() -> None:
    engagement = engagement_of(INDEX, [])
    assert engagement.co.shape == (7, 7) and engagement.co.nnz == 0
    assert not engagement.popularity.any()
