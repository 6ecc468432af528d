"""Fetching a catalogue source: the shared bounded fetch, with the catalogue's limits."""

from __future__ import annotations

from penpal.catalog.errors import ImportFailed
from penpal.fetch import Fetched, FetchFailed
from penpal.fetch import fetch as fetch_bounded

DEFAULT_TIMEOUT = 10.0
MAX_BYTES = 20 * 1024 * 1024


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Fetched:
    """GET ``url`` within ``timeout`` seconds (the whole fetch) and MAX_BYTES; ImportFailed
    on any failure. See penpal.fetch for the bounds."""
    try:
        return fetch_bounded(url, timeout=timeout, max_bytes=MAX_BYTES, etag=etag,
                             last_modified=last_modified)
    except FetchFailed as error:
        raise ImportFailed(str(error)) from None
