"""Reminders, promotions and cancellation notices, sent exactly once through Rasa's API."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import yaml
from sqlalchemy import select

from penpal.db import Database
from penpal.db.models import EventNotice
from penpal.events import EventFilter, cancel_event, cancel_rsvp, deliver_due, rsvp, upcoming
from penpal.push import RasaPusher
from penpal.scheduler import tick
from tests.events.conftest import RasaStub, make_event

HOURS = [24.0, 1.0]
NOW_2030 = datetime(2030, 1, 1, tzinfo=timezone.utc)


def statuses(db: Database) -> list[tuple[str, str]]:
    with db.session() as session:
        return [tuple(row) for row in session.execute(
            select(EventNotice.kind, EventNotice.status).order_by(EventNotice.id))]


def test_a_due_reminder_survives_a_restart_and_is_sent_exactly_once(db: Database) -> None:
    event = make_event(db, starts_in=timedelta(hours=30))
    rsvp(db, "tg-42", "telegram", event.id, "Ann", "ann@example.org", HOURS)
    # The scheduler was down when the 24 h reminder fell due; two come back at once.
    later = datetime.now(timezone.utc) + timedelta(hours=7)
    with RasaStub().running() as rasa:
        schedulers = [Database(db.url), Database(db.url)]
        start = threading.Barrier(2)

        def run(scheduler: Database) -> None:
            start.wait()
            deliver_due(scheduler, RasaPusher(rasa.url), now=later)

        threads = [threading.Thread(target=run, args=(s,)) for s in schedulers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        deliver_due(Database(db.url), RasaPusher(rasa.url), now=later)  # and a restart
        for scheduler in schedulers:
            scheduler.dispose()
    assert len(rasa.calls) == 1
    call = rasa.calls[0]
    assert call["path"] == "/conversations/tg-42/trigger_intent"
    assert call["query"]["output_channel"] == ["telegram"]
    assert call["body"] == {"name": "EXTERNAL_event_reminder", "entities": {
        "event_id": str(event.id), "event_notice": "reminder", "event_hours": "24"}}
    assert statuses(db) == [("reminder", "sent"), ("reminder", "pending")]


def test_rasa_down_means_retry_and_a_started_event_means_skip(db: Database) -> None:
    event = make_event(db, starts_in=timedelta(hours=30))
    rsvp(db, "tg-1", "telegram", event.id, "Ann", "ann@example.org", HOURS)
    later = datetime.now(timezone.utc) + timedelta(hours=7)
    with RasaStub(status=500).running() as rasa:
        assert deliver_due(db, RasaPusher(rasa.url), now=later).failed == 1
    assert statuses(db)[0] == ("reminder", "pending")
    after_start = datetime.now(timezone.utc) + timedelta(hours=31)
    with RasaStub().running() as rasa:
        report = deliver_due(db, RasaPusher(rasa.url), now=after_start)
    assert (report.sent, report.skipped, rasa.calls) == (0, 2, [])


def test_only_the_nearest_of_several_overdue_reminders_is_sent(db: Database) -> None:
    event = make_event(db, starts_in=timedelta(hours=30))
    rsvp(db, "tg-1", "telegram", event.id, "Ann", "ann@example.org", HOURS)
    almost = datetime.now(timezone.utc) + timedelta(hours=29, minutes=30)
    with RasaStub().running() as rasa:
        report = deliver_due(db, RasaPusher(rasa.url), now=almost)
    assert (report.sent, report.skipped) == (1, 1)
    assert rasa.calls[0]["body"]["entities"]["event_hours"] == "1"


def test_promotion_and_cancellation_are_told_rest_readers_keep_it_in_history(
    db: Database,
) -> None:
    event = make_event(db, capacity=1)
    rsvp(db, "web-1", "socketio", event.id, "Ann", "ann@example.org", HOURS)
    rsvp(db, "rest-2", "rest", event.id, "Bob", "bob@example.org", HOURS)
    cancel_rsvp(db, "web-1", event.id, HOURS)
    with RasaStub().running() as rasa:
        report = deliver_due(db, RasaPusher(rasa.url))
        assert (report.history, rasa.calls[0]["body"]["name"]) == (1, "EXTERNAL_event_promoted")
        assert rasa.calls[0]["query"]["output_channel"] == ["rest"]
        _, told = cancel_event(db, event.id)
        assert told == 1
        deliver_due(db, RasaPusher(rasa.url))
    assert [call["body"]["name"] for call in rasa.calls] == [
        "EXTERNAL_event_promoted", "EXTERNAL_event_cancelled"]
    assert ("reminder", "skipped") in statuses(db)


def test_the_scheduler_restarted_with_a_reminder_due_sends_it_once(
    db: Database, config_path, monkeypatch, server: str
) -> None:
    """Two `penpal scheduler` ticks race after a restart, then a third runs: one push."""
    config = yaml.safe_load(config_path.read_text())
    config["events"] = {"feeds": [f"{server}/readings.ics"], "sync_minutes": 60}
    config_path.write_text(yaml.safe_dump(config))
    event = make_event(db, starts_in=timedelta(hours=23))
    two_days_ago = datetime.now(timezone.utc) - timedelta(days=2)  # the 24 h one is overdue
    rsvp(db, "tg-7", "telegram", event.id, "Ann", "ann@example.org", HOURS, now=two_days_ago)
    with RasaStub().running() as rasa:
        monkeypatch.setenv("PENPAL_RASA_URL", rasa.url)
        start = threading.Barrier(2)

        def scheduler() -> None:
            own = Database(db.url)
            start.wait()
            tick(own)
            own.dispose()

        threads = [threading.Thread(target=scheduler) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        tick(db)
    assert [call["body"]["entities"]["event_hours"] for call in rasa.calls] == ["24"]
    assert statuses(db) == [("reminder", "sent"), ("reminder", "pending")]
    assert upcoming(db, EventFilter(words="Reading in Berlin"), NOW_2030)  # the ICS feed synced
