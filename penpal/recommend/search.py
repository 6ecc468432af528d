"""Keyword search over the catalogue ("anything about dragons?")."""

from __future__ import annotations

import numpy as np

from penpal.recommend.filters import Filters, allowed
from penpal.recommend.index import CatalogIndex
from penpal.recommend.rank import NO_FILTERS, Pick
from penpal.recommend.reasons import quoted

TITLE_BOOST = 0.5  # added in proportion to the share of query words the title has


def search(
    index: CatalogIndex, query: str, filters: Filters = NO_FILTERS, k: int = 3
) -> list[Pick]:
    """The items that best match ``query``, best first; only items that match at all."""
    terms = index.vectorizer.transform([query])
    if terms.nnz == 0 or len(index) == 0:
        return []
    scores = (index.tfidf @ terms.T).toarray().ravel()
    present = terms.copy()
    present.data[:] = 1.0
    in_title = (index.title_terms @ present.T).toarray().ravel() / present.nnz
    scores = scores + TITLE_BOOST * in_title
    mask = allowed(index, filters) & (scores > 0)
    candidates = np.flatnonzero(mask)
    best = candidates[np.argsort(-scores[candidates], kind="stable")[:k]]
    reason = f"matches {quoted(query)}"
    return [Pick(int(index.ids[p]), float(scores[p]), reason) for p in best]
