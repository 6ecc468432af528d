"""Merging two readers into one when a reader links their conversations.

Every table pointing at readers is moved generically. Where a unique key
includes the reader (one interest per topic, one RSVP per event), the row of
the reader merged away gives way to the kept reader's; interests are summed
first, so both readers' tastes count.
"""

from __future__ import annotations

from sqlalchemy import Table, and_, delete, exists, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import Column

from penpal.db.models import Reader, ReaderInterest
from penpal.privacy.schema import READERS, ReaderTable, reader_tables
from penpal.readers import PERSONALIZE, consent_answer, drop_profile

INTERESTS: Table = ReaderInterest.__table__


def merge_readers(session: Session, keep_id: int, gone_id: int) -> None:
    """Move everything of reader ``gone_id`` to ``keep_id``, then delete ``gone_id``.

    If the merged consent records end with a no to personalisation, the
    profile goes, as it would for any reader who says no.
    """
    session.flush()
    _merge_profile(session, keep_id, gone_id)
    _sum_interests(session, keep_id, gone_id)
    for linked in reader_tables():
        for column in linked.columns:
            _drop_duplicates(session, linked, column, keep_id, gone_id)
            session.execute(
                update(linked.table).where(column == gone_id).values({column.name: keep_id})
            )
    session.execute(delete(READERS).where(READERS.c.id == gone_id))
    session.expire_all()  # rows moved under the ORM's feet
    if consent_answer(session, keep_id, PERSONALIZE) is False:
        drop_profile(session, keep_id)


def _merge_profile(session: Session, keep_id: int, gone_id: int) -> None:
    """The kept reader's name wins; a reader without one takes the other's."""
    gone = session.get(Reader, gone_id)
    session.execute(
        update(READERS).where(READERS.c.id == keep_id).values(
            display_name=func.coalesce(READERS.c.display_name, gone.display_name),
        )
    )


def _sum_interests(session: Session, keep_id: int, gone_id: int) -> None:
    theirs = session.execute(
        select(INTERESTS.c.topic, INTERESTS.c.weight).where(INTERESTS.c.reader_id == gone_id)
    ).all()
    for topic, weight in theirs:
        session.execute(
            update(INTERESTS)
            .where(INTERESTS.c.reader_id == keep_id, INTERESTS.c.topic == topic)
            .values(weight=INTERESTS.c.weight + weight)
        )


def _drop_duplicates(
    session: Session, linked: ReaderTable, column: Column, keep_id: int, gone_id: int
) -> None:
    """Delete the merged-away reader's rows that would break a unique key once moved."""
    for unique in linked.unique_sets(column):
        kept = linked.table.alias("kept")
        same = [kept.c[other.name] == other for other in unique if other is not column]
        session.execute(
            delete(linked.table).where(
                column == gone_id,
                exists().where(and_(kept.c[column.name] == keep_id, *same)),
            )
        )
