"""Reading events from iCalendar (ICS) files and URLs, with icalendar.

Penpal reads a few properties beyond the standard ones: ``X-PENPAL-KIND``
(launch, reading, signing, webinar; else the first matching CATEGORIES
value), ``X-PENPAL-CAPACITY``, ``X-PENPAL-CITY`` (else the last part of
LOCATION), and ``URL`` as the online link. CATEGORIES that are not kinds
are topics.

A calendar with ``X-PENPAL-RELATIVE-TO:<date>`` (the demo) has its dates
moved by the days from that date to today, so it never runs out of
upcoming events: an event dated ten days after it is always in ten days.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import requests
from icalendar import Calendar
from icalendar.prop import vCategory

from penpal.events.records import EVENT_KINDS, EventError, EventRecord

DEFAULT_TIMEOUT = 10.0
MAX_BYTES = 5_000_000


def fetch(url: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """The ICS document at ``url``; EventError when it cannot be fetched."""
    try:
        response = requests.get(url, timeout=timeout, headers={"Accept": "text/calendar"})
        response.raise_for_status()
    except requests.RequestException as error:
        raise EventError(f"could not fetch {url}: {type(error).__name__}") from error
    if len(response.content) > MAX_BYTES:
        raise EventError(f"{url} is larger than {MAX_BYTES} bytes")
    return response.content


def _categories(component) -> list[str]:
    raw = component.get("CATEGORIES")
    values = raw if isinstance(raw, list) else [raw] if raw is not None else []
    names: list[str] = []
    for value in values:
        cats = value.cats if isinstance(value, vCategory) else [value]
        names += [str(cat).strip().lower() for cat in cats if str(cat).strip()]
    return names


def _aware(value: date | datetime, default_zone: str) -> tuple[datetime, str]:
    """A DTSTART/DTEND value as an aware datetime and the IANA zone it is in."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is None:
        return value.replace(tzinfo=ZoneInfo(default_zone)), default_zone
    key = getattr(value.tzinfo, "key", None) or getattr(value.tzinfo, "zone", None)
    return value, key or "UTC"


def _shift(moment: datetime, days: int) -> datetime:
    """The same local wall-clock time ``days`` later (DST-safe)."""
    return (moment.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=moment.tzinfo)


def _record(component, default_zone: str, shift_days: int) -> EventRecord:
    uid = str(component.get("UID") or "").strip()
    title = str(component.get("SUMMARY") or "").strip()
    if not uid or not title or component.get("DTSTART") is None:
        raise EventError("an event needs UID, SUMMARY and DTSTART")
    starts_at, zone = _aware(component.decoded("DTSTART"), default_zone)
    if component.get("DTEND") is not None:
        ends_at, _ = _aware(component.decoded("DTEND"), zone)
    elif component.get("DURATION") is not None:
        ends_at = starts_at + component.decoded("DURATION")
    else:
        ends_at = starts_at + timedelta(hours=1)
    starts_at, ends_at = _shift(starts_at, shift_days), _shift(ends_at, shift_days)
    if ends_at < starts_at:
        raise EventError(f"{uid}: ends before it starts")
    categories = _categories(component)
    kind = str(component.get("X-PENPAL-KIND") or "").strip().lower() or next(
        (cat for cat in categories if cat in EVENT_KINDS), "reading")
    if kind not in EVENT_KINDS:
        raise EventError(f"{uid}: unknown kind {kind!r}")
    location = str(component.get("LOCATION") or "").strip()
    city = str(component.get("X-PENPAL-CITY") or "").strip() or (
        location.rsplit(",", 1)[-1].strip() if "," in location else None)
    venue = location.rsplit(",", 1)[0].strip() if "," in location else (location or None)
    capacity = component.get("X-PENPAL-CAPACITY")
    try:
        capacity = int(str(capacity)) if capacity is not None else None
    except ValueError as error:
        raise EventError(f"{uid}: capacity is not a number") from error
    return EventRecord(
        uid=uid, title=title, starts_at=starts_at, ends_at=ends_at, timezone=zone, kind=kind,
        description=str(component.get("DESCRIPTION") or "").strip(),
        venue=venue, city=city or None, online_url=str(component.get("URL") or "") or None,
        capacity=capacity, topics=tuple(cat for cat in categories if cat not in EVENT_KINDS),
        cancelled=str(component.get("STATUS") or "").upper() == "CANCELLED",
    )


def parse(data: bytes | str, default_zone: str = "UTC", today: date | None = None
          ) -> tuple[list[EventRecord], list[tuple[str, str]]]:
    """The events in an ICS document, and (uid, reason) for each one rejected.

    Raises EventError if the document is not iCalendar at all.
    """
    try:
        calendar = Calendar.from_ical(data)
    except ValueError as error:
        raise EventError(f"not an iCalendar document: {error}") from error
    shift_days = 0
    relative_to = calendar.get("X-PENPAL-RELATIVE-TO")
    if relative_to is not None:
        try:
            anchor = datetime.strptime(str(relative_to).strip(), "%Y%m%d").date()
        except ValueError as error:
            raise EventError("X-PENPAL-RELATIVE-TO must be a date like 20260101") from error
        shift_days = ((today or date.today()) - anchor).days
    records, rejected = [], []
    for component in calendar.walk("VEVENT"):
        try:
            records.append(_record(component, default_zone, shift_days))
        except (EventError, ValueError, KeyError) as error:
            rejected.append((str(component.get("UID") or "?"), str(error)))
    return records, rejected
