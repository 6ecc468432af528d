from email import message_from_bytes

import pytest
from sqlalchemy import select

from penpal.config import HandoffSettings
from penpal.contact import ContactRoute
from penpal.db import Database
from penpal.db.models import HandoffRequest
from penpal.handoff import HandoffDesk, Turn
from penpal.notify import WriterNotifier
from tests.support.devstack import free_port
from tests.support.servers import RecordingWebhook, smtp_server

CONTACT = ContactRoute("email", "anna@example.org")
TRANSCRIPT = [Turn("reader", "hi"), Turn("bot", "Hello!"), Turn("reader", "talk to a person")]


def desk(db: Database, **settings) -> HandoffDesk:
    return HandoffDesk(db, WriterNotifier(HandoffSettings(**settings)))


def stored(db: Database) -> list[HandoffRequest]:
    with db.session() as session:
        return list(session.execute(select(HandoffRequest)).scalars())


def test_the_writer_gets_the_message_and_transcript_by_webhook(db: Database) -> None:
    with RecordingWebhook().running() as hook:
        receipt = desk(db, webhook_url=hook.url).submit(
            "web-1", "rest", "Loved the book! 📚", CONTACT, TRANSCRIPT)
    assert receipt.notified
    [payload] = hook.received
    assert payload["request_id"] == receipt.request_id
    assert payload["message"] == "Loved the book! 📚"
    assert payload["contact"] == "anna@example.org"
    assert payload["transcript"][-1] == {"speaker": "reader", "text": "talk to a person"}
    [request] = stored(db)
    assert (request.status, request.notify_attempts) == ("notified", 1)


def test_the_writer_gets_an_email(db: Database) -> None:
    with smtp_server() as (port, inbox):
        receipt = desk(db, email="mira@example.org", smtp_host="127.0.0.1",
                       smtp_port=port).submit("tg-9", "telegram", "A question about maps",
                                              CONTACT, TRANSCRIPT)
    assert receipt.notified
    [envelope] = inbox
    assert envelope.rcpt_tos == ["mira@example.org"]
    email = message_from_bytes(envelope.content)
    body = email.get_payload(decode=True).decode()
    assert f"request #{receipt.request_id}" in email["Subject"]
    assert "A question about maps" in body and "reader: talk to a person" in body


def test_a_failing_route_loses_nothing_and_retry_delivers(db: Database) -> None:
    with RecordingWebhook().running() as hook:
        hook.statuses = [500]
        office = desk(db, webhook_url=hook.url)
        receipt = office.submit("web-2", "rest", "Please call me", CONTACT, TRANSCRIPT)
        assert not receipt.notified
        assert stored(db)[0].status == "pending"
        assert office.retry_pending() == (1, 0)
        assert office.retry_pending() == (0, 0)
    assert [p["message"] for p in hook.received] == ["Please call me"]
    assert stored(db)[0].notify_attempts == 2


def test_an_unreachable_route_and_no_route_keep_the_request(db: Database) -> None:
    dead_port = free_port()
    receipt = desk(db, webhook_url=f"http://127.0.0.1:{dead_port}/hook",
                   timeout_seconds=1).submit("web-3", "rest", "hello?", CONTACT, TRANSCRIPT)
    assert not receipt.notified
    assert not desk(db).submit("web-3", "rest", "again", CONTACT, []).notified
    assert [r.status for r in stored(db)] == ["pending", "pending"]


def test_long_inputs_are_bounded_and_empty_ones_refused(db: Database) -> None:
    office = desk(db)
    office.submit("web-4", "rest", "x" * 10_000, CONTACT, [Turn("reader", "y" * 5000)] * 80)
    [request] = stored(db)
    assert len(request.message) == 4000
    assert len(request.transcript) == 50 and len(request.transcript[0]["text"]) == 1000
    with pytest.raises(ValueError):
        office.submit("web-4", "rest", "   ", CONTACT, [])
