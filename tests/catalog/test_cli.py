"""`penpal content ...` through typer's CliRunner, against a temporary SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import Result
from sqlalchemy import func, select
from typer.testing import CliRunner

from penpal.catalog.cli import content_app
from penpal.db import Database
from penpal.db.models import Item
from tests.catalog.conftest import FIXTURES, FeedServer

runner = CliRunner()


@pytest.fixture
def app_url(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PENPAL_DATABASE_URL", sqlite_url)
    return sqlite_url


def flat(result: Result) -> str:
    """The command's output on one line: rich wraps long paths at the terminal width."""
    return " ".join(result.output.split())


def count_items(url: str) -> int:
    db = Database(url)
    try:
        with db.session() as session:
            return session.scalar(select(func.count(Item.id)))
    finally:
        db.dispose()


def test_import_prints_a_summary_and_stores_the_items(app_url: str) -> None:
    result = runner.invoke(content_app, ["import", str(FIXTURES / "items.csv"), "--topic",
                                         "Demo", "--kind", "article"])
    assert result.exit_code == 0, result.output
    assert "new" in flat(result) and "rejected" in flat(result)
    assert "it has no title" in flat(result) and "unknown kind 'poem'" in flat(result)
    assert count_items(app_url) == 4

    again = runner.invoke(content_app, ["import", str(FIXTURES / "items.csv"), "-t", "demo"])
    assert again.exit_code == 0, again.output
    assert "unchanged" in flat(again)
    assert count_items(app_url) == 4

    listed = runner.invoke(content_app, ["list", "--topic", "demo"])
    assert listed.exit_code == 0 and "4 item(s)." in flat(listed)


def test_a_failed_import_exits_with_1(app_url: str) -> None:
    result = runner.invoke(content_app, ["import", str(FIXTURES / "broken.xml")])
    assert result.exit_code == 1
    assert "Import failed" in flat(result) and "not a readable feed" in flat(result)
    missing = runner.invoke(content_app, ["import", str(FIXTURES / "missing.csv")])
    assert missing.exit_code == 1 and "could not be read" in flat(missing)
    assert count_items(app_url) == 0


def test_an_unknown_kind_is_refused_by_the_command_line(app_url: str) -> None:
    result = runner.invoke(content_app, ["import", str(FIXTURES / "items.csv"), "--kind", "poem"])
    assert result.exit_code == 2 and "poem" in flat(result)


def test_sync_imports_the_feeds_in_penpal_yml(
    app_url: str, config_path: Path, feed_server: FeedServer
) -> None:
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["catalog"] = {"feeds": [
        {"url": feed_server.serve_fixture("podcast.xml"), "kind": "episode"},
        {"url": feed_server.serve_fixture("atom.xml", status=500)},
    ]}
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = runner.invoke(content_app, ["sync", "--force"])  # penpal.yml from PENPAL_CONFIG
    assert result.exit_code == 1  # one feed failed
    assert "imported" in flat(result) and "failed" in flat(result)
    assert count_items(app_url) == 4


def test_lookup_writes_the_nlu_file(app_url: str, tmp_path: Path) -> None:
    runner.invoke(content_app, ["import", str(FIXTURES / "podcast.xml")])
    out = tmp_path / "lookup_topic.yml"
    result = runner.invoke(content_app, ["lookup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 4 topic(s)" in flat(result)
    assert yaml.safe_load(out.read_text())["nlu"][0]["lookup"] == "topic"


def test_an_unmigrated_database_is_reported(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PENPAL_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    result = runner.invoke(content_app, ["list"])
    assert result.exit_code == 2 and "penpal db upgrade" in flat(result)
