"""Flood control: the token bucket in this process (with a clock we move) and in the
local Redis (as several Rasa servers share it), and what happens when Redis is down."""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from redis.asyncio import Redis

from penpal.ratelimit import (
    MAX_KEY_LENGTH,
    Decision,
    MemoryRateLimiter,
    Outage,
    Rate,
    RateLimiter,
    RedisRateLimiter,
    limits_from_env,
)
from tests.conftest import _skip_or_fail
from tests.production.services import REDIS_URL, delete_keys, require_redis
from tests.support.devstack import free_port

SLOW = Rate.per_minute(1, 5)  # refills one token a minute: nothing refills during a test


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def allowed(limiter: MemoryRateLimiter, key: str, times: int) -> int:
    return sum(limiter.check(key).allowed for _ in range(times))


async def decisions(limiter: RateLimiter, key: str, times: int) -> list[Decision]:
    return [await limiter.allow(key) for _ in range(times)]


# In this process


def test_burst_then_refusal_then_refill() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(Rate.per_minute(30, 10), clock=clock)

    assert allowed(limiter, "rest:alice", 10) == 10
    refused = limiter.check("rest:alice")
    assert (refused.allowed, refused.retry_after, refused.retry_after_header) == (False, 2.0, "2")

    clock.now += 1.0  # half a token
    assert limiter.check("rest:alice").retry_after == 1.0
    clock.now += 1.0
    assert allowed(limiter, "rest:alice", 2) == 1

    clock.now += 3600  # a long pause saves up one burst, no more
    assert allowed(limiter, "rest:alice", 20) == 10


def test_waiting_exactly_retry_after_is_enough() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(Rate(0.3, 5), clock=clock)
    assert limiter.check("ip:203.0.113.9", cost=5).allowed
    refused = limiter.check("ip:203.0.113.9", cost=2)
    assert not refused.allowed
    assert refused.retry_after == pytest.approx(2 / 0.3)
    assert refused.retry_after_header == "7"

    clock.now += refused.retry_after
    assert limiter.check("ip:203.0.113.9", cost=2).allowed
    assert not limiter.check("ip:203.0.113.9").allowed


def test_keys_are_independent() -> None:
    limiter = MemoryRateLimiter(SLOW, clock=Clock())
    assert allowed(limiter, "rest:alice", 50) == 5
    assert allowed(limiter, "rest:bob", 50) == 5
    assert allowed(limiter, "rest:alice", 1) == 0


def test_buckets_full_again_are_dropped() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(Rate(1, 5), clock=clock)
    limiter.check("a")
    clock.now += 4.9
    limiter.check("b")
    assert len(limiter) == 2

    clock.now += 0.1  # "a" is full again (5 s at 1 token/s); "b" is not yet
    limiter.check("c")
    assert len(limiter) == 2
    assert allowed(limiter, "a", 10) == 5


def test_at_the_cap_the_least_recently_used_bucket_is_forgotten() -> None:
    limiter = MemoryRateLimiter(SLOW, max_keys=3, clock=Clock())
    for key in ("a", "b", "c"):
        assert allowed(limiter, key, 5) == 5
    assert not limiter.check("a").allowed  # "b" is now the least recently used

    assert limiter.check("d").allowed
    assert len(limiter) == 3
    assert allowed(limiter, "c", 1) == 0  # kept, still empty
    assert allowed(limiter, "b", 5) == 5  # forgotten: a fresh burst, never a refusal

    for number in range(10_000):  # a flood of distinct keys
        limiter.check(f"flood:{number}")
    assert len(limiter) == 3


def test_long_keys_are_stored_hashed_and_stay_apart() -> None:
    limiter = MemoryRateLimiter(SLOW, clock=Clock())
    first, second = "rest:" + "x" * 100_000, "rest:" + "x" * 99_999 + "y"
    assert allowed(limiter, first, 10) == 5
    assert allowed(limiter, second, 10) == 5
    assert max(len(key) for key in limiter._buckets) <= MAX_KEY_LENGTH < 1000


def test_bad_rates_and_costs_are_refused() -> None:
    with pytest.raises(ValueError, match="rate"):
        Rate(0, 10)
    with pytest.raises(ValueError, match="burst"):
        Rate(1, 0.5)
    limiter = MemoryRateLimiter(SLOW)
    for cost in (0, 6):
        with pytest.raises(ValueError, match="cost"):
            limiter.check("a", cost=cost)


def test_retry_after_header_is_whole_seconds_at_least_one() -> None:
    assert Decision(False, 0.2).retry_after_header == "1"
    assert Decision(False, 2.0).retry_after_header == "2"
    assert Decision(False, 2.01).retry_after_header == "3"


# From the environment


def test_defaults_without_environment() -> None:
    limits = limits_from_env({})
    sender = asyncio.run(decisions(limits.per_sender, "rest:alice", 11))
    address = asyncio.run(decisions(limits.per_address, "203.0.113.9", 41))

    assert [d.allowed for d in sender] == [True] * 10 + [False]
    assert sender[-1].retry_after == pytest.approx(2.0, abs=0.01)  # 30 a minute
    assert [d.allowed for d in address] == [True] * 40 + [False]
    assert address[-1].retry_after == pytest.approx(0.5, abs=0.01)  # 120 a minute


def test_rates_from_environment() -> None:
    limits = limits_from_env({"PENPAL_RATE_PER_SENDER": "6", "PENPAL_BURST_PER_SENDER": "2"})
    sender = asyncio.run(decisions(limits.per_sender, "rest:alice", 3))
    assert [d.allowed for d in sender] == [True, True, False]
    assert sender[-1].retry_after == pytest.approx(10.0, abs=0.01)


def test_a_limit_can_be_switched_off() -> None:
    limits = limits_from_env({"PENPAL_RATE_PER_ADDRESS": "off"})
    assert all(d.allowed for d in asyncio.run(decisions(limits.per_address, "::1", 1000)))
    assert not all(d.allowed for d in asyncio.run(decisions(limits.per_sender, "rest:a", 11)))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PENPAL_RATE_PER_SENDER", "fast"),
        ("PENPAL_RATE_PER_SENDER", "0"),
        ("PENPAL_RATE_PER_ADDRESS", "-5"),
        ("PENPAL_RATE_PER_ADDRESS", "inf"),
        ("PENPAL_BURST_PER_SENDER", "nan"),
        ("PENPAL_BURST_PER_ADDRESS", "0.5"),
        ("PENPAL_REDIS_URL", "localhost:6379"),
    ],
)
def test_invalid_values_name_their_variable(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        limits_from_env({name: value})


def test_a_bad_redis_url_is_not_echoed_with_its_password() -> None:
    with pytest.raises(ValueError, match="PENPAL_REDIS_URL") as error:
        limits_from_env({"PENPAL_REDIS_URL": "http://:s3cret@cache:6379"})
    assert "s3cret" not in str(error.value)


# In Redis

services = pytest.mark.services


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own in the local Redis, cleaned up afterwards."""
    client = require_redis()
    prefix = f"penpaltest:{uuid.uuid4().hex[:12]}:"
    yield prefix
    delete_keys(client, prefix)
    client.close()


@services
def test_redis_burst_then_refusal_then_refill(prefix: str) -> None:
    async def scenario() -> list[Decision]:
        client = Redis.from_url(REDIS_URL)
        limiter = RedisRateLimiter(client, Rate(20, 2), prefix=prefix)
        seen = await decisions(limiter, "rest:alice", 3)
        await asyncio.sleep(seen[-1].retry_after + 0.005)
        seen += await decisions(limiter, "rest:alice", 2)
        await client.close(close_connection_pool=True)
        return seen

    seen = asyncio.run(scenario())
    assert [d.allowed for d in seen] == [True, True, False, True, False]
    assert 0 < seen[2].retry_after <= 0.05


@services
def test_redis_keys_are_independent(prefix: str) -> None:
    async def scenario() -> tuple[list[Decision], list[Decision]]:
        client = Redis.from_url(REDIS_URL)
        limiter = RedisRateLimiter(client, SLOW, prefix=prefix)
        alice = await decisions(limiter, "rest:alice", 6)
        bob = await decisions(limiter, "rest:bob", 6)
        await client.close(close_connection_pool=True)
        return alice, bob

    for seen in asyncio.run(scenario()):
        assert [d.allowed for d in seen] == [True] * 5 + [False]


@services
def test_two_servers_sharing_redis_agree(prefix: str) -> None:
    """Two limiters with their own connections (two Rasa servers) check one key at once."""

    async def scenario() -> list[Decision]:
        clients = [Redis.from_url(REDIS_URL) for _ in range(2)]
        servers = [RedisRateLimiter(client, SLOW, prefix=prefix) for client in clients]
        seen = await asyncio.gather(
            *(servers[number % 2].allow("telegram:12345") for number in range(40))
        )
        for client in clients:
            await client.close(close_connection_pool=True)
        return list(seen)

    seen = asyncio.run(scenario())
    assert sum(d.allowed for d in seen) == 5
    assert all(d.retry_after > 0 for d in seen if not d.allowed)


@services
def test_two_servers_configured_from_environment_agree(prefix: str) -> None:
    environ = {
        "PENPAL_REDIS_URL": REDIS_URL,
        "PENPAL_RATE_KEY_PREFIX": prefix,
        "PENPAL_BURST_PER_SENDER": "3",
    }

    async def scenario() -> tuple[list[Decision], list[Decision]]:
        servers = [limits_from_env(environ) for _ in range(2)]
        senders = [await servers[n % 2].per_sender.allow("slack:U123") for n in range(6)]
        # The same text as an address is another bucket, with the address rate.
        addresses = [await servers[n % 2].per_address.allow("slack:U123") for n in range(6)]
        for server in servers:
            await server.aclose()
        return senders, addresses

    senders, addresses = asyncio.run(scenario())
    assert [d.allowed for d in senders] == [True] * 3 + [False] * 3
    assert all(d.allowed for d in addresses)


@services
def test_redis_buckets_expire_once_full_again(prefix: str) -> None:
    inspect = require_redis()
    key = f"{prefix}rest:alice"

    async def check() -> None:
        client = Redis.from_url(REDIS_URL)
        await RedisRateLimiter(client, Rate(100, 10), prefix=prefix).allow("rest:alice")
        await client.close(close_connection_pool=True)

    asyncio.run(check())
    assert 0 < inspect.pttl(key) <= 100  # full again 10 tokens / 100 a second later
    time.sleep(0.2)
    assert not inspect.exists(key)
    inspect.close()


@services
def test_redis_down_fails_open_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="penpal.ratelimit")

    async def scenario() -> list[Decision]:
        client = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens
        limiter = RedisRateLimiter(client, SLOW)
        seen = await decisions(limiter, "rest:alice", 50)
        await client.close(close_connection_pool=True)
        return seen

    assert all(d.allowed for d in asyncio.run(scenario()))
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "Redis does not answer" in warnings[0].getMessage()


@services
def test_a_hung_redis_delays_one_request_per_retry_interval() -> None:
    """A Redis that takes connections but never answers costs one timeout, not one each."""
    with socket.create_server(("127.0.0.1", 0)) as hung:

        async def scenario() -> tuple[list[Decision], float]:
            url = f"redis://127.0.0.1:{hung.getsockname()[1]}/0"
            client = Redis.from_url(url, socket_timeout=0.2, socket_connect_timeout=0.2)
            limiter = RedisRateLimiter(client, SLOW)
            started = time.monotonic()
            seen = await decisions(limiter, "rest:alice", 20)
            elapsed = time.monotonic() - started
            await client.close(close_connection_pool=True)
            return seen, elapsed

        seen, elapsed = asyncio.run(scenario())
    assert all(d.allowed for d in seen)
    assert 0.2 <= elapsed < 1.0


@contextmanager
def redis_server(port: int) -> Iterator[None]:
    """A private redis-server on ``port``, stopped at the end of the block."""
    binary = shutil.which("redis-server")
    if binary is None:
        _skip_or_fail("redis-server is not installed")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    probe = redis.Redis(port=port, socket_timeout=1)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                probe.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
        yield
    finally:
        probe.close()
        process.terminate()
        process.wait(timeout=10)


@services
def test_each_outage_warns_once_and_limiting_resumes(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="penpal.ratelimit")
    port = free_port()

    async def scenario() -> list[list[bool]]:
        client = Redis.from_url(f"redis://127.0.0.1:{port}/0", socket_timeout=1)
        limiter = RedisRateLimiter(client, Rate.per_minute(1, 1), outage=Outage(retry_every=0.05))

        async def phase() -> list[bool]:
            await asyncio.sleep(0.1)  # past the outage's retry interval
            return [d.allowed for d in await decisions(limiter, "rest:alice", 3)]

        phases = []
        with redis_server(port):
            phases.append(await phase())
        phases.append(await phase())  # down
        with redis_server(port):
            phases.append(await phase())
        phases.append(await phase())  # down again
        await client.close(close_connection_pool=True)
        return phases

    assert asyncio.run(scenario()) == [
        [True, False, False],
        [True, True, True],
        [True, False, False],
        [True, True, True],
    ]
    messages = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert [level for level, _ in messages] == [logging.WARNING, logging.INFO, logging.WARNING]
    assert "answers again" in messages[1][1]
