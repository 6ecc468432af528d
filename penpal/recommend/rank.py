"""Choosing k items for a reader: blend the signals, honour the filters, diversify."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from penpal.recommend.diversity import top_diverse
from penpal.recommend.engagement import Engagement
from penpal.recommend.filters import Filters, allowed, requested_topics
from penpal.recommend.index import CatalogIndex
from penpal.recommend.reasons import quoted, reasons_for
from penpal.recommend.signals import Weights, reader_signals, scaled
from penpal.recommend.state import ReaderState

DEFAULT_WEIGHTS = Weights()
NO_FILTERS = Filters()


@dataclass(frozen=True)
class Pick:
    item_id: int
    score: float
    reason: str


def recommend(
    index: CatalogIndex,
    engagement: Engagement,
    state: ReaderState,
    filters: Filters = NO_FILTERS,
    k: int = 3,
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[Pick]:
    """Up to ``k`` items for the reader, never one they have seen or rejected.

    Fewer than ``k`` (or none) when the filters leave fewer: a filter is never relaxed.
    """
    mask = open_to(index, state, filters)
    signals = reader_signals(index, engagement, state)
    scores = signals.total(weights)
    chosen = top_diverse(index, scores, mask, k, weights.diversity)
    requested = requested_topics(index, filters)
    reasons = reasons_for(index, engagement, signals, weights, state, requested, chosen)
    return [
        Pick(int(index.ids[position]), float(scores[position]), reason)
        for position, reason in zip(chosen, reasons, strict=True)
    ]


def more_like(
    index: CatalogIndex,
    item_id: int,
    state: ReaderState,
    k: int = 3,
    *,
    engagement: Engagement | None = None,
    filters: Filters = NO_FILTERS,
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[Pick]:
    """Items like ``item_id`` in text and topics (and, given engagement, in who read them)."""
    position = index.position(item_id)
    if position is None:
        return []
    scores = (index.tfidf @ index.tfidf[position].T).toarray().ravel()
    if engagement is not None:
        scores = scores + weights.co_engagement * scaled(engagement.co[position].toarray().ravel())
    mask = open_to(index, state, filters) & (scores > 0)
    mask[position] = False
    reason = f"similar to {quoted(index.docs[position].title)}"
    return [
        Pick(int(index.ids[p]), float(scores[p]), reason)
        for p in top_diverse(index, scores, mask, k, weights.diversity)
    ]


def open_to(index: CatalogIndex, state: ReaderState, filters: Filters) -> np.ndarray:
    """Items that pass the filters and that the reader has not seen, read or rejected."""
    mask = allowed(index, filters)
    mask[index.positions(state.excluded)] = False
    return mask
