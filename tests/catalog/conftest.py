"""A real feed server on loopback, and the fixture files it serves.

Besides well-behaved resources it serves hostile ones (``serve_hostile``): bodies
without end, gzip bombs, one byte at a time.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).with_name("fixtures")
LAST_MODIFIED = "Tue, 05 Mar 2024 07:30:00 GMT"


@dataclass
class Resource:
    body: bytes
    content_type: str
    status: int = 200
    delay: float = 0.0  # seconds before answering
    send_etag: bool = True
    send_last_modified: bool = True

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@dataclass
class Hostile:
    """A resource written piece by piece, ``pause`` seconds apart, until its pieces run out,
    the client goes away or the server stops; ``sent`` counts the body bytes written."""

    pieces: Callable[[], Iterable[bytes]]
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    pause: float = 0.0
    drip_head: bool = False  # the status line and headers too, one byte a pause
    chunked: bool = False  # Transfer-Encoding: chunked, one chunk a piece
    sent: int = 0
    total: int = 0  # body bytes it would write if read to the end (0: without end)


def in_flight_bytes() -> int:
    """The most a TCP connection can hold between a writer and a reader that has stopped
    reading: the writer's send buffer and the reader's receive buffer at their kernel
    maximum. A server's count of bytes written overshoots what the client read by at
    most this much, however busy the machine is."""
    def maximum(name: str) -> int:
        return int(Path(f"/proc/sys/net/ipv4/{name}").read_text().split()[-1])

    return maximum("tcp_wmem") + maximum("tcp_rmem")


def endless(piece: bytes) -> Callable[[], Iterable[bytes]]:
    return lambda: itertools.repeat(piece)


def gzip_bomb(start: bytes, gigabytes: int) -> tuple[Callable[[], Iterable[bytes]], int]:
    """A gzip body that inflates to ``start`` and then ``gigabytes`` GB of zeros, and its
    size: gzip members one after the other (a valid gzip stream), each 16 MB inflated."""
    member = gzip.compress(bytes(16 * 2**20), compresslevel=9)
    count = gigabytes * 64
    first = gzip.compress(start)
    return (lambda: itertools.chain([first], itertools.repeat(member, count)),
            len(first) + count * len(member))


class FeedServer:
    """Serves resources by path; records every request's path, headers and answer."""

    def __init__(self) -> None:
        self.resources: dict[str, Resource | Hostile] = {}
        self.log: list[tuple[str, dict[str, str], int]] = []
        self._stopping = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                resource = owner.resources.get(self.path)
                if isinstance(resource, Hostile):
                    owner.log.append((self.path, dict(self.headers), resource.status))
                    owner._misbehave(self, resource)
                    return
                if resource and resource.delay:
                    owner._stopping.wait(resource.delay)
                status, body, headers = owner._answer(resource, self.headers)
                owner.log.append((self.path, dict(self.headers), status))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"

    def serve(self, path: str, body: bytes | str, content_type: str = "application/rss+xml",
              **options: Any) -> str:
        """Serve ``body`` at ``path`` (replacing what was there); return its URL."""
        data = body.encode() if isinstance(body, str) else body
        self.resources[path] = Resource(data, content_type, **options)
        return self.base + path

    def serve_fixture(self, name: str, path: str | None = None, **options: Any) -> str:
        types = {".csv": "text/csv", ".json": "application/json", ".html": "text/html"}
        content_type = types.get(Path(name).suffix, "application/xml")
        return self.serve(path or f"/{name}", (FIXTURES / name).read_bytes(), content_type,
                          **options)

    def serve_hostile(self, path: str, resource: Hostile) -> str:
        self.resources[path] = resource
        return self.base + path

    def requests_to(self, path: str) -> list[tuple[dict[str, str], int]]:
        return [(headers, status) for logged, headers, status in self.log if logged == path]

    @staticmethod
    def _answer(resource: Resource | None, request: Any) -> tuple[int, bytes, dict[str, str]]:
        if resource is None:
            return 404, b"not found", {"Content-Type": "text/plain"}
        if resource.status != 200:
            return resource.status, b"server error", {"Content-Type": "text/plain"}
        headers = {"Content-Type": resource.content_type}
        if resource.send_etag:
            headers["ETag"] = resource.etag
        if resource.send_last_modified:
            headers["Last-Modified"] = LAST_MODIFIED
        # As RFC 9110 says: If-None-Match wins; If-Modified-Since only without it.
        if request.get("If-None-Match") is not None:
            not_modified = resource.send_etag and request["If-None-Match"] == resource.etag
        else:
            not_modified = (resource.send_last_modified
                            and request.get("If-Modified-Since") == LAST_MODIFIED)
        if not_modified:
            return 304, b"", headers
        return 200, resource.body, headers

    def _misbehave(self, handler: BaseHTTPRequestHandler, resource: Hostile) -> None:
        handler.close_connection = True
        head = f"HTTP/1.1 {resource.status} Hostile\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in resource.headers.items()) + "\r\n"
        try:
            if resource.drip_head:
                for byte in head.encode():
                    if self._stopping.wait(resource.pause):
                        return
                    handler.wfile.write(bytes([byte]))
            else:
                handler.wfile.write(head.encode())
            for piece in resource.pieces():
                if self._stopping.wait(resource.pause):
                    return
                framed = b"%x\r\n%s\r\n" % (len(piece), piece) if resource.chunked else piece
                handler.wfile.write(framed)
                resource.sent += len(piece)
            if resource.chunked:
                handler.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client went away
            pass

    def start(self) -> None:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    server.start()
    yield server
    server.stop()
