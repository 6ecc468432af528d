"""What readers did, across readers: co-engagement between items, and popularity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy import sparse

from penpal.db.clock import as_utc
from penpal.recommend.index import CatalogIndex

ANONYMOUS = -1  # reader id of an event that counts for popularity only
POPULARITY_HALF_LIFE_DAYS = 30.0
NEIGHBOURS = 50  # co-engaged items kept per item
SHRINK = 3.0  # damps similarities resting on one or two shared readers
MAX_EVENTS_PER_READER = 200  # the most recent ones; a binge adds pairs, not insight
BLOCK_ITEMS = 2048


@dataclass(frozen=True)
class Events:
    """Positive events (clicks, likes) as parallel arrays."""

    readers: np.ndarray  # int64, ANONYMOUS when unknown
    items: np.ndarray  # int64 item ids
    times: np.ndarray  # float64 POSIX seconds

    @classmethod
    def from_rows(cls, rows: list[tuple[int | None, int, datetime]]) -> Events:
        return cls(
            readers=np.array([ANONYMOUS if r is None else r for r, _, _ in rows], dtype=np.int64),
            items=np.array([item for _, item, _ in rows], dtype=np.int64),
            times=np.array([as_utc(at).timestamp() for _, _, at in rows], dtype=np.float64),
        )


@dataclass(frozen=True)
class Engagement:
    co: sparse.csr_matrix  # items x items, normalised co-counts, top NEIGHBOURS per row
    popularity: np.ndarray  # float32 in [0, 1], log-scaled time-decayed counts

    @classmethod
    def empty(cls, index: CatalogIndex) -> Engagement:
        n = len(index)
        return cls(sparse.csr_matrix((n, n), dtype=np.float32), np.zeros(n, dtype=np.float32))

    @classmethod
    def build(cls, index: CatalogIndex, events: Events, now: datetime) -> Engagement:
        n = len(index)
        positions = index.lookup(events.items)
        known = positions >= 0
        readers, positions, times = events.readers[known], positions[known], events.times[known]
        ages = np.maximum(as_utc(now).timestamp() - times, 0.0) / 86400.0
        decayed = np.bincount(
            positions, weights=np.exp2(-ages / POPULARITY_HALF_LIFE_DAYS), minlength=n
        )
        popularity = np.log1p(decayed)
        if popularity.max(initial=0.0) > 0:
            popularity /= popularity.max()
        named = readers != ANONYMOUS
        co = _co_engagement(readers[named], positions[named], times[named], n)
        return cls(co=co, popularity=popularity.astype(np.float32))


def _co_engagement(
    readers: np.ndarray, positions: np.ndarray, times: np.ndarray, n: int
) -> sparse.csr_matrix:
    """Cosine-like item similarity from shared readers, pruned to the nearest items."""
    # Most recent first, so the per-reader cap keeps the latest events.
    order = np.lexsort((-times, readers))
    readers, positions = readers[order], positions[order]
    _, rows = np.unique(readers, return_inverse=True)
    keep = _rank_within_runs(rows) < MAX_EVENTS_PER_READER
    n_readers = int(rows.max()) + 1 if len(rows) else 0
    matrix = sparse.csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.float32), (rows[keep], positions[keep])),
        shape=(n_readers, n),
    )
    matrix.data[:] = 1.0  # a reader's repeated events on one item count once
    counts = np.asarray(matrix.sum(axis=0)).ravel().astype(np.float32)
    by_item = matrix.tocsc()
    blocks = [
        _neighbours(by_item[:, start:start + BLOCK_ITEMS].T.tocsr() @ matrix, start, counts)
        for start in range(0, n, BLOCK_ITEMS)
    ]
    if not blocks:
        return sparse.csr_matrix((n, n), dtype=np.float32)
    return sparse.vstack(blocks, format="csr")


def _neighbours(
    co_counts: sparse.csr_matrix, first_row: int, counts: np.ndarray
) -> sparse.csr_matrix:
    """Normalise a block of co-count rows and keep each row's NEIGHBOURS largest."""
    co_counts = co_counts.tocoo()
    rows, cols, values = co_counts.row, co_counts.col, co_counts.data
    off_diagonal = rows + first_row != cols
    rows, cols, values = rows[off_diagonal], cols[off_diagonal], values[off_diagonal]
    values = values / (np.sqrt(counts[rows + first_row] * counts[cols]) + SHRINK)
    order = np.lexsort((-values, rows))
    rows, cols, values = rows[order], cols[order], values[order]
    keep = _rank_within_runs(rows) < NEIGHBOURS
    return sparse.csr_matrix(
        (values[keep].astype(np.float32), (rows[keep], cols[keep])),
        shape=co_counts.shape,
    )


def _rank_within_runs(keys: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal values of a sorted array."""
    return np.arange(len(keys)) - np.searchsorted(keys, keys, side="left")
