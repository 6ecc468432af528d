"""Importing events from an ICS file or URL, and syncing the ICS feeds in penpal.yml."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from penpal.db import Database
from penpal.events.ics import DEFAULT_TIMEOUT, MAX_BYTES, fetch, parse
from penpal.events.records import EventError
from penpal.events.store import EventImportSummary, import_records


def import_source(
    db: Database, source: str, default_zone: str = "UTC", timeout: float = DEFAULT_TIMEOUT,
    today: date | None = None,
) -> EventImportSummary:
    """Import (or update, by UID) the events of an ICS file path or http(s) URL."""
    if source.startswith(("http://", "https://")):
        data = fetch(source, timeout)
    else:
        try:
            with Path(source).open("rb") as file:
                data = file.read(MAX_BYTES + 1)
        except OSError as error:
            raise EventError(f"cannot read {source}: {error.strerror}") from error
        if len(data) > MAX_BYTES:
            raise EventError(f"{source} is larger than {MAX_BYTES // 2**20} MB")
    records, rejected = parse(data, default_zone, today)
    return import_records(db, records, source, rejected)
