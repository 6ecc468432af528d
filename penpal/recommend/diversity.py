"""Maximal marginal relevance: the picks should not all be the same thing."""

from __future__ import annotations

import numpy as np

from penpal.recommend.index import CatalogIndex

POOL = 50  # best-scored candidates that diversification chooses from


def top_diverse(
    index: CatalogIndex, scores: np.ndarray, mask: np.ndarray, k: int, diversity: float
) -> list[int]:
    """Positions of up to ``k`` allowed items, best first, traded off against redundancy."""
    allowed = np.flatnonzero(mask)
    if k <= 0 or len(allowed) == 0:
        return []
    size = min(len(allowed), max(POOL, 3 * k))
    if size < len(allowed):
        allowed = allowed[np.argpartition(-scores[allowed], size - 1)[:size]]
    pool = allowed[np.argsort(-scores[allowed], kind="stable")]
    if diversity <= 0 or len(pool) <= 1:
        return pool[:k].tolist()
    relevance = scores[pool].astype(np.float64)
    span = relevance[0] - relevance[-1]
    relevance = (relevance - relevance[-1]) / span if span > 0 else np.ones(len(pool))
    similar = similarity(index, pool)
    chosen = [0]
    redundancy = similar[0].copy()
    while len(chosen) < min(k, len(pool)):
        marginal = (1 - diversity) * relevance - diversity * redundancy
        marginal[chosen] = -np.inf
        best = int(np.argmax(marginal))
        chosen.append(best)
        redundancy = np.maximum(redundancy, similar[best])
    return pool[chosen].tolist()


def similarity(index: CatalogIndex, positions: np.ndarray) -> np.ndarray:
    """Half text cosine, half topic overlap (Jaccard), between the given items."""
    vectors = index.tfidf[positions]
    cosine = (vectors @ vectors.T).toarray()
    topics = index.topic_matrix[positions]
    shared = (topics @ topics.T).toarray()
    sizes = np.asarray(topics.sum(axis=1)).ravel()
    union = sizes[:, None] + sizes[None, :] - shared
    jaccard = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
    return 0.5 * cosine + 0.5 * jaccard
