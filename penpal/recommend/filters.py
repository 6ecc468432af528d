"""What a reader asked for ("something short about maps") as a mask over the catalogue."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from penpal.recommend.index import CatalogIndex, normalize_topic

SHORT_MINUTES = 7  # "something short"


@dataclass(frozen=True)
class Filters:
    """Every field narrows the choice; an item must pass all of them.

    An item with unknown minutes never passes a minutes filter: it could break it.
    """

    topics: frozenset[str] = frozenset()  # any of them
    kinds: frozenset[str] = frozenset()
    max_minutes: int | None = None
    min_minutes: int | None = None
    exclude: frozenset[int] = frozenset()


def allowed(index: CatalogIndex, filters: Filters) -> np.ndarray:
    """A boolean mask of the items that pass ``filters``."""
    mask = np.ones(len(index), dtype=bool)
    if filters.topics:
        columns = [index.topic_column(topic) for topic in filters.topics]
        columns = [c for c in columns if c is not None]
        mask &= np.asarray(index.topic_matrix[:, columns].sum(axis=1)).ravel() > 0
    if filters.kinds:
        codes = [i for i, kind in enumerate(index.kind_names) if kind in filters.kinds]
        mask &= np.isin(index.kind_codes, codes)
    with np.errstate(invalid="ignore"):  # NaN (unknown minutes) compares False
        if filters.max_minutes is not None:
            mask &= index.minutes <= filters.max_minutes
        if filters.min_minutes is not None:
            mask &= index.minutes >= filters.min_minutes
    if filters.exclude:
        mask[index.positions(filters.exclude)] = False
    return mask


def requested_topics(index: CatalogIndex, filters: Filters) -> set[str]:
    """The asked-for topics, as the catalogue spells them."""
    return {normalize_topic(topic) for topic in filters.topics} & set(index.topic_names)
