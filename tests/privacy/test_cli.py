"""`penpal privacy`: export, forget, purge, erase-conversations."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from penpal.db import Database
from penpal.privacy import forget_conversation, reader_id_for
from penpal.privacy.cli import privacy_app
from penpal.readers import reader_for_conversation
from tests.privacy.people import ZEPHYRINE, add_catalogue, backdate, days_ago, populate
from tests.privacy.rasa_store import Rasa
from tests.privacy.scan import traces, tracker_store_text

runner = CliRunner()


@pytest.fixture
def console_db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("PENPAL_DATABASE_URL", sqlite_url)
    db = Database(sqlite_url)
    yield db
    db.dispose()


@pytest.fixture
def rasa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rasa]:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    monkeypatch.setenv("PENPAL_TRACKER_STORE_URL", url)
    store = Rasa(url)
    yield store
    store.close()


@pytest.fixture
def zephyrine(console_db: Database) -> int:
    return populate(console_db, ZEPHYRINE, add_catalogue(console_db))


def test_export_by_conversation_or_reader_id(
    console_db: Database, zephyrine: int, tmp_path: Path
) -> None:
    printed = runner.invoke(privacy_app, ["export", ZEPHYRINE.conversations[1]])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output)["profile"]["display_name"] == ZEPHYRINE.name

    out = tmp_path / "export.json"
    written = runner.invoke(privacy_app, ["export", str(zephyrine), "--out", str(out)])
    assert written.exit_code == 0 and json.loads(out.read_text())["profile"]["id"] == zephyrine


def test_an_ambiguous_or_unknown_reader_is_refused(console_db: Database, zephyrine: int) -> None:
    with console_db.session() as session:  # a conversation named like another reader's id
        reader_for_conversation(session, str(zephyrine), "telegram")

    ambiguous = runner.invoke(privacy_app, ["export", str(zephyrine)])
    assert ambiguous.exit_code == 2 and f"reader:{zephyrine}" in ambiguous.output
    assert runner.invoke(privacy_app, ["export", f"reader:{zephyrine}"]).exit_code == 0
    assert runner.invoke(privacy_app, ["export", "nobody"]).exit_code == 1


def test_forget_asks_then_erases_everywhere(
    console_db: Database, zephyrine: int, rasa: Rasa
) -> None:
    rasa.conversation(ZEPHYRINE.conversations[0], (ZEPHYRINE.said, "Noted."))

    kept = runner.invoke(privacy_app, ["forget", str(zephyrine)], input="n\n")
    assert kept.exit_code == 1 and reader_id_for(console_db, ZEPHYRINE.conversations[0])

    erased = runner.invoke(privacy_app, ["forget", ZEPHYRINE.conversations[0], "--yes"])

    assert erased.exit_code == 0, erased.output
    assert "handoff_requests: 1" in erased.output
    assert "conversation events erased from Rasa's history: 7" in erased.output
    assert reader_id_for(console_db, ZEPHYRINE.conversations[0]) is None
    assert traces(tracker_store_text(rasa.url), ZEPHYRINE.traces) == []


def test_purge_uses_the_retention_period_of_penpal_yml(
    console_db: Database, zephyrine: int, rasa: Rasa, config_path: Path
) -> None:
    backdate(console_db, zephyrine, days_ago(4000))

    result = runner.invoke(privacy_app, ["purge", "--config", str(config_path)])

    assert result.exit_code == 0, result.output
    assert "readers erased (inactive too long): 1" in result.output
    assert reader_id_for(console_db, ZEPHYRINE.conversations[0]) is None


def test_erase_conversations_now(console_db: Database, rasa: Rasa) -> None:
    rasa.conversation("visitor-1", (ZEPHYRINE.said, "Noted."))
    forget_conversation(console_db, "visitor-1")

    result = runner.invoke(privacy_app, ["erase-conversations", "--grace-seconds", "0"])

    assert result.exit_code == 0 and "Conversation events erased: 7." in result.output
