"""Latency benchmark: Penpal against a bare Rasa bot (`rasa init`'s moodbot).

Run from the project root with `make bench` (or `.venv/bin/python -m bench.latency`).
Both bots run side by side on loopback ports and get the same mixed list of reader
messages over the REST channel, first with one reader at a time and then with several
in parallel. The measurement is made in interleaved rounds (baseline then Penpal, then
Penpal then baseline, ...), so that whatever else the machine is doing falls on both;
each round gives Penpal/baseline ratios, and the table shows their median and spread
against the targets. Everything is written to bench/out/latency.json. The targets are
informative: the script never fails on the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests

from tests.support.devstack import BIN, Stack, running_stack

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = ROOT / "models" / "penpal.tar.gz"
DEFAULT_OUT = ROOT / "bench" / "out" / "latency.json"
INIT_TIMEOUT_SECONDS = 1800
CHECK_TIMEOUT_SECONDS = 300
# Penpal may be at most this many times the baseline's latency.
TARGETS = {"p50": 1.2, "p99": 1.5}

# Identical input for both bots; the intents need not exist in both. Nothing here
# starts a form or asks to remember a name, so every reply is a single turn.
WORKLOAD: tuple[str, ...] = (
    "hello",
    "hi there, how are you?",
    "are you a bot?",
    "what can you do?",
    "who is the author?",
    "tell me a bit about the writer",
    "what books has she written?",
    "what is the new book about?",
    "where can I buy her books?",
    "is there an audiobook or an ebook?",
    "thanks!",
    "how can I get in touch with her?",
    "what's the weather like tomorrow?",
    "can you order me a pizza?",
    "qwzx plorf vbnm ttk jjqa",
    "I'm feeling great today",
    "are you a human?",
    "thank you so much",
    "good morning",
    "bye, see you soon",
)
WARMUP: tuple[str, ...] = ("hi", "are you a bot?", "where can I buy her books?", "thanks", "bye")


@dataclass
class RunResult:
    """The measurements of one system at one concurrency."""

    system: str
    concurrency: int
    messages: int
    errors: int
    empty_replies: int
    seconds: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    mean_ms: float | None
    max_ms: float | None
    messages_per_second: float
    round: int = 0


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) of ``values``, linearly interpolated; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def bench_env(workdir: Path) -> dict[str, str]:
    """Environment for every subprocess: no telemetry, quiet TF, a throwaway app database."""
    return {
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "PENPAL_DATABASE_URL": f"sqlite:///{workdir / 'penpal.db'}",
        # One set of secrets for this process and both stacks, whose working
        # directories differ (the baseline runs in its own project folder).
        "PENPAL_SECRETS_DIR": str(workdir / "secrets"),
    }


def run_logged(
    command: list[str], cwd: Path, env: dict[str, str], log: Path, timeout: float, what: str
) -> None:
    """Run ``command`` with its output in ``log``; exit with the log's tail if it fails."""
    with log.open("w") as output:
        try:
            completed = subprocess.run(
                command, cwd=cwd, env={**os.environ, **env}, stdout=output,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=timeout, check=False,
            )
        except subprocess.TimeoutExpired:
            sys.exit(f"{what} did not finish in {timeout:.0f}s:\n{log.read_text()[-3000:]}")
    if completed.returncode != 0:
        sys.exit(f"{what} failed (exit {completed.returncode}):\n{log.read_text()[-3000:]}")


def train_baseline(workdir: Path, env: dict[str, str]) -> tuple[Path, Path]:
    """Create and train `rasa init`'s moodbot in ``workdir``; return its folder and model."""
    project = workdir / "baseline"
    project.mkdir()
    print(f"Training the baseline bot (rasa init) in {project} ...", flush=True)
    started = time.monotonic()
    run_logged(
        [str(BIN / "rasa"), "init", "--no-prompt"], project, env,
        workdir / "baseline-init.log", INIT_TIMEOUT_SECONDS, "rasa init",
    )
    models = sorted((project / "models").glob("*.tar.gz"))
    if not models:
        log = (workdir / "baseline-init.log").read_text()
        sys.exit(f"rasa init produced no model:\n{log[-3000:]}")
    print(f"  trained in {time.monotonic() - started:.0f}s: {models[-1].name}", flush=True)
    return project, models[-1]


def reader_worker(
    stack: Stack, prefix: str, worker: int, count: int, timeout: float
) -> tuple[list[float], int, int]:
    """Send ``count`` messages as successive readers; return latencies (s), errors, empties.

    Each reader is a new sender id that goes through WORKLOAD in order, waiting for
    every reply; when a reader reaches the end, the next one starts.
    """
    latencies: list[float] = []
    errors = empty = 0
    for index in range(count):
        reader, position = divmod(index, len(WORKLOAD))
        sender = f"{prefix}-w{worker}-r{reader}"
        started = time.perf_counter()
        try:
            replies = stack.say(sender, WORKLOAD[position], timeout=timeout)
        except (requests.RequestException, ValueError):
            errors += 1
            continue
        latencies.append(time.perf_counter() - started)
        if not replies:
            empty += 1
    return latencies, errors, empty


def measure(
    stack: Stack, system: str, concurrency: int, messages: int, timeout: float
) -> RunResult:
    """Send ``messages`` messages from ``concurrency`` parallel readers and time each reply."""
    prefix = f"bench-{system}-c{concurrency}-{uuid.uuid4().hex[:8]}"
    shares = [messages // concurrency + (1 if i < messages % concurrency else 0)
              for i in range(concurrency)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(reader_worker, stack, prefix, worker, share, timeout)
                   for worker, share in enumerate(shares)]
        outcomes = [future.result() for future in futures]
    seconds = time.perf_counter() - started
    latencies = [value * 1000 for outcome in outcomes for value in outcome[0]]
    return RunResult(
        system=system,
        concurrency=concurrency,
        messages=messages,
        errors=sum(outcome[1] for outcome in outcomes),
        empty_replies=sum(outcome[2] for outcome in outcomes),
        seconds=round(seconds, 3),
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        mean_ms=sum(latencies) / len(latencies) if latencies else None,
        max_ms=max(latencies) if latencies else None,
        messages_per_second=len(latencies) / seconds if seconds > 0 else 0.0,
    )


def start_system(
    stacks: ExitStack,
    system: str,
    project: Path,
    model: Path,
    workdir: Path,
    env: dict[str, str],
    credentials: Path,
    tracker_store: dict[str, Any] | None,
    args: argparse.Namespace,
) -> Stack:
    """Start one stack (stopped when ``stacks`` closes) and warm it up."""
    print(f"Starting {system} ({model.name}) ...", flush=True)
    stack = stacks.enter_context(running_stack(
        project, model, workdir, env=env, credentials=credentials, tracker_store=tracker_store
    ))
    for text in WARMUP[: args.warmup]:
        stack.say(f"warmup-{system}", text, timeout=args.timeout)
    return stack


def run_rounds(
    systems: dict[str, Stack], plan: list[tuple[int, int]], args: argparse.Namespace
) -> list[RunResult]:
    """Measure every system at every (concurrency, messages) in ``plan``, round after
    round, alternating which system goes first."""
    results = []
    names = list(systems)
    for number in range(1, args.rounds + 1):
        order = names if number % 2 else names[::-1]
        for concurrency, messages in plan:
            for system in order:
                print(f"  round {number}: {system}, {messages} messages at concurrency "
                      f"{concurrency} ...", flush=True)
                result = measure(systems[system], system, concurrency, messages, args.timeout)
                result.round = number
                results.append(result)
    return results


def fmt(value: float | None, digits: int = 0) -> str:
    """A number for the table, or n/a."""
    return "n/a" if value is None else f"{value:.{digits}f}"


def print_table(results: list[RunResult]) -> None:
    """Print one row per round, system and concurrency."""
    header = (f"{'round':>5} {'system':<9} {'conc':>4} {'msgs':>5} {'errors':>6} "
              f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'msg/s':>7}")
    print()
    print(header)
    print("-" * len(header))
    for r in sorted(results, key=lambda r: (r.concurrency, r.round, r.system)):
        print(f"{r.round:>5} {r.system:<9} {r.concurrency:>4} {r.messages:>5} {r.errors:>6} "
              f"{fmt(r.p50_ms):>8} {fmt(r.p95_ms):>8} {fmt(r.p99_ms):>8} "
              f"{fmt(r.messages_per_second, 1):>7}")


def compare(results: list[RunResult]) -> list[dict[str, Any]]:
    """Penpal/baseline ratios of p50 and p99 per round and concurrency; their median and
    spread against TARGETS."""
    by_key = {(r.system, r.concurrency, r.round): r for r in results}
    ratios = []
    for concurrency in sorted({r.concurrency for r in results}):
        for metric, target in TARGETS.items():
            per_round = []
            for number in sorted({r.round for r in results}):
                penpal = by_key.get(("penpal", concurrency, number))
                baseline = by_key.get(("baseline", concurrency, number))
                ours = getattr(penpal, f"{metric}_ms", None)
                theirs = getattr(baseline, f"{metric}_ms", None)
                if ours is not None and theirs:
                    per_round.append(ours / theirs)
            median = statistics.median(per_round) if per_round else None
            verdict = "n/a" if median is None else ("meets" if median <= target else "misses")
            ratios.append({"concurrency": concurrency, "metric": metric, "ratio": median,
                           "rounds": per_round, "target": target, "verdict": verdict})
    print()
    print("Penpal / baseline: median of the rounds [lowest - highest]")
    for row in ratios:
        shown = "n/a" if row["ratio"] is None else f"{row['ratio']:.2f}x"
        spread = (f"[{min(row['rounds']):.2f} - {max(row['rounds']):.2f}]"
                  if row["rounds"] else "")
        print(f"  c={row['concurrency']:<2} {row['metric']}: {shown:>7} {spread:<13} "
              f"(target <= {row['target']}x)  {row['verdict']}")
    return ratios


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; --quick only changes the counts not given explicitly."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages-c1", type=int, default=None,
                        help="messages measured with one reader (default 200, quick 20)")
    parser.add_argument("--messages-c8", type=int, default=None,
                        help="messages measured with 8 parallel readers (default 400, quick 40)")
    parser.add_argument("--warmup", type=int, default=None,
                        help=f"unmeasured warm-up messages, at most {len(WARMUP)} "
                             "(default 5, quick 3)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="interleaved measurement rounds (default 3, quick 1)")
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds to wait for one reply (default 60)")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL,
                        help="Penpal model (default models/penpal.tar.gz)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="JSON results file (default bench/out/latency.json)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (models, logs, databases)")
    args = parser.parse_args(argv)
    quick = args.quick
    args.messages_c1 = args.messages_c1 if args.messages_c1 is not None else (20 if quick else 200)
    args.messages_c8 = args.messages_c8 if args.messages_c8 is not None else (40 if quick else 400)
    args.rounds = args.rounds if args.rounds is not None else (1 if quick else 3)
    args.warmup = min(args.warmup if args.warmup is not None else (3 if quick else 5), len(WARMUP))
    if min(args.messages_c1, args.messages_c8, args.rounds) < 1 or args.warmup < 0 \
            or args.timeout <= 0:
        parser.error("message counts and --rounds must be at least 1, --warmup >= 0, "
                     "--timeout > 0")
    return args


def main(argv: list[str] | None = None) -> None:
    """Train the baseline, run both stacks in turn, print and save the figures."""
    args = parse_args(argv)
    model = args.model.resolve()
    if not model.is_file():
        sys.exit(f"Penpal model {model} is missing: run `make train` first.")
    plan = [(1, args.messages_c1), (8, args.messages_c8)]
    workdir = Path(tempfile.mkdtemp(prefix="penpal-bench-"))
    try:
        env = bench_env(workdir)
        os.environ["PENPAL_SECRETS_DIR"] = env["PENPAL_SECRETS_DIR"]  # this process's calls
        baseline_project, baseline_model = train_baseline(workdir, env)
        print("Migrating Penpal's throwaway app database (penpal check) ...", flush=True)
        run_logged([str(BIN / "penpal"), "check"], ROOT, env, workdir / "penpal-check.log",
                   CHECK_TIMEOUT_SECONDS, "penpal check")
        with ExitStack() as stacks:
            systems = {
                "baseline": start_system(
                    stacks, "baseline", baseline_project, baseline_model,
                    workdir / "baseline-stack", env, baseline_project / "credentials.yml",
                    None, args),
                "penpal": start_system(
                    stacks, "penpal", ROOT, model, workdir / "penpal-stack", env,
                    ROOT / "credentials.yml",
                    {"type": "SQL", "dialect": "sqlite", "db": str(workdir / "tracker.db")},
                    args),
            }
            results = run_rounds(systems, plan, args)
    except (RuntimeError, requests.RequestException) as error:
        sys.exit(f"Benchmark failed: {error}")
    finally:
        if args.keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print_table(results)
    ratios = compare(results)
    report = {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "python": platform.python_version()},
        "options": {"messages_c1": args.messages_c1, "messages_c8": args.messages_c8,
                    "rounds": args.rounds,
                    "warmup": args.warmup, "quick": args.quick, "timeout": args.timeout,
                    "model": str(model)},
        "workload": list(WORKLOAD),
        "results": [asdict(r) for r in results],
        "ratios": ratios,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWrote {args.out}")


if __name__ == "__main__":
    main()
