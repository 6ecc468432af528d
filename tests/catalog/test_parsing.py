"""Reading every source format into bounded, normalised item records."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from penpal.catalog import read_records
from penpal.catalog.errors import ImportFailed
from penpal.catalog.normalize import duration_minutes, reading_minutes
from penpal.catalog.parsers import detect_format, parse
from penpal.catalog.records import (
    MAX_SUMMARY,
    MAX_TITLE,
    Defaults,
    ItemRecord,
    RawEntry,
    Rejected,
    Rejection,
    build_record,
    build_records,
)
from tests.catalog.conftest import FIXTURES

PROJECT = Path(__file__).resolve().parents[2]
UTC = timezone.utc


def read(name: str, **options: object) -> tuple[dict[str, ItemRecord], list[Rejection]]:
    records, rejected = read_records((FIXTURES / name).read_bytes(), name, **options)
    return {record.external_id: record for record in records}, rejected


def test_rss2_entries_become_clean_records() -> None:
    records, rejected = read("rss2.xml")
    tides = records["notes-2024-03-tide-tables"]
    assert tides.title == "Why every harbour town needs a tide table"
    assert tides.url == "https://mirakestrel.example/notes/tide-tables"
    assert tides.summary == ("A coastline is a clock. Here is how I keep the tides of an "
                             "invented harbour consistent across three books & two maps.")
    assert "<" not in tides.summary and "alert" not in tides.summary
    assert tides.body is not None and tides.body.startswith("When I started The Salt")
    assert tides.topics == ("worldbuilding", "maps")  # lowercased, stripped, de-duplicated
    assert tides.kind == "article"
    assert tides.minutes == 2  # 323 words of body at 230 words a minute, rounded up
    assert tides.published_at == datetime(2024, 3, 5, 7, 30, tzinfo=UTC)  # from +0200
    # Without an id of its own (a permalink guid), an entry is known by its link.
    assert "https://mirakestrel.example/notes/ten-novels-with-maps" in records
    assert records["notes-2023-11-dialogue-tags"].minutes is None  # no body, no length
    assert rejected == [
        Rejection("entry 4 ('notes-draft-untitled')", "it has no title"),
        Rejection("entry 5 ('A letter without an address')", "it has no URL"),
    ]


def test_atom_reads_penpal_kind_and_minutes_under_any_prefix() -> None:
    records, rejected = read("atom.xml")
    atlas = records["tag:mirakestrel.example,2024:inkwell-atlas"]
    assert (atlas.kind, atlas.minutes, atlas.topics) == ("book", 610, ("fantasy", "maps"))
    assert atlas.published_at == datetime(2024, 4, 15, 22, 0, tzinfo=UTC)
    assert atlas.summary.startswith("An atlas whose empty pages")
    workshop = records["tag:mirakestrel.example,2024:workshop-coastlines"]
    assert workshop.title == "Salt & Ink: a workshop on invented coastlines"
    assert (workshop.kind, workshop.minutes) == ("video", 88)
    story = records["tag:mirakestrel.example,2023:lighthouse-letters"]
    assert story.kind == "article"  # the import's default
    assert story.published_at == datetime(2023, 2, 14, 12, 0, tzinfo=UTC)  # from <updated>
    assert story.summary.startswith("A short story told in eleven letters")
    assert [reason for _, reason in rejected] == [
        "minutes must be a whole number, not 'a long while'"]


def test_podcast_episodes_take_their_length_from_itunes_duration() -> None:
    records, rejected = read("podcast.xml")
    assert rejected == []
    minutes = {external_id: record.minutes for external_id, record in records.items()}
    assert minutes == {"margins-012": 46, "margins-011": 63, "margins-010": 45,
                       "margins-bonus-launch": None}
    assert {record.kind for record in records.values()} == {"episode"}  # audio enclosures


def test_csv_rows_and_the_reasons_for_rejected_ones() -> None:
    records, rejected = read("items.csv", topics=[" Series "])
    city = records["csv-1"]
    assert city.summary == "Streets first, then water, then the people who argue about both."
    assert city.topics == ("maps", "worldbuilding", "series")
    assert (city.minutes, city.published_at) == (12, datetime(2024, 2, 1, tzinfo=UTC))
    assert records["csv-2"].published_at == datetime(2023, 10, 5, 14, 30, tzinfo=UTC)
    assert records["csv-2"].kind == "article"
    live = records["csv-3"]
    assert (live.kind, live.minutes) == ("episode", 41)  # "podcast" means an episode
    assert live.published_at == datetime(2024, 5, 5, 18, 0, tzinfo=UTC)
    [hashed] = [key for key in records if key.startswith("sha256:")]
    assert len(hashed) == len("sha256:") + 64
    assert len(records) == 4
    reasons = {ref.split(" (")[0]: reason for ref, reason in rejected}
    assert reasons == {
        "line 6": "it has no title",
        "line 7": "its URL is not a valid http(s) address: "
                  "'ftp://files.mirakestrel.example/map.pdf'",
        "line 8": "unknown kind 'poem' (known: article, book, episode, video)",
        "line 9": "minutes must be a whole number from 1 to 10000, not -3",
        "line 10": "its published date not understood: 'next Tuesday-ish'",
        "line 11": "its URL is longer than 2000 characters",
    }


def test_json_lists_and_item_objects() -> None:
    records, rejected = read("items.json")
    assert records["json-1"].topics == ("worldbuilding", "fantasy")
    anthology = records["json-2"]
    assert (anthology.kind, anthology.minutes, anthology.topics) == (
        "book", 380, ("fantasy", "folklore"))
    assert anthology.published_at == datetime(2022, 10, 20, tzinfo=UTC)
    revision = records["3"]
    assert revision.summary.startswith("I revise in passes.")  # from the body
    assert (revision.minutes, revision.published_at) == (1, None)
    assert rejected == [Rejection("item 4 ('Missing address')", "it has no URL")]

    wrapped, rejected = read("items_wrapped.json")
    monsters = wrapped["jf-1"]
    assert monsters.topics == ("folklore", "worldbuilding")
    assert monsters.published_at == datetime(2023, 8, 30, 11, 0, tzinfo=UTC)
    assert "jf-3" in wrapped
    assert rejected == [Rejection("item 2", "it is not a JSON object")]


@pytest.mark.parametrize(("name", "message"), [
    ("broken.xml", "not a readable feed"),
    ("not_a_feed.html", "not an RSS or Atom feed"),
])
def test_unreadable_feeds_fail_the_import_with_a_clear_error(name: str, message: str) -> None:
    with pytest.raises(ImportFailed, match=message):
        read(name)


@pytest.mark.parametrize(("content", "message"), [
    (b'{"items": 3}', 'an object with an "items" list'),
    (b"[1, 2", "not valid JSON"),
])
def test_unreadable_json_fails_the_import(content: bytes, message: str) -> None:
    with pytest.raises(ImportFailed, match=message):
        parse(content, "json")


def test_a_csv_without_the_needed_columns_fails_the_import() -> None:
    with pytest.raises(ImportFailed, match="needs the column"):
        parse(b"name,link\nA,https://example.org\n", "csv")
    with pytest.raises(ImportFailed, match="not UTF-8"):
        parse("title,url\nCaf\u00e9,https://example.org\n".encode("latin-1"), "csv")


def test_format_comes_from_extension_then_content_type_then_content() -> None:
    assert detect_format("catalogue.CSV", b"") == "csv"
    assert detect_format("https://example.org/items.json?page=1", b"") == "json"
    assert detect_format("https://example.org/export", b"a,b", "text/csv; charset=utf-8") == "csv"
    assert detect_format("https://example.org/export", b'\n [{"title": 1}]') == "json"
    assert detect_format("https://example.org/feed", b"<rss/>") == "feed"


def test_minutes_explicit_then_duration_then_body_then_none() -> None:
    defaults = Defaults("test")

    def minutes(**fields: object) -> int | None:
        entry = RawEntry("e", title="T", url="https://example.org/t", **fields)
        return build_record(entry, defaults).minutes

    body = "word " * 461
    assert minutes(minutes="12", duration="1:00:00", body=body) == 12
    assert minutes(duration="1:00:00", body=body) == 60
    assert minutes(duration="not a time", body=body) == 3  # 461 words: 2.004 -> 3 minutes
    assert minutes() is None
    assert reading_minutes("word " * 230) == 1
    assert reading_minutes("word " * 231) == 2
    assert reading_minutes("") is None
    assert [duration_minutes(raw) for raw in ("45:30", "1:02:03", "2700", "59", "", "1h")] == [
        46, 63, 45, 1, None, None]


def test_every_field_is_bounded() -> None:
    entry = RawEntry(
        "e", external_id="x" * 1500, title="<b>Long</b> " + "title " * 200,
        url="https://example.org/t", summary="<p>" + "summary " * 500 + "</p>",
        topics=[" Maps ", "MAPS", "", "t" * 100],
    )
    record = build_record(entry, Defaults("test"))
    assert len(record.title) <= MAX_TITLE and record.title.startswith("Long title")
    assert len(record.summary) <= MAX_SUMMARY and record.summary.endswith("…")
    assert record.external_id == build_record(entry, Defaults("test")).external_id
    assert record.external_id.startswith("sha256:")
    assert record.topics == ("maps", "t" * 64)
    for url in ("javascript:alert(1)", "https://", "http://exa mple.org", "mailto:a@b.c",
                "https://example.org:99999/"):
        with pytest.raises(Rejected, match="not a valid http"):
            build_record(RawEntry("e", title="T", url=url), Defaults("test"))


def test_an_unknown_default_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        Defaults("test", kind="poem")


def test_a_repeated_id_in_one_source_is_rejected_not_merged() -> None:
    entries = [RawEntry(f"entry {n}", external_id="same", title=f"T{n}",
                        url=f"https://example.org/{n}") for n in (1, 2)]
    records, rejected = build_records(entries, Defaults("test"))
    assert [record.title for record in records] == ["T1"]
    assert rejected == [Rejection("entry 2", "an earlier entry has the same id")]


def test_the_demo_catalogue_is_complete_and_clean() -> None:
    path = PROJECT / "data" / "demo" / "catalog.atom"
    records, rejected = read_records(path.read_bytes(), str(path))
    assert rejected == []
    assert len(records) >= 64
    topics = Counter(topic for record in records for topic in record.topics)
    assert len(topics) >= 8 and "writing life" in topics
    assert all(1 <= len(record.topics) <= 3 for record in records)
    kinds = Counter(record.kind for record in records)
    assert kinds["book"] >= 6 and kinds["episode"] >= 8 and kinds["video"] >= 4
    assert all(record.minutes and record.published_at and record.summary for record in records)
    assert sum(record.minutes <= 7 for record in records) >= 5  # "something short"
    assert len({record.external_id for record in records}) == len(records)
    assert len({record.summary for record in records}) == len(records)
    assert all(record.url.startswith("https://mirakestrel.example/") for record in records)


def feed_with_title(title: str, declaration: str = '<?xml version="1.0"?>') -> str:
    return (f'{declaration}<rss version="2.0"><channel><title>Notes</title><item>'
            f"<title>{title}</title><link>https://mirakestrel.example/notes/1</link>"
            "</item></channel></rss>")


@pytest.mark.parametrize(("content", "content_type", "title"), [
    (feed_with_title("Tide&nbsp;tables").encode(), None, "Tide tables"),
    (feed_with_title("潮の満ち引き", '<?xml version="1.0" encoding="Shift_JIS"?>')
     .encode("shift_jis"), "application/rss+xml; charset=Shift_JIS", "潮の満ち引き"),
    (feed_with_title("Café", "").encode("latin-1"), "text/xml; charset=ISO-8859-1", "Café"),
], ids=["an HTML entity", "a multi-byte encoding", "an encoding only the server names"])
def test_feeds_are_checked_first_without_losing_what_feedparser_could_read(
    content: bytes, content_type: str | None, title: str
) -> None:
    records, rejected = read_records(content, "https://mirakestrel.example/feed",
                                     content_type=content_type)
    assert [record.title for record in records] == [title] and rejected == []


@pytest.mark.parametrize(("content", "message"), [
    (feed_with_title("<b>Unclosed").encode(), r"^not a readable feed: mismatched tag at line"),
    (feed_with_title("x", '<?xml version="1.0" encoding="no-such"?>').encode(),
     r"^not a readable feed: unknown encoding 'no-such'$"),
])
def test_xml_that_is_not_well_formed_is_refused(content: bytes, message: str) -> None:
    with pytest.raises(ImportFailed, match=message):
        read_records(content, "feed.xml")
