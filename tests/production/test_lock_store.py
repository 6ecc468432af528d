"""The Redis lock store several Rasa servers share, against the local Redis.

Each "server" is its own store object with its own connections, as in separate
processes; they take tickets for one conversation all at once.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator

import pytest
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from penpal.endpoints import endpoints
from penpal.rasa_stores import AtomicRedisLockStore
from tests.production.services import REDIS_URL, delete_keys, require_redis

pytestmark = pytest.mark.services
SERVERS = 8
TICKETS_EACH = 25


@pytest.fixture
def servers() -> Iterator[list[LockStore]]:
    client = require_redis()
    prefix = f"penpaltest{uuid.uuid4().hex[:12]}"
    section = endpoints({}, {"PENPAL_REDIS_URL": REDIS_URL, "PENPAL_LOCK_KEY_PREFIX": prefix})
    try:
        yield [LockStore.create(EndpointConfig.from_dict(section["lock_store"]))
               for _ in range(SERVERS)]
    finally:
        delete_keys(client, prefix)


def all_at_once(servers: list[LockStore], work: Callable[[LockStore], None]) -> None:
    start = threading.Barrier(len(servers))

    def run(server: LockStore) -> None:
        start.wait()
        work(server)

    threads = [threading.Thread(target=run, args=(server,)) for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_servers_taking_tickets_at_once_never_share_one(servers: list[LockStore]) -> None:
    assert all(isinstance(server, AtomicRedisLockStore) for server in servers)
    issued: dict[int, list[int]] = {id(server): [] for server in servers}

    def take_tickets(server: LockStore) -> None:
        for _ in range(TICKETS_EACH):
            issued[id(server)].append(server.issue_ticket("reader"))

    def return_tickets(server: LockStore) -> None:
        for ticket in issued[id(server)]:
            server.cleanup("reader", ticket)

    all_at_once(servers, take_tickets)
    numbers = [ticket for tickets in issued.values() for ticket in tickets]
    assert len(set(numbers)) == SERVERS * TICKETS_EACH
    lock = servers[0].get_lock("reader")
    assert sorted(ticket.number for ticket in lock.tickets) == sorted(numbers)
    assert not lock.is_locked(min(numbers)) and lock.is_locked(min(numbers) + 1)

    all_at_once(servers, return_tickets)
    assert servers[0].get_lock("reader") is None
