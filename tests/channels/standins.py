"""A local stand-in for a remote HTTP API (Telegram's Bot API, Slack's Web API).

It records every call (path, parameters, headers) and answers with what the
given function returns, as JSON; the connectors under test talk to it instead
of the real service.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.support.servers import send_json, serving


@dataclass(frozen=True)
class Call:
    path: str
    params: dict[str, Any]
    headers: dict[str, str]

    @property
    def method(self) -> str:
        """The API method: the last part of the path (``sendMessage``, ``chat.postMessage``)."""
        return self.path.rsplit("/", 1)[-1]


Answer = Callable[[Call], dict[str, Any]]


class ApiStandIn:
    def __init__(self, answer: Answer) -> None:
        self.calls: list[Call] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    params = json.loads(body or "{}")
                else:
                    params = dict(parse_qsl(body))
                call = Call(urlsplit(self.path).path, params, dict(self.headers.items()))
                owner.calls.append(call)
                send_json(self, 200, answer(call))

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[ApiStandIn]:
        with serving(self._server):
            yield self

    def wait_for(
        self, accept: Callable[[Call], bool], count: int = 1, timeout: float = 60
    ) -> list[Call]:
        """The calls ``accept`` picks, once there are ``count`` of them (or an AssertionError)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [call for call in list(self.calls) if accept(call)]
            if len(found) >= count or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert len(found) >= count, f"expected {count} calls, got {len(found)}: {self.calls}"
        return found
