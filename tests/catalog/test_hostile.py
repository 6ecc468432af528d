"""Hostile feeds from a real server on loopback: each import fails safe, with a reason,
in time and in bounded memory, and leaves the catalogue as it was (Penpal issue #12)."""

from __future__ import annotations

import random
import re
import time
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import select

from penpal.catalog import ImportFailed, import_file, import_url
from penpal.catalog.fetch import MAX_BYTES
from penpal.catalog.parsers import MAX_ENTRIES
from penpal.catalog.records import MAX_SUMMARY, MAX_TITLE, MAX_URL, Rejection
from penpal.catalog.state import feed_check
from penpal.db import Database
from penpal.db.models import Item
from tests.catalog.conftest import (
    FIXTURES,
    FeedServer,
    Hostile,
    endless,
    gzip_bomb,
    in_flight_bytes,
)
from tests.catalog.test_fetch import snapshot

pytestmark = pytest.mark.hostile("catalogue feeds")

RSS = "application/rss+xml"
START = b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>x</title>'
END = b"</channel></rss>"


@pytest.fixture
def stored(db: Database, feed_server: FeedServer) -> str:
    """The URL of a feed imported once (three items); each test then turns it hostile."""
    url = feed_server.serve_fixture("rss2.xml", "/feed")
    assert import_url(db, url).new == 3
    return url


def fails_safely(db: Database, url: str, reason: str, **options: float) -> float:
    """Import ``url``: ImportFailed matching ``reason``, recorded as the feed's last error,
    and the catalogue unchanged. Returns the seconds the import took."""
    before = snapshot(db)
    started = time.monotonic()
    with pytest.raises(ImportFailed, match=reason):
        import_url(db, url, **options)
    elapsed = time.monotonic() - started
    assert snapshot(db) == before
    assert re.search(reason, feed_check(db, url).last_error or "")
    return elapsed


@pytest.mark.parametrize("name", ["billion_laughs.xml", "quadratic_blowup.xml", "xxe.xml"])
def test_xml_entities_are_refused(
    db: Database, feed_server: FeedServer, stored: str, name: str
) -> None:
    feed_server.serve_fixture(name, "/feed")
    fails_safely(db, stored, r"^refused: the feed declares the XML entity '(lol|a|secret)'")


def test_a_feed_that_says_it_is_too_large_is_refused_before_it_is_read(
    db: Database, feed_server: FeedServer, stored: str
) -> None:
    hostile = Hostile(endless(bytes(64 * 1024)),
                      {"Content-Type": RSS, "Content-Length": str(50 * MAX_BYTES)})
    feed_server.serve_hostile("/feed", hostile)
    elapsed = fails_safely(db, stored, r"/feed is larger than 20 MB \(it says 1000 MB\)$")
    assert elapsed < 8  # stopped by the cap, well before the 10 s deadline
    assert hostile.sent < MAX_BYTES  # what the socket buffers took, no more


def test_a_feed_without_length_or_end_is_cut_off_at_the_cap(
    db: Database, feed_server: FeedServer, stored: str
) -> None:
    hostile = Hostile(endless(b"<item><title>More</title></item>" * 2000),
                      {"Content-Type": RSS, "Transfer-Encoding": "chunked"}, chunked=True)
    feed_server.serve_hostile("/feed", hostile)
    elapsed = fails_safely(db, stored, r"/feed is larger than 20 MB$")
    assert elapsed < 8  # stopped by the cap, well before the 10 s deadline
    # the client stopped at the cap: the server wrote no more than the connection holds
    assert MAX_BYTES < hostile.sent <= MAX_BYTES + in_flight_bytes()


def test_a_gzip_bomb_stops_at_the_cap_on_the_inflated_bytes(
    db: Database, feed_server: FeedServer, stored: str
) -> None:
    pieces, size = gzip_bomb(START, gigabytes=64)
    hostile = Hostile(pieces, {"Content-Type": RSS, "Content-Encoding": "gzip"}, total=size)
    feed_server.serve_hostile("/feed", hostile)
    tracemalloc.start()
    try:
        elapsed = fails_safely(db, stored, r"/feed is larger than 20 MB$")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 8  # stopped by the cap, well before the 10 s deadline
    assert peak < 2 * MAX_BYTES  # of the 64 GB it inflates to
    assert hostile.sent < hostile.total / 10


@pytest.mark.parametrize(("drip_head", "reason"), [
    (False, r"/feed did not finish within 1 s$"),
    (True, r"/feed did not answer within 1 s$"),
])
def test_a_slow_drip_is_cut_off_at_the_deadline(
    db: Database, feed_server: FeedServer, stored: str, drip_head: bool, reason: str
) -> None:
    # A byte every 0.25 s: no single read waits as long as the 1 s timeout.
    hostile = Hostile(endless(b" "), {"Content-Type": RSS}, pause=0.25, drip_head=drip_head)
    feed_server.serve_hostile("/feed", hostile)
    elapsed = fails_safely(db, stored, reason, timeout=1)
    assert 0.9 < elapsed < 5  # at the 1 s deadline, not never


@pytest.mark.parametrize(("body", "content_type", "reason"), [
    (random.Random(12).randbytes(4096), "application/octet-stream",
     r"^not a readable feed: not well-formed \(invalid token\) at line 1"),
    ((FIXTURES / "not_a_feed.html").read_bytes(), "text/html",
     r"^not an RSS or Atom feed \(its root element is <html>\)$"),
], ids=["binary noise", "an HTML page"])
def test_garbage_is_not_a_feed(
    db: Database, feed_server: FeedServer, stored: str, body: bytes, content_type: str,
    reason: str,
) -> None:
    feed_server.serve("/feed", body, content_type)
    fails_safely(db, stored, reason)


def test_categories_by_the_thousand_are_refused_before_feedparser_reads_them(
    db: Database, feed_server: FeedServer, stored: str
) -> None:
    # feedparser compares each category with every earlier one: 20,000 took it 40 s.
    feed_server.serve("/feed", START + b"<category>c</category>" * 20_000 + END)
    elapsed = fails_safely(
        db, stored, "^refused: more than 200 categories or keywords in the feed's own elements$")
    assert elapsed < 8  # stopped by the cap, well before the 10 s deadline


def test_one_import_takes_at_most_max_entries_and_says_so_for_the_rest(
    db: Database, feed_server: FeedServer, stored: str
) -> None:
    before = snapshot(db)
    items = "".join(f"<item><title>Post {number}</title>"
                    f"<link>https://mirakestrel.example/posts/{number}</link></item>"
                    for number in range(1, MAX_ENTRIES + 6))
    feed_server.serve("/feed", START + items.encode() + END)
    summary = import_url(db, stored)
    assert summary.new == MAX_ENTRIES
    assert summary.rejected == [Rejection(
        "entries 1001–1005", "one import takes at most 1000 entries; these were left out")]
    after = snapshot(db)
    assert after[:3] == before  # the items imported before are untouched
    assert (after[3][2], after[-1][2]) == ("Post 1", f"Post {MAX_ENTRIES}")


def test_absurdly_long_fields_are_cut_to_size_or_rejected_with_a_reason(
    db: Database, feed_server: FeedServer, stored: str
) -> None:
    before = snapshot(db)
    long_url = "https://mirakestrel.example/" + "x" * MAX_URL
    feed_server.serve("/feed", START + (
        f"<item><title>{'Long ' * 40_000}</title>"
        f"<link>https://mirakestrel.example/long</link><guid>{'g' * 5000}</guid>"
        f"<description>{'word ' * 400_000}</description></item>"
        f"<item><title>Far</title><link>{long_url}</link></item>").encode() + END)
    summary = import_url(db, stored)
    assert summary.new == 1
    assert summary.rejected == [
        Rejection("entry 2 ('Far')", "its URL is longer than 2000 characters")]
    assert snapshot(db)[:3] == before
    with db.session() as session:
        item = session.execute(
            select(Item).where(Item.url == "https://mirakestrel.example/long")).scalar_one()
        assert len(item.title) <= MAX_TITLE and item.title.endswith("Long…")
        assert len(item.summary) <= MAX_SUMMARY and item.summary.endswith("word…")
        assert item.external_id.startswith("sha256:")


def test_a_redirect_is_followed_without_reading_its_body(
    db: Database, feed_server: FeedServer
) -> None:
    feed_server.serve_fixture("atom.xml", "/moved.xml")
    hostile = Hostile(endless(bytes(64 * 1024)), {
        "Location": "/moved.xml", "Content-Length": str(50 * MAX_BYTES)}, status=301)
    url = feed_server.serve_hostile("/feed", hostile)
    summary = import_url(db, url, timeout=1)  # reading the 1 GB body would miss the deadline
    assert summary.new > 0 and hostile.sent < MAX_BYTES


def test_a_file_larger_than_the_cap_is_refused_unread(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "huge.xml"
    with path.open("wb") as file:
        file.truncate(50 * MAX_BYTES)  # sparse: nothing is written
    with pytest.raises(ImportFailed, match=r"huge.xml is larger than 20 MB$"):
        import_file(db, path)
    assert snapshot(db) == []
