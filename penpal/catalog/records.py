"""An entry as a source gives it, and the bounded, normalised item record Penpal stores."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import cached_property
from typing import NamedTuple

from penpal.catalog.normalize import (
    bounded_id,
    clean_topics,
    duration_minutes,
    html_to_text,
    http_url,
    one_line,
    reading_minutes,
    truncate,
    utc_datetime,
    whole_minutes,
)
from penpal.db.models import ITEM_KINDS

MAX_TITLE = 500
MAX_EXTERNAL_ID = 1000
MAX_URL = 2000
MAX_SUMMARY = 2000
MAX_BODY = 200_000

# Words writers use in their own files for the kinds Penpal knows.
KIND_ALIASES = {"post": "article", "essay": "article", "novel": "book", "novella": "book",
                "podcast": "episode", "audio": "episode", "workshop": "video"}


@dataclass
class RawEntry:
    """One entry as its source gives it; nothing is checked yet."""

    ref: str  # how the writer finds it again: "entry 3 ('Title')", "line 5", "item 2"
    problem: str | None = None  # set by a parser that could not read the entry at all
    external_id: str | None = None
    title: str | None = None
    url: str | None = None
    summary: str | None = None  # may be HTML
    body: str | None = None  # may be HTML
    topics: Sequence[str] = ()
    kind: str | None = None
    kind_hint: str | None = None  # what an enclosure suggests (audio: episode)
    minutes: object = None
    duration: object = None  # itunes:duration
    published: object = None


@dataclass(frozen=True)
class Defaults:
    """What an import adds to every entry of a source."""

    source: str  # the feed URL or the file path, as given
    kind: str = "article"
    topics: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ITEM_KINDS:
            raise ValueError(f"unknown kind {self.kind!r} (known: {', '.join(ITEM_KINDS)})")


@dataclass(frozen=True)
class ItemRecord:
    """One item as it is stored: every field cleaned and bounded."""

    source: str
    external_id: str
    title: str
    url: str
    summary: str
    body: str | None
    topics: tuple[str, ...]
    kind: str
    minutes: int | None
    published_at: datetime | None

    @cached_property
    def content_hash(self) -> str:
        """sha256 of every field, so a re-import can tell unchanged from updated."""
        fields = asdict(self)
        fields["published_at"] = self.published_at.isoformat() if self.published_at else None
        canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


class Rejection(NamedTuple):
    ref: str
    reason: str


class Rejected(ValueError):
    """This entry cannot become an item; the message says why."""


def build_record(entry: RawEntry, defaults: Defaults) -> ItemRecord:
    """The stored form of ``entry``, or Rejected with the reason."""
    if entry.problem:
        raise Rejected(entry.problem)
    title = truncate(html_to_text(str(entry.title or "")), MAX_TITLE)
    if not title:
        raise Rejected("it has no title")
    url = _url(entry.url)
    body = truncate(html_to_text(str(entry.body)), MAX_BODY) if entry.body else None
    summary = html_to_text(str(entry.summary or "")) or body or ""
    external_id = one_line(str(entry.external_id or "")) or url
    return ItemRecord(
        source=defaults.source,
        external_id=bounded_id(external_id, MAX_EXTERNAL_ID),
        title=title,
        url=url,
        summary=truncate(summary, MAX_SUMMARY),
        body=body or None,
        topics=clean_topics(entry.topics, defaults.topics),
        kind=_kind(entry, defaults),
        minutes=_minutes(entry, body),
        published_at=_published(entry.published),
    )


def build_records(
    entries: Iterable[RawEntry], defaults: Defaults
) -> tuple[list[ItemRecord], list[Rejection]]:
    """Every entry that can be stored, and every one that cannot, with the reason.

    Ids must be unique within a source: a later entry with an id already seen is
    rejected rather than silently overwriting the earlier one.
    """
    records: dict[str, ItemRecord] = {}
    rejected: list[Rejection] = []
    for entry in entries:
        try:
            record = build_record(entry, defaults)
        except Rejected as reason:
            rejected.append(Rejection(entry.ref, str(reason)))
            continue
        if record.external_id in records:
            rejected.append(Rejection(entry.ref, "an earlier entry has the same id"))
        else:
            records[record.external_id] = record
    return list(records.values()), rejected


def _url(raw: object) -> str:
    text = str(raw or "").strip()
    if not text:
        raise Rejected("it has no URL")
    if len(text) > MAX_URL:
        raise Rejected(f"its URL is longer than {MAX_URL} characters")
    url = http_url(text)
    if url is None:
        raise Rejected(f"its URL is not a valid http(s) address: {text[:80]!r}")
    return url


def _kind(entry: RawEntry, defaults: Defaults) -> str:
    raw = one_line(str(entry.kind or "")).lower()
    if not raw:
        return entry.kind_hint or defaults.kind
    kind = KIND_ALIASES.get(raw, raw)
    if kind not in ITEM_KINDS:
        raise Rejected(f"unknown kind {raw[:40]!r} (known: {', '.join(ITEM_KINDS)})")
    return kind


def _minutes(entry: RawEntry, body: str | None) -> int | None:
    if entry.minutes is not None and str(entry.minutes).strip():
        try:
            return whole_minutes(entry.minutes)
        except ValueError as error:
            raise Rejected(str(error)) from None
    return duration_minutes(entry.duration) or reading_minutes(body)


def _published(raw: object) -> datetime | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        return utc_datetime(raw)
    except ValueError as error:
        raise Rejected(f"its published {error}") from None
