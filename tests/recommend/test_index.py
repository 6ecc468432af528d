from datetime import timedelta

import numpy as np

from penpal.recommend import CatalogIndex, Filters, ItemDoc
from penpal.recommend.filters import allowed
from penpal.recommend.index import MAX_TERMS_PER_ITEM, words
from tests.recommend.synthetic import NOW, index_of


def test_vectors_are_unit_length_and_keep_only_the_strongest_terms() -> None:
    long_body = " ".join(f"word{i}" for i in range(300))
    index = index_of([ItemDoc(1, "Maps", "atlas", body=long_body), ItemDoc(2, "Myths", "ghost")])
    norms = np.sqrt(np.asarray(index.tfidf.multiply(index.tfidf).sum(axis=1)).ravel())
    assert np.allclose(norms, 1.0)
    assert np.diff(index.tfidf.indptr).max() == MAX_TERMS_PER_ITEM


def test_topics_kinds_minutes_and_recency_are_indexed() -> None:
    docs = [
        ItemDoc(7, "A", topics=(" Writing  Life", "maps"), kind="book", minutes=300,
                published_at=NOW - timedelta(days=30)),
        ItemDoc(3, "B", topics=("maps", "MAPS"), published_at=NOW.replace(tzinfo=None)),
        ItemDoc(5, "C"),
    ]
    index = index_of(docs)
    assert index.topic_names == ("maps", "writing life")
    assert index.topics_of(0) == ("writing life", "maps")  # the item's own order
    assert index.topics_of(1) == ("maps",)
    assert index.kind_names == ("article", "book")
    assert np.isnan(index.minutes[1]) and index.minutes[0] == 300
    assert np.allclose(index.recency, [0.5, 1.0, 0.0])
    assert index.position(5) == 2 and index.position(4) is None
    assert index.positions([3, 99, 7]).tolist() == [1, 0]


def test_masks_combine_every_filter() -> None:
    docs = [
        ItemDoc(1, "a", topics=("maps",), kind="article", minutes=5),
        ItemDoc(2, "b", topics=("maps",), kind="video", minutes=5),
        ItemDoc(3, "c", topics=("myths",), kind="article", minutes=5),
        ItemDoc(4, "d", topics=("maps",), kind="article", minutes=30),
        ItemDoc(5, "e", topics=("maps",), kind="article", minutes=None),
        ItemDoc(6, "f", topics=("maps",), kind="article", minutes=6),
    ]
    index = index_of(docs)
    short_maps = Filters(
        topics=frozenset({"Maps"}), kinds=frozenset({"article"}), max_minutes=7,
        exclude=frozenset({6}),
    )
    assert allowed(index, short_maps).tolist() == [True, False, False, False, False, False]
    assert allowed(index, Filters(min_minutes=10)).tolist() == [False] * 3 + [True] + [False] * 2
    assert allowed(index, Filters()).all()


def test_an_empty_catalogue_builds() -> None:
    index = CatalogIndex.build([], NOW)
    assert len(index) == 0 and index.position(1) is None
    assert allowed(index, Filters(topics=frozenset({"maps"}))).tolist() == []


def test_words_drop_stop_words_and_fold_plurals() -> None:
    assert words("The Maps of Stories, and Glass!") == ["map", "story", "glass"]
