"""Finding upcoming events by kind, topic, city or online, date range and title words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from penpal.db import Database
from penpal.db.clock import as_utc
from penpal.db.models import Event, EventStatus
from penpal.events.dates import DateRange
from penpal.events.records import EventView
from penpal.events.store import view

DEFAULT_LIMIT = 5


@dataclass(frozen=True)
class EventFilter:
    kind: str | None = None
    topic: str | None = None
    city: str | None = None
    online: bool = False
    when: DateRange | None = None
    words: str | None = None  # part of the title ("the launch", "folklore")

    def describe(self) -> str:
        """A short phrase for replies: "readings in Berlin next week"."""
        parts = [f"{self.kind}s" if self.kind else "events"]
        if self.topic:
            parts.append(f"about {self.topic}")
        if self.online:
            parts.insert(0, "online")
        if self.city:
            parts.append(f"in {self.city}")
        if self.when:
            parts.append(self.when.phrase)
        return " ".join(parts)


def _matches(event: EventView, wanted: EventFilter) -> bool:
    if wanted.kind and event.kind != wanted.kind:
        return False
    if wanted.topic and wanted.topic.lower() not in event.topics:
        return False
    if wanted.city and (event.city or "").casefold() != wanted.city.casefold():
        return False
    if wanted.online and not event.online:
        return False
    return not wanted.words or wanted.words.casefold() in event.title.casefold()


def upcoming(
    db: Database, wanted: EventFilter, now: datetime, limit: int = DEFAULT_LIMIT
) -> list[EventView]:
    """Scheduled events that have not started, soonest first, matching ``wanted``.

    The writer has tens of events, not thousands: filters other than time run
    in Python, which keeps topics (a JSON list) portable across databases.
    """
    query = select(Event).where(Event.status == EventStatus.SCHEDULED,
                                Event.starts_at > as_utc(now))
    if wanted.when:
        query = query.where(Event.starts_at >= as_utc(wanted.when.start),
                            Event.starts_at < as_utc(wanted.when.end))
    with db.session() as session:
        events = [view(event) for event in session.execute(query.order_by(Event.starts_at))
                  .scalars()]
    return [event for event in events if _matches(event, wanted)][:limit]
