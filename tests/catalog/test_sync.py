"""Keeping the writer's feeds in sync, and the topics the catalogue teaches the NLU."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from sqlalchemy import select

from penpal.catalog import (
    catalog_items,
    import_file,
    sync_feeds,
    topic_lookup_yaml,
    topics_in_catalog,
    write_topic_lookup,
)
from penpal.catalog.state import feed_check
from penpal.config import CatalogSettings, Feed, PenpalConfig, load_config
from penpal.db import Database
from penpal.db.models import Item, utcnow
from tests.catalog.conftest import FIXTURES, FeedServer


def with_feeds(config_path: Path, *feeds: Feed) -> PenpalConfig:
    config = load_config(config_path)
    return config.copy(update={"catalog": CatalogSettings(feeds=list(feeds), sync_minutes=60)})


def test_one_failing_feed_does_not_stop_the_others(
    db: Database, feed_server: FeedServer, config_path: Path
) -> None:
    broken = feed_server.serve_fixture("rss2.xml", "/broken", status=500)
    podcast = feed_server.serve_fixture("podcast.xml")
    config = with_feeds(
        config_path,
        Feed(url=broken),
        Feed(url=podcast, kind="episode", topics=["The Margins", "Podcast"]),
    )
    failed, imported = sync_feeds(db, config, timeout=2)
    assert (failed.url, failed.status, failed.summary) == (broken, "failed", None)
    assert failed.error and "HTTP 500" in failed.error
    assert feed_check(db, broken).last_error == failed.error
    assert imported.status == "imported" and imported.summary and imported.summary.new == 4
    with db.session() as session:
        episode = session.execute(
            select(Item).where(Item.external_id == "margins-010")).scalar_one()
        assert episode.kind == "episode"
        assert sorted(topic.topic for topic in episode.topics) == [
            "podcast", "the margins", "worldbuilding"]


def test_only_feeds_that_are_due_are_fetched(
    db: Database, feed_server: FeedServer, config_path: Path
) -> None:
    url = feed_server.serve_fixture("atom.xml")
    config = with_feeds(config_path, Feed(url=url))
    assert [result.status for result in sync_feeds(db, config)] == ["imported"]
    assert [result.status for result in sync_feeds(db, config)] == ["not due"]
    later = utcnow() + timedelta(minutes=61)
    assert [result.status for result in sync_feeds(db, config, now=later)] == ["unchanged"]
    forced = sync_feeds(db, config, force=True)
    assert [result.status for result in forced] == ["imported"]
    assert forced[0].summary and forced[0].summary.unchanged == 3
    assert "If-None-Match" not in feed_server.requests_to("/atom.xml")[-1][0]
    assert len(feed_server.requests_to("/atom.xml")) == 3


def test_the_catalogue_topics_and_their_lookup_table(db: Database, tmp_path: Path) -> None:
    assert topics_in_catalog(db) == []
    import_file(db, FIXTURES / "items.json")
    import_file(db, FIXTURES / "podcast.xml", topics=["Writing Life"])
    topics = ["fantasy", "folklore", "maps", "research", "worldbuilding", "writing life",
              "craft"]
    assert topics_in_catalog(db) == sorted(topics)

    path = tmp_path / "nlu" / "lookup_topic.yml"
    assert write_topic_lookup(db, path) == sorted(topics)
    text = path.read_text(encoding="utf-8")
    assert text == topic_lookup_yaml(topics)
    assert yaml.safe_load(text)["version"] == "3.1"
    [table] = RasaYAMLReader().reads(text).lookup_tables
    assert table == {"name": "topic", "elements": sorted(topics)}


def test_catalogue_items_by_topic_newest_first(db: Database) -> None:
    import_file(db, FIXTURES / "podcast.xml")
    assert [item.external_id for item in catalog_items(db, "Maps")] == ["margins-012"]
    assert [item.external_id for item in catalog_items(db)] == [
        "margins-012", "margins-011", "margins-010", "margins-bonus-launch"]
