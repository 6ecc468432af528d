"""Storing imports: idempotent upserts, in-place updates, concurrent imports (SQLite and
PostgreSQL)."""

from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from penpal.catalog import import_file, store_records
from penpal.catalog.parsers import parse_feed
from penpal.catalog.records import Defaults, build_records
from penpal.catalog.store import CatalogImportSummary
from penpal.db import Database
from penpal.db.models import Item, ItemTopic
from tests.catalog.conftest import FIXTURES


@dataclass(frozen=True)
class Stored:
    id: int
    title: str
    topics: list[str]
    source: str
    imported_at: datetime
    updated_at: datetime


def items(db: Database) -> dict[str, Stored]:
    with db.session() as session:
        return {
            row.external_id: Stored(row.id, row.title, sorted(t.topic for t in row.topics),
                                    row.source, row.imported_at, row.updated_at)
            for row in session.execute(select(Item)).scalars()
        }


def copy_fixture(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    shutil.copy(FIXTURES / name, path)
    return path


def test_importing_the_same_source_again_changes_nothing(db: Database, tmp_path: Path) -> None:
    path = copy_fixture(tmp_path, "rss2.xml")
    first = import_file(db, path, topics=["Notes"])
    assert (first.new, first.updated, first.unchanged, len(first.rejected)) == (3, 0, 0, 2)
    before = items(db)
    assert sorted(first.new_item_ids) == sorted(item.id for item in before.values())
    assert before["notes-2024-03-tide-tables"].source == str(path)
    assert before["notes-2024-03-tide-tables"].topics == ["maps", "notes", "worldbuilding"]

    again = import_file(db, path, topics=["Notes"])
    assert (again.new, again.updated, again.unchanged, again.new_item_ids) == (0, 0, 3, [])
    after = items(db)
    assert {key: (item.id, item.updated_at) for key, item in after.items()} == {
        key: (item.id, item.updated_at) for key, item in before.items()}


def test_a_changed_entry_is_updated_in_place_and_new_ones_are_reported(
    db: Database, tmp_path: Path
) -> None:
    path = copy_fixture(tmp_path, "rss2.xml")
    import_file(db, path)
    before = items(db)

    text = path.read_text(encoding="utf-8")
    text = text.replace("On dialogue tags, again", "On dialogue tags, one last time")
    text = text.replace("<category>Craft</category>", "<category>Revision</category>")
    new_item = """<item><title>The harbour library</title>
      <link>https://mirakestrel.example/notes/harbour-library</link>
      <guid isPermaLink="false">notes-2024-05-harbour-library</guid>
      <category>Reading</category></item>
    </channel>"""
    path.write_text(text.replace("</channel>", new_item), encoding="utf-8")

    summary = import_file(db, path)
    assert (summary.new, summary.updated, summary.unchanged) == (1, 1, 2)
    after = items(db)
    tags = after["notes-2023-11-dialogue-tags"]
    old_tags = before["notes-2023-11-dialogue-tags"]
    assert tags.id == old_tags.id and tags.title == "On dialogue tags, one last time"
    assert tags.topics == ["revision"]  # replaced, not merged
    assert tags.updated_at > old_tags.updated_at
    assert tags.imported_at == old_tags.imported_at
    tides = after["notes-2024-03-tide-tables"]
    assert tides.updated_at == before["notes-2024-03-tide-tables"].updated_at
    assert summary.new_item_ids == [after["notes-2024-05-harbour-library"].id]
    with db.session() as session:
        assert session.scalar(select(func.count(Item.id))) == 4
        assert session.scalar(select(func.count()).select_from(ItemTopic)) == 6


def test_the_same_entries_from_another_source_are_other_items(db: Database,
                                                              tmp_path: Path) -> None:
    one = import_file(db, copy_fixture(tmp_path, "podcast.xml"))
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    two = import_file(db, copy_fixture(other_dir, "podcast.xml"))
    assert (one.new, two.new) == (4, 4)
    assert not set(one.new_item_ids) & set(two.new_item_ids)


def test_two_imports_of_one_source_at_once_never_duplicate(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """Both read the (empty) catalogue before either writes: one insert must lose on the
    unique constraint, and its retry must find the other's items."""
    records, rejected = build_records(
        parse_feed((FIXTURES / "podcast.xml").read_bytes()), Defaults("podcast", "episode"))
    both_read = threading.Barrier(2, timeout=10)
    summaries: list[CatalogImportSummary] = []
    errors: list[BaseException] = []

    def run() -> None:
        waited = False

        def progress(done: int, total: int) -> None:
            nonlocal waited
            if not waited:  # the first call comes after this import read what exists
                waited = True
                both_read.wait()

        try:
            summaries.append(store_records(db, "podcast", records, rejected, progress))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    caplog.set_level(logging.INFO, logger="penpal.catalog.store")
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert "retrying" in caplog.text
    assert sorted((s.new, s.unchanged) for s in summaries) == [(0, 4), (4, 0)]
    with db.session() as session:
        assert session.scalar(select(func.count(Item.id))) == 4
        assert session.scalar(select(func.count()).select_from(ItemTopic)) == 4
