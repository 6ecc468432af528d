from penpal.recommend import Engagement, Filters, ItemDoc, ReaderState, more_like, search
from tests.recommend.synthetic import catalogue, engagement_of, index_of, topic_readers

DOCS = catalogue()
INDEX = index_of(DOCS)
BY_ID = {doc.id: doc for doc in DOCS}


def test_search_finds_items_by_a_word_of_their_text() -> None:
    picks = search(INDEX, "anything about the witch?", k=5)
    assert picks
    assert all("witch" in f"{BY_ID[p.item_id].title} {BY_ID[p.item_id].summary} "
               f"{BY_ID[p.item_id].body}" for p in picks)
    assert picks[0].reason == "matches “anything about the witch?”"


def test_search_folds_plurals_and_case() -> None:
    docs = [
        ItemDoc(1, "Drawing Maps", "How the coast bends"),
        ItemDoc(2, "Stories", "Tales of cities"),
    ]
    index = index_of(docs)
    assert [p.item_id for p in search(index, "map")] == [1]
    assert [p.item_id for p in search(index, "CITY")] == [2]


def test_a_word_in_the_title_counts_more_than_one_in_the_body() -> None:
    docs = [
        ItemDoc(1, "Notes from the road", "A long walk", body="lanterns " + "road walk " * 20),
        ItemDoc(2, "Lanterns", "Light in the dark"),
        ItemDoc(3, "Something else", "Unrelated"),
    ]
    assert [p.item_id for p in search(index_of(docs), "lanterns")] == [2, 1]


def test_search_honours_filters_and_finds_nothing_for_unknown_words() -> None:
    picks = search(INDEX, "legend myth", Filters(max_minutes=7), k=10)
    assert picks and all(BY_ID[p.item_id].minutes <= 7 for p in picks)
    assert search(INDEX, "zeppelin") == []
    assert search(INDEX, "the and of") == []  # stop words only
    excluded = {p.item_id for p in search(INDEX, "legend", k=3)}
    again = search(INDEX, "legend", Filters(exclude=frozenset(excluded)), k=3)
    assert not excluded & {p.item_id for p in again}


def test_more_like_finds_items_of_the_same_kind_of_text() -> None:
    seed = next(d for d in DOCS if d.topics == ("publishing",))
    picks = more_like(INDEX, seed.id, ReaderState(), k=3)
    assert len(picks) == 3
    assert all(BY_ID[p.item_id].topics[0] == "publishing" for p in picks)
    assert seed.id not in {p.item_id for p in picks}
    assert picks[0].reason == f"similar to “{seed.title}”"


def test_more_like_leaves_out_what_the_reader_saw_and_unknown_items() -> None:
    seed = DOCS[0]
    first = {p.item_id for p in more_like(INDEX, seed.id, ReaderState(), k=3)}
    engagement = engagement_of(INDEX, topic_readers(DOCS))
    second = more_like(
        INDEX, seed.id, ReaderState(seen=frozenset(first)), k=3, engagement=engagement
    )
    assert second and not first & {p.item_id for p in second}
    assert more_like(INDEX, 12345, ReaderState()) == []
    empty = index_of([])
    assert more_like(empty, 1, ReaderState(), engagement=Engagement.empty(empty)) == []
