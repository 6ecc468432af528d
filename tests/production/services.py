"""The local Redis and RabbitMQ the production tests use, and how to clean up after them."""

from __future__ import annotations

import asyncio
import json
import os
import time

import aio_pika
import redis

from tests.conftest import _skip_or_fail

REDIS_URL = os.environ.get("PENPAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RABBITMQ_URL = os.environ.get("PENPAL_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")


def require_redis() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        _skip_or_fail(f"Redis is not reachable at {REDIS_URL}: {error}")
    return client


def delete_keys(client: redis.Redis, prefix: str) -> None:
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


async def _connect() -> aio_pika.abc.AbstractConnection:
    return await aio_pika.connect(RABBITMQ_URL, timeout=5)


def require_rabbitmq() -> None:
    async def probe() -> None:
        connection = await _connect()
        await connection.close()

    try:
        asyncio.run(probe())
    except (OSError, asyncio.TimeoutError, aio_pika.exceptions.AMQPError) as error:
        _skip_or_fail(f"RabbitMQ is not reachable at {RABBITMQ_URL}: {error!r}")


def delete_queue(name: str) -> None:
    async def delete() -> None:
        async with await _connect() as connection:
            channel = await connection.channel()
            await channel.queue_delete(name)

    asyncio.run(delete())


def consume(queue_name: str, sender_id: str, expected: int, wait_seconds: float) -> list[dict]:
    """The events of ``sender_id`` in ``queue_name``, in the order RabbitMQ delivers them.

    Reads until ``expected`` events arrived (or ``wait_seconds`` passed), then
    everything else already queued, so duplicates show up too.
    """

    async def read() -> list[dict]:
        events: list[dict] = []
        deadline = time.monotonic() + wait_seconds
        async with await _connect() as connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(queue_name, passive=True)
            while True:
                message = await queue.get(no_ack=True, fail=False)
                if message is not None:
                    body = json.loads(message.body)
                    if body.get("sender_id") == sender_id:
                        events.append(body)
                elif len(events) >= expected or time.monotonic() > deadline:
                    return events
                else:
                    await asyncio.sleep(0.2)

    return asyncio.run(read())
