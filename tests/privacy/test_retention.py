"""Nothing personal is kept longer than the writer's retention period."""

import secrets
from datetime import timedelta

from sqlalchemy import Table, func, insert, select

from penpal.db import Database
from penpal.db.models import (
    ExportLink,
    Feedback,
    LinkCode,
    Recommendation,
    TryCounter,
    utcnow,
)
from penpal.newsletter.tokens import digest
from penpal.privacy import (
    complete_link,
    create_export_link,
    erase_conversations,
    export_reader,
    purge_conversation_history,
    purge_expired,
    reader_id_for,
)
from tests.privacy.people import OSWIN, ZEPHYRINE, backdate, days_ago, populate
from tests.privacy.rasa_store import Rasa
from tests.privacy.scan import app_database_text, traces, tracker_store_text


def count(db: Database, model: type) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def anonymous_pick(db: Database, item_id: int, days: float) -> str:
    token = secrets.token_urlsafe(16)
    with db.session() as session:
        session.add(Recommendation(token_hash=digest(token), item_id=item_id,
                                   created_at=days_ago(days)))
    return token


def test_inactive_readers_go_with_everything_and_active_ones_stay(
    db: Database, items: list[int], rasa: Rasa, tracker_url: str
) -> None:
    old = populate(db, ZEPHYRINE, items)
    backdate(db, old, days_ago(400))
    recent = populate(db, OSWIN, items)
    backdate(db, recent, days_ago(400))
    with db.session() as session:  # ... but Oswin liked something yesterday
        session.add(Feedback(reader_id=recent, item_id=items[2], kind="liked",
                             created_at=days_ago(1)))
    rasa.conversation(ZEPHYRINE.conversations[0], (ZEPHYRINE.said, "Noted."))
    rasa.conversation(OSWIN.conversations[0], (OSWIN.said, "Noted."))

    report = purge_expired(db, retention_days=365)
    erase_conversations(tracker_url, db, grace_seconds=0)

    assert (report.readers, report.conversations) == (1, 2)
    assert reader_id_for(db, ZEPHYRINE.conversations[0]) is None
    assert traces(app_database_text(db), ZEPHYRINE.traces) == []
    assert traces(tracker_store_text(tracker_url), ZEPHYRINE.traces) == []
    assert len(export_reader(db, recent)["feedback"]) == 4
    assert OSWIN.said in tracker_store_text(tracker_url)


def test_activity_in_a_table_added_later_counts(
    db: Database, items: list[int], follows: Table
) -> None:
    reader_id = populate(db, ZEPHYRINE, items)
    backdate(db, reader_id, days_ago(400))
    with db.session() as session:
        session.execute(insert(follows).values(reader_id=reader_id, topic="maps",
                                               since=days_ago(3)))
    assert purge_expired(db, retention_days=365).readers == 0
    assert purge_expired(db, retention_days=365, now=utcnow() + timedelta(days=363)).readers == 1


def test_old_anonymous_picks_and_expired_secrets_go(db: Database, items: list[int]) -> None:
    old, fresh = anonymous_pick(db, items[0], 400), anonymous_pick(db, items[0], 10)
    reader_id = populate(db, ZEPHYRINE, items)  # a live export link and link code
    now = utcnow()
    create_export_link(db, reader_id, ttl=timedelta(hours=1), now=now - timedelta(hours=2))
    complete_link(db, "no-code", "rest:visitor-1", "rest", now=now - timedelta(hours=1))

    report = purge_expired(db, retention_days=365, now=now)

    assert (report.anonymous_recommendations, report.export_links) == (1, 1)
    assert (report.link_codes, report.try_counters, report.readers) == (0, 2, 0)  # visitor, rest
    with db.session() as session:
        assert session.get(Recommendation, digest(old)) is None
        assert session.get(Recommendation, digest(fresh)) is not None
    assert (count(db, ExportLink), count(db, LinkCode), count(db, TryCounter)) == (1, 1, 0)
    later = purge_expired(db, retention_days=365, now=now + timedelta(minutes=11))
    assert later.link_codes == 1 and count(db, LinkCode) == 0


def test_conversation_history_older_than_the_retention_period_goes(
    db: Database, rasa: Rasa, tracker_url: str
) -> None:
    rasa.conversation("visitor-1", (ZEPHYRINE.said, "Noted."))
    now = utcnow()

    assert purge_conversation_history(tracker_url, retention_days=30, now=now) == 0
    assert purge_conversation_history(tracker_url, 30, now=now + timedelta(days=31)) == 7
    assert ZEPHYRINE.said not in tracker_store_text(tracker_url)
