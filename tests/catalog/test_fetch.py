"""Importing over HTTP from a real server on loopback: conditional requests and failures."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from penpal.catalog import ImportFailed, import_source, import_url
from penpal.catalog.state import feed_check
from penpal.db import Database
from penpal.db.models import Item
from tests.catalog.conftest import FIXTURES, LAST_MODIFIED, FeedServer


def snapshot(db: Database) -> list[tuple]:
    with db.session() as session:
        return [(item.id, item.external_id, item.title, item.content_hash, item.updated_at)
                for item in session.execute(select(Item).order_by(Item.id)).scalars()]


def test_a_feed_unchanged_since_the_last_fetch_is_not_read_again(
    db: Database, feed_server: FeedServer
) -> None:
    url = feed_server.serve_fixture("rss2.xml", "/notes.rss")
    first = import_url(db, url)
    assert (first.new, first.not_modified) == (3, False)
    state = feed_check(db, url)
    assert state.etag == feed_server.resources["/notes.rss"].etag
    assert state.last_modified == LAST_MODIFIED
    assert state.last_error is None and state.checked_at is not None
    before = snapshot(db)

    second = import_url(db, url)
    assert second.not_modified and (second.new, second.updated, second.unchanged) == (0, 0, 0)
    [(_, _), (headers, status)] = feed_server.requests_to("/notes.rss")
    assert headers["If-None-Match"] == state.etag
    assert headers["If-Modified-Since"] == LAST_MODIFIED
    assert status == 304
    assert snapshot(db) == before
    assert feed_check(db, url).checked_at > state.checked_at


def test_last_modified_alone_is_enough_for_a_304(db: Database, feed_server: FeedServer) -> None:
    url = feed_server.serve_fixture("atom.xml", send_etag=False)
    import_url(db, url)
    assert feed_check(db, url).etag is None
    assert import_url(db, url).not_modified
    [(headers, _), (again, status)] = feed_server.requests_to("/atom.xml")
    assert "If-Modified-Since" not in headers and "If-None-Match" not in again
    assert (again["If-Modified-Since"], status) == (LAST_MODIFIED, 304)


def test_a_changed_feed_is_fetched_and_updated(db: Database, feed_server: FeedServer) -> None:
    url = feed_server.serve_fixture("podcast.xml")
    import_url(db, url, kind="episode")
    text = (FIXTURES / "podcast.xml").read_text().replace("45:30", "50:00")
    feed_server.serve("/podcast.xml", text)
    summary = import_url(db, url, kind="episode")
    assert (summary.new, summary.updated, summary.unchanged) == (0, 1, 3)
    assert feed_server.requests_to("/podcast.xml")[-1][1] == 200


def test_a_broken_feed_fails_clearly_and_leaves_the_catalogue_alone(
    db: Database, feed_server: FeedServer
) -> None:
    url = feed_server.serve_fixture("rss2.xml", "/feed")
    import_url(db, url)
    good = feed_check(db, url)
    before = snapshot(db)

    feed_server.serve_fixture("broken.xml", "/feed")
    with pytest.raises(ImportFailed, match="not a readable feed"):
        import_url(db, url)
    assert snapshot(db) == before
    failed = feed_check(db, url)
    assert failed.last_error is not None and "not a readable feed" in failed.last_error
    assert failed.etag == good.etag  # kept for when the feed is repaired

    feed_server.serve_fixture("rss2.xml", "/feed")
    assert import_url(db, url).not_modified  # repaired: same content as the last good one
    assert feed_check(db, url).last_error is None


def test_a_server_error_fails_the_import(db: Database, feed_server: FeedServer) -> None:
    url = feed_server.serve_fixture("rss2.xml", "/feed")
    import_url(db, url)
    before = snapshot(db)
    feed_server.serve_fixture("rss2.xml", "/feed", status=500)
    with pytest.raises(ImportFailed, match="HTTP 500"):
        import_url(db, url)
    assert snapshot(db) == before
    assert "HTTP 500" in (feed_check(db, url).last_error or "")


def test_a_server_slower_than_the_timeout_fails_in_time(
    db: Database, feed_server: FeedServer
) -> None:
    url = feed_server.serve_fixture("rss2.xml", "/slow", delay=5)
    started = time.monotonic()
    with pytest.raises(ImportFailed, match=r"did not answer within 0\.5 s"):
        import_url(db, url, timeout=0.5)
    assert time.monotonic() - started < 2
    assert "0.5 s" in (feed_check(db, url).last_error or "")
    assert snapshot(db) == []


def test_an_unreachable_server_fails_the_import(db: Database, feed_server: FeedServer) -> None:
    url = feed_server.base + "/feed"
    feed_server.stop()
    with pytest.raises(ImportFailed, match=r"could not be reached: .*Connection refused"):
        import_url(db, url, timeout=2)


def test_relative_links_are_resolved_against_the_feed_url(
    db: Database, feed_server: FeedServer
) -> None:
    url = feed_server.serve("/feeds/notes.rss", """<?xml version="1.0" encoding="utf-8"?>
        <rss version="2.0"><channel><title>Notes</title><link>/</link>
        <item><title>Relative</title><link>../notes/relative</link></item>
        </channel></rss>""")
    import_url(db, url)
    [(_, external_id, *_)] = snapshot(db)
    assert external_id == feed_server.base + "/notes/relative"


def test_a_source_too_long_to_store_fails_clearly(db: Database) -> None:
    url = "https://mirakestrel.example/" + "x" * 600
    with pytest.raises(ImportFailed, match="at most 500 characters"):
        import_url(db, url)
    assert "at most 500" in (feed_check(db, url).last_error or "")


def test_csv_and_json_can_be_imported_from_a_url(db: Database, feed_server: FeedServer) -> None:
    csv_summary = import_source(db, feed_server.serve_fixture("items.csv", "/export"))
    json_summary = import_source(db, feed_server.serve_fixture("items.json", "/api/items"))
    assert (csv_summary.new, len(csv_summary.rejected)) == (4, 6)
    assert (json_summary.new, len(json_summary.rejected)) == (3, 1)
