"""Flood benchmark: other readers' reply latency while one sender floods Penpal.

Run from the project root with `make bench` (or `.venv/bin/python -m bench.flood`).
Quiet readers chat at a human pace (a pause between messages) over REST while
one sender sends as fast as FLOODERS threads can, three times: without the
flood, with it and Penpal's flood control on (its defaults: 30 messages a minute,
10 at once, per conversation), and with it and flood control off. Every client
is on this machine's loopback, so the per-address limit is off in all three
(it would treat the quiet readers and the flooder as one client). Figures are
printed and written to bench/out/flood.json; the script never fails on them.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from bench.latency import WORKLOAD, percentile
from penpal.db import upgrade
from tests.support.devstack import Stack, running_stack

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "penpal.tar.gz"
OUT = ROOT / "bench" / "out" / "flood.json"
FLOODERS = 8


def quiet_reader(stack: Stack, name: str, messages: int, pause: float) -> list[float]:
    """Latencies (ms) of one reader sending ``messages`` with ``pause`` s between them."""
    latencies = []
    for text in (WORKLOAD * 2)[:messages]:
        started = time.perf_counter()
        try:
            stack.say(name, text, timeout=60)
            latencies.append((time.perf_counter() - started) * 1000)
        except requests.RequestException:
            latencies.append(60_000.0)  # counted as a reply that never came
        time.sleep(pause)
    return latencies


def flood(stack: Stack, stop: threading.Event, counts: dict[int, int]) -> None:
    session = requests.Session()
    while not stop.is_set():
        try:
            status = session.post(f"{stack.rasa_url}/webhooks/rest/webhook",
                                  json={"sender": "flooder", "message": "hello"},
                                  timeout=60).status_code
        except requests.RequestException:
            status = 0
        counts[status] = counts.get(status, 0) + 1


def phase(stack: Stack, label: str, readers: int, messages: int, pause: float,
          flooding: bool) -> dict[str, Any]:
    stop, counts = threading.Event(), {}
    flooders = [threading.Thread(target=flood, args=(stack, stop, counts))
                for _ in range(FLOODERS if flooding else 0)]
    for thread in flooders:
        thread.start()
    try:
        with ThreadPoolExecutor(max_workers=readers) as pool:
            runs = list(pool.map(lambda n: quiet_reader(stack, f"{label}-{n}", messages, pause),
                                 range(readers)))
    finally:
        stop.set()
        for thread in flooders:
            thread.join()
    latencies = [value for run in runs for value in run]
    result = {"phase": label, "replies": len(latencies),
              "p50_ms": round(percentile(latencies, 50), 1),
              "p99_ms": round(percentile(latencies, 99), 1),
              "flood_answers": {str(status): count for status, count in sorted(counts.items())}}
    print(f"{label:<28} quiet p50 {result['p50_ms']:>8.1f} ms  p99 {result['p99_ms']:>8.1f} ms"
          f"  flooder's answers {result['flood_answers']}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--messages", type=int, default=15, help="per quiet reader")
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between messages")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for control in ("on", "off"):
            workdir = Path(folder) / control
            workdir.mkdir()
            database = f"sqlite:///{workdir / 'penpal.db'}"
            upgrade(database)
            env = {"PENPAL_DATABASE_URL": database, "PENPAL_RATE_PER_ADDRESS": "off",
                   "PENPAL_RATE_PER_SENDER": "30" if control == "on" else "off",
                   "PENPAL_TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.db'}"}
            tracker = {"type": "SQL", "dialect": "sqlite", "db": str(workdir / "tracker.db")}
            with running_stack(ROOT, MODEL, workdir / "servers", env=env,
                               credentials=ROOT / "credentials.yml",
                               tracker_store=tracker) as stack:
                quiet_reader(stack, "warm-up", 5, 0)
                if control == "on":
                    results.append(phase(stack, "no flood", args.readers, args.messages,
                                         args.pause, flooding=False))
                results.append(phase(stack, f"flood, flood control {control}", args.readers,
                                     args.messages, args.pause, flooding=True))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2))
    print(f"written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
