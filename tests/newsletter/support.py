"""Local stand-ins for the newsletter's remote services, and reading the emails sent."""

from __future__ import annotations

import email
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.servers import serving

LINK = re.compile(r"(http://\S+/newsletter/confirm/\S+)")
UNSUBSCRIBE = re.compile(r"(http://\S+/newsletter/unsubscribe/\S+)")
CODE = re.compile(r"write this in the chat: my code is ([A-Z0-9]{4}-[A-Z0-9]{4})")


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class ApiServer:
    """An HTTP API on loopback: records every call and answers with scripted statuses.

    ``statuses`` are used in order (then 200); a 200 answers ``{"id": ...}`` like
    the providers do, an error answers ``{"detail": ...}``.
    """

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.statuses: list[int] = []
        self.error_detail = "Something went wrong"
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                owner.calls.append(Call(self.command, self.path, dict(self.headers), body))
                status = owner.statuses.pop(0) if owner.statuses else 200
                payload = {"id": "sub_1"} if status < 400 else {"detail": owner.error_detail}
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[ApiServer]:
        with serving(self._server):
            yield self


def parsed(envelope: Any) -> Message:
    return email.message_from_bytes(envelope.content, policy=policy.default)


def body_of(envelope: Any) -> str:
    message = parsed(envelope)
    return message.get_payload(decode=True).decode("utf-8")


def confirm_link(envelope: Any) -> str:
    return LINK.search(body_of(envelope)).group(1)


def unsubscribe_link(envelope: Any) -> str:
    return UNSUBSCRIBE.search(body_of(envelope)).group(1)


def confirm_code(envelope: Any) -> str:
    return CODE.search(body_of(envelope)).group(1)


def add_newsletter_rows(db: Any, reader_id: int, item_id: int) -> None:
    """A row in every newsletter, follow and broadcast table for this reader.

    For tests that need a reader with something everywhere (privacy export,
    merge, retention): call it from ``tests/privacy/people.py:populate``.
    """
    from penpal.db.models import (
        Broadcast,
        BroadcastDelivery,
        FollowNotice,
        NewsletterSubscription,
        NewsletterToken,
        TopicFollow,
    )
    from penpal.newsletter.tokens import digest, new_token

    with db.session() as session:
        subscription = NewsletterSubscription(
            reader_id=reader_id, email=f"reader{reader_id}@example.org", topics=["maps"],
            frequency="weekly", status="subscribed", consent_text="Yes please.",
            consent_channel="telegram")
        session.add(subscription)
        session.flush()
        session.add(NewsletterToken(subscription_id=subscription.id, reader_id=reader_id,
                                    purpose="unsubscribe", token_hash=digest(new_token())))
        session.add(TopicFollow(reader_id=reader_id, topic="maps"))
        session.add(FollowNotice(reader_id=reader_id, item_id=item_id, status="sent"))
        broadcast = Broadcast(key=new_token(), segment="topic:maps", message="Hello")
        session.add(broadcast)
        session.flush()
        session.add(BroadcastDelivery(broadcast_id=broadcast.id, reader_id=reader_id,
                                      via="telegram", status="sent"))
