import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from penpal.config import HandoffSettings
from penpal.contact import ContactRoute
from penpal.db import Database, StoreUnavailable
from penpal.db.clock import as_utc, utcnow
from penpal.db.database import CONFLICTS
from penpal.db.migrate import is_current
from penpal.db.models import (
    Base,
    ChannelIdentity,
    ConsentRecord,
    DeliveryStatus,
    EventStatus,
    HandoffRequest,
    HandoffStatus,
    NoticeStatus,
    PendingErasure,
    Reader,
    RsvpStatus,
    SubscriptionStatus,
)
from penpal.db.retry import ON_CONFLICT, WHEN_BUSY, Retry, transaction
from penpal.db.upsert import upsert
from penpal.handoff import HandoffDesk, Turn
from penpal.notify import WriterNotifier
from penpal.readers import Readers


def test_migrations_create_every_model_table(db: Database) -> None:
    assert is_current(db.url)
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_one_conversation_belongs_to_one_reader(db: Database) -> None:
    with pytest.raises(IntegrityError), db.session(passthrough=CONFLICTS) as session:
        for _ in range(2):
            session.add(ChannelIdentity(reader=Reader(), conversation_id="tg-1"))
            session.flush()


def test_erasing_a_reader_erases_everything_about_them(db: Database) -> None:
    Readers(db).remember_name("web-42", "rest", "Anna")
    desk = HandoffDesk(db, WriterNotifier(HandoffSettings()))
    desk.submit("web-42", "rest", "Hello Mira", ContactRoute("email", "anna@example.org"),
                [Turn("reader", "hi"), Turn("bot", "hello")])
    Readers(db).remember_name("web-43", "rest", "Ben")  # someone else stays

    with db.session() as session:
        reader = session.execute(
            select(Reader).join(ChannelIdentity).where(ChannelIdentity.conversation_id == "web-42")
        ).scalar_one()
        session.delete(reader)

    with db.session() as session:
        for model in (Reader, ChannelIdentity, ConsentRecord, HandoffRequest):
            rows = session.execute(select(model)).scalars().all()
            assert all("web-42" not in repr(vars(row)) and "Anna" not in repr(vars(row))
                       for row in rows), model.__tablename__
        assert session.scalar(select(func.count(HandoffRequest.id))) == 0
        assert session.scalar(select(func.count(Reader.id))) == 1


# --- StoreUnavailable: what leaves Database.session when the store fails ----


def test_a_conflict_nobody_handles_leaves_as_store_unavailable_without_personal_data(
    db: Database,
) -> None:
    with pytest.raises(StoreUnavailable) as raised, db.session() as session:
        for _ in range(2):
            session.add(ChannelIdentity(reader=Reader(), conversation_id="anna@example.org"))
            session.flush()
    assert isinstance(raised.value.__cause__, IntegrityError)
    assert "anna" not in str(raised.value)
    with db.session() as session:  # rolled back
        assert session.scalar(select(func.count(ChannelIdentity.id))) == 0


def test_an_unreachable_sqlite_file_raises_store_unavailable(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'no such folder' / 'penpal.db'}")
    with pytest.raises(StoreUnavailable) as raised, db.session() as session:
        session.execute(select(Reader.id))
    assert isinstance(raised.value.__cause__, OperationalError)
    assert "no such folder" not in str(raised.value)
    db.dispose()


def test_an_unreachable_postgresql_server_raises_store_unavailable() -> None:
    db = Database("postgresql://penpal:secret@127.0.0.1:9/penpal?connect_timeout=2")
    with pytest.raises(StoreUnavailable) as raised, db.session() as session:
        session.execute(select(Reader.id))
    assert isinstance(raised.value.__cause__, OperationalError)
    assert "secret" not in str(raised.value)
    db.dispose()


def test_a_locked_sqlite_database_raises_store_unavailable(sqlite_url: str) -> None:
    path = sqlite_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process writing, for good
    db = Database(sqlite_url)
    try:
        with pytest.raises(StoreUnavailable) as raised, db.session() as session:
            session.execute(text("PRAGMA busy_timeout=0"))  # do not wait 5 s for it
            session.add(Reader(display_name="Anna"))
        assert "locked" in str(raised.value.__cause__)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        db.dispose()


def test_a_corrupt_sqlite_file_raises_store_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "penpal.db"
    path.write_bytes(b"this is not a database, it only has its name" * 100)
    db = Database(f"sqlite:///{path}")
    with pytest.raises(StoreUnavailable), db.session() as session:
        session.execute(select(Reader.id))
    db.dispose()


def test_other_errors_leave_the_session_unchanged_and_roll_it_back(db: Database) -> None:
    with pytest.raises(ValueError, match="not a database error"), db.session() as session:
        session.add(Reader(display_name="Anna"))
        session.flush()
        raise ValueError("not a database error")
    with db.session() as session:
        assert session.scalar(select(func.count(Reader.id))) == 0


# --- the clock ---------------------------------------------------------------


def test_the_clock_is_aware_utc() -> None:
    before = datetime.now(timezone.utc)
    now = utcnow()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(timezone.utc)


def test_a_naive_time_is_utc_and_an_aware_one_is_converted() -> None:
    naive = datetime(2026, 3, 1, 12, 0)
    assert as_utc(naive) == datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    berlin = datetime(2026, 3, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    assert as_utc(berlin).tzinfo is timezone.utc
    assert as_utc(berlin) == as_utc(naive)
    assert utcnow(naive) == as_utc(naive) and utcnow(berlin) == as_utc(naive)


def test_a_stored_time_reads_back_as_the_same_utc_time(db: Database) -> None:
    moment = datetime(2026, 3, 1, 13, 30, tzinfo=timezone(timedelta(hours=1)))
    with db.session() as session:  # stored in UTC: SQLite would keep any offset's wall time
        session.add(PendingErasure(conversation_id="web-1", requested_at=utcnow(moment)))
    with db.session() as session:
        stored = session.get(PendingErasure, "web-1").requested_at  # naive on SQLite
    assert as_utc(stored) == moment
    assert as_utc(stored).hour == 12


# --- the upsert --------------------------------------------------------------


def _erasures(db: Database) -> dict[str, datetime]:
    with db.session() as session:
        return {row.conversation_id: as_utc(row.requested_at)
                for row in session.execute(select(PendingErasure)).scalars()}


def test_upsert_inserts_then_updates_in_place(db: Database) -> None:
    first, later = utcnow() - timedelta(hours=1), utcnow()
    for moment in (first, later):
        with db.session() as session:
            upsert(session, PendingErasure, {"conversation_id": "web-1", "requested_at": moment},
                   key=[PendingErasure.conversation_id], changes={"requested_at": moment})
    assert _erasures(db) == {"web-1": later}


def test_upsert_of_several_rows_can_take_the_new_values(db: Database) -> None:
    first, later = utcnow() - timedelta(hours=1), utcnow()
    with db.session() as session:
        session.add(PendingErasure(conversation_id="web-1", requested_at=first))
    with db.session() as session:
        upsert(session, PendingErasure,
               [{"conversation_id": cid, "requested_at": later} for cid in ("web-1", "web-2")],
               key=[PendingErasure.conversation_id],
               changes=lambda new: {"requested_at": new.requested_at})
    assert _erasures(db) == {"web-1": later, "web-2": later}


# --- the retry loop ----------------------------------------------------------


class _FlakyDatabase:
    """A stand-in whose first ``failures`` sessions fail with ``error``."""

    def __init__(self, db: Database, failures: int, error: Exception) -> None:
        self.db, self.failures, self.error, self.sessions = db, failures, error, 0

    @contextmanager
    def session(self, **kwargs: Any) -> Iterator[Session]:
        self.sessions += 1
        with self.db.session(**kwargs) as session:
            if self.sessions <= self.failures:
                raise self.error
            yield session


def _busy() -> OperationalError:
    return OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))


def test_a_busy_database_is_retried_with_growing_pauses(db: Database) -> None:
    flaky, pauses, retried = _FlakyDatabase(db, 3, _busy()), [], []
    result = transaction(flaky, lambda session: session.scalar(select(func.count(Reader.id))),
                         WHEN_BUSY, on_retry=retried.append, sleep=pauses.append)
    assert result == 0 and flaky.sessions == 4
    assert retried == [1, 2, 3]
    assert len(pauses) == 3 and all(0.005 * n <= pause <= 0.02 * n
                                     for n, pause in enumerate(pauses, start=1))


def test_a_database_busy_for_every_attempt_is_unavailable(db: Database) -> None:
    flaky = _FlakyDatabase(db, 99, _busy())
    with pytest.raises(StoreUnavailable) as raised:
        transaction(flaky, lambda session: None, Retry(WHEN_BUSY.errors, 3), sleep=lambda _: None)
    assert flaky.sessions == 3
    assert isinstance(raised.value.__cause__, OperationalError)


def test_errors_not_retried_leave_at_once(db: Database) -> None:
    flaky = _FlakyDatabase(db, 1, _busy())
    with pytest.raises(StoreUnavailable):
        transaction(flaky, lambda session: None, ON_CONFLICT)
    assert flaky.sessions == 1


def test_a_lost_race_is_run_again_and_then_finds_the_winner(db: Database) -> None:
    with db.session() as session:
        session.add(PendingErasure(conversation_id="web-1", requested_at=utcnow()))
    attempts = []

    def work(session: Session) -> str:
        attempts.append(1)
        if len(attempts) == 1:  # as if the row was not there yet when this one looked
            session.add(PendingErasure(conversation_id="web-1", requested_at=utcnow()))
            session.flush()
            return "inserted"
        return "found" if session.get(PendingErasure, "web-1") else "missing"

    assert transaction(db, work, ON_CONFLICT) == "found"
    assert len(attempts) == 2


def test_a_race_lost_every_time_is_unavailable(db: Database) -> None:
    with db.session() as session:
        session.add(PendingErasure(conversation_id="web-1", requested_at=utcnow()))

    def work(session: Session) -> None:
        session.add(PendingErasure(conversation_id="web-1", requested_at=utcnow()))

    with pytest.raises(StoreUnavailable) as raised:
        transaction(db, work, ON_CONFLICT)
    assert isinstance(raised.value.__cause__, IntegrityError)


# --- status vocabularies -----------------------------------------------------


@pytest.mark.parametrize(("vocabulary", "stored"), [
    (HandoffStatus, {"pending", "notified"}),
    (EventStatus, {"scheduled", "cancelled"}),
    (RsvpStatus, {"going", "waitlisted", "cancelled"}),
    (NoticeStatus, {"pending", "sending", "sent", "history", "skipped"}),
    (SubscriptionStatus, {"pending", "subscribed", "unsubscribed"}),
    (DeliveryStatus, {"sending", "sent"}),
])
def test_status_vocabularies_are_the_strings_stored(vocabulary: type, stored: set[str]) -> None:
    assert {member.value for member in vocabulary} == stored
    for member in vocabulary:
        assert member == member.value and str(member) == member.value == f"{member}"
        assert len(member.value) <= 16  # the columns are String(16)


def test_a_status_set_from_the_vocabulary_is_stored_as_its_string(db: Database) -> None:
    with db.session() as session:
        reader = Reader()
        session.add(HandoffRequest(reader=reader, message="hi", contact="x", transcript=[]))
        session.flush()
        session.add(HandoffRequest(reader=reader, message="hi again", contact="x",
                                   transcript=[], status=HandoffStatus.NOTIFIED))
    with db.session() as session:
        statuses = session.execute(
            text("SELECT status FROM handoff_requests ORDER BY id")).scalars().all()
    assert statuses == ["pending", "notified"]
    assert all(type(status) is str for status in statuses)
