"""Date phrases become ranges (dateparser), and listings filter by them and the rest."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from penpal.db import Database
from penpal.events import EventFilter, date_range, upcoming
from tests.events.conftest import make_event

MONDAY_NOON = datetime(2026, 11, 23, 11, 0, tzinfo=timezone.utc)  # 12:00 in Berlin


@pytest.mark.parametrize(("text", "start", "end"), [
    ("anything today?", "2026-11-23 12:00", "2026-11-24 00:00"),
    ("events tomorrow", "2026-11-24 00:00", "2026-11-25 00:00"),
    ("online events next week", "2026-11-30 00:00", "2026-12-07 00:00"),
    ("what's on this weekend", "2026-11-28 00:00", "2026-11-30 00:00"),
    ("readings in December in Hamburg", "2026-12-01 00:00", "2027-01-01 00:00"),
    ("anything on 5 December?", "2026-12-05 00:00", "2026-12-06 00:00"),
])
def test_date_phrases(text: str, start: str, end: str) -> None:
    found = date_range(text, MONDAY_NOON, "Europe/Berlin")
    assert found is not None
    assert (f"{found.start:%Y-%m-%d %H:%M}", f"{found.end:%Y-%m-%d %H:%M}") == (start, end)


@pytest.mark.parametrize("text", ["readings in Berlin?", "tell me more about the first one",
                                  "when is the launch?"])
def test_no_date_phrase(text: str) -> None:
    assert date_range(text, MONDAY_NOON, "Europe/Berlin") is None


def test_filters(db: Database) -> None:
    make_event(db, "a", kind="reading", city="Berlin", topics=("folklore",),
               starts_in=timedelta(days=2))
    make_event(db, "b", kind="webinar", online_url="https://meet.example/x",
               title="Webinar on maps", starts_in=timedelta(days=9))
    make_event(db, "c", kind="launch", city="Hamburg", title="Launch party",
               starts_in=timedelta(days=20))
    make_event(db, "past", kind="reading", city="Berlin", starts_in=timedelta(days=-1))
    now = datetime.now(timezone.utc)

    def uids(wanted: EventFilter) -> list[str]:
        return [event.title for event in upcoming(db, wanted, now)]

    assert uids(EventFilter()) == ["Reading a", "Webinar on maps", "Launch party"]
    assert uids(EventFilter(kind="reading", city="berlin")) == ["Reading a"]
    assert uids(EventFilter(online=True)) == ["Webinar on maps"]
    assert uids(EventFilter(topic="folklore")) == ["Reading a"]
    assert uids(EventFilter(words="launch")) == ["Launch party"]
    in_two_days = date_range("in two days", now, "UTC")
    assert uids(EventFilter(when=in_two_days)) == ["Reading a"]
    assert uids(EventFilter(kind="webinar", when=in_two_days)) == []


def test_a_naive_time_is_taken_as_utc_not_local_time(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: local time would be a day off
    time.tzset()
    try:
        make_event(db, "started", starts_in=timedelta(hours=-2))
        make_event(db, "soon", starts_in=timedelta(hours=3))
        now = datetime.now(timezone.utc)
        naive = now.replace(tzinfo=None)
        titles = [event.title for event in upcoming(db, EventFilter(), naive)]
        assert titles == [event.title for event in upcoming(db, EventFilter(), now)]
        assert titles == ["Reading soon"]
    finally:
        monkeypatch.undo()
        time.tzset()
