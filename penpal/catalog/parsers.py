"""Source formats to raw entries: RSS and Atom (feedparser), CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import PurePosixPath
from typing import Any, Literal
from urllib.parse import urlsplit

import feedparser

from penpal.catalog.errors import ImportFailed
from penpal.catalog.normalize import one_line, split_topics
from penpal.catalog.records import RawEntry
from penpal.catalog.xmlguard import check_feed

log = logging.getLogger(__name__)

Format = Literal["feed", "csv", "json"]
PENPAL_NAMESPACE = "https://penpal.example/ns"
CSV_COLUMNS = ("id", "title", "url", "summary", "topics", "kind", "minutes", "published")
MAX_ENTRIES = 1000  # one import takes at most this many; the rest are rejected as one


def detect_format(name: str, content: bytes, content_type: str | None = None) -> Format:
    """The format of a source, by the extension of its name, its content type, its content."""
    path = urlsplit(name).path if name.startswith(("http://", "https://")) else name
    suffix = PurePosixPath(path.replace("\\", "/")).suffix.lower()
    media = (content_type or "").split(";")[0].strip().lower()
    if suffix == ".csv" or media == "text/csv":
        return "csv"
    if suffix == ".json" or media in ("application/json", "application/feed+json"):
        return "json"
    if content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{"):
        return "json"
    return "feed"


def parse(
    content: bytes, fmt: Format, content_type: str | None = None, base_url: str | None = None
) -> list[RawEntry]:
    """The entries of a source in format ``fmt``; ImportFailed if it cannot be read.

    At most MAX_ENTRIES are read; one more entry, with its problem set, stands for
    the rest, so they are rejected with the reason.
    """
    if fmt == "csv":
        return parse_csv(_text(content, "CSV"))
    if fmt == "json":
        return parse_json(_text(content, "JSON"))
    return parse_feed(content, content_type, base_url)


def parse_feed(
    content: bytes, content_type: str | None = None, base_url: str | None = None
) -> list[RawEntry]:
    """RSS 2.0 or Atom entries; categories become topics, penpal:kind and penpal:minutes
    (namespace https://penpal.example/ns, any prefix) and itunes:duration are read.
    Relative links are resolved against ``base_url`` (the feed's own URL).

    The XML is checked first (penpal.catalog.xmlguard). feedparser is told not to
    sanitise or rewrite the HTML in it (2 MB of HTML took it 4 s): records keep only
    its text (records.build_record).
    """
    checked = check_feed(content, content_type, MAX_ENTRIES)
    headers = {"content-type": checked.content_type} if checked.content_type else {}
    if base_url:
        headers["content-location"] = base_url
    parsed = feedparser.parse(io.BytesIO(checked.content), response_headers=headers,
                              sanitize_html=False, resolve_relative_uris=False)
    if not parsed.entries:
        if parsed.bozo:
            raise ImportFailed(f"not a readable feed: {parsed.get('bozo_exception')}")
        if not parsed.version:
            raise ImportFailed("not an RSS or Atom feed")
    elif parsed.bozo:
        log.warning("feed is not well-formed (%s); importing the %d entries read",
                    parsed.get("bozo_exception"), len(parsed.entries))
    prefix = _namespace_prefix(parsed.get("namespaces", {}))
    entries = (_feed_entry(index, entry, prefix)
               for index, entry in enumerate(parsed.entries, start=1))
    return _at_most(entries, known_left_out=checked.left_out)


def parse_csv(text: str) -> list[RawEntry]:
    """Rows of a CSV file with the header id,title,url,summary,topics,kind,minutes,published
    (topics separated by semicolons; id, summary, kind, minutes and published optional)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [one_line(name or "").lower() for name in reader.fieldnames or []]
        missing = [name for name in ("title", "url") if name not in header]
        if missing:
            raise ImportFailed(
                f"the CSV header needs the column(s) {', '.join(missing)} "
                f"(expected {','.join(CSV_COLUMNS)})"
            )
        reader.fieldnames = header
        return _at_most(_csv_entry(reader.line_num, row) for row in reader)
    except csv.Error as error:
        raise ImportFailed(f"not a readable CSV file (line {reader.line_num}): {error}") from None


def parse_json(text: str) -> list[RawEntry]:
    """A JSON list of objects with the CSV's keys, or {"items": [...]} (JSON Feed too)."""
    try:
        data = json.loads(text)
    except ValueError as error:  # JSONDecodeError, or a number too long to convert
        raise ImportFailed(f"not valid JSON: {str(error)[:200]}") from None
    except RecursionError:
        raise ImportFailed("not readable JSON: it is nested too deeply") from None
    if isinstance(data, dict):
        data = data.get("items")
    if not isinstance(data, list):
        raise ImportFailed('JSON must be a list of items or an object with an "items" list')
    return _at_most(_json_entry(index, value) for index, value in enumerate(data, start=1))


def _at_most(entries: Iterable[RawEntry], known_left_out: int = 0) -> list[RawEntry]:
    """The first MAX_ENTRIES entries, then one entry standing for those left out, if any."""
    iterator: Iterator[RawEntry] = iter(entries)
    taken = list(islice(iterator, MAX_ENTRIES))
    left_out = known_left_out + sum(1 for _ in iterator)
    if left_out:
        first = MAX_ENTRIES + 1
        taken.append(RawEntry(
            ref=f"entries {first}–{first + left_out - 1}",
            problem=f"one import takes at most {MAX_ENTRIES} entries; these were left out"))
    return taken


def _text(content: bytes, what: str) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFailed(f"the {what} file is not UTF-8 text: {error}") from None


def _namespace_prefix(namespaces: dict[str, str]) -> str | None:
    for prefix, uri in namespaces.items():
        if uri.rstrip("/") == PENPAL_NAMESPACE:
            return prefix
    return None


def _ref(label: str, name: object) -> str:
    text = one_line(str(name or ""))
    return f"{label} ({text[:60]!r})" if text else label


def _feed_entry(index: int, entry: Any, prefix: str | None) -> RawEntry:
    contents = [part.get("value") for part in entry.get("content", []) if part.get("value")]
    enclosure_types = [str(link.get("type", "")) for link in entry.get("enclosures", [])]
    return RawEntry(
        ref=_ref(f"entry {index}", entry.get("title") or entry.get("id")),
        external_id=entry.get("id"),
        title=entry.get("title"),
        url=entry.get("link"),
        summary=entry.get("summary"),
        body=contents[0] if contents else None,
        topics=[tag.get("term") or tag.get("label") or "" for tag in entry.get("tags", [])],
        kind=entry.get(f"{prefix}_kind") if prefix else None,
        kind_hint=_kind_from_enclosures(enclosure_types),
        minutes=entry.get(f"{prefix}_minutes") if prefix else None,
        duration=entry.get("itunes_duration"),
        published=entry.get("published_parsed") or entry.get("updated_parsed"),
    )


def _kind_from_enclosures(types: list[str]) -> str | None:
    if any(kind.startswith("video/") for kind in types):
        return "video"
    if any(kind.startswith("audio/") for kind in types):
        return "episode"
    return None


def _csv_entry(line: int, row: dict[str | None, Any]) -> RawEntry:
    if None in row:  # more cells than columns
        return RawEntry(ref=_ref(f"line {line}", row.get("title")),
                        problem="it has more cells than the header has columns")
    return RawEntry(
        ref=_ref(f"line {line}", row.get("title") or row.get("id")),
        external_id=row.get("id"),
        title=row.get("title"),
        url=row.get("url"),
        summary=row.get("summary"),
        body=row.get("body") or row.get("text"),
        topics=split_topics(row.get("topics") or ""),
        kind=row.get("kind"),
        minutes=row.get("minutes"),
        published=row.get("published"),
    )


def _json_entry(index: int, value: object) -> RawEntry:
    if not isinstance(value, dict):
        return RawEntry(ref=f"item {index}", problem="it is not a JSON object")
    topics = value.get("topics", value.get("tags")) or []
    if isinstance(topics, str):
        topics = split_topics(topics)
    elif not isinstance(topics, list):
        topics = [topics]
    return RawEntry(
        ref=_ref(f"item {index}", value.get("title") or value.get("id")),
        external_id=_scalar(value.get("id")),
        title=_scalar(value.get("title")),
        url=_scalar(value.get("url")),
        summary=_scalar(value.get("summary")),
        body=_scalar(value.get("body") or value.get("content_text") or value.get("content_html")),
        topics=[str(topic) for topic in topics if isinstance(topic, (str, int, float))],
        kind=_scalar(value.get("kind")),
        minutes=value.get("minutes"),
        published=_scalar(value.get("published") or value.get("date_published")),
    )


def _scalar(value: object) -> str | None:
    """A JSON value as text; nested lists and objects are not text."""
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)
