"""Saving item records: one transaction per import, upserted by (source, external id)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from penpal.catalog.records import ItemRecord, Rejection
from penpal.db import Database
from penpal.db.clock import utcnow
from penpal.db.database import CONFLICTS
from penpal.db.models import Item, ItemTopic
from penpal.db.retry import Retry, transaction

log = logging.getLogger(__name__)

# Called with (entries done, entries in all) as an import goes.
Progress = Callable[[int, int], None]
# A concurrent import of the same source may insert the same items first.
LOST_RACE = Retry(CONFLICTS, 3)


@dataclass
class CatalogImportSummary:
    """What an import of catalogue items did.

    ``not_modified``: the server said nothing changed (HTTP 304).
    """

    source: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    new_item_ids: list[int] = field(default_factory=list)
    not_modified: bool = False


def store_records(
    db: Database,
    source: str,
    records: Sequence[ItemRecord],
    rejected: Sequence[Rejection] = (),
    progress: Progress | None = None,
) -> CatalogImportSummary:
    """Insert new records, update changed ones in place, leave the rest alone.

    Items of the source that are no longer in it stay: a feed lists only its
    latest entries, so absence does not mean removal.

    Everything happens in one transaction. If another import of the same source
    commits the same items first, the unique constraint on (source, external_id)
    makes this one fail; it is then retried and finds those items in place.
    """

    def work(session: Session) -> CatalogImportSummary:
        summary = CatalogImportSummary(source=source, rejected=list(rejected))
        _upsert(session, records, summary, progress)
        return summary

    def retrying(attempt: int) -> None:
        log.info("a concurrent import of the same source won; retrying (%d)", attempt)

    return transaction(db, work, LOST_RACE, on_retry=retrying)


def _upsert(
    session: Session,
    records: Sequence[ItemRecord],
    summary: CatalogImportSummary,
    progress: Progress | None,
) -> None:
    existing = {
        item.external_id: item
        for item in session.execute(
            select(Item).where(Item.source == summary.source).options(selectinload(Item.topics))
        ).scalars()
    }
    total = len(records) + len(summary.rejected)
    added: list[Item] = []
    now = utcnow()
    if progress:
        progress(len(summary.rejected), total)
    for done, record in enumerate(records, start=len(summary.rejected) + 1):
        item = existing.get(record.external_id)
        if item is None:
            item = Item(source=record.source, external_id=record.external_id,
                        imported_at=now, updated_at=now)
            _fill(item, record)
            session.add(item)
            added.append(item)
        elif item.content_hash == record.content_hash:
            summary.unchanged += 1
        else:
            _fill(item, record)
            item.updated_at = now
            summary.updated += 1
        if progress:
            progress(done, total)
    session.flush()
    summary.new = len(added)
    summary.new_item_ids = [item.id for item in added]


def _fill(item: Item, record: ItemRecord) -> None:
    item.url = record.url
    item.title = record.title
    item.summary = record.summary
    item.body = record.body
    item.kind = record.kind
    item.minutes = record.minutes
    item.published_at = record.published_at
    item.content_hash = record.content_hash
    current = {topic.topic: topic for topic in item.topics}
    item.topics = [current.get(topic) or ItemTopic(topic=topic) for topic in record.topics]
