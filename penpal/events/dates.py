"""Date phrases ("tomorrow", "next week", "in December", "this weekend") as time ranges.

dateparser finds and reads the phrase; the only mapping here is from the
period it reports (day, week, month, year) to a range, plus weekends, which
dateparser does not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser
from dateparser.search import search_dates

_EDGE_WORDS = {"in", "on", "at", "for", "during", "of", "this", "the"}
_WEEKEND = re.compile(r"\b(this|next|the)?\s*weekend\b", re.IGNORECASE)


@dataclass(frozen=True)
class DateRange:
    """From ``start`` (inclusive) to ``end`` (exclusive), both aware."""

    start: datetime
    end: datetime
    phrase: str


def _settings(now: datetime) -> dict:
    return {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": now.replace(tzinfo=None),
            "RETURN_TIME_AS_PERIOD": True}


def _trimmed(phrase: str) -> str:
    words = phrase.split()
    while words and words[0].lower() in _EDGE_WORDS - {"this"}:
        words.pop(0)
    while words and words[-1].lower() in _EDGE_WORDS:
        words.pop()
    return " ".join(words)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _weekend(match: re.Match[str], today: date, zone: ZoneInfo) -> DateRange:
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    if today.weekday() == 6:  # on a Sunday, "this weekend" is today
        saturday = today - timedelta(days=1)
    if (match.group(1) or "").lower() == "next":
        saturday += timedelta(days=7)
    return DateRange(_midnight(saturday, zone), _midnight(saturday + timedelta(days=2), zone),
                     match.group(0).strip())


def date_range(text: str, now: datetime, zone: str = "UTC") -> DateRange | None:
    """The time range a message's date phrase means, or None if it names no date.

    ``now`` is aware; phrases are read in ``zone`` (the writer's time zone).
    """
    tz = ZoneInfo(zone)
    local_now = now.astimezone(tz)
    weekend = _WEEKEND.search(text)
    if weekend:
        return _weekend(weekend, local_now.date(), tz)
    settings = _settings(local_now)
    found = search_dates(text, languages=["en"], settings=settings) or []
    parser = DateDataParser(languages=["en"], settings=settings)
    for raw, _ in found:
        phrase = _trimmed(raw)
        data = parser.get_date_data(phrase) if phrase else None
        if data is None or data.date_obj is None:
            continue
        return _period_range(phrase, data.date_obj.date(), data.period or "day", local_now, tz)
    return None


def _period_range(
    phrase: str, day: date, period: str, now: datetime, tz: ZoneInfo
) -> DateRange:
    if period == "week":
        monday = day - timedelta(days=day.weekday())
        start, end = _midnight(monday, tz), _midnight(monday + timedelta(days=7), tz)
    elif period == "month":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        start, end = _midnight(first, tz), _midnight(following, tz)
    elif period == "year":
        start, end = _midnight(date(day.year, 1, 1), tz), _midnight(date(day.year + 1, 1, 1), tz)
    else:
        start, end = _midnight(day, tz), _midnight(day + timedelta(days=1), tz)
    return DateRange(max(start, now), end, phrase)
