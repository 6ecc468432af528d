import logging
from pathlib import Path

import yaml
from sqlalchemy import func, select

from penpal.db import Database
from penpal.db.models import Item
from penpal.scheduler import tick
from tests.catalog.conftest import FeedServer


def use_feeds(config_path: Path, *urls: str) -> None:
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["catalog"] = {"feeds": [{"url": url} for url in urls], "sync_minutes": 60}
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")


def items(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count(Item.id)))


def test_a_tick_imports_due_feeds_once(
    db: Database, config_path: Path, feed_server: FeedServer
) -> None:
    use_feeds(config_path, feed_server.serve_fixture("rss2.xml"))
    tick(db)
    imported = items(db)
    assert imported > 0
    tick(db)  # not due again for an hour: no second request
    assert len(feed_server.requests_to("/rss2.xml")) == 1
    assert items(db) == imported


def test_a_failing_feed_or_config_never_stops_the_scheduler(
    db: Database, config_path: Path, feed_server: FeedServer, caplog
) -> None:
    use_feeds(config_path, feed_server.serve_fixture("broken.xml"),
              feed_server.serve_fixture("atom.xml"))
    with caplog.at_level(logging.WARNING):
        tick(db)
    assert items(db) > 0
    assert "broken.xml failed" in caplog.text
    config_path.write_text("catalog: [broken\n", encoding="utf-8")
    tick(db)  # the last good configuration is used; nothing raises
