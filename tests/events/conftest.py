"""Helpers for the events tests: events made directly, a Rasa HTTP API stand-in, and
feed servers (the fixtures folder, and the catalogue tests' one with hostile resources)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from penpal.db import Database
from penpal.events import EventRecord, EventView, add_event
from tests.catalog.conftest import FeedServer, feed_server  # noqa: F401 (a fixture)
from tests.support.servers import send_json, serving

FIXTURES = Path(__file__).with_name("fixtures")


def make_event(
    db: Database, uid: str = "e1", capacity: int | None = None, starts_in: timedelta = timedelta(
        days=3), **fields: Any
) -> EventView:
    starts_at = datetime.now(timezone.utc).replace(microsecond=0) + starts_in
    record = EventRecord(
        uid=uid, title=fields.pop("title", f"Reading {uid}"), starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2), timezone=fields.pop("timezone", "Europe/Berlin"),
        capacity=capacity, **fields,
    )
    return add_event(db, record)


class RasaStub:
    """Rasa's ``trigger_intent`` endpoint on loopback: records each call, answers 200."""

    def __init__(self, status: int = 200) -> None:
        self.calls: list[dict[str, Any]] = []
        self.status = status
        owner = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                url = urlsplit(self.path)
                with lock:
                    if owner.status == 200:
                        owner.calls.append({"path": url.path, "query": parse_qs(url.query),
                                            "body": body})
                send_json(self, owner.status, {"messages": [{"text": "reminder"}]})

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[RasaStub]:
        with serving(self._server):
            yield self


class IcsHandler(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/slow.ics":
            time.sleep(3)  # longer than the importer's timeout in the test
        super().do_GET()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    """A real HTTP server on loopback serving tests/events/fixtures (/slow.ics: too slow)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(IcsHandler, directory=str(FIXTURES)))
    httpd.daemon_threads = True
    with serving(httpd):
        yield f"http://127.0.0.1:{httpd.server_address[1]}"


