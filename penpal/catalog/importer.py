"""One import: read a file or fetch a URL, parse, normalise, store."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from penpal.catalog.errors import ImportFailed
from penpal.catalog.fetch import DEFAULT_TIMEOUT, MAX_BYTES, fetch
from penpal.catalog.normalize import clean_topics
from penpal.catalog.parsers import detect_format, parse
from penpal.catalog.records import Defaults, ItemRecord, Rejection, build_records
from penpal.catalog.state import FeedCheck, feed_check, record_failure, record_success
from penpal.catalog.store import CatalogImportSummary, Progress, store_records
from penpal.db import Database

log = logging.getLogger(__name__)

MAX_SOURCE = 500  # the length of items.source


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def import_source(
    db: Database,
    source: str,
    *,
    kind: str = "article",
    topics: Iterable[str] = (),
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
) -> CatalogImportSummary:
    """Import an http(s) URL or a file path; the format comes from the extension or content."""
    if is_url(source):
        return import_url(db, source, kind=kind, topics=topics, timeout=timeout,
                          progress=progress)
    return import_file(db, source, kind=kind, topics=topics, progress=progress)


def import_file(
    db: Database,
    path: str | Path,
    *,
    kind: str = "article",
    topics: Iterable[str] = (),
    progress: Progress | None = None,
) -> CatalogImportSummary:
    """Import a CSV, JSON, RSS or Atom file; its path as given is the items' source."""
    try:
        with Path(path).open("rb") as file:
            content = file.read(MAX_BYTES + 1)
    except OSError as error:
        raise ImportFailed(f"{path} could not be read: {error.strerror or error}") from None
    if len(content) > MAX_BYTES:
        raise ImportFailed(f"{path} is larger than {MAX_BYTES // 2**20} MB")
    records, rejected = read_records(content, str(path), kind=kind, topics=topics)
    return _store(db, str(path), records, rejected, progress)


def import_url(
    db: Database,
    url: str,
    *,
    kind: str = "article",
    topics: Iterable[str] = (),
    timeout: float = DEFAULT_TIMEOUT,
    conditional: bool = True,
    progress: Progress | None = None,
) -> CatalogImportSummary:
    """Fetch and import ``url``; the outcome is recorded in its FeedState row.

    With ``conditional`` the last ETag / Last-Modified are sent, and a 304 returns a
    summary with ``not_modified`` set and touches no item. On failure ImportFailed
    is raised, the error is recorded, and the items already stored stay as they were.
    """
    last = feed_check(db, url) if conditional else FeedCheck(url)
    try:
        _check_source(url)
        fetched = fetch(url, etag=last.etag, last_modified=last.last_modified, timeout=timeout)
        if fetched.content is None:
            summary = CatalogImportSummary(source=url, not_modified=True)
        else:
            records, rejected = read_records(fetched.content, url, kind=kind, topics=topics,
                                             content_type=fetched.content_type)
            summary = _store(db, url, records, rejected, progress)
    except ImportFailed as error:
        record_failure(db, url, str(error))
        raise
    record_success(db, url, fetched)
    return summary


def read_records(
    content: bytes,
    source: str,
    *,
    kind: str = "article",
    topics: Iterable[str] = (),
    content_type: str | None = None,
) -> tuple[list[ItemRecord], list[Rejection]]:
    """The item records in a source's content, and the entries rejected with the reason.

    The format comes from the source's extension, the content type or the content;
    a feed's relative links are resolved against ``source`` when it is a URL. Nothing
    is stored. ImportFailed if the content cannot be read at all.
    """
    _check_source(source)
    entries = parse(content, detect_format(source, content, content_type), content_type,
                    base_url=source if is_url(source) else None)
    return build_records(entries, Defaults(source, kind, clean_topics(topics)))


def _check_source(source: str) -> None:
    if len(source) > MAX_SOURCE:
        raise ImportFailed(f"a source's URL or path may have at most {MAX_SOURCE} characters")


def _store(
    db: Database, source: str, records: list[ItemRecord], rejected: list[Rejection],
    progress: Progress | None,
) -> CatalogImportSummary:
    summary = store_records(db, source, records, rejected, progress)
    log.info("imported %s: %d new, %d updated, %d unchanged, %d rejected", source,
             summary.new, summary.updated, summary.unchanged, len(summary.rejected))
    return summary
