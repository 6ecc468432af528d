"""Plain values passed in and out of the events library (no open sessions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from penpal.db.models import EventStatus

EVENT_KINDS = ("launch", "reading", "signing", "webinar")


class EventError(Exception):
    """An event could not be read, stored or found."""


@dataclass(frozen=True)
class EventRecord:
    """An event as imported or added: times are aware, ``timezone`` is an IANA name."""

    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    kind: str = "reading"
    description: str = ""
    venue: str | None = None
    city: str | None = None
    online_url: str | None = None
    capacity: int | None = None
    topics: tuple[str, ...] = ()
    cancelled: bool = False


@dataclass(frozen=True)
class EventView:
    """An event as shown to readers and the writer."""

    id: int
    title: str
    kind: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    venue: str | None
    city: str | None
    online_url: str | None
    capacity: int | None
    seats_taken: int
    topics: list[str] = field(default_factory=list)
    status: str = EventStatus.SCHEDULED

    @property
    def online(self) -> bool:
        return bool(self.online_url) and not self.city

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(ZoneInfo(self.timezone))

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(ZoneInfo(self.timezone))

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.seats_taken, 0)

    def when(self) -> str:
        """Like "Sat 5 Dec 2026, 19:00-20:30 CET", in the event's own time zone."""
        start, end = self.local_start, self.local_end
        until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%a %-d %b %H:%M}"
        return f"{start:%a %-d %b %Y, %H:%M}–{until} {start.tzname()}"

    def where(self) -> str:
        if self.online:
            return "online"
        return ", ".join(part for part in (self.venue, self.city) if part) or "to be announced"
