"""Recommendation latency: one reader with history, catalogues of 1k, 10k and 100k items.

Run from the project root: `.venv/bin/python -m bench.recommend_latency`.

Each catalogue is synthetic (bench/recommend_quality.py's generator) with
100k simulated readers' engagement. Printed per size: the time to build the
index and the engagement, and p50/p95/p99 of `recommend` (k=3) for readers
with history (likes, clicks, earlier picks, stated interests), against the
target p99 <= 20 ms at 100k items. The script prints figures; it never fails
on them.
"""

from __future__ import annotations

import time

import numpy as np

from bench.recommend_quality import NOW, SEED, by_reader, simulate, synthetic_catalogue
from penpal.recommend import CatalogIndex, Engagement, Events, ReaderState, recommend

SIZES = (1_000, 10_000, 100_000)
READERS = 100_000
MEAN_EVENTS = 15
QUERIES = 500
WARMUP = 20
TARGET_P99_MS = 20.0


def bench(rng: np.random.Generator, n_items: int) -> tuple[float, float, np.ndarray]:
    """Seconds to generate, seconds to build, and the latency of each query in ms."""
    started = time.perf_counter()
    catalogue = synthetic_catalogue(rng, n_items, max(10, n_items // 500))
    interactions = simulate(rng, catalogue, READERS, MEAN_EVENTS)
    generated = time.perf_counter() - started

    started = time.perf_counter()
    index = CatalogIndex.build(catalogue.docs, NOW)
    events = Events(interactions.readers, index.ids[interactions.positions], interactions.times)
    engagement = Engagement.build(index, events, NOW)
    built = time.perf_counter() - started

    histories = by_reader(interactions.readers, interactions.positions)
    readers = rng.choice(sorted(histories), size=QUERIES + WARMUP, replace=False)
    latencies = []
    for reader in readers:
        state = _state(rng, index, histories[int(reader)])
        started = time.perf_counter()
        recommend(index, engagement, state, k=3)
        latencies.append((time.perf_counter() - started) * 1000)
    return generated, built, np.array(latencies[WARMUP:])


def _state(rng: np.random.Generator, index: CatalogIndex, history: np.ndarray) -> ReaderState:
    """Likes and clicks from the reader's history, 30 earlier picks, two stated interests."""
    ids = index.ids[history]
    liked = rng.random(len(ids)) < 0.5
    seen = rng.choice(index.ids, size=30, replace=False)
    topics = rng.choice(index.topic_names, size=2, replace=False)
    return ReaderState(
        liked=frozenset(ids[liked].tolist()),
        clicked=frozenset(ids[~liked].tolist()),
        seen=frozenset(seen.tolist()),
        interests={str(topic): 1.0 for topic in topics},
    )


def main() -> None:
    rng = np.random.default_rng(SEED)
    print(f"seed {SEED}; {READERS} readers, ~{MEAN_EVENTS} events each; "
          f"{QUERIES} queries per size (k=3) after {WARMUP} warm-up")
    print(f"{'items':>8}{'generate s':>12}{'build s':>9}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}")
    p99 = 0.0
    for n_items in SIZES:
        generated, built, latencies = bench(rng, n_items)
        p50, p95, p99 = np.percentile(latencies, [50, 95, 99])
        print(f"{n_items:>8}{generated:>12.1f}{built:>9.1f}{p50:>8.2f}{p95:>8.2f}{p99:>8.2f}")
    verdict = "meets" if p99 <= TARGET_P99_MS else "misses"
    print(f"p99 at {SIZES[-1]} items: {p99:.2f} ms ({verdict} the target <= {TARGET_P99_MS} ms)")


if __name__ == "__main__":
    main()
