"""Fetching an untrusted document over HTTP within hard bounds (catalogue and event feeds).

Whatever the server does, a fetch ends in about ``timeout`` seconds with at most
``max_bytes`` of body in memory:

- ``timeout`` covers the whole fetch, not each read: requests' own timeout
  applies to each read, so a server sending one byte a second would never trip
  it. A watchdog shuts the connection's socket down at the deadline, which wakes
  the blocked read. (Connecting, TLS handshake included, is bounded by
  ``timeout`` on its own; the deadline holds from then on.)
- the body is read in chunks as they arrive and counted after decompression
  (urllib3 inflates at most a chunk at a time), so a gzip bomb or an endless
  body stops at the cap; a Content-Length above it is refused before reading.
- redirects are followed here, not by requests, which reads a redirect's whole
  body, unbounded, before following it.

Every failure raises FetchFailed, whose message is meant for the writer.
"""

from __future__ import annotations

import socket
import threading
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool

USER_AGENT = "Penpal/0.1"
CHUNK_BYTES = 64 * 1024
MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)


class FetchFailed(Exception):
    """The document could not be fetched within the bounds; the message says why."""


@dataclass(frozen=True)
class Fetched:
    """What the server answered; ``content`` is None when it said 304 Not Modified."""

    content: bytes | None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.content is None


def fetch(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    accept: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched:
    """GET ``url`` (sending If-None-Match / If-Modified-Since when known) within the bounds."""
    headers = {"User-Agent": USER_AGENT}
    if accept:
        headers["Accept"] = accept
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    watchdog = _Watchdog(timeout)
    token = _watchdog.set(watchdog)
    answered = False
    try:
        with _Session() as session:
            session.mount("http://", _Adapter())
            session.mount("https://", _Adapter())
            with _get(session, url, headers, timeout) as response:
                answered = True
                if response.status_code == 304:
                    return Fetched(None, etag, last_modified)
                if response.status_code >= 400:
                    raise FetchFailed(f"{url} answered HTTP {response.status_code} "
                                      f"{(response.reason or '')[:100]}".rstrip())
                content = _read(url, response, max_bytes)
                if watchdog.expired:  # a shut socket can look like the end of a body
                    raise FetchFailed(_late(url, timeout, answered))
                return Fetched(
                    content,
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                    content_type=response.headers.get("Content-Type"),
                )
    except requests.RequestException as error:
        if watchdog.expired or isinstance(error, requests.Timeout):
            raise FetchFailed(_late(url, timeout, answered)) from None
        if isinstance(error, requests.ConnectionError) and not answered:
            raise FetchFailed(f"{url} could not be reached: {_cause(error)}") from None
        raise FetchFailed(f"{url} could not be fetched: {_cause(error)}") from None
    finally:
        watchdog.stop()
        _watchdog.reset(token)


def _get(
    session: requests.Session, url: str, headers: dict[str, str], timeout: float
) -> requests.Response:
    """The first answer that is not a redirect, its body not read yet."""
    for _ in range(MAX_REDIRECTS + 1):
        response = session.get(url, headers=headers, timeout=timeout, stream=True,
                               allow_redirects=False)
        location = response.headers.get("Location")
        if response.status_code not in REDIRECTS or not location:
            return response
        response.close()  # its body is never read
        url = urljoin(response.url, location)
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise FetchFailed(f"{response.url} redirects to {url[:100]!r}, not an http(s) URL")
    raise FetchFailed(f"{url} redirects more than {MAX_REDIRECTS} times")


def _read(url: str, response: requests.Response, max_bytes: int) -> bytes:
    too_large = f"{url} is larger than {_size(max_bytes)}"
    declared = response.headers.get("Content-Length", "")
    encoded = response.headers.get("Content-Encoding", "identity").lower() != "identity"
    if declared.isdigit() and int(declared) > max_bytes and not encoded:
        raise FetchFailed(f"{too_large} (it says {_size(int(declared))})")
    body = bytearray()
    for chunk in response.iter_content(CHUNK_BYTES):
        body += chunk
        if len(body) > max_bytes:
            raise FetchFailed(too_large)
    return bytes(body)


def _late(url: str, timeout: float, answered: bool) -> str:
    return f"{url} did not {'finish' if answered else 'answer'} within {timeout:g} s"


def _size(count: int) -> str:
    if count < 2**20:
        return f"{count} bytes"
    return f"{count / 2**20:.1f}".removesuffix(".0") + " MB"


def _cause(error: requests.RequestException) -> str:
    """The last link of requests' long chain ("... [Errno 111] Connection refused")."""
    reason = error.args[0] if error.args else error
    return str(getattr(reason, "reason", reason)).rsplit(": ", 1)[-1][:200]


class _Watchdog:
    """At the deadline, shuts down the sockets of the connections it watches.

    It keeps the sockets, not the connections: http.client hands a response that
    is read until the connection closes its socket, and forgets it.
    """

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, connection: HTTPConnection) -> None:
        if connection.sock is None:
            return
        with self._lock:
            self._sockets.append(connection.sock)
            if self.expired:  # the deadline passed while connecting
                _shut(connection.sock)

    def stop(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._sockets.clear()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    # socket's own shutdown: SSLSocket's would also drop its TLS state under a reader
    with suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


_watchdog: ContextVar[_Watchdog | None] = ContextVar("penpal_fetch_watchdog", default=None)


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        watchdog = _watchdog.get()
        if watchdog is not None:
            watchdog.watch(self)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        watchdog = _watchdog.get()
        if watchdog is not None:
            watchdog.watch(self)


_WATCHED: dict[type, type] = {
    HTTPConnection: _WatchedHTTPConnection, HTTPSConnection: _WatchedHTTPSConnection}


class _Adapter(HTTPAdapter):
    """Gives its connection pools connections the current fetch's watchdog can shut."""

    def get_connection_with_tls_context(self, *args: Any, **kwargs: Any) -> HTTPConnectionPool:
        # requests' stubs say ConnectionPool; its pool manager hands out HTTP(S)ConnectionPools
        pool = cast(HTTPConnectionPool, super().get_connection_with_tls_context(*args, **kwargs))
        pool.ConnectionCls = _WATCHED.get(pool.ConnectionCls, pool.ConnectionCls)
        return pool


class _Session(requests.Session):
    """Never follows a redirect itself (which would read its body first): _get does."""

    def get_redirect_target(self, resp: requests.Response) -> None:
        return None
