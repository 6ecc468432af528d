"""Small value cleaners shared by every source format (HTML, topics, times, URLs)."""

from __future__ import annotations

import hashlib
import html
import math
import re
import time
from collections.abc import Iterable
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import SupportsFloat, SupportsIndex
from urllib.parse import urlsplit

from penpal.db.clock import as_utc

WORDS_PER_MINUTE = 230
MAX_TOPIC_LENGTH = 64
MAX_TOPICS = 20
MAX_MINUTES = 10_000

_BLOCK_TAGS = {"br", "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
               "blockquote", "pre", "tr", "td", "th", "section", "article", "hr"}
_SKIPPED_TAGS = {"script", "style", "head", "title", "template"}
_WHITESPACE = re.compile(r"\s+")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def one_line(text: str) -> str:
    """Whitespace (newlines included) collapsed to single spaces, ends trimmed."""
    return _WHITESPACE.sub(" ", text).strip()


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags, scripts and styles dropped, entities decoded."""
    if "<" not in markup:
        return one_line(html.unescape(markup))
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    return one_line("".join(collector.parts))


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"


def bounded_id(raw: str, limit: int) -> str:
    """An identifier as given, or a stable sha256 of it when it is too long to store."""
    return raw if len(raw) <= limit else "sha256:" + hashlib.sha256(raw.encode()).hexdigest()


def http_url(raw: str) -> str | None:
    """``raw`` if it is an absolute http(s) URL with a host and no spaces, else None."""
    url = raw.strip()
    if not url or any(ch.isspace() for ch in url):
        return None
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port  # a malformed port raises ValueError
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return url


def clean_topics(*groups: Iterable[str]) -> tuple[str, ...]:
    """Topics lowercased, trimmed, whitespace collapsed, de-duplicated in order, bounded."""
    seen: dict[str, None] = {}
    for group in groups:
        for raw in group:
            topic = one_line(str(raw)).lower()[:MAX_TOPIC_LENGTH].strip()
            if topic:
                seen.setdefault(topic, None)
    return tuple(seen)[:MAX_TOPICS]


def split_topics(raw: str) -> list[str]:
    """Topics written in one cell, separated by semicolons."""
    return [part for part in raw.split(";") if part.strip()]


def whole_minutes(raw: object) -> int:
    """A positive whole number of minutes, or ValueError saying why not."""
    if isinstance(raw, bool):
        raise ValueError(f"minutes must be a whole number, not {raw!r}")
    if isinstance(raw, str):
        raw = raw.strip()
    try:
        # feeds, CSV and JSON give strings and numbers; anything else is no number of minutes
        if not isinstance(raw, (str, SupportsFloat, SupportsIndex)):
            raise TypeError
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"minutes must be a whole number, not {str(raw)[:40]!r}") from None
    if not math.isfinite(value) or value != int(value) or not 1 <= value <= MAX_MINUTES:
        raise ValueError(f"minutes must be a whole number from 1 to {MAX_MINUTES}, not {raw}")
    return int(value)


def duration_minutes(raw: object) -> int | None:
    """Minutes from an itunes:duration ("3600", "59:30", "1:02:03"), rounded up; None if odd."""
    text = str(raw or "").strip()
    if not re.fullmatch(r"\d+(:\d{1,2}){0,2}(\.\d+)?", text):
        return None
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    minutes = math.ceil(seconds / 60)
    return minutes if 1 <= minutes <= MAX_MINUTES else None


def reading_minutes(text: str | None) -> int | None:
    """Reading time of a body at 230 words a minute, rounded up; None without a body."""
    words = len(text.split()) if text else 0
    return math.ceil(words / WORDS_PER_MINUTE) if words else None


def utc_datetime(raw: object) -> datetime:
    """A timezone-aware UTC datetime from a datetime, date, struct_time, ISO 8601 or RFC 822
    string (naive values are taken as UTC); ValueError if it is none of these."""
    if isinstance(raw, time.struct_time):
        raw = datetime(*raw[:6])
    elif isinstance(raw, date) and not isinstance(raw, datetime):
        raw = datetime(raw.year, raw.month, raw.day)
    elif isinstance(raw, str):
        raw = _parse_date_text(raw.strip())
    if not isinstance(raw, datetime):
        raise ValueError(f"date not understood: {str(raw)[:40]!r}")
    return as_utc(raw)


def _parse_date_text(text: str) -> datetime:
    iso = text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"date not understood: {text[:40]!r}") from None
