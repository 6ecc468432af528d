"""Throughput benchmark: one Rasa instance against two, on the production stores.

Run from the project root with `make bench` (or `.venv/bin/python -m bench.throughput`).
Two instances (each a Rasa server with its own action server, as two machines would
run them) share a scratch PostgreSQL database as tracker store and app database and
a Redis lock store. The same workload (single-turn reader messages, `--concurrency`
readers at once, every reader's message going to the next instance round-robin as a
load balancer without stickiness would send it) is sent first to one instance, then
to both. Prints messages per second for each, the ratio, and where the CPU went (so
what limits the ratio on this machine); writes bench/out/throughput.json. The target
(two instances at least TARGET_RATIO times one) is informative: the script never fails
on the figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from penpal.db import upgrade
from tests.support.devstack import Instance, running_instances

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = ROOT / "models" / "penpal.tar.gz"
DEFAULT_OUT = ROOT / "bench" / "out" / "throughput.json"
POSTGRES_ADMIN_URL = os.environ.get(
    "PENPAL_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("PENPAL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
TARGET_RATIO = 1.5
TICKS = os.sysconf("SC_CLK_TCK")

# Single-turn messages (no form, no consent question), so every reply is one turn.
WORKLOAD: tuple[str, ...] = (
    "hello",
    "are you a bot?",
    "what can you do?",
    "who is the author?",
    "what books has she written?",
    "where can I buy her books?",
    "how can I get in touch with her?",
    "can you order me a pizza?",
    "thanks!",
    "bye, see you soon",
)


@dataclass
class RunResult:
    instances: int
    concurrency: int
    messages: int
    errors: int
    seconds: float
    messages_per_second: float
    machine_cpu_busy: float  # share of all cores busy during the run (0-1)
    cpu_seconds: dict[str, float]  # per kind of process, over the run


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A new PostgreSQL database (its URL), dropped afterwards."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def machine_cpu() -> tuple[int, int]:
    """(busy, total) clock ticks of all cores since boot, from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def command_pids(names: tuple[str, ...]) -> list[int]:
    """Processes whose command name is one of ``names`` (PostgreSQL's and Redis's servers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in names:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def cpu_by_kind(instances: list[Instance]) -> dict[str, float]:
    return {
        "rasa": sum(process_cpu_seconds(i.rasa.pid) for i in instances),
        "actions": sum(process_cpu_seconds(i.actions.pid) for i in instances),
        "postgres+redis": sum(process_cpu_seconds(pid)
                              for pid in command_pids(("postgres", "redis-server"))),
    }


def measure(targets: list[Instance], everyone: list[Instance], concurrency: int,
            messages: int, timeout: float) -> RunResult:
    """Send ``messages`` from ``concurrency`` parallel readers, round-robin over ``targets``."""
    prefix = f"bench-{len(targets)}-{uuid.uuid4().hex[:8]}"
    turn = itertools.count()
    lock = threading.Lock()

    def reader(worker: int, count: int) -> int:
        errors = 0
        for index in range(count):
            with lock:
                target = targets[next(turn) % len(targets)]
            try:
                target.stack.say(f"{prefix}-r{worker}", WORKLOAD[index % len(WORKLOAD)],
                                 timeout=timeout)
            except (requests.RequestException, ValueError):
                errors += 1
        return errors

    shares = [messages // concurrency + (1 if i < messages % concurrency else 0)
              for i in range(concurrency)]
    cpu_before, machine_before = cpu_by_kind(everyone), machine_cpu()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        errors = sum(pool.map(reader, range(concurrency), shares))
    seconds = time.perf_counter() - started
    cpu_after, machine_after = cpu_by_kind(everyone), machine_cpu()
    busy = machine_after[0] - machine_before[0]
    total = machine_after[1] - machine_before[1]
    return RunResult(
        instances=len(targets),
        concurrency=concurrency,
        messages=messages,
        errors=errors,
        seconds=round(seconds, 2),
        messages_per_second=round((messages - errors) / seconds, 2),
        machine_cpu_busy=round(busy / total, 3) if total else 0.0,
        cpu_seconds={kind: round(cpu_after[kind] - cpu_before[kind], 1) for kind in cpu_after},
    )


def limits(one: RunResult, two: RunResult) -> str:
    """Where the CPU went in each run, and what that says limits the second instance."""
    cores = os.cpu_count() or 1
    lines = []
    for run in (one, two):
        used = {kind: seconds / run.seconds for kind, seconds in run.cpu_seconds.items()}
        per_message = run.cpu_seconds["rasa"] / max(run.messages - run.errors, 1)
        lines.append(
            f"{run.instances} instance(s): Rasa {1000 * per_message:.0f} ms CPU per message; "
            + ", ".join(f"{kind} {value:.2f}" for kind, value in used.items())
            + f" cores; the machine {run.machine_cpu_busy * cores:.2f} of {cores} cores busy."
        )
    ceiling = one.messages / one.cpu_seconds["rasa"] if one.cpu_seconds["rasa"] else 0.0
    lines.append(f"One Rasa process runs on one core at most: {ceiling:.0f} msg/s at best here; "
                 "a second instance adds as much only if a whole core is free for it.")
    if two.machine_cpu_busy >= 0.9:
        lines.append("Every core was busy with two instances: on this machine the ratio is "
                     "bound by CPU (Rasa's NLU and policies, PostgreSQL, this client and "
                     "anything else running), not by the lock store or the tracker store. "
                     "On two machines each instance brings its own cores.")
    else:
        lines.append("CPU was left idle with two instances: waiting (lock store, tracker "
                     "store, action server) limits the ratio.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path,
                        default=Path(os.environ.get("PENPAL_TEST_MODEL", DEFAULT_MODEL)))
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    if not args.model.exists():
        raise SystemExit(f"no trained model at {args.model}: run `make train`")

    key_prefix = f"penpalbench{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="penpal-throughput-") as workdir, \
            scratch_database("penpal_bench_tracker") as tracker_url, \
            scratch_database("penpal_bench_app") as app_url:
        upgrade(app_url)
        env = {
            "PENPAL_DATABASE_URL": app_url,
            "PENPAL_TRACKER_STORE_URL": tracker_url,
            "PENPAL_REDIS_URL": REDIS_URL,
            "PENPAL_LOCK_KEY_PREFIX": key_prefix,
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }
        print("Starting two instances (Rasa server + action server each) ...", flush=True)
        with running_instances(ROOT, args.model, Path(workdir), 2, env=env,
                               credentials=ROOT / "credentials.yml") as instances:
            for instance in instances:  # the first replies load lazy parts of each server
                for message in WORKLOAD:
                    instance.stack.say(f"warmup-{uuid.uuid4().hex[:8]}", message,
                                       timeout=args.timeout)
            results = []
            for count in (1, 2):
                print(f"  {count} instance(s): {args.messages} messages at concurrency "
                      f"{args.concurrency} ...", flush=True)
                results.append(measure(instances[:count], instances, args.concurrency,
                                       args.messages, args.timeout))

    one, two = results
    ratio = two.messages_per_second / one.messages_per_second if one.messages_per_second else 0
    print()
    print(f"{'instances':>9} {'msgs':>5} {'errors':>6} {'seconds':>8} {'msg/s':>7} {'CPU busy':>9}")
    for r in results:
        print(f"{r.instances:>9} {r.messages:>5} {r.errors:>6} {r.seconds:>8.1f} "
              f"{r.messages_per_second:>7.1f} {r.machine_cpu_busy:>9.0%}")
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(f"\ntwo/one = {ratio:.2f} ({verdict} the target of {TARGET_RATIO}x)")
    explanation = limits(one, two)
    print(explanation)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
        "stores": {"tracker_store": "PostgreSQL (SQL)", "lock_store": "Redis"},
        "results": [asdict(r) for r in results],
        "ratio": round(ratio, 2),
        "target_ratio": TARGET_RATIO,
        "limits": explanation,
    }, indent=2) + "\n")
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
