"""Fetching a source over HTTP, with conditional requests and hard bounds."""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests

from penpal.catalog.errors import ImportFailed

DEFAULT_TIMEOUT = 10.0
MAX_BYTES = 20 * 1024 * 1024
USER_AGENT = "Penpal-catalogue/0.1"


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
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Fetched:
    """GET ``url``, sending If-None-Match / If-Modified-Since when known.

    ``timeout`` bounds the whole fetch (connecting, waiting and downloading), so a
    slow server cannot hold up a sync. Any failure raises ImportFailed.
    """
    headers = {"User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + timeout
    try:
        with requests.get(url, headers=headers, timeout=timeout, stream=True) as response:
            if response.status_code == 304:
                return Fetched(None, etag, last_modified)
            if response.status_code >= 400:
                raise ImportFailed(f"{url} answered HTTP {response.status_code} "
                                   f"{response.reason or ''}".rstrip())
            content = _read(response, deadline, timeout)
            return Fetched(
                content,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
                content_type=response.headers.get("Content-Type"),
            )
    except requests.Timeout:
        raise ImportFailed(f"{url} did not answer within {timeout:g} s") from None
    except requests.ConnectionError as error:
        raise ImportFailed(f"{url} could not be reached: {_cause(error)}") from None
    except requests.RequestException as error:
        raise ImportFailed(f"{url} could not be fetched: {error}") from None


def _cause(error: requests.ConnectionError) -> str:
    """The last link of requests' long chain ("... [Errno 111] Connection refused")."""
    reason = error.args[0] if error.args else error
    return str(getattr(reason, "reason", reason)).rsplit(": ", 1)[-1]


def _read(response: requests.Response, deadline: float, timeout: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=64 * 1024):
        size += len(chunk)
        if size > MAX_BYTES:
            raise ImportFailed(f"{response.url} is larger than {MAX_BYTES // 2**20} MB")
        if time.monotonic() > deadline:
            raise ImportFailed(f"{response.url} did not finish within {timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)
