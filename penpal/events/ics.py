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

from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar.prop import vCategory

from penpal.catalog.normalize import clean_topics, http_url, truncate
from penpal.events.records import EVENT_KINDS, EventError, EventRecord
from penpal.fetch import FetchFailed
from penpal.fetch import fetch as fetch_bounded

DEFAULT_TIMEOUT = 10.0
MAX_BYTES = 5 * 1024 * 1024
MAX_EVENTS = 500  # one import takes at most this many; the rest are rejected as one
MAX_ZONES = 50
MAX_PARTS = 20_000  # properties and their parameters, in what is parsed
KEPT = {b"VEVENT": MAX_EVENTS, b"VTIMEZONE": MAX_ZONES}  # components read, at most
# The lengths of the events table's columns.
MAX_UID, MAX_TITLE, MAX_VENUE, MAX_CITY, MAX_URL = 500, 300, 300, 100, 2000
MAX_DESCRIPTION = 10_000
MAX_CAPACITY = 100_000


def fetch(url: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """The ICS document at ``url`` (see penpal.fetch for the bounds); EventError if it
    cannot be fetched."""
    try:
        fetched = fetch_bounded(url, timeout=timeout, max_bytes=MAX_BYTES, accept="text/calendar")
    except FetchFailed as error:
        raise EventError(str(error)) from None
    return fetched.content or b""


def _trim(data: bytes) -> tuple[bytes, int]:
    """``data`` with its first MAX_EVENTS events and MAX_ZONES time zones and none of
    the components Penpal does not read (to-dos, journals...); and how many events
    were left out.

    icalendar parses all it is given, at about 0.1 ms a property, so what would be
    dropped anyway is dropped before it parses, and a calendar that still has more
    than MAX_PARTS properties and parameters is refused.
    """
    kept: list[bytes] = []
    seen: Counter[bytes] = Counter()
    depth, parts, dropping = 0, 0, False
    for line in data.splitlines(keepends=True):
        head = line[:6].upper()
        if head == b"BEGIN:":
            depth += 1
            if depth == 2:  # a component of the calendar
                name = line[6:].strip().upper()
                seen[name] += 1
                dropping = seen[name] > KEPT.get(name, 0)
        if not dropping:
            kept.append(line)
            if line[:1] not in (b" ", b"\t"):  # not the continuation of a folded line
                parts += 1 + line.partition(b":")[0].count(b";")
        if head[:4] == b"END:":
            dropping = dropping and depth != 2
            depth = max(depth - 1, 0)
    if parts > MAX_PARTS:
        raise EventError(f"the calendar has more than {MAX_PARTS} properties and parameters "
                         f"(counting its first {MAX_EVENTS} events only)")
    return b"".join(kept), max(seen[b"VEVENT"] - MAX_EVENTS, 0)


def _categories(component) -> list[str]:
    raw = component.get("CATEGORIES")
    values = raw if isinstance(raw, list) else [raw] if raw is not None else []
    names: list[str] = []
    for value in values:
        cats = value.cats if isinstance(value, vCategory) else [value]
        names += [str(cat).strip().lower() for cat in cats if str(cat).strip()]
    return names


def _aware(value: object, default_zone: str) -> tuple[datetime, str]:
    """A DTSTART/DTEND value as an aware datetime and the IANA zone it is in."""
    if not isinstance(value, date):  # a period, or text icalendar could not read
        raise EventError("DTSTART and DTEND must be dates or date-times")
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
    title = truncate(str(component.get("SUMMARY") or "").strip(), MAX_TITLE)
    if not uid or not title or component.get("DTSTART") is None:
        raise EventError("an event needs UID, SUMMARY and DTSTART")
    if len(uid) > MAX_UID:
        raise EventError(f"its UID is longer than {MAX_UID} characters")
    starts_at, zone = _aware(component.decoded("DTSTART"), default_zone)
    if component.get("DTEND") is not None:
        ends_at, _ = _aware(component.decoded("DTEND"), zone)
    elif component.get("DURATION") is not None:
        duration = component.decoded("DURATION")
        if not isinstance(duration, timedelta):
            raise EventError("DURATION must be a duration")
        ends_at = starts_at + duration
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
    return EventRecord(
        uid=uid, title=title, starts_at=starts_at, ends_at=ends_at, timezone=zone, kind=kind,
        description=truncate(str(component.get("DESCRIPTION") or "").strip(), MAX_DESCRIPTION),
        venue=venue and truncate(venue, MAX_VENUE), city=city and truncate(city, MAX_CITY),
        online_url=_online_url(uid, component.get("URL")),
        capacity=_capacity(uid, component.get("X-PENPAL-CAPACITY")),
        topics=clean_topics(cat for cat in categories if cat not in EVENT_KINDS),
        cancelled=str(component.get("STATUS") or "").upper() == "CANCELLED",
    )


def _online_url(uid: str, raw: object) -> str | None:
    text = str(raw or "").strip()
    if not text:
        return None
    if len(text) > MAX_URL or http_url(text) is None:
        raise EventError(f"{uid[:100]}: its URL is not an http(s) address of at most "
                         f"{MAX_URL} characters")
    return text


def _capacity(uid: str, raw: object) -> int | None:
    if raw is None:
        return None
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6 or int(text) > MAX_CAPACITY:
        raise EventError(f"{uid[:100]}: capacity is not a number from 0 to {MAX_CAPACITY}")
    return int(text)


def parse(data: bytes | str, default_zone: str = "UTC", today: date | None = None
          ) -> tuple[list[EventRecord], list[tuple[str, str]]]:
    """The events in an ICS document, and (uid, reason) for each one rejected.

    Raises EventError if the document is not iCalendar at all. At most MAX_EVENTS
    events are read; one more rejection stands for the rest.
    """
    data, left_out = _trim(data.encode() if isinstance(data, str) else data)
    try:
        calendar = Calendar.from_ical(data)
    except (ValueError, OSError) as error:  # OSError: a TZID naming a folder of tzdata
        raise EventError(f"not an iCalendar document: {str(error)[:200]}") from None
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
        ref = str(component.get("UID") or "?")[:100]
        try:
            records.append(_record(component, default_zone, shift_days))
        except OverflowError:
            rejected.append((ref, "its dates are out of range"))
        except (EventError, ValueError, KeyError, TypeError, OSError) as error:
            rejected.append((ref, str(error)[:200]))
    if left_out:
        first = MAX_EVENTS + 1
        rejected.append((f"events {first}–{first + left_out - 1}",
                         f"one import takes at most {MAX_EVENTS} events; these were left out"))
    return records, rejected
