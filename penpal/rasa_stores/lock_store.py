"""Rasa's Redis lock store, made safe for several Rasa servers.

Rasa 3.6's ``RedisLockStore`` keeps a conversation's ticket lock as one JSON value
and changes it by read, modify, write: two servers that receive messages of one
conversation at the same moment can both read the lock, both issue ticket 0 and
both process their message at once. Rasa's SQL tracker store then saves only the
events beyond the count already stored, so one of the two turns is lost
(RasaHQ/rasa#9213; the fix, ``ConcurrentRedisLockStore``, went to Rasa Pro only).

This subclass runs every read-modify-write of a conversation's lock under a short
Redis mutex (SET NX with an expiry, redis-py's ``Lock``), so tickets are issued and
returned one at a time across servers. Waiting for a ticket's turn is unchanged.
"""

from __future__ import annotations

from typing import Any

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.lock import Lock

MUTEX_TIMEOUT_SECONDS = 10  # a server that dies holding it frees it after this
MUTEX_WAIT_SECONDS = 30


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` with atomic ticket issuing and returning."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        # Rasa builds a lock store named by module path with ``endpoint_config`` only.
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        super().__init__(**kwargs)

    def _mutex(self, conversation_id: str) -> Lock:
        return self.red.lock(
            f"{self.key_prefix}{conversation_id}:mutex",
            timeout=MUTEX_TIMEOUT_SECONDS,
            sleep=0.005,
            blocking_timeout=MUTEX_WAIT_SECONDS,
        )

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)
