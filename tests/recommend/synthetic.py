"""Small synthetic catalogues whose topics have words of their own."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from penpal.recommend import CatalogIndex, Engagement, Events, ItemDoc

NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)
WORDS = {
    "maps": "cartography coastline compass atlas terrain river border latitude",
    "folklore": "myth legend fairy ghost ritual village witch lullaby",
    "craft": "sentence draft revision paragraph dialogue plot outline scene",
    "characters": "villain hero motive backstory voice protagonist flaw sidekick",
    "publishing": "agent contract royalty editor query advance imprint bookseller",
    "research": "archive library manuscript interview notebook evidence historian museum",
}
VOCABULARY = {topic: words.split() for topic, words in WORDS.items()}
TOPICS = tuple(VOCABULARY)
KINDS = ("article", "article", "episode", "video", "book")


def catalogue(per_topic: int = 8, seed: int = 7) -> list[ItemDoc]:
    """``per_topic`` items per topic; ids 1.. in topic order; some items have two topics."""
    rng = random.Random(seed)
    docs = []
    for t, topic in enumerate(TOPICS):
        words = VOCABULARY[topic]
        for i in range(per_topic):
            item_id = t * per_topic + i + 1
            topics = (topic,) if i % 4 else (topic, TOPICS[(t + 1) % len(TOPICS)])
            docs.append(ItemDoc(
                id=item_id,
                title=" ".join(rng.sample(words, 3)).capitalize() + f" {item_id}",
                summary=" ".join(rng.choices(words, k=8)),
                body=" ".join(rng.choices(words, k=30)),
                topics=topics,
                kind=KINDS[item_id % len(KINDS)],
                minutes=rng.choice([3, 5, 7, 8, 12, 20, 45, None]),
                published_at=NOW - timedelta(days=rng.randint(1, 400)),
            ))
    return docs


def index_of(docs: list[ItemDoc]) -> CatalogIndex:
    return CatalogIndex.build(docs, NOW)


def engagement_of(
    index: CatalogIndex, events: list[tuple[int | None, int, int]]
) -> Engagement:
    """Engagement from (reader, item, days ago) triples."""
    rows = [(reader, item, NOW - timedelta(days=days)) for reader, item, days in events]
    return Engagement.build(index, Events.from_rows(rows), NOW)


def topic_readers(
    docs: list[ItemDoc], readers: int = 40, per_reader: int = 6, seed: int = 3
) -> list[tuple[int | None, int, int]]:
    """Readers who each read items of one topic, so co-engagement follows topics."""
    rng = random.Random(seed)
    by_topic = {topic: [d.id for d in docs if d.topics[0] == topic] for topic in TOPICS}
    events = []
    for reader in range(readers):
        items = by_topic[TOPICS[reader % len(TOPICS)]]
        for item in rng.sample(items, min(per_reader, len(items))):
            events.append((reader, item, rng.randint(0, 60)))
    return events
