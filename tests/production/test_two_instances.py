"""Two machines: two Rasa servers and two action servers on PostgreSQL, Redis and RabbitMQ.

One conversation alternates between the instances (and sends two messages to
both at once), then one instance dies (SIGKILL of its Rasa server and of its
action server) and the conversation carries on with the other. The tracker
events in PostgreSQL and the events RabbitMQ received must both show every
message once, in order, each turn whole, with the replies the reader got.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from penpal.conversations import namespaced
from penpal.db import upgrade
from tests.conftest import scratch_postgres_database
from tests.production.services import (
    RABBITMQ_URL,
    REDIS_URL,
    consume,
    delete_keys,
    delete_queue,
    require_rabbitmq,
    require_redis,
)
from tests.support.devstack import Instance, running_instances

PROJECT = Path(__file__).resolve().parents[2]
MODEL = Path(os.environ.get("PENPAL_TEST_MODEL", PROJECT / "models" / "penpal.tar.gz"))
READER = "two-machines-reader"
CONVERSATION = namespaced("rest", READER)  # what Rasa keys the conversation by

pytestmark = [pytest.mark.e2e, pytest.mark.services]


def texts(replies: list[dict]) -> list[str]:
    return [reply.get("text", "") for reply in replies]


@pytest.fixture(scope="module")
def stores() -> Iterator[dict[str, str]]:
    """Scratch databases, a Redis key prefix and a RabbitMQ queue, for this module only."""
    redis_client = require_redis()
    require_rabbitmq()
    tag = uuid.uuid4().hex[:12]
    with scratch_postgres_database("penpal_tracker") as tracker_url, \
            scratch_postgres_database("penpal_app") as app_url:
        upgrade(app_url)
        env = {
            "PENPAL_DATABASE_URL": app_url,
            "PENPAL_TRACKER_STORE_URL": tracker_url,
            "PENPAL_REDIS_URL": REDIS_URL,
            "PENPAL_LOCK_KEY_PREFIX": f"penpaltest{tag}",
            "PENPAL_RABBITMQ_URL": RABBITMQ_URL,
            "PENPAL_RABBITMQ_QUEUE": f"penpal_test_{tag}",
        }
        try:
            yield env
        finally:
            delete_keys(redis_client, env["PENPAL_LOCK_KEY_PREFIX"])
            delete_queue(env["PENPAL_RABBITMQ_QUEUE"])


@pytest.fixture(scope="module")
def instances(
    stores: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Instance]]:
    assert MODEL.exists(), f"no trained model at {MODEL}: run `make train` (make test does)"
    with running_instances(
        PROJECT, MODEL, tmp_path_factory.mktemp("two-machines"), 2, env=stores,
        credentials=PROJECT / "credentials.yml",
    ) as running:
        yield running


def stored_events(tracker_url: str, sender_id: str) -> list[dict]:
    """The conversation's events as Rasa's SQL tracker store keeps them, oldest first."""
    engine = create_engine(tracker_url, future=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT data FROM events WHERE sender_id = :sender ORDER BY id"),
                {"sender": sender_id},
            ).scalars()
            return [json.loads(row) for row in rows]
    finally:
        engine.dispose()


def turns(events: list[dict]) -> list[tuple[str, list[str]]]:
    """Each user message with the bot texts it caused, checking every turn is whole.

    A new conversation's session starts (and its disclosure is sent) before the
    first message is logged, so bot texts before that message belong to it.
    """
    result: list[tuple[str, list[str]]] = []
    opening: list[str] = []
    listening = True
    for event in events:
        if event["event"] == "user":
            assert listening, f"{event['text']!r} arrived before the previous turn ended"
            result.append((event["text"], opening if not result else []))
            listening = False
        elif event["event"] == "bot":
            (result[-1][1] if result else opening).append(event.get("text") or "")
        elif event["event"] == "action" and event["name"] == "action_listen":
            listening = True
    return result


def summary(event: dict) -> tuple:
    """What identifies an event in a failure message: its kind, name or text, and time."""
    return event["event"], event.get("name") or event.get("text"), event["timestamp"]


def test_one_conversation_survives_losing_one_of_two_instances(
    instances: list[Instance], stores: dict[str, str]
) -> None:
    first, second = instances
    replies: dict[str, list[str]] = {}

    def say(instance: Instance, message: str) -> list[str]:
        answer = texts(instance.stack.say(READER, message))
        assert answer, f"no reply to {message!r}"
        replies[message] = answer
        return answer

    assert say(first, "hello!")[0].startswith("Hi, I'm Penpal, an automated assistant")
    assert "Shall I remember your name" in " ".join(say(second, "call me Priya"))
    assert "I'll greet you by name" in " ".join(say(first, "yes"))
    # Both machines at once: the Redis lock store makes one turn wait for the other
    # (with Rasa's own RedisLockStore both could run at once and one turn be lost).
    with ThreadPoolExecutor(2) as pool:
        both = list(pool.map(say, (first, second), ("are you a bot?", "thanks!")))
    assert both[0][0].startswith("Yes, I'm a bot")
    assert any("https://bookshop.example/salt-cartographer" in reply
               for reply in say(first, "where can I buy her books?"))

    # Rasa's pika broker publishes in background tasks, after the reply has gone out
    # (a SIGKILL a few milliseconds after a reply loses that turn's last events in
    # RabbitMQ, never in the tracker store): the machine dies once they are out.
    tracker_url, queue = stores["PENPAL_TRACKER_STORE_URL"], stores["PENPAL_RABBITMQ_QUEUE"]
    before_crash = len(stored_events(tracker_url, CONVERSATION))
    published = consume(queue, CONVERSATION, before_crash, wait_seconds=60)
    assert len(published) == before_crash
    first.crash()
    with pytest.raises(requests.ConnectionError):
        first.stack.say(READER, "are you still there?")

    assert "Priya" in " ".join(say(second, "what do you know about me?"))
    say(second, "/session_start")
    assert any("Welcome back, Priya" in reply for reply in say(second, "hello"))

    events = stored_events(tracker_url, CONVERSATION)
    stored_turns = turns(events)
    messages = [message for message, _ in stored_turns]
    assert messages[:3] == ["hello!", "call me Priya", "yes"]
    assert sorted(messages[3:5]) == ["are you a bot?", "thanks!"]
    assert messages[5:] == [
        "where can I buy her books?", "what do you know about me?", "/session_start", "hello",
    ]
    assert dict(stored_turns) == replies

    published += consume(queue, CONVERSATION, len(events) - before_crash, wait_seconds=60)
    assert [summary(e) for e in published] == [summary(e) for e in events]
