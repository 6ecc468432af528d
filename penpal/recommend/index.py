"""The catalogue as arrays: TF-IDF vectors, topics, kinds, minutes and recency.

Everything here is built once per catalogue version so that ranking a reader
is a handful of vectorised operations over these arrays.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from penpal.db.clock import as_utc

RECENCY_HALF_LIFE_DAYS = 30.0
MAX_BODY_CHARS = 5000  # enough to characterise a piece; keeps building fast
# Each item keeps its strongest terms only: the content score is one sparse
# product over every item, so its cost grows with the terms kept per item.
MAX_TERMS_PER_ITEM = 64


def normalize_topic(topic: str) -> str:
    return " ".join(topic.split()).lower()


@dataclass(frozen=True)
class ItemDoc:
    """What the recommender knows about one item of the catalogue."""

    id: int
    title: str
    summary: str = ""
    body: str | None = None
    topics: tuple[str, ...] = ()
    kind: str = "article"
    minutes: int | None = None
    published_at: datetime | None = None


@dataclass(frozen=True)
class CatalogIndex:
    """A built catalogue; item ``i`` of every array is ``docs[i]``."""

    docs: tuple[ItemDoc, ...]
    ids: np.ndarray  # item ids, int64
    vectorizer: TfidfVectorizer
    tfidf: sparse.csr_matrix  # items x terms, rows L2-normalised
    title_terms: sparse.csr_matrix  # items x terms, 1 where the title has the term
    topic_names: tuple[str, ...]
    topic_matrix: sparse.csr_matrix  # items x topics, 0/1
    kind_codes: np.ndarray  # index into kind_names
    kind_names: tuple[str, ...]
    minutes: np.ndarray  # float, NaN when unknown
    recency: np.ndarray  # 1 for today, halving every RECENCY_HALF_LIFE_DAYS, 0 if undated
    _sorted_ids: np.ndarray = field(repr=False)
    _sorted_positions: np.ndarray = field(repr=False)

    @classmethod
    def build(cls, docs: Iterable[ItemDoc], now: datetime) -> CatalogIndex:
        docs = tuple(docs)
        ids = np.array([doc.id for doc in docs], dtype=np.int64)
        topics = [tuple(dict.fromkeys(normalize_topic(t) for t in doc.topics)) for doc in docs]
        vectorizer = TfidfVectorizer(analyzer=words, sublinear_tf=True, dtype=np.float32)
        texts = [_text(doc, doc_topics) for doc, doc_topics in zip(docs, topics, strict=True)]
        try:
            tfidf = _strongest_terms(vectorizer.fit_transform(texts).tocsr(), MAX_TERMS_PER_ITEM)
        except ValueError:  # an empty catalogue, or one without a single indexable word
            vectorizer.fit(["placeholder"])
            tfidf = sparse.csr_matrix((len(docs), 1), dtype=np.float32)
        title_terms = _title_terms(vectorizer, docs, tfidf.shape[1])
        topic_names = tuple(sorted({t for doc_topics in topics for t in doc_topics}))
        kind_names = tuple(sorted({doc.kind for doc in docs}))
        order = np.argsort(ids, kind="stable")
        return cls(
            docs=docs,
            ids=ids,
            vectorizer=vectorizer,
            tfidf=tfidf,
            title_terms=title_terms,
            topic_names=topic_names,
            topic_matrix=_topic_matrix(topics, topic_names),
            kind_codes=np.array([kind_names.index(doc.kind) for doc in docs], dtype=np.int16),
            kind_names=kind_names,
            minutes=np.array(
                [np.nan if doc.minutes is None else doc.minutes for doc in docs], dtype=np.float32
            ),
            recency=_recency(docs, now),
            _sorted_ids=ids[order],
            _sorted_positions=order,
        )

    def __len__(self) -> int:
        return len(self.docs)

    def position(self, item_id: int) -> int | None:
        found = int(self.lookup(np.array([item_id], dtype=np.int64))[0])
        return None if found < 0 else found

    def positions(self, item_ids: Iterable[int]) -> np.ndarray:
        """Positions of the known ids among ``item_ids`` (unknown ones are dropped)."""
        found = self.lookup(np.fromiter(item_ids, dtype=np.int64))
        return found[found >= 0]

    def lookup(self, item_ids: np.ndarray) -> np.ndarray:
        """The position of each id, -1 for ids not in the catalogue."""
        if len(self._sorted_ids) == 0:
            return np.full(len(item_ids), -1, dtype=np.int64)
        where = np.searchsorted(self._sorted_ids, item_ids).clip(0, len(self._sorted_ids) - 1)
        found = self._sorted_ids[where] == item_ids
        return np.where(found, self._sorted_positions[where], -1)

    def topics_of(self, position: int) -> tuple[str, ...]:
        row = self.topic_matrix
        return tuple(
            self.topic_names[t] for t in row.indices[row.indptr[position]:row.indptr[position + 1]]
        )

    def topic_column(self, topic: str) -> int | None:
        try:
            return self.topic_names.index(normalize_topic(topic))
        except ValueError:
            return None


def words(text: str) -> list[str]:
    """Lower-cased words without English stop words, plurals folded ("maps" finds "map")."""
    return [_singular(word) for word in _ENGLISH_WORDS(text)]


_ENGLISH_WORDS = CountVectorizer(stop_words="english", strip_accents="unicode").build_analyzer()


@lru_cache(maxsize=200_000)
def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _text(doc: ItemDoc, topics: Sequence[str]) -> str:
    # The title twice: it says more about a piece than any sentence of its body.
    body = (doc.body or "")[:MAX_BODY_CHARS]
    return " ".join((doc.title, doc.title, doc.summary, " ".join(topics), body))


def _strongest_terms(matrix: sparse.csr_matrix, keep: int) -> sparse.csr_matrix:
    """Each row's ``keep`` largest entries, L2-normalised again."""
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    order = np.lexsort((-matrix.data, rows))
    rank = np.arange(len(order)) - matrix.indptr[rows[order]]
    kept = order[rank < keep]
    pruned = sparse.csr_matrix(
        (matrix.data[kept], (rows[kept], matrix.indices[kept])), shape=matrix.shape
    )
    norms = np.sqrt(np.asarray(pruned.multiply(pruned).sum(axis=1)).ravel())
    pruned.data /= np.repeat(np.where(norms > 0, norms, 1.0), np.diff(pruned.indptr))
    return pruned.astype(np.float32)


def _title_terms(
    vectorizer: TfidfVectorizer, docs: Sequence[ItemDoc], n_terms: int
) -> sparse.csr_matrix:
    """1 where an item's title has the term."""
    if not docs:
        return sparse.csr_matrix((0, n_terms), dtype=np.float32)
    terms = vectorizer.transform([doc.title for doc in docs]).tocsr()
    terms.data[:] = 1.0
    return terms


def _topic_matrix(topics: Sequence[Sequence[str]], names: Sequence[str]) -> sparse.csr_matrix:
    column = {name: i for i, name in enumerate(names)}
    indptr = np.cumsum([0, *(len(t) for t in topics)])
    indices = np.array([column[t] for item_topics in topics for t in item_topics], dtype=np.int32)
    data = np.ones(len(indices), dtype=np.float32)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(topics), len(names)))


def _recency(docs: Sequence[ItemDoc], now: datetime) -> np.ndarray:
    now = as_utc(now)
    ages = np.array(
        [
            np.nan if doc.published_at is None
            else max((now - as_utc(doc.published_at)).total_seconds(), 0.0) / 86400.0
            for doc in docs
        ],
        dtype=np.float64,
    )
    recency = np.exp2(-ages / RECENCY_HALF_LIFE_DAYS)
    return np.nan_to_num(recency, nan=0.0).astype(np.float32)
