"""What "forget me" means on the event broker (RabbitMQ), when one is configured.

Rasa's pika broker publishes a copy of every event to a fanout exchange
(``rasa-exchange``) and its queue; consumers (analytics, archives) take them
from there. A message cannot be taken back off a queue, so Penpal's guarantee
is a notice: once a forgotten conversation's history is erased from the
tracker store, an ``{"event": "penpal_erasure", "sender_id": ...}`` message is
published to the same exchange, after every event of that conversation (erasure
waits out a grace period after the last turn). Every consumer receives it and
must delete what it holds about that conversation. The notice is published with
publisher confirms before the erasure request is marked done, so a broker that
is down delays it (the scheduler tries again) but never loses it.

Retention (events older than ``retention_days``) sends no notice: consumers keep
to the same retention period themselves.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass

import aio_pika

EXCHANGE = "rasa-exchange"  # Rasa's pika broker's fanout exchange
DEFAULT_QUEUE = "rasa_core_events"  # Rasa's default queue (penpal.endpoints)
ERASURE_EVENT = "penpal_erasure"
CONNECT_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class ErasureNotices:
    """Publishes erasure notices to the broker at ``url`` (its queue declared and bound)."""

    url: str
    queue: str = DEFAULT_QUEUE

    def publish(self, conversation_ids: Iterable[str]) -> None:
        """Publish one notice per conversation; raise if the broker did not confirm them."""
        asyncio.run(self._publish(list(conversation_ids)))

    async def _publish(self, conversation_ids: list[str]) -> None:
        connection = await aio_pika.connect(self.url, timeout=CONNECT_TIMEOUT_SECONDS)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            # Declared as Rasa declares them, so the notices reach its queue even
            # when no Rasa server has started since the broker came up.
            exchange = await channel.declare_exchange(EXCHANGE, type=aio_pika.ExchangeType.FANOUT)
            queue = await channel.declare_queue(self.queue, durable=True)
            await queue.bind(exchange, "")
            for conversation_id in conversation_ids:
                body = {"event": ERASURE_EVENT, "sender_id": conversation_id,
                        "timestamp": time.time()}
                await exchange.publish(aio_pika.Message(
                    json.dumps(body).encode(), content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ), routing_key="")


def erasure_notices() -> ErasureNotices | None:
    """The notices the environment asks for: with PENPAL_RABBITMQ_URL set, else None."""
    url = os.environ.get("PENPAL_RABBITMQ_URL")
    if not url:
        return None
    return ErasureNotices(url, os.environ.get("PENPAL_RABBITMQ_QUEUE") or DEFAULT_QUEUE)
