"""Recommendation quality: popularity, content-only and hybrid on simulated readers.

Run from the project root: `.venv/bin/python -m bench.recommend_quality`.

Readers with hidden topic interests (one to three topics each, plus some
exploration) pick items in proportion to each item's appeal within the topics
they like. Each reader's events are ordered in time; the last HOLDOUT are held
out and the rest (with every other reader's training events) are what the
recommender sees. Printed: precision@10, recall@10, NDCG@10 and catalogue
coverage for each method, and hybrid's NDCG over popularity's against the
target (>= 1.5x). The script prints figures; it never fails on them.

The synthetic catalogue and readers are also used by bench/recommend_latency.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from penpal.catalog import read_records
from penpal.recommend import (
    CatalogIndex,
    Engagement,
    Events,
    ItemDoc,
    ReaderState,
    Weights,
    recommend,
)

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261123
NOW = datetime(2026, 11, 23, tzinfo=timezone.utc)
K = 10
HOLDOUT = 3  # each reader's last events, predicted from the earlier ones
MIN_TRAIN = 3
MAX_EVAL_READERS = 1000
TARGET_RATIO = 1.5
DEMO_CATALOG = ROOT / "data" / "demo" / "catalog.atom"
METHODS = {
    "popularity": Weights(
        content=0, co_engagement=0, interest=0, popularity=1, recency=0, diversity=0
    ),
    "content-only": Weights(content=1, co_engagement=0, interest=0, popularity=0, recency=0),
    "hybrid": Weights(),
}
SYLLABLES = ("ka", "lo", "mi", "ren", "tas", "vo", "dri", "bel", "sun", "ash", "or", "pel",
             "quin", "ter", "ul", "fay", "gor", "hin", "jes", "nor", "pra", "sil", "tun", "wex")
KINDS = np.array(["article", "article", "article", "episode", "video", "book"])


@dataclass(frozen=True)
class Catalogue:
    docs: list[ItemDoc]
    topics: list[tuple[str, ...]]  # per item, the same as docs[i].topics
    appeal: np.ndarray  # how likely a reader of the item's topics picks it


@dataclass(frozen=True)
class Interactions:
    """Time-ordered positive events, one row per (reader, item), as catalogue positions."""

    readers: np.ndarray
    positions: np.ndarray
    times: np.ndarray  # POSIX seconds


def pseudo_words(rng: np.random.Generator, count: int) -> list[str]:
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(rng.choice(SYLLABLES, size=rng.integers(2, 4))))
    return sorted(words)


def synthetic_catalogue(rng: np.random.Generator, n_items: int, n_topics: int) -> Catalogue:
    """Items whose words come mostly from their topics' vocabularies."""
    words = np.array(pseudo_words(rng, n_topics * 31 + 400))
    topic_names = [str(w) for w in words[:n_topics]]
    topic_vocab = words[n_topics:n_topics * 31].reshape(n_topics, 30)
    general = words[n_topics * 31:]
    primary = rng.integers(n_topics, size=n_items)
    secondary = np.where(rng.random(n_items) < 0.3, rng.integers(n_topics, size=n_items), -1)
    n_words = 60
    own = rng.random((n_items, n_words)) < 0.6
    from_topic = topic_vocab[primary[:, None], rng.integers(30, size=(n_items, n_words))]
    text = np.where(own, from_topic, general[rng.integers(len(general), size=(n_items, n_words))])
    ages = rng.uniform(0, 730, size=n_items)
    minutes = np.maximum(1, rng.lognormal(2.0, 0.8, size=n_items)).astype(int)
    kinds = KINDS[rng.integers(len(KINDS), size=n_items)]
    docs, topics = [], []
    for i in range(n_items):
        item_topics = tuple(dict.fromkeys(
            topic_names[t] for t in (primary[i], secondary[i]) if t >= 0
        ))
        topics.append(item_topics)
        docs.append(ItemDoc(
            id=i + 1,
            title=" ".join(text[i, :5]).capitalize(),
            summary=" ".join(text[i, 5:17]),
            body=" ".join(text[i, 17:]),
            topics=item_topics,
            kind=str(kinds[i]),
            minutes=int(minutes[i]),
            published_at=NOW - timedelta(days=float(ages[i])),
        ))
    return Catalogue(docs, topics, rng.pareto(1.5, size=n_items) + 0.05)


def simulate(
    rng: np.random.Generator, catalogue: Catalogue, n_readers: int, mean_events: float,
    explore: float = 0.1,
) -> Interactions:
    """Readers pick items of the topics they like, the more appealing the likelier."""
    names = sorted({t for item_topics in catalogue.topics for t in item_topics})
    members: list[list[int]] = [[] for _ in names]
    column = {name: i for i, name in enumerate(names)}
    for position, item_topics in enumerate(catalogue.topics):
        for topic in item_topics:
            members[column[topic]].append(position)
    by_topic = [np.array(m) for m in members]
    cumulative = [np.cumsum(catalogue.appeal[m]) for m in by_topic]
    counts = MIN_TRAIN + HOLDOUT + rng.poisson(max(mean_events - MIN_TRAIN - HOLDOUT, 0),
                                               size=n_readers)
    readers = np.repeat(np.arange(n_readers), counts)
    topic_of_event = np.empty(len(readers), dtype=np.int64)
    start = 0
    for count in counts:
        liked = rng.choice(len(names), size=min(rng.integers(1, 4), len(names)), replace=False)
        weights = rng.dirichlet(np.ones(len(liked)))
        topic_of_event[start:start + count] = rng.choice(liked, size=count, p=weights)
        start += count
    wander = rng.random(len(readers)) < explore
    topic_of_event[wander] = rng.integers(len(names), size=int(wander.sum()))
    positions = np.empty(len(readers), dtype=np.int64)
    for t in range(len(names)):
        events = np.flatnonzero(topic_of_event == t)
        draws = rng.random(len(events)) * cumulative[t][-1]
        positions[events] = by_topic[t][np.searchsorted(cumulative[t], draws)]
    times = NOW.timestamp() - rng.uniform(0, 365 * 86400, size=len(readers))
    order = np.lexsort((times, readers))
    readers, positions, times = readers[order], positions[order], times[order]
    pairs = readers * len(catalogue.docs) + positions
    _, first = np.unique(pairs, return_index=True)  # a reader's first pick of an item counts
    first.sort()
    return Interactions(readers[first], positions[first], times[first])


def split(interactions: Interactions) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """A train mask, and each evaluable reader's held-out positions (their last HOLDOUT)."""
    readers = interactions.readers
    starts = np.searchsorted(readers, readers, side="left")
    lengths = np.searchsorted(readers, readers, side="right") - starts
    from_start = np.arange(len(readers)) - starts
    test = (lengths >= MIN_TRAIN + HOLDOUT) & (from_start >= lengths - HOLDOUT)
    return ~test, by_reader(readers[test], interactions.positions[test])


def by_reader(readers: np.ndarray, positions: np.ndarray) -> dict[int, np.ndarray]:
    """Each reader's positions, from arrays sorted by reader."""
    bounds = np.flatnonzero(np.diff(readers)) + 1
    return {
        int(group[0]): chunk
        for group, chunk in zip(
            np.split(readers, bounds), np.split(positions, bounds), strict=True
        )
        if len(chunk)
    }


def evaluate(name: str, catalogue: Catalogue, interactions: Interactions, seed: int) -> None:
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    index = CatalogIndex.build(catalogue.docs, NOW)
    train, held = split(interactions)
    ids = index.ids
    events = Events(
        readers=interactions.readers[train],
        items=ids[interactions.positions[train]],
        times=interactions.times[train],
    )
    engagement = Engagement.build(index, events, NOW)
    build_seconds = time.perf_counter() - started
    readers = np.array(sorted(held))
    if len(readers) > MAX_EVAL_READERS:
        readers = np.sort(rng.choice(readers, size=MAX_EVAL_READERS, replace=False))
    histories = by_reader(interactions.readers[train], interactions.positions[train])
    print(f"\n{name}: {len(index)} items, {len(np.unique(interactions.readers))} readers, "
          f"{int(train.sum())} training events, {len(readers)} readers evaluated "
          f"(last {HOLDOUT} held out), index+engagement built in {build_seconds:.1f} s")
    print(f"{'method':<14}{'P@10':>8}{'R@10':>8}{'NDCG@10':>9}{'coverage':>10}{'ms/reader':>11}")
    ndcg_of = {}
    for method, weights in METHODS.items():
        precision, recall, ndcg, shown = [], [], [], set()
        started = time.perf_counter()
        for reader in readers:
            history = ids[histories[int(reader)]]
            state = _state(history, rng)
            picks = [p.item_id for p in recommend(index, engagement, state, k=K, weights=weights)]
            relevant = set(ids[held[int(reader)]].tolist())
            hits = [item in relevant for item in picks]
            precision.append(sum(hits) / K)
            recall.append(sum(hits) / len(relevant))
            ndcg.append(_ndcg(hits, len(relevant)))
            shown.update(picks)
        per_reader = (time.perf_counter() - started) * 1000 / max(len(readers), 1)
        ndcg_of[method] = float(np.mean(ndcg))
        print(f"{method:<14}{np.mean(precision):>8.4f}{np.mean(recall):>8.4f}"
              f"{ndcg_of[method]:>9.4f}{len(shown) / len(index):>10.1%}{per_reader:>11.2f}")
    ratio = ndcg_of["hybrid"] / ndcg_of["popularity"] if ndcg_of["popularity"] else float("inf")
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(f"hybrid / popularity NDCG@10: {ratio:.2f}x ({verdict} the target >= {TARGET_RATIO}x)")


def _state(history: np.ndarray, rng: np.random.Generator) -> ReaderState:
    """Half of what a reader picked they also liked; the rest they only clicked."""
    liked = rng.random(len(history)) < 0.5
    return ReaderState(
        liked=frozenset(history[liked].tolist()), clicked=frozenset(history[~liked].tolist())
    )


def _ndcg(hits: list[bool], n_relevant: int) -> float:
    gains = sum(1 / np.log2(rank + 2) for rank, hit in enumerate(hits) if hit)
    ideal = sum(1 / np.log2(rank + 2) for rank in range(min(n_relevant, K)))
    return gains / ideal


def demo_catalogue(rng: np.random.Generator) -> Catalogue:
    """The demo writer's catalogue, read the way `penpal content import` reads it."""
    records, _ = read_records(DEMO_CATALOG.read_bytes(), str(DEMO_CATALOG))
    docs = [
        ItemDoc(
            id=i + 1, title=r.title, summary=r.summary, body=r.body, topics=r.topics,
            kind=r.kind, minutes=r.minutes, published_at=r.published_at,
        )
        for i, r in enumerate(records)
    ]
    return Catalogue(docs, [d.topics for d in docs], rng.pareto(1.5, size=len(docs)) + 0.05)


def main() -> None:
    started = time.perf_counter()
    print(f"seed {SEED}, k={K}, {HOLDOUT} held out per reader, "
          f"hybrid weights {Weights()}")
    rng = np.random.default_rng(SEED)
    demo = demo_catalogue(rng)
    evaluate("demo catalogue", demo, simulate(rng, demo, 600, 10), SEED + 1)
    rng = np.random.default_rng(SEED + 2)
    large = synthetic_catalogue(rng, 5000, 40)
    evaluate("generated catalogue", large, simulate(rng, large, 2000, 20), SEED + 3)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
