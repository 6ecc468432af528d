"""Flood control at the Rasa server's public doors (:mod:`penpal.ratelimit`).

- **Per conversation**, on every chat channel: a reader who sends faster than
  ``PENPAL_RATE_PER_SENDER`` is told to slow down (REST: 429 with
  Retry-After) and their extra messages are not processed, so one noisy sender
  cannot take the server's time from the others.
- **Per client address**, on the doors a browser or script reaches directly:
  REST, the web chat's connections and the links in messages. Not on the
  Telegram and Slack webhooks, whose every call comes from the platform (each
  is checked per conversation instead). Behind a reverse proxy, set Sanic's
  ``SANIC_PROXIES_COUNT`` (or ``SANIC_REAL_IP_HEADER``) so the address is the
  reader's, not the proxy's.

One gate per Rasa server process, built in its event loop when the server
starts (the REST channel, always on, starts and stops it).
"""

from __future__ import annotations

import logging
import os
import time
from collections import OrderedDict

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from penpal.ratelimit import ALLOWED, Decision, Limits, limits_from_env

log = logging.getLogger(__name__)

SLOW_DOWN = ("You're sending messages faster than I can read them. "
             "Please wait a few seconds, then send your message again.")
# A flooding conversation is told (and logged) once a minute, not per message.
NOTICE_INTERVAL_SECONDS = 60.0
REMEMBERED_NOTICES = 10_000


class FloodGate:
    """The server's two limiters, once started."""

    def __init__(self) -> None:
        self._limits: Limits | None = None
        self._told: OrderedDict[str, float] = OrderedDict()
        self._logged: OrderedDict[str, float] = OrderedDict()

    async def start(self, _: Sanic | None = None, __: object = None) -> None:
        if self._limits is None:
            self._limits = limits_from_env(os.environ)

    async def stop(self, _: Sanic | None = None, __: object = None) -> None:
        if self._limits is not None:
            await self._limits.aclose()
            self._limits = None

    async def sender(self, conversation_id: str) -> Decision:
        if self._limits is None:
            return ALLOWED
        decision = await self._limits.per_sender.allow(conversation_id)
        if not decision.allowed and _once_a_minute(self._logged, conversation_id):
            log.info("a conversation on %s is over its message rate; told to slow down",
                     conversation_id.partition(":")[0] or "an unknown channel")
        return decision

    async def address(self, request: Request) -> Decision:
        """The client address's decision (the reader's, where a proxy is configured)."""
        if self._limits is None:
            return ALLOWED
        address = request.remote_addr or request.ip
        decision = await self._limits.per_address.allow(address)
        if not decision.allowed and _once_a_minute(self._logged, address):
            log.info("%s %s: a client address is over its request rate; refused",
                     request.method, request.path[:64])
        return decision

    def should_tell(self, conversation_id: str, now: float | None = None) -> bool:
        """Whether to tell a refused conversation to slow down (once a minute at most)."""
        return _once_a_minute(self._told, conversation_id, now)


def _once_a_minute(memory: OrderedDict[str, float], key: str, now: float | None = None) -> bool:
    """True for ``key`` at most once a minute (``memory`` keeps the last times, bounded).

    Refusals are told to the reader, and logged, this often: a flood must not
    turn into a flood of messages or log lines.
    """
    moment = time.monotonic() if now is None else now
    last = memory.get(key)
    if last is not None and moment - last < NOTICE_INTERVAL_SECONDS:
        return False
    memory[key] = moment
    memory.move_to_end(key)
    while len(memory) > REMEMBERED_NOTICES:
        memory.popitem(last=False)
    return True


def too_many(decision: Decision, message: str = SLOW_DOWN) -> HTTPResponse:
    return response.json({"error": message}, status=429,
                         headers={"Retry-After": decision.retry_after_header})


async def refuse_flooding_address(request: Request) -> HTTPResponse | None:
    """Sanic request middleware: 429 for an address over its rate."""
    decision = await flood_gate.address(request)
    return None if decision.allowed else too_many(decision, "Too many requests.")


flood_gate = FloodGate()
