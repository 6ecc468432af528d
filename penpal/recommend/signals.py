"""Per-item evidence for one reader: content, co-engagement, interests, popularity, recency."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from penpal.recommend.engagement import Engagement
from penpal.recommend.index import CatalogIndex, normalize_topic
from penpal.recommend.state import ReaderState

CLICK_WEIGHT = 0.5  # a click says less than a like
DISLIKE_PUSH = 0.6  # how hard a dislike pushes similar items away


@dataclass(frozen=True)
class Weights:
    """How the signals blend into one score, and how much diversity costs relevance.

    ``diversity`` is 1 - λ of maximal marginal relevance.
    """

    content: float = 1.0
    co_engagement: float = 0.8
    interest: float = 0.5
    popularity: float = 0.4
    recency: float = 0.1
    diversity: float = 0.3


@dataclass(frozen=True)
class Signals:
    """Each array has one value per item, scaled to at most 1."""

    content: np.ndarray
    co_engagement: np.ndarray
    interest: np.ndarray
    popularity: np.ndarray
    recency: np.ndarray
    sources: np.ndarray  # positions of the liked and clicked items behind content and co
    source_weights: np.ndarray

    def total(self, weights: Weights) -> np.ndarray:
        return (
            weights.content * self.content
            + weights.co_engagement * self.co_engagement
            + weights.interest * self.interest
            + weights.popularity * self.popularity
            + weights.recency * self.recency
        )

    def parts(self, weights: Weights, position: int) -> dict[str, float]:
        return {
            name: getattr(weights, name) * float(getattr(self, name)[position])
            for name in ("content", "co_engagement", "interest", "popularity", "recency")
        }


def reader_signals(index: CatalogIndex, engagement: Engagement, state: ReaderState) -> Signals:
    liked = index.positions(sorted(state.liked))
    clicked = index.positions(sorted(state.clicked - state.liked))
    sources = np.concatenate([liked, clicked])
    source_weights = np.concatenate(
        [np.ones(len(liked)), np.full(len(clicked), CLICK_WEIGHT)]
    ).astype(np.float32)
    disliked = index.positions(sorted(state.disliked))
    profile = _unit(_weighted_sum(index.tfidf, sources, source_weights))
    profile = profile - DISLIKE_PUSH * _unit(_weighted_sum(index.tfidf, disliked, None))
    content = index.tfidf @ profile if profile.any() else np.zeros(len(index), np.float32)
    co = _weighted_sum(engagement.co, sources, source_weights)
    return Signals(
        content=scaled(content),
        co_engagement=scaled(co),
        interest=_interest(index, state.interests),
        popularity=engagement.popularity,
        recency=index.recency,
        sources=sources,
        source_weights=source_weights,
    )


def _weighted_sum(
    matrix: sparse.csr_matrix, rows: np.ndarray, weights: np.ndarray | None
) -> np.ndarray:
    if len(rows) == 0:
        return np.zeros(matrix.shape[1], dtype=np.float32)
    picked = matrix[rows]
    summed = picked.sum(axis=0) if weights is None else picked.T @ weights
    return np.asarray(summed, dtype=np.float32).ravel()


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def scaled(values: np.ndarray) -> np.ndarray:
    """Divide by the largest value so the best match scores 1 (or, if nothing is
    positive, so the item most like what the reader rejected scores -1)."""
    top = float(values.max(initial=0.0)) or float(-values.min(initial=0.0))
    return (values / top).astype(np.float32) if top > 0 else values.astype(np.float32)


def _interest(index: CatalogIndex, interests: dict[str, float]) -> np.ndarray:
    weights = np.zeros(len(index.topic_names), dtype=np.float32)
    for topic, weight in interests.items():
        column = index.topic_column(normalize_topic(topic))
        if column is not None:
            weights[column] = weight
    strongest = float(np.abs(weights).max(initial=0.0))
    if strongest == 0:
        return np.zeros(len(index), dtype=np.float32)
    return np.clip(index.topic_matrix @ (weights / strongest), -1.0, 1.0).astype(np.float32)
