"""A short, true sentence for each pick: what mattered most in choosing it."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from penpal.recommend.engagement import Engagement
from penpal.recommend.index import CatalogIndex, normalize_topic
from penpal.recommend.signals import Signals, Weights
from penpal.recommend.state import ReaderState

MAX_TITLE_CHARS = 80
NOTHING_STANDS_OUT = "something different to try"


def quoted(title: str) -> str:
    title = " ".join(title.split())
    if len(title) > MAX_TITLE_CHARS:
        title = title[: MAX_TITLE_CHARS - 1].rstrip() + "…"
    return f"“{title}”"


def reasons_for(
    index: CatalogIndex,
    engagement: Engagement,
    signals: Signals,
    weights: Weights,
    state: ReaderState,
    requested: Collection[str],
    positions: list[int],
) -> list[str]:
    """One reason per picked position, naming the signal that weighed most."""
    sources = _strongest_sources(index, engagement, signals, weights, positions)
    return [
        _reason(index, signals.parts(weights, position), source, state, requested, position)
        for position, source in zip(positions, sources, strict=True)
    ]


def _reason(
    index: CatalogIndex,
    parts: dict[str, float],
    source: int | None,
    state: ReaderState,
    requested: Collection[str],
    position: int,
) -> str:
    driver = max(parts, key=parts.__getitem__)
    if parts[driver] <= 0:
        return NOTHING_STANDS_OUT
    topics = index.topics_of(position)
    followed = [*requested, *_liked_topics(state)]
    if driver in ("content", "co_engagement") and source is not None:
        verb = "liked" if int(index.ids[source]) in state.liked else "read"
        return f"because you {verb} {quoted(index.docs[source].title)}"
    if driver == "interest":
        topic = _first_in(_liked_topics(state), topics)
        return f"matches your interest in {topic}" if topic else NOTHING_STANDS_OUT
    if driver == "popularity":
        topic = _first_in(followed, topics)
        return f"popular with readers who follow {topic}" if topic else "popular right now"
    topic = _first_in(followed, topics) or (topics[0] if topics else None)
    return f"new in {topic}" if topic else "new from the writer"


def _strongest_sources(
    index: CatalogIndex,
    engagement: Engagement,
    signals: Signals,
    weights: Weights,
    positions: list[int],
) -> list[int | None]:
    """For each position, the liked or clicked item that contributed most to its score."""
    sources = signals.sources
    if len(sources) == 0 or not positions:
        return [None] * len(positions)
    cosine = (index.tfidf[sources] @ index.tfidf[positions].T).toarray()
    co = engagement.co[sources][:, positions].toarray()
    contribution = (weights.content * cosine + weights.co_engagement * co)
    contribution *= signals.source_weights[:, None]
    return [int(sources[row]) for row in np.argmax(contribution, axis=0)]


def _liked_topics(state: ReaderState) -> list[str]:
    """The reader's positive interests, strongest first."""
    ranked = sorted(state.interests.items(), key=lambda item: -item[1])
    return [normalize_topic(topic) for topic, weight in ranked if weight > 0]


def _first_in(preferred: Collection[str], topics: tuple[str, ...]) -> str | None:
    return next((topic for topic in preferred if topic in topics), None)
