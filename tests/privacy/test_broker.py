""""Forget me" with the RabbitMQ event broker on: consumers are told, after the events.

Against the local RabbitMQ (skipped without it, unless PENPAL_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from penpal.db import Database
from penpal.db.models import PendingErasure
from penpal.privacy import erase_conversations, forget_conversation
from penpal.privacy.broker import ERASURE_EVENT, ErasureNotices, erasure_notices
from tests.privacy.rasa_store import Rasa
from tests.production.services import RABBITMQ_URL, consume, delete_queue, require_rabbitmq

pytestmark = pytest.mark.services


@pytest.fixture
def queue() -> Iterator[str]:
    require_rabbitmq()
    name = f"penpal_test_{uuid.uuid4().hex[:12]}"
    yield name
    delete_queue(name)


def pending(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(PendingErasure))


def test_consumers_get_an_erasure_notice_once_the_history_is_gone(
    db: Database, rasa: Rasa, tracker_url: str, queue: str
) -> None:
    rasa.conversation("rest:ada", ("hi, I'm Ada", "Hello Ada!"))
    rasa.conversation("rest:bo", ("hi", "Hello!"))
    forget_conversation(db, "rest:ada")

    erased = erase_conversations(tracker_url, db, grace_seconds=0,
                                 notices=ErasureNotices(RABBITMQ_URL, queue))

    assert erased > 0 and pending(db) == 0
    (notice,) = consume(queue, "rest:ada", expected=1, wait_seconds=10)
    assert notice["event"] == ERASURE_EVENT
    assert consume(queue, "rest:bo", expected=0, wait_seconds=0) == []


def test_a_broker_that_is_down_delays_the_notice_but_never_loses_it(
    db: Database, rasa: Rasa, tracker_url: str, queue: str
) -> None:
    rasa.conversation("rest:cy", ("hi", "Hello!"))
    forget_conversation(db, "rest:cy")

    with pytest.raises(OSError):  # nothing listens on port 1
        erase_conversations(tracker_url, db, grace_seconds=0,
                            notices=ErasureNotices("amqp://guest:guest@127.0.0.1:1/", queue))
    assert pending(db) == 1  # still owed

    erase_conversations(tracker_url, db, grace_seconds=0,
                        notices=ErasureNotices(RABBITMQ_URL, queue))
    assert pending(db) == 0
    assert [n["event"] for n in consume(queue, "rest:cy", 1, 10)] == [ERASURE_EVENT]


def test_the_broker_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PENPAL_RABBITMQ_URL", raising=False)
    assert erasure_notices() is None
    monkeypatch.setenv("PENPAL_RABBITMQ_URL", "amqp://u:p@rabbit:5672/")
    monkeypatch.setenv("PENPAL_RABBITMQ_QUEUE", "events")
    assert erasure_notices() == ErasureNotices("amqp://u:p@rabbit:5672/", "events")
