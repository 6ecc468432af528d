"""The email's links over real HTTP: the Sanic routes served on loopback."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from sanic import Sanic
from sqlalchemy import select

from penpal.db import Database
from penpal.db.clock import utcnow
from penpal.db.models import NewsletterSubscription
from penpal.newsletter import Newsletter
from penpal.newsletter.web import newsletter_routes
from tests.newsletter.support import confirm_link, unsubscribe_link
from tests.support.devstack import free_port


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, dict[str, Newsletter]]]:
    """The newsletter routes on one real Sanic server for the module (Sanic allows one
    started app per process here); each test sets the newsletter it talks to."""
    current: dict[str, Newsletter] = {}
    app = Sanic("newsletter_test")
    app.blueprint(newsletter_routes(lambda token: current["newsletter"].confirm_token(token),
                                    lambda token: current["newsletter"].unsubscribe_token(token)))
    port = free_port()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def serve() -> None:
        started = await app.create_server(host="127.0.0.1", port=port,
                                          return_asyncio_server=True)
        await started.startup()
        holder["server"] = started
        ready.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(serve()),
                                              loop.run_forever()), daemon=True)
    thread.start()
    assert ready.wait(20)
    try:
        yield f"http://127.0.0.1:{port}", current
    finally:
        loop.call_soon_threadsafe(holder["server"].close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@pytest.fixture
def site(server: tuple[str, dict[str, Newsletter]], newsletter: Newsletter) -> str:
    url, current = server
    current["newsletter"] = newsletter
    return url


def _local(link: str, site: str) -> str:
    return site + "/newsletter/" + link.split("/newsletter/", 1)[1]


def _status(db: Database) -> str:
    with db.session() as session:
        return session.execute(select(NewsletterSubscription.status)).scalar_one()


def test_following_the_link_confirms_and_the_unsubscribe_link_asks_first(
    newsletter: Newsletter, inbox: list[Any], db: Database, site: str
) -> None:
    newsletter.subscribe("chat-1", "rest", "anna@example.org", ["maps"], "weekly")
    page = requests.get(_local(confirm_link(inbox[0]), site), timeout=10)
    assert page.status_code == 200 and "You're subscribed" in page.text
    assert _status(db) == "subscribed"
    assert "already subscribed" in requests.get(_local(confirm_link(inbox[0]), site),
                                                timeout=10).text

    leave = _local(unsubscribe_link(inbox[0]), site)
    assert "<form method='post'>" in requests.get(leave, timeout=10).text
    assert _status(db) == "subscribed"  # a mail scanner opening the link changes nothing
    done = requests.post(leave, timeout=10)
    assert done.status_code == 200 and "You're unsubscribed" in done.text
    assert _status(db) == "unsubscribed"
    assert requests.post(site + "/newsletter/unsubscribe/nope", timeout=10).status_code == 404


def test_an_expired_or_unknown_link_says_so(
    newsletter: Newsletter, inbox: list[Any], db: Database, site: str
) -> None:
    newsletter.subscribe("chat-1", "rest", "anna@example.org", ["maps"], "weekly",
                         now=utcnow() - timedelta(days=3))
    page = requests.get(_local(confirm_link(inbox[0]), site), timeout=10)
    assert page.status_code == 410 and "expired" in page.text
    assert _status(db) == "pending"
    assert requests.get(site + "/newsletter/confirm/nope", timeout=10).status_code == 404
    assert requests.get(site + "/newsletter/confirm/" + "x" * 65, timeout=10).status_code == 404
