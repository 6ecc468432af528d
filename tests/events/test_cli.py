"""`penpal events add/list/import/cancel` against a real app database."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from penpal.cli import app
from tests.conftest import PROJECT

runner = CliRunner()


@pytest.fixture(autouse=True)
def database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PENPAL_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("COLUMNS", "200")
    return sqlite_url


def test_import_add_list_cancel() -> None:
    imported = runner.invoke(app, ["events", "import", str(PROJECT / "data/demo/events.ics")])
    assert imported.exit_code == 0, imported.output
    assert "9" in imported.output
    added = runner.invoke(app, [
        "events", "add", "Pop-up signing", "--start", "2099-05-01T15:00",
        "--timezone", "Europe/Berlin", "--kind", "signing", "--city", "Berlin",
        "--capacity", "20"])
    assert added.exit_code == 0, added.output
    assert "Fri 1 May 2099, 15:00–16:30 CEST" in added.output
    listed = runner.invoke(app, ["events", "list"])
    assert "Launch party: The Compass of Ash" in listed.output
    assert "Pop-up signing" in listed.output
    event_id = added.output.split("#", 1)[1].split(":", 1)[0]
    cancelled = runner.invoke(app, ["events", "cancel", event_id])
    assert cancelled.exit_code == 0 and "0 reader(s) will be told" in cancelled.output
    assert "Pop-up signing" not in runner.invoke(app, ["events", "list"]).output


def test_bad_input_fails_with_a_reason() -> None:
    broken = runner.invoke(app, ["events", "import", str(PROJECT / "tests/events/fixtures/"
                                                        "broken.ics")])
    assert broken.exit_code == 1 and "not an iCalendar document" in broken.output
    bad_start = runner.invoke(app, ["events", "add", "X", "--start", "soon"])
    assert bad_start.exit_code == 1 and "bad --start" in bad_start.output
    assert runner.invoke(app, ["events", "cancel", "999"]).exit_code == 1
