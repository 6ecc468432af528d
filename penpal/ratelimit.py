"""Flood control for Penpal's public doors: token buckets keyed by sender or address.

Each key (a conversation id, a client address) has a bucket of ``burst`` tokens that
refills at ``per_second`` tokens a second; a request takes ``cost`` tokens (1 unless
said otherwise) or is refused with the seconds until it would pass (``Decision``,
``retry_after_header`` for HTTP's Retry-After). One noisy key empties only its own
bucket, so it cannot starve the others.

Two backends behind one interface, ``RateLimiter.allow`` (async, since the doors
run on Sanic's event loop):

- ``MemoryRateLimiter``: buckets in this process (a check costs a few microseconds;
  ``check`` is its synchronous form). Each Sanic worker counts on its own.
- ``RedisRateLimiter``: buckets in Redis (5 or later), shared by every Rasa server
  and worker. A check is one atomic Lua script that reads the clock with Redis's
  TIME, so servers whose clocks differ still agree. It uses ``redis.asyncio``, so
  waiting for Redis never blocks the event loop. When Redis does not answer, the
  limiter fails open: every request is allowed, one warning is logged per outage
  and Redis is tried again at most once a second (``Outage``); readers are never
  refused because Redis is down.

Memory stays bounded in both: a bucket left alone for ``burst / per_second``
seconds is full again, so it is dropped (memory) or expires (Redis) without
changing any answer; keys longer than ``MAX_KEY_LENGTH`` are stored as their
SHA-256. The memory backend also holds at most ``max_keys`` buckets (50,000 by
default, about 15 MB): at the cap it forgets the least recently used bucket, so a
flood of more distinct keys than that within one refill period makes the limiter
more lenient (a forgotten key gets a fresh burst), never refuses an unseen key.

``limits_from_env()`` builds the two limiters the doors use, from the environment:

    PENPAL_REDIS_URL           unset: buckets in each process; set (redis:// or
                               rediss://, as for the lock store): shared in Redis
    PENPAL_RATE_PER_SENDER     messages one conversation may send a minute (30), or off
    PENPAL_BURST_PER_SENDER    messages it may send at once (10)
    PENPAL_RATE_PER_ADDRESS    requests one client address may make a minute (120), or off
    PENPAL_BURST_PER_ADDRESS   requests it may make at once (40)
    PENPAL_RATE_KEY_PREFIX     prefix of the Redis keys (penpal:rate:)

Build them inside the server's event loop (e.g. Sanic's ``before_server_start``):
``redis.asyncio`` connections belong to the loop that opened them.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

MAX_KEYS = 50_000
MAX_KEY_LENGTH = 100  # longer keys are hashed, so a huge sender id costs no more memory
DEFAULT_PREFIX = "penpal:rate:"
REDIS_TIMEOUT_SECONDS = 0.2  # a slow Redis delays a request by at most this, then fails open
RETRY_REDIS_SECONDS = 1.0
# A client that waits exactly ``retry_after`` must pass, whatever float rounding says.
EPSILON = 1e-9


@dataclass(frozen=True)
class Rate:
    """``per_second`` tokens a second, at most ``burst`` saved up."""

    per_second: float
    burst: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.per_second) and self.per_second > 0):
            raise ValueError(f"a rate must be a positive number, not {self.per_second!r}")
        if not (math.isfinite(self.burst) and self.burst >= 1):
            raise ValueError(f"a burst must be a number of at least 1, not {self.burst!r}")

    @classmethod
    def per_minute(cls, count: float, burst: float) -> Rate:
        return cls(count / 60, burst)

    @property
    def idle_after(self) -> float:
        """Seconds after its last use when any bucket is full again (so can be dropped)."""
        return self.burst / self.per_second


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float = 0.0  # seconds until the same request would pass; 0 when allowed

    @property
    def retry_after_header(self) -> str:
        """The Retry-After header's value: whole seconds, at least 1."""
        return str(max(1, math.ceil(self.retry_after)))


ALLOWED = Decision(True)


class RateLimiter(Protocol):
    async def allow(self, key: str, cost: float = 1.0) -> Decision:
        """Take ``cost`` tokens from ``key``'s bucket, or say how long to wait."""
        ...


def _bounded(key: str) -> str:
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode(errors="surrogatepass")).hexdigest()


def _check_cost(cost: float, rate: Rate) -> None:
    if not 0 < cost <= rate.burst:
        raise ValueError(f"a cost must be above 0 and at most the burst {rate.burst}, not {cost}")


class MemoryRateLimiter:
    """Token buckets in this process, for one event loop (not thread-safe)."""

    def __init__(
        self,
        rate: Rate,
        *,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_keys < 1:
            raise ValueError(f"max_keys must be at least 1, not {max_keys}")
        self.rate = rate
        self.max_keys = max_keys
        self._clock = clock
        # key -> (tokens, when counted), least recently used first
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def check(self, key: str, cost: float = 1.0) -> Decision:
        rate = self.rate
        _check_cost(cost, rate)
        now = self._clock()
        key = _bounded(key)
        buckets = self._buckets
        state = buckets.pop(key, None)
        self._drop_idle(now)
        if state is None:
            tokens = rate.burst
        else:
            tokens = min(rate.burst, state[0] + max(0.0, now - state[1]) * rate.per_second)
        if tokens + EPSILON >= cost:
            tokens = max(0.0, tokens - cost)
            decision = ALLOWED
        else:
            decision = Decision(False, (cost - tokens) / rate.per_second)
        if len(buckets) >= self.max_keys:
            buckets.popitem(last=False)
        buckets[key] = (tokens, now)
        return decision

    async def allow(self, key: str, cost: float = 1.0) -> Decision:
        return self.check(key, cost)

    def _drop_idle(self, now: float) -> None:
        """Drop the buckets that are full again; they are the oldest, so stop at a fresh one."""
        buckets = self._buckets
        horizon = now - self.rate.idle_after
        while buckets and next(iter(buckets.values()))[1] <= horizon:
            buckets.popitem(last=False)


# KEYS[1]: the bucket; ARGV: per second, burst, cost, milliseconds until it is full.
# Returns {1 if allowed else 0, microseconds to wait}.
_SCRIPT = """
local per_second = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = burst
if state[1] then
  local elapsed = math.max(0, now - tonumber(state[2]))
  tokens = math.min(burst, tonumber(state[1]) + elapsed * per_second)
end
local allowed, wait = 0, 0
if tokens + 1e-9 >= cost then
  tokens = math.max(0, tokens - cost)
  allowed = 1
else
  wait = (cost - tokens) / per_second
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {allowed, math.ceil(wait * 1000000)}
"""


class Outage:
    """Whether Redis is down; share one among the limiters of a client (one warning each time)."""

    def __init__(
        self, retry_every: float = RETRY_REDIS_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.retry_every = retry_every
        self._clock = clock
        self.down_since: float | None = None
        self._next_try = 0.0

    def skip(self) -> bool:
        """True while Redis is down and not due to be tried again."""
        return self.down_since is not None and self._clock() < self._next_try

    def failed(self, error: BaseException) -> None:
        now = self._clock()
        if self.down_since is None:
            self.down_since = now
            log.warning(
                "Flood control: Redis does not answer (%s: %s); allowing all requests till it does",
                type(error).__name__,
                error,
            )
        self._next_try = now + self.retry_every

    def recovered(self) -> None:
        if self.down_since is not None:
            outage = self._clock() - self.down_since
            log.info("Flood control: Redis answers again after %.0f s", outage)
            self.down_since = None


class RedisRateLimiter:
    """Token buckets in Redis, shared by every server that uses the same keys (fails open)."""

    def __init__(
        self,
        client: Redis,
        rate: Rate,
        *,
        prefix: str = DEFAULT_PREFIX,
        outage: Outage | None = None,
    ) -> None:
        self.rate = rate
        self.prefix = prefix
        self.outage = outage or Outage()
        self._script = client.register_script(_SCRIPT)
        self._args = (rate.per_second, rate.burst, math.ceil(rate.idle_after * 1000))

    async def allow(self, key: str, cost: float = 1.0) -> Decision:
        _check_cost(cost, self.rate)
        if self.outage.skip():
            return ALLOWED
        per_second, burst, expire_ms = self._args
        try:
            allowed, wait_us = await self._script(
                keys=[self.prefix + _bounded(key)], args=[per_second, burst, cost, expire_ms]
            )
        except (RedisError, OSError, asyncio.TimeoutError) as error:
            self.outage.failed(error)
            return ALLOWED
        self.outage.recovered()
        return ALLOWED if allowed else Decision(False, wait_us / 1_000_000)


class Unlimited:
    """The limiter of a limit set to ``off``."""

    async def allow(self, key: str, cost: float = 1.0) -> Decision:
        return ALLOWED


@dataclass(frozen=True)
class Limits:
    """The doors' limiters: per conversation id and per client address."""

    per_sender: RateLimiter
    per_address: RateLimiter
    redis: Redis | None = None

    async def aclose(self) -> None:
        if self.redis is not None:
            await self.redis.close(close_connection_pool=True)


def _number(environ: Mapping[str, str], name: str, default: float) -> float:
    value = environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be a positive number, not {value!r}")
    return number


def _rate(environ: Mapping[str, str], kind: str, per_minute: float, burst: float) -> Rate | None:
    """The rate named by PENPAL_RATE_PER_<kind> and PENPAL_BURST_PER_<kind>; None when off."""
    rate_name, burst_name = f"PENPAL_RATE_PER_{kind}", f"PENPAL_BURST_PER_{kind}"
    if environ.get(rate_name, "").strip().lower() == "off":
        return None
    count = _number(environ, rate_name, per_minute)
    size = _number(environ, burst_name, burst)
    if size < 1:
        raise ValueError(f"{burst_name} must be at least 1, not {size}")
    return Rate.per_minute(count, size)


def limits_from_env(environ: Mapping[str, str] = os.environ) -> Limits:
    """The doors' limiters as the environment sets them (see the module docstring)."""
    rates = {
        "sender": _rate(environ, "SENDER", per_minute=30, burst=10),
        "address": _rate(environ, "ADDRESS", per_minute=120, burst=40),
    }
    url = environ.get("PENPAL_REDIS_URL", "").strip()
    if not url:
        memory = {k: MemoryRateLimiter(r) if r else Unlimited() for k, r in rates.items()}
        return Limits(memory["sender"], memory["address"])
    scheme = urlsplit(url).scheme
    if scheme not in ("redis", "rediss"):  # the URL may hold a password: name the scheme only
        raise ValueError(f"PENPAL_REDIS_URL must be a redis:// or rediss:// URL, not {scheme}://")
    client = Redis.from_url(
        url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )
    prefix = environ.get("PENPAL_RATE_KEY_PREFIX", DEFAULT_PREFIX)
    outage = Outage()
    shared = {
        k: RedisRateLimiter(client, r, prefix=f"{prefix}{k}:", outage=outage) if r else Unlimited()
        for k, r in rates.items()
    }
    return Limits(shared["sender"], shared["address"], client)
