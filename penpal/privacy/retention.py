"""Keeping nothing personal longer than the writer's retention period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, not_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Delete

from penpal.db import Database
from penpal.db.clock import utcnow
from penpal.db.models import ExportLink, LinkCode, Reader, Recommendation, TryCounter
from penpal.privacy.erasure import erase_reader
from penpal.privacy.schema import reader_tables


@dataclass(frozen=True)
class PurgeReport:
    readers: int  # erased with everything about them
    conversations: int  # of those readers, queued for erasure from the tracker store
    anonymous_recommendations: int
    export_links: int
    link_codes: int
    try_counters: int

    def lines(self) -> list[str]:
        return [
            f"readers erased (inactive too long): {self.readers}",
            f"their conversations queued for erasure from Rasa's history: {self.conversations}",
            f"anonymous recommendations deleted: {self.anonymous_recommendations}",
            f"expired export links deleted: {self.export_links}",
            f"expired link codes deleted: {self.link_codes}",
            f"ended try counters deleted: {self.try_counters}",
        ]


def purge_expired(
    db: Database, retention_days: int, now: datetime | None = None
) -> PurgeReport:
    """Erase readers inactive for longer than ``retention_days``, and expired odds and ends.

    A reader's latest activity is the newest timestamp in any of their rows
    (any date-time column of any table pointing at readers, and when the reader
    was created), so tables added later count without edits.
    """
    moment = utcnow(now)
    cutoff = moment - timedelta(days=retention_days)
    with db.session() as session:
        readers = conversations = 0
        for reader_id in inactive_readers(session, cutoff):
            report = erase_reader(session, reader_id, moment)
            readers += 1
            conversations += report.conversations
        return PurgeReport(
            readers=readers,
            conversations=conversations,
            anonymous_recommendations=_deleted(session, delete(Recommendation).where(
                Recommendation.reader_id.is_(None), Recommendation.created_at < cutoff
            )),
            export_links=_deleted(session, delete(ExportLink).where(
                ExportLink.expires_at <= moment
            )),
            link_codes=_deleted(session, delete(LinkCode).where(LinkCode.expires_at <= moment)),
            try_counters=_deleted(session, delete(TryCounter).where(
                TryCounter.window_ends_at <= moment
            )),
        )


def inactive_readers(session: Session, cutoff: datetime) -> list[int]:
    """Readers with no row dated at or after ``cutoff``."""
    recent = [Reader.created_at >= cutoff]
    for linked in reader_tables():
        belongs = or_(*(column == Reader.id for column in linked.columns))
        recent += [
            exists().where(belongs, column >= cutoff) for column in linked.datetime_columns()
        ]
    return list(session.execute(
        select(Reader.id).where(not_(or_(*recent))).order_by(Reader.id)
    ).scalars())


def _deleted(session: Session, statement: Delete) -> int:
    return session.execute(statement.execution_options(synchronize_session=False)).rowcount
